"""Generated bodies through a real TorchServe: only 200/400/413/415, the worker never restarts,
and good requests sent among them (concurrently and right after) are answered correctly.

The suite sends a fixed-seed 200 bodies (about a minute); `make fuzz` sends FUZZ_BODIES (default 2,000).
"""

from __future__ import annotations

import json
import math
import os
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from handler.archive import build_archive
from handler.settings import read_model_config
from handler.torchserve import loopback_torchserve
from tests.request_strategies import bodies

pytestmark = pytest.mark.torchserve

BODIES = int(os.environ.get("FUZZ_BODIES", "200"))
PER_ROUND = 3
ALLOWED = {200, 400, 413, 415}
# Short, so that the good request after every generated body costs little.
GOOD = {"instances": ["Bu odun yanmaz.", ["Ev çok büyük."]], "parameters": {"max_new_tokens": 4}}
CONTENT_TYPES = [
    "application/json", "application/json", "application/json", "application/json; charset=utf-8",
    "text/plain", "application/octet-stream", "application/x-www-form-urlencoded", None,
]  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory, tiny_model_dir):
    """TorchServe with low generation caps, so that generated valid requests stay cheap for the tiny model."""
    config = read_model_config()
    config["handler"].update(max_num_beams=2, max_new_tokens=8, default_max_new_tokens=8)
    # Requests come one or a few at a time: waiting 20 ms for a batch to fill would only add up.
    config["maxBatchDelay"] = 1
    store = tmp_path_factory.mktemp("fuzz-store")
    build_archive(tiny_model_dir, store, model_config=config)
    ts = loopback_torchserve(store, tmp_path_factory.mktemp("fuzz-ts"))
    ts.start()
    try:
        ts.wait_ready()
        yield ts
    finally:
        ts.kill()


def post(url: str, body: bytes, content_type: str | None) -> requests.Response:
    headers = {"Content-Type": content_type} if content_type else {}
    return requests.post(url, data=body, headers=headers, timeout=120)


def test_generated_bodies_never_break_the_server(server):
    url = f"{server.inference_address}/predictions/tr_en"
    good = json.dumps(GOOD).encode()
    reference = post(url, good, "application/json")
    assert reference.status_code == 200, reference.text
    expected = reference.json()
    (pid,) = server.worker_pids()
    sent = {"bodies": 0, "statuses": {}}

    def check_good(response: requests.Response) -> None:
        assert response.status_code == 200, response.text
        assert response.json() == expected

    @seed(14)
    @settings(
        max_examples=math.ceil(BODIES / PER_ROUND),
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        round_=st.lists(st.tuples(bodies, st.sampled_from(CONTENT_TYPES)), min_size=PER_ROUND, max_size=PER_ROUND),
        concurrent=st.booleans(),
    )
    def one_round(round_, concurrent):
        if concurrent:  # the bodies and a good request in one TorchServe batch, as far as timing allows
            with ThreadPoolExecutor(PER_ROUND + 1) as pool:
                pending = [pool.submit(post, url, body, ct) for body, ct in round_]
                good_one = pool.submit(post, url, good, "application/json")
                responses = [f.result() for f in pending]
                check_good(good_one.result())
        else:  # one at a time, each followed by a good request
            responses = []
            for body, ct in round_[:-1]:
                responses.append(post(url, body, ct))
                check_good(post(url, good, "application/json"))
            responses.append(post(url, *round_[-1]))
        for (body, content_type), response in zip(round_, responses):
            status = response.status_code
            sent["statuses"][status] = sent["statuses"].get(status, 0) + 1
            assert status in ALLOWED, (body[:300], content_type, status, response.text[:300])
            reply = response.json()
            if status == 200:
                instances = json.loads(body.decode("utf-8").removeprefix("\ufeff"))["instances"]
                assert len(reply["predictions"]) == len(instances)
            else:
                assert reply.get("error") or reply.get("message"), reply
        sent["bodies"] += len(round_)
        check_good(post(url, good, "application/json"))

    one_round()
    assert sent["bodies"] >= BODIES
    print(f"\n{sent['bodies']} generated bodies, statuses {dict(sorted(sent['statuses'].items()))}")
    assert server.worker_pids() == [pid], "the worker was restarted"
