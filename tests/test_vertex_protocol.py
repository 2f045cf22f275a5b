"""The Vertex request contract: parsing, validation messages, reassembly in the request's shape."""

from __future__ import annotations

import json

import pytest

from handler.errors import ServingError
from handler.vertex_protocol import (
    FormEncodedBody,
    GenerationParams,
    decode_body,
    format_predictions,
    parse_request,
)

DEFAULTS = GenerationParams(num_beams=4, max_new_tokens=256, num_return_sequences=1)


def parse(body, settings):
    return parse_request(decode_body(body), DEFAULTS, settings)


def error_of(body, settings) -> ServingError:
    with pytest.raises(ServingError) as info:
        parse(body, settings)
    return info.value


@pytest.mark.parametrize(
    "body",
    [
        {"instances": ["Bu odun yanmaz."]},
        json.dumps({"instances": ["Bu odun yanmaz."]}),
        json.dumps({"instances": ["Bu odun yanmaz."]}).encode(),
        bytearray(json.dumps({"instances": ["Bu odun yanmaz."]}).encode()),
    ],
    ids=["parsed", "str", "bytes", "bytearray"],
)
def test_body_is_json_whatever_form_torchserve_passes(body, settings):
    request = parse(body, settings)
    assert request.texts == ["Bu odun yanmaz."]
    assert request.params == DEFAULTS


def test_instance_forms_and_their_shapes(settings):
    request = parse({"instances": ["Bir.", ["İki.", "Üç."], {"text": "Dört."}, {"text": ["Beş.", "Altı."]}]}, settings)
    assert request.texts == ["Bir.", "İki.", "Üç.", "Dört.", "Beş.", "Altı."]
    assert [i.is_list for i in request.instances] == [False, True, False, True]
    translations = [[t.upper()] for t in request.texts]
    assert format_predictions(request, translations) == {
        "predictions": ["BIR.", ["İKI.", "ÜÇ."], "DÖRT.", ["BEŞ.", "ALTI."]]
    }


def test_num_return_sequences_turns_each_string_into_a_list(settings):
    request = parse(
        {"instances": ["a", ["b", "c"]], "parameters": {"num_beams": 3, "num_return_sequences": 2}}, settings
    )
    assert request.params == GenerationParams(num_beams=3, max_new_tokens=256, num_return_sequences=2)
    prediction = format_predictions(request, [["a1", "a2"], ["b1", "b2"], ["c1", "c2"]])
    assert prediction == {"predictions": [["a1", "a2"], [["b1", "b2"], ["c1", "c2"]]]}


def test_whole_number_floats_count_as_integers(settings):
    # The Vertex SDK sends parameters through protobuf Value, so 4 arrives as 4.0.
    params = parse({"instances": ["a"], "parameters": {"num_beams": 4.0, "max_new_tokens": 12.0}}, settings).params
    assert (params.num_beams, params.max_new_tokens) == (4, 12)
    assert isinstance(params.num_beams, int) and isinstance(params.max_new_tokens, int)


def test_parameters_override_defaults(settings):
    request = parse({"instances": ["a"], "parameters": {"num_beams": 1, "max_new_tokens": 12}}, settings)
    assert request.params == GenerationParams(num_beams=1, max_new_tokens=12, num_return_sequences=1)
    assert parse({"instances": ["a"], "parameters": None}, settings).params == DEFAULTS
    assert parse({"instances": ["a"], "parameters": {}}, settings).params == DEFAULTS


@pytest.mark.parametrize(
    "body, status, message",
    [
        (b"{not json", 400, "request body is not valid JSON"),
        (b"", 400, "request body is empty"),
        (b'{"instances": ["\xff"]}', 400, "request body is not valid UTF-8"),
        (b'{"instances": [NaN]}', 400, "NaN is not a JSON number"),
        (b'{"instances": [1' + b"0" * 5000 + b"]}", 400, "request body holds a number of more than 4300 digits"),
        (b"[" * 100_000 + b"]" * 100_000, 400, "request body nests arrays or objects too deeply"),
        (b'{"instances": ["a\\ud800"]}', 400, "instances[0] contains the lone surrogate U+D800"),
        (b"\xef\xbb\xbf", 400, "request body is empty"),
        ([1, 2], 400, 'request body must be a JSON object with "instances", not a list'),
        ({"instance": ["a"]}, 400, "unknown top-level key 'instance'"),
        ({"parameters": {}}, 400, 'request body has no "instances" list'),
        ({"instances": "Bu odun yanmaz."}, 400, '"instances" must be a list, not a string'),
        ({"instances": []}, 400, '"instances" is empty'),
        ({"instances": ["a", "b", "c", 4]}, 400, 'instances[3] must be a string, a list of strings or {"text": ...}'),
        ({"instances": [None]}, 400, 'instances[0] must be a string, a list of strings or {"text": ...}, not null'),
        ({"instances": [["a", 2]]}, 400, "instances[0][1] must be a string, not a number"),
        ({"instances": [[]]}, 400, "instances[0] is an empty list"),
        ({"instances": [{"txt": "a"}]}, 400, 'instances[0] is an object without "text"'),
        ({"instances": [{"text": 5}]}, 400, "instances[0].text must be a string"),
        ({"instances": ["ok", ""]}, 400, "instances[1] is empty or only whitespace"),
        ({"instances": [" \n\t "]}, 400, "instances[0] is empty or only whitespace"),
        ({"instances": [["ok", "  "]]}, 400, "instances[0][1] is empty or only whitespace"),
        ({"instances": ["a\x00b"]}, 400, "instances[0] contains the control character U+0000"),
        ({"instances": ["a"], "parameters": []}, 400, '"parameters" must be an object, not a list'),
        ({"instances": ["a"], "parameters": {"num_beam": 2}}, 400, "unknown parameter 'num_beam'"),
        (
            {"instances": ["a"], "parameters": {"num_beams": 9}},
            400,
            "parameters.num_beams must be an integer from 1 to 8, not 9",
        ),
        (
            {"instances": ["a"], "parameters": {"num_beams": 0}},
            400,
            "parameters.num_beams must be an integer from 1 to 8",
        ),
        (
            {"instances": ["a"], "parameters": {"num_beams": "2"}},
            400,
            'parameters.num_beams must be an integer from 1 to 8, not "2"',
        ),
        ({"instances": ["a"], "parameters": {"num_beams": True}}, 400, "parameters.num_beams must be an integer"),
        ({"instances": ["a"], "parameters": {"num_beams": 2.5}}, 400, "parameters.num_beams must be an integer"),
        (
            {"instances": ["a"], "parameters": {"max_new_tokens": 1e9}},
            400,
            "parameters.max_new_tokens must be an integer",
        ),
        (
            {"instances": ["a"], "parameters": {"max_new_tokens": 513}},
            400,
            "parameters.max_new_tokens must be an integer from 1 to 512",
        ),
        (
            {"instances": ["a"], "parameters": {"num_beams": 2, "num_return_sequences": 3}},
            400,
            "parameters.num_return_sequences (3) must not exceed num_beams (2)",
        ),
        (
            {"instances": ["a"], "parameters": {"no_repeat_ngram_size": 11}},
            400,
            "parameters.no_repeat_ngram_size must be an integer from 0 to 10, not 11",
        ),
        (
            {"instances": ["a"], "parameters": {"no_repeat_ngram_size": -1}},
            400,
            "parameters.no_repeat_ngram_size must be an integer from 0 to 10",
        ),
        (
            {"instances": ["a"], "parameters": {"repetition_penalty": 2.5}},
            400,
            "parameters.repetition_penalty must be a number from 1.0 to 2.0, not 2.5",
        ),
        (
            {"instances": ["a"], "parameters": {"repetition_penalty": 0.9}},
            400,
            "parameters.repetition_penalty must be a number from 1.0 to 2.0",
        ),
        (
            {"instances": ["a"], "parameters": {"repetition_penalty": "1.2"}},
            400,
            'parameters.repetition_penalty must be a number from 1.0 to 2.0, not "1.2"',
        ),
        ({"instances": ["a"], "parameters": {"repetition_penalty": False}}, 400, "parameters.repetition_penalty"),
        (
            {"instances": ["a"], "parameters": {"return_details": 1}},
            400,
            "parameters.return_details must be true or false, not 1",
        ),
        (
            {"instances": ["a"], "parameters": {"split_sentences": "no"}},
            400,
            'parameters.split_sentences must be true or false, not "no"',
        ),
        ({"instances": ["a"], "parameters": {"return_detail": True}}, 400, "unknown parameter 'return_detail'"),
        (FormEncodedBody("application/x-www-form-urlencoded"), 415, "Content-Type: application/json"),
    ],
)
def test_bad_requests_name_the_problem(body, status, message, settings):
    error = error_of(body, settings)
    assert error.status == status
    assert message in error.message
    assert error.body() == {"error": error.message}


def test_limits(settings):
    too_many = {"instances": ["a"] * (settings.max_instances + 1)}
    error = error_of(too_many, settings)
    assert (error.status, error.message) == (
        413,
        f"too many instances: {settings.max_instances + 1}, the limit is {settings.max_instances} per request",
    )
    assert len(parse({"instances": ["a"] * settings.max_instances}, settings).texts) == settings.max_instances

    long_text = "a" * (settings.max_text_chars + 1)
    error = error_of({"instances": ["ok", long_text]}, settings)
    assert error.status == 413
    assert f"instances[1] has {len(long_text)} characters, the limit is {settings.max_text_chars}" == error.message

    chunk = "a" * settings.max_text_chars
    count = settings.max_request_chars // settings.max_text_chars + 1
    error = error_of({"instances": [chunk] * count}, settings)
    assert error.status == 413
    assert f"the limit is {settings.max_request_chars}" in error.message


def test_text_with_newlines_and_tabs_is_accepted(settings):
    assert parse({"instances": ["Bir.\nİki.\tÜç.\r\n"]}, settings).texts == ["Bir.\nİki.\tÜç.\r\n"]


def test_new_parameters_and_options(settings):
    request = parse(
        {
            "instances": ["a"],
            "parameters": {
                "no_repeat_ngram_size": 3.0,
                "repetition_penalty": 1,
                "split_sentences": False,
                "return_details": True,
            },
        },
        settings,
    )
    assert request.params == GenerationParams(4, 256, 1, no_repeat_ngram_size=3, repetition_penalty=1.0)
    assert isinstance(request.params.repetition_penalty, float)
    assert (request.options.split_sentences, request.options.return_details) == (False, True)
    default = parse({"instances": ["a"]}, settings)
    assert (default.options.split_sentences, default.options.return_details) == (True, False)
    assert (default.params.no_repeat_ngram_size, default.params.repetition_penalty) == (0, 1.0)


@pytest.mark.parametrize("body", [b"\xef\xbb\xbf" + b'{"instances": ["Bu odun yanmaz."]}',
                                  "\ufeff" + '{"instances": ["Bu odun yanmaz."]}'], ids=["bytes", "str"])
def test_a_utf8_byte_order_mark_before_the_body_is_ignored(body, settings):
    # RFC 8259 section 8.1; Windows editors save "UTF-8 with BOM".
    assert parse(body, settings).texts == ["Bu odun yanmaz."]
