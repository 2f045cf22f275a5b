"""Documents through a real TorchServe serving the tiny archive, directly and through vertex.batch_local."""

from __future__ import annotations

import json

import pytest
import requests

from bench.markup_quality import check_html, check_markdown, check_protected
from tests.test_vertex_batch_local import read_jsonl, run, write_lines
from vertex.batch_local import RESULTS_FILE

HTML = '<p>Bu <b class="x">odun</b> yanmaz. Merhaba {name}.</p><ul><li><a href="/e" title="Elma">Elma</a> nerede?</li></ul>'
MARKDOWN = "# Elma *nerede*\n\n1. Bu odun yanmaz.\n2. Bkz. https://example.com/a\n"


@pytest.fixture
def url(torchserve) -> str:
    return torchserve.inference_address + "/predictions/tr_en"


@pytest.mark.torchserve
def test_html_through_torchserve(url):
    reply = requests.post(
        url,
        json={
            "instances": [HTML, [HTML, "Kedi %s uyuyor."]],
            "parameters": {"mime_type": "text/html", "max_new_tokens": 8},
        },
        timeout=120,
    )
    assert reply.status_code == 200, reply.text
    single, (again, plain) = reply.json()["predictions"]
    assert check_html(HTML, single) == [] and again == single
    assert check_protected("Kedi %s uyuyor.", plain) == []
    refused = requests.post(url, json={"instances": ["x"], "parameters": {"mime_type": "text/rtf"}}, timeout=60)
    assert refused.status_code == 400 and "text/plain, text/html, text/markdown" in refused.json()["error"]


@pytest.mark.torchserve
def test_documents_through_batch_local(tmp_path, url):
    source = write_lines(tmp_path / "in.jsonl", [json.dumps(MARKDOWN), json.dumps({"text": [MARKDOWN]})])
    out = tmp_path / "out"
    assert run(source, out, url, "--parameters", '{"mime_type": "text/markdown", "max_new_tokens": 8}') == 0
    first, second = read_jsonl(out / RESULTS_FILE)
    assert check_markdown(MARKDOWN, first["prediction"]) == []
    assert second["prediction"] == [first["prediction"]]
