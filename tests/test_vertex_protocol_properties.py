"""Properties of the Vertex protocol over generated input (hypothesis, fixed seed, bounded examples).

Whatever the body: either a reply whose predictions mirror the request's instances, or the one
serving error type with a 4xx status, a message, and a reply that encodes. Never another
exception, which TorchServe would turn into a 503 for every request of the batch.
"""

from __future__ import annotations

import json
import os
from typing import Any

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from handler.backends.base import GenerationParams
from handler.errors import ServingError
from handler.vertex_protocol import decode_body, encode_reply, format_predictions, parse_request
from tests.request_strategies import BOM, PATHOLOGICAL, bodies, json_values, request_values

DEFAULTS = GenerationParams(num_beams=4, max_new_tokens=256, num_return_sequences=1)
# `make fuzz` raises this; the suite keeps a fixed, small budget.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "400"))
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def expected_shape(raw: Any, sequences: int) -> Any:
    """What a prediction of `raw` must look like: "s" for a string, a list of them for a list."""
    text = raw["text"] if isinstance(raw, dict) else raw
    one = "s" if sequences == 1 else ["s"] * sequences
    return [one] * len(text) if isinstance(text, list) else one


def shape_of(prediction: Any) -> Any:
    return [shape_of(p) for p in prediction] if isinstance(prediction, list) else "s"


def check(body: Any, settings_: Any) -> None:
    """The property, for one body: a mirrored reply or a 4xx ServingError, both encodable."""
    try:
        value = decode_body(body)
        request = parse_request(value, DEFAULTS, settings_)
    except ServingError as e:
        assert 400 <= e.status < 500, (e.status, e.message)
        assert e.message and isinstance(e.message, str)
        # What TorchServe sends: the reply, encoded as UTF-8.
        assert json.loads(encode_reply(e.body()).encode("utf-8")) == e.body()
        return
    k = request.params.num_return_sequences
    translations = [[f"t{i}.{j}" for j in range(k)] for i in range(len(request.texts))]
    reply = format_predictions(request, translations)
    assert set(reply) == {"predictions"}
    assert [shape_of(p) for p in reply["predictions"]] == [expected_shape(raw, k) for raw in value["instances"]]
    assert json.loads(encode_reply(reply).encode("utf-8")) == reply


@seed(14)
@PROPERTY
@given(value=json_values)
def test_any_json_value_gives_a_mirrored_reply_or_a_4xx(value, settings):
    check(value, settings)


@seed(14)
@PROPERTY
@given(value=request_values())
def test_any_request_shaped_value_gives_a_mirrored_reply_or_a_4xx(value, settings):
    check(value, settings)


@seed(14)
@PROPERTY
@given(body=bodies)
def test_any_byte_string_gives_a_mirrored_reply_or_a_4xx(body, settings):
    check(body, settings)


@seed(14)
@PROPERTY
@given(value=request_values(), as_text=st.booleans())
def test_a_utf8_byte_order_mark_is_ignored(value, as_text, settings):
    # RFC 8259 section 8.1: a parser may ignore a BOM; Windows editors save one ("UTF-8 with BOM").
    plain = json.dumps(value).encode()
    with_bom = (BOM + plain).decode("utf-8") if as_text else BOM + plain
    outcomes = []
    for body in (plain, with_bom):
        try:
            outcomes.append(parse_request(decode_body(body), DEFAULTS, settings))
        except ServingError as e:
            outcomes.append((e.status, e.message))
    assert outcomes[0] == outcomes[1]


def test_pathological_bodies_are_4xx(settings):
    for body in PATHOLOGICAL:
        check(body, settings)
