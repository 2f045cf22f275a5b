"""The one exception type of the serving path: a status code and a message for the client."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


class ServingError(Exception):
    """A problem that ends a request, raised where it is found and turned into a reply in one place."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def body(self) -> dict[str, str]:
        return {"error": self.message}


def bad_request(message: str) -> ServingError:
    return ServingError(HTTPStatus.BAD_REQUEST, message)


def too_large(message: str) -> ServingError:
    return ServingError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, message)


def json_type(value: Any) -> str:
    """How a message names the JSON type of `value`: "a string", "null", ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"
