"""Hypothesis strategies for request bodies: valid ones, near misses and plain garbage.

Shared by the property tests of the protocol (tests/test_vertex_protocol_properties.py) and the
generated-input run against a real TorchServe (tests/test_fuzz_torchserve.py).
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from handler.parameters import PARAMETER_NAMES

BOM = b"\xef\xbb\xbf"
# Texts the tiny model translates quickly; odd characters come from st.text() below.
WORDS = ["Bu", "odun", "yanmaz.", "Kedi", "bahçede", "uyuyor.", "ağaç", "İstanbul", "çok", "güzel"]

words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join)
# Every Unicode code point, lone surrogates and control characters included.
any_text = st.text(st.characters(exclude_categories=()), max_size=40)
texts = st.one_of(words, any_text, st.sampled_from(["", " ", "\t\n", "a\x00b", "\ud800", "\u200b", "🙂"]))

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    texts,
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(st.lists(children, max_size=5), st.dictionaries(texts, children, max_size=5)),
    max_leaves=20,
)

instances = st.one_of(
    texts,
    st.lists(texts, max_size=4),
    st.fixed_dictionaries({"text": st.one_of(texts, st.lists(texts, max_size=3))}),
    json_values,
)
parameter_values = st.one_of(
    st.integers(min_value=-2, max_value=10),
    st.sampled_from([1.0, 2.0, 2.5, 1e9, 513, True, "2", None, [], {}]),
    json_values,
)
parameters = st.dictionaries(st.one_of(st.sampled_from(PARAMETER_NAMES), texts), parameter_values, max_size=3)


@st.composite
def request_values(draw: st.DrawFn) -> Any:
    """A JSON value shaped like a request: mostly right, often wrong in one place."""
    value: dict[str, Any] = {"instances": draw(st.lists(instances, max_size=6))}
    if draw(st.booleans()):
        value["parameters"] = draw(st.one_of(parameters, json_values))
    if draw(st.integers(0, 9)) == 0:
        value[draw(texts)] = draw(json_values)
    if draw(st.integers(0, 9)) == 0:
        del value["instances"]
    return value


valid_instances = st.one_of(
    words,
    st.lists(words, min_size=1, max_size=3),
    st.fixed_dictionaries({"text": st.one_of(words, st.lists(words, min_size=1, max_size=2))}),
)
valid_requests = st.fixed_dictionaries(
    {"instances": st.lists(valid_instances, min_size=1, max_size=4)},
    optional={
        "parameters": st.fixed_dictionaries(
            {}, optional={"num_beams": st.integers(1, 2), "max_new_tokens": st.integers(1, 8)}
        )
    },
)


def _dumps(value: Any) -> bytes:
    # surrogatepass: a lone surrogate drawn by hypothesis goes out as the bytes a broken client would send.
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


@st.composite
def mutated(draw: st.DrawFn, body: bytes) -> bytes:
    """`body` with a few bytes replaced, inserted or cut off."""
    data = bytearray(body)
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["replace", "insert", "truncate"]))
        if action == "replace":
            data[at] = draw(st.integers(0, 255))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=4))
        else:
            del data[at:]
    return bytes(data)


# Bodies a parser must survive beyond what random bytes reach: digits past Python's int limit,
# nesting past its recursion limit, JSON constants, a byte-order mark.
PATHOLOGICAL = [
    b'{"instances": ["a"], "parameters": {"num_beams": ' + b"9" * 5000 + b"}}",
    b"[" * 100_000 + b"]" * 100_000,
    b'{"instances": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"instances": ["a"], "parameters": {"num_beams": Infinity}}',
    b'{"instances": ["a"], "parameters": {"num_beams": 1e400}}',
    b'{"instances": ["\\ud800"]}',
    b'{"instances": ["a\\udfff b"]}',
    BOM + BOM + b'{"instances": ["a"]}',
    b'{"instances": ["a"], "instances": 1}',
]

request_bytes = request_values().map(_dumps)
bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(_dumps),
    request_bytes,
    valid_requests.map(_dumps),
    request_bytes.flatmap(mutated),
    request_bytes.map(lambda b: BOM + b),
    st.sampled_from(PATHOLOGICAL),
)
