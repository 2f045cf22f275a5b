"""Request parameters: every rule about them in one place.

`GenerationParams` (handler/backends/base.py) holds the values; this module says, per field,
what a request may send (type and range, caps from model-config.yaml) and where the default
comes from (the model's generation config, within the caps). The list of names is derived from
the dataclasses, so a new parameter is a field of GenerationParams (decoding) or RequestOptions
(the request path, below), a rule here and its use in the backends or the service.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, fields, replace
from typing import Any

from handler.backends.base import GenerationParams, TranslationBackend
from handler.errors import bad_request, json_type
from handler.settings import ServingSettings


@dataclass(frozen=True)
class RequestOptions:
    """Request parameters that shape the request path rather than decoding: how a text is cut into
    segments and what a prediction holds. Requests that differ only here still share generate calls."""

    # Translate sentence by sentence (handler/sentences.py); false: the text as one segment, split only
    # beyond the source window, as release 0.1 did.
    split_sentences: bool = True
    # Each translated string becomes {"translation", "score", "sentences"}.
    return_details: bool = False
    # What the text is (Google Cloud Translation's names): plain text, or a document whose markup is kept
    # (handler/markup).
    mime_type: str = "text/plain"
    # Placeholders, URLs and e-mail addresses come back verbatim (handler/markup/protect.py).
    protect_spans: bool = True
    # (Turkish term, English term) pairs: each term found in a text comes back as its English term.
    glossary: tuple[tuple[str, str], ...] = ()


# C0 controls, DEL and lone surrogates: nothing a term can hold.
CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


@dataclass(frozen=True)
class Rule:
    """The values a request may give one parameter: of `kind` (int, float or bool), from `minimum` to
    `maximum`. `maximum` is a number, the name of the ServingSettings field that caps it, or None."""

    minimum: float = 1
    maximum: float | str | None = None
    kind: type = int

    def upper(self, settings: ServingSettings) -> float | None:
        return getattr(settings, self.maximum) if isinstance(self.maximum, str) else self.maximum

    def check(self, name: str, value: Any, settings: ServingSettings) -> Any:
        """The value as the field's type; ServingError (400) naming the parameter and its range."""
        if self.kind is bool:
            if not isinstance(value, bool):
                raise bad_request(f"parameters.{name} must be true or false, not {json.dumps(value)}")
            return value
        upper = self.upper(settings)
        number = whole_number(value) if self.kind is int else real_number(value)
        if number is None or number < self.minimum or (upper is not None and number > upper):
            noun = "an integer" if self.kind is int else "a number"
            allowed = f"from {self.minimum} to {upper}" if upper is not None else f"at least {self.minimum}"
            raise bad_request(f"parameters.{name} must be {noun} {allowed}, not {json.dumps(value)}")
        return number


MIME_TYPES = ("text/plain", "text/html", "text/markdown")
# A glossary's bounds: it travels with every request, so it stays small next to the text.
MAX_GLOSSARY_ENTRIES = 200
MAX_GLOSSARY_TERM_CHARS = 100


@dataclass(frozen=True)
class ChoiceRule:
    """A string parameter with a fixed set of values."""

    choices: tuple[str, ...]

    def check(self, name: str, value: Any, settings: ServingSettings) -> str:
        if value not in self.choices:
            raise bad_request(f"parameters.{name} must be one of {', '.join(self.choices)}, not {json.dumps(value)}")
        return value


@dataclass(frozen=True)
class GlossaryRule:
    """An object of Turkish term -> English term, both non-empty strings, bounded in entries and length."""

    max_entries: int = MAX_GLOSSARY_ENTRIES
    max_chars: int = MAX_GLOSSARY_TERM_CHARS

    def check(self, name: str, value: Any, settings: ServingSettings) -> tuple[tuple[str, str], ...]:
        if not isinstance(value, dict):
            raise bad_request(
                f'parameters.{name} must be an object of {{"Turkish term": "English term"}}, not {json_type(value)}'
            )
        if len(value) > self.max_entries:
            raise bad_request(f"parameters.{name} has {len(value)} entries, the limit is {self.max_entries}")
        for source, target in value.items():
            if not isinstance(target, str):
                raise bad_request(f"parameters.{name}[{json.dumps(source)}] must be a string, not {json_type(target)}")
            for side, term in (("term", source), ("translation", target)):
                if not term.strip():
                    raise bad_request(f"parameters.{name} has an empty {side} ({json.dumps(source)})")
                if len(term) > self.max_chars:
                    raise bad_request(
                        f"parameters.{name} {side} {json.dumps(term[:20])}... has {len(term)} characters, "
                        f"the limit is {self.max_chars}"
                    )
                if any(c in term for c in "\n\r\t") or CONTROL.search(term):
                    raise bad_request(f"parameters.{name} {side} {json.dumps(term)} holds a control character")
        return tuple((source.strip(), target.strip()) for source, target in value.items())


RULES: dict[str, Rule | ChoiceRule | GlossaryRule] = {
    "num_beams": Rule(maximum="max_num_beams"),
    "max_new_tokens": Rule(maximum="max_new_tokens"),
    # Bounded by num_beams, checked once both are known.
    "num_return_sequences": Rule(),
    "no_repeat_ngram_size": Rule(minimum=0, maximum=10),
    "repetition_penalty": Rule(minimum=1.0, maximum=2.0, kind=float),
    "split_sentences": Rule(kind=bool),
    "return_details": Rule(kind=bool),
    "mime_type": ChoiceRule(MIME_TYPES),
    "protect_spans": Rule(kind=bool),
    "glossary": GlossaryRule(),
}
GENERATION_NAMES: tuple[str, ...] = tuple(f.name for f in fields(GenerationParams))
OPTION_NAMES: tuple[str, ...] = tuple(f.name for f in fields(RequestOptions))
PARAMETER_NAMES: tuple[str, ...] = GENERATION_NAMES + OPTION_NAMES
if set(RULES) != set(PARAMETER_NAMES):  # a field without a rule could never be sent, a rule without a field never used
    raise RuntimeError(f"handler/parameters.py RULES {sorted(RULES)} do not match the fields {PARAMETER_NAMES}")


def default_params(backend: TranslationBackend, settings: ServingSettings) -> GenerationParams:
    """Request defaults: the model's generation config where it has them, within the caps."""
    model = backend.generation_defaults()
    return GenerationParams(
        num_beams=_clamp(model.get("num_beams", 1), 1, settings.max_num_beams),
        max_new_tokens=_clamp(model.get("max_new_tokens", settings.default_max_new_tokens), 1, settings.max_new_tokens),
        num_return_sequences=1,
        no_repeat_ngram_size=int(_clamp(model.get("no_repeat_ngram_size", 0), 0, _upper("no_repeat_ngram_size"))),
        repetition_penalty=float(_clamp(model.get("repetition_penalty", 1.0), 1.0, _upper("repetition_penalty"))),
    )


def parse_parameters(raw: Any, defaults: GenerationParams, settings: ServingSettings) -> GenerationParams:
    """The request's generation parameters over the defaults; ServingError (400) names the first bad one."""
    return parse_all(raw, defaults, settings)[0]


def parse_all(
    raw: Any, defaults: GenerationParams, settings: ServingSettings
) -> tuple[GenerationParams, RequestOptions]:
    """The request's `parameters`: generation parameters over the defaults, and the request options."""
    if raw is None:
        return defaults, RequestOptions()
    if not isinstance(raw, dict):
        raise bad_request(f'"parameters" must be an object, not {json_type(raw)}')
    unknown = sorted(set(raw) - set(PARAMETER_NAMES))
    if unknown:
        raise bad_request(f"unknown parameter {unknown[0]!r}; known parameters: {', '.join(PARAMETER_NAMES)}")
    given = {name: RULES[name].check(name, value, settings) for name, value in raw.items()}
    params = replace(defaults, **{k: v for k, v in given.items() if k in GENERATION_NAMES})
    options = RequestOptions(**{k: v for k, v in given.items() if k in OPTION_NAMES})
    if "num_return_sequences" not in given:
        params = replace(params, num_return_sequences=min(params.num_return_sequences, params.num_beams))
    if params.num_return_sequences > params.num_beams:
        raise bad_request(
            f"parameters.num_return_sequences ({params.num_return_sequences}) must not exceed "
            f"num_beams ({params.num_beams})"
        )
    return params, options


def whole_number(value: Any) -> int | None:
    """An int, or a float with no fractional part: the Vertex SDK sends `{"num_beams": 4}` as 4.0
    (protobuf Value has only doubles). Booleans and fractions are not numbers of beams."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def real_number(value: Any) -> float | None:
    """An int or a finite float, as a float; booleans are not numbers here either."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _upper(name: str) -> float:
    return RULES[name].maximum  # type: ignore[return-value]  # a fixed number for these rules


def _clamp(value: float, lowest: float, highest: float) -> float:
    return max(lowest, min(value, highest))
