"""The one exception type of the serving path: a status code and a message for the client."""

from __future__ import annotations

from http import HTTPStatus


class ServingError(Exception):
    """A problem that ends a request, raised where it is found and turned into a reply in one place."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    @property
    def phrase(self) -> str:
        return HTTPStatus(self.status).phrase

    def body(self) -> dict[str, str]:
        return {"error": self.message}


def bad_request(message: str) -> ServingError:
    return ServingError(HTTPStatus.BAD_REQUEST, message)


def too_large(message: str) -> ServingError:
    return ServingError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, message)
