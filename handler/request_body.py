"""What TorchServe hands the handler as one request's body, read on the adapter's side.

TorchServe's frontend decodes some bodies before Python sees them. Those it has already ruined
are turned into a ServingError here, so that the protocol only ever parses JSON.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from handler.errors import ServingError


class FormEncodedBody(ServingError):
    """A body TorchServe decoded as form fields, in which a JSON body does not survive (415).

    TorchServe's frontend parses `application/x-www-form-urlencoded` (what `curl -d` sends
    without a Content-Type) into fields before the handler runs, and drops a JSON text that has
    no `=` in it, so the request cannot be answered: the client is told which header to send.
    """

    def __init__(self, content_type: str) -> None:
        super().__init__(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            f"TorchServe splits a body of type {content_type} into form fields, which loses the JSON: "
            "send it with the header Content-Type: application/json (curl -H 'Content-Type: application/json')",
        )
        self.content_type = content_type


def request_body(item: dict[str, Any], content_type: str | None) -> Any:
    """The body of one request of TorchServe's batch, or the ServingError that says why it is lost.

    "body" holds a plain body; "data" is the field of a multipart form (curl -F data=@file).
    """
    for key in ("body", "data"):
        if key in item:
            return item[key]
    return FormEncodedBody(content_type or "form-encoded")
