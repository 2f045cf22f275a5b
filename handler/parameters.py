"""Request parameters: every rule about them in one place.

`GenerationParams` (handler/backends/base.py) holds the values; this module says, per field,
what a request may send (type and range, caps from model-config.yaml) and where the default
comes from (the model's generation config, within the caps). The list of names is derived from
the dataclass, so a new parameter is a field there, a rule here and its use in the backends.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from typing import Any

from handler.backends.base import GenerationParams, TranslationBackend
from handler.errors import bad_request, json_type
from handler.settings import ServingSettings


@dataclass(frozen=True)
class Rule:
    """The values a request may give one parameter: whole numbers from `minimum` to `maximum`.

    `maximum` is a number, the name of the ServingSettings field that caps it, or None for no cap.
    """

    minimum: int = 1
    maximum: int | str | None = None

    def upper(self, settings: ServingSettings) -> int | None:
        return getattr(settings, self.maximum) if isinstance(self.maximum, str) else self.maximum


RULES: dict[str, Rule] = {
    "num_beams": Rule(maximum="max_num_beams"),
    "max_new_tokens": Rule(maximum="max_new_tokens"),
    # Bounded by num_beams, checked once both are known.
    "num_return_sequences": Rule(),
}
PARAMETER_NAMES: tuple[str, ...] = tuple(f.name for f in fields(GenerationParams))
if set(RULES) != set(PARAMETER_NAMES):  # a field without a rule could never be sent, a rule without a field never used
    raise RuntimeError(f"handler/parameters.py RULES {sorted(RULES)} do not match GenerationParams {PARAMETER_NAMES}")


def default_params(backend: TranslationBackend, settings: ServingSettings) -> GenerationParams:
    """Request defaults: the model's generation config where it has them, within the caps."""
    model = backend.generation_defaults()
    return GenerationParams(
        num_beams=_clamp(model.get("num_beams", 1), 1, settings.max_num_beams),
        max_new_tokens=_clamp(
            model.get("max_new_tokens", settings.default_max_new_tokens), 1, settings.max_new_tokens
        ),
        num_return_sequences=1,
    )


def parse_parameters(raw: Any, defaults: GenerationParams, settings: ServingSettings) -> GenerationParams:
    """The request's `parameters` over the defaults; ServingError (400) names the first bad one."""
    if raw is None:
        return defaults
    if not isinstance(raw, dict):
        raise bad_request(f'"parameters" must be an object, not {json_type(raw)}')
    unknown = sorted(set(raw) - set(PARAMETER_NAMES))
    if unknown:
        raise bad_request(f"unknown parameter {unknown[0]!r}; known parameters: {', '.join(PARAMETER_NAMES)}")
    given = {name: _check(name, value, RULES[name], settings) for name, value in raw.items()}
    params = replace(defaults, **given)
    if "num_return_sequences" not in given:
        params = replace(params, num_return_sequences=min(params.num_return_sequences, params.num_beams))
    if params.num_return_sequences > params.num_beams:
        raise bad_request(
            f"parameters.num_return_sequences ({params.num_return_sequences}) must not exceed "
            f"num_beams ({params.num_beams})"
        )
    return params


def _check(name: str, value: Any, rule: Rule, settings: ServingSettings) -> int:
    upper = rule.upper(settings)
    number = whole_number(value)
    if number is None or number < rule.minimum or (upper is not None and number > upper):
        allowed = f"from {rule.minimum} to {upper}" if upper is not None else f"at least {rule.minimum}"
        raise bad_request(f"parameters.{name} must be an integer {allowed}, not {json.dumps(value)}")
    return number


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


def _clamp(value: int, lowest: int, highest: int) -> int:
    return max(lowest, min(value, highest))
