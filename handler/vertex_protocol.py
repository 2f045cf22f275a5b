"""The Vertex AI prediction contract: parse and validate a request, format its predictions.

Request:  {"instances": [<instance>, ...], "parameters": {...}}
Instance: "text" | ["text", ...] | {"text": "text" | ["text", ...]}
Response: {"predictions": [...]}, one per instance, mirroring its shape.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from typing import Any

from handler.backends.base import GenerationParams
from handler.errors import ServingError, bad_request, json_type, too_large
from handler.parameters import PARAMETER_NAMES, RequestOptions, parse_all, parse_parameters

# Archives built before the request_body module import FormEncodedBody from here.
from handler.request_body import FormEncodedBody
from handler.settings import ServingSettings

__all__ = [
    "FormEncodedBody", "GenerationParams", "Instance", "PARAMETER_NAMES", "RequestOptions", "VertexRequest",
    "decode_body", "encode_reply", "format_predictions", "parse_parameters", "parse_request",
]  # fmt: skip

INSTANCE_FORMS = 'a string, a list of strings or {"text": ...}'
# C0 controls and DEL, but not tab, newline and carriage return, which real text contains.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# JSON's \uD800 escapes decode to lone surrogates, which no tokenizer or UTF-8 reply can carry.
LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
BOM = "\ufeff"


@dataclass(frozen=True)
class Instance:
    texts: tuple[str, ...]
    # A string instance gets a string prediction; a list (or {"text": [...]}) gets a list.
    is_list: bool


@dataclass(frozen=True)
class VertexRequest:
    instances: tuple[Instance, ...]
    params: GenerationParams
    options: RequestOptions = RequestOptions()

    @property
    def texts(self) -> list[str]:
        return [text for instance in self.instances for text in instance.texts]


def decode_body(body: Any) -> Any:
    """The request's JSON value; the body is JSON whatever the Content-Type says.

    The handler has TorchServe pass raw bytes; str and already-parsed values are accepted too,
    as TorchServe passes them when its own decoding is on. A ServingError in place of a body is
    the adapter's verdict on a body TorchServe ruined (handler/request_body.py) and is raised.
    """
    if isinstance(body, ServingError):  # the adapter found the body unreadable and says why
        raise body
    if isinstance(body, (bytes, bytearray)):
        try:
            body = bytes(body).decode("utf-8")
        except UnicodeDecodeError as e:
            raise bad_request(f"request body is not valid UTF-8 (byte {e.start})") from None
    if not isinstance(body, str):
        return body
    # RFC 8259 section 8.1 lets a parser ignore a byte-order mark; Windows editors save one.
    body = body.removeprefix(BOM)
    if not body.strip():
        raise bad_request('request body is empty; send JSON like {"instances": ["Bu odun yanmaz."]}')
    try:
        return json.loads(body, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise bad_request(f"request body is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    except ValueError:  # valid JSON, but an integer beyond Python's conversion limit
        raise bad_request(f"request body holds a number of more than {sys.get_int_max_str_digits()} digits") from None
    except RecursionError:
        raise bad_request("request body nests arrays or objects too deeply") from None


def _reject_constant(name: str) -> Any:
    raise bad_request(f"request body is not valid JSON: {name} is not a JSON number")


def parse_request(value: Any, defaults: GenerationParams, settings: ServingSettings) -> VertexRequest:
    """Validate a decoded body; raise ServingError naming the first problem found."""
    if not isinstance(value, dict):
        raise bad_request(f'request body must be a JSON object with "instances", not {json_type(value)}')
    unknown = sorted(set(value) - {"instances", "parameters"})
    if unknown:
        raise bad_request(f'unknown top-level key {unknown[0]!r}; a request has "instances" and optional "parameters"')
    if "instances" not in value:
        raise bad_request('request body has no "instances" list')
    raw_instances = value["instances"]
    if not isinstance(raw_instances, list):
        raise bad_request(f'"instances" must be a list, not {json_type(raw_instances)}')
    if not raw_instances:
        raise bad_request('"instances" is empty; send at least one instance')
    if len(raw_instances) > settings.max_instances:
        raise too_large(f"too many instances: {len(raw_instances)}, the limit is {settings.max_instances} per request")
    params, options = parse_all(value.get("parameters"), defaults, settings)
    # Markup counts toward the limits as the text it is: say so when it is there.
    counted = "" if options.mime_type == "text/plain" else f" ({options.mime_type}, markup included)"
    instances = tuple(_parse_instance(raw, f"instances[{i}]", settings, counted) for i, raw in enumerate(raw_instances))
    total = sum(len(text) for instance in instances for text in instance.texts)
    if total > settings.max_request_chars:
        raise too_large(f"request has {total} characters of text{counted}, the limit is {settings.max_request_chars}")
    return VertexRequest(instances, params, options)


def _parse_instance(raw: Any, where: str, settings: ServingSettings, counted: str = "") -> Instance:
    if isinstance(raw, dict):
        if "text" not in raw:
            raise bad_request(f'{where} is an object without "text"; it must be {INSTANCE_FORMS}')
        raw, where = raw["text"], f"{where}.text"
    if isinstance(raw, str):
        return Instance((_check_text(raw, where, settings, counted),), is_list=False)
    if isinstance(raw, list):
        if not raw:
            raise bad_request(f"{where} is an empty list; it must hold at least one string")
        texts = []
        for j, item in enumerate(raw):
            if not isinstance(item, str):
                raise bad_request(f"{where}[{j}] must be a string, not {json_type(item)}")
            texts.append(_check_text(item, f"{where}[{j}]", settings, counted))
        return Instance(tuple(texts), is_list=True)
    raise bad_request(f"{where} must be {INSTANCE_FORMS}, not {json_type(raw)}")


def _check_text(text: str, where: str, settings: ServingSettings, counted: str = "") -> str:
    if not text.strip():
        raise bad_request(f"{where} is empty or only whitespace")
    if len(text) > settings.max_text_chars:
        raise too_large(f"{where} has {len(text)} characters{counted}, the limit is {settings.max_text_chars}")
    control = CONTROL_CHARACTER.search(text)
    if control:
        raise bad_request(f"{where} contains the control character U+{ord(control.group()):04X}")
    surrogate = LONE_SURROGATE.search(text)
    if surrogate:
        raise bad_request(f"{where} contains the lone surrogate U+{ord(surrogate.group()):04X}, not a character")
    return text


def format_predictions(request: VertexRequest, translations: list[list[Any]]) -> dict[str, list[Any]]:
    """Reassemble flat translations (one list of hypotheses per text, strings or detail objects) in the
    request's shape."""
    single = request.params.num_return_sequences == 1
    hypotheses = iter(translations)
    predictions: list[Any] = []
    for instance in request.instances:
        per_text = [next(hypotheses) for _ in instance.texts]
        values = [h[0] if single else h for h in per_text]
        predictions.append(values if instance.is_list else values[0])
    return {"predictions": predictions}


def encode_reply(body: dict[str, Any]) -> str:
    """A reply body as sent: JSON with non-ASCII text as is (Turkish and English stay readable).

    NaN and infinity are refused (ValueError): they are not JSON, and a client's parser rejects them."""
    return json.dumps(body, ensure_ascii=False, allow_nan=False)
