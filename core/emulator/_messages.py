"""Requests and responses as an emulator handler sees them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

__all__ = ["EmulatorRequest", "EmulatorResponse", "json_response"]


@dataclass(slots=True)
class EmulatorRequest:
    """One request received by an emulator.

    `path_params` are the `{name}` parts of the matched route; `query` keeps every value of a
    repeated parameter.
    """

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    path_params: dict[str, str] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        """Return the media type without parameters (`application/json`)."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def arg(self, name: str, default: str | None = None) -> str | None:
        """Return the first value of query parameter `name`."""
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:  # noqa: ANN401 - a JSON document is any shape
        """Parse the body as JSON; raise ValueError when it is not."""
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        """Parse a form-encoded body; the last value of a repeated field wins."""
        parsed = parse_qs(self.body.decode(), keep_blank_values=True)
        return {key: values[-1] for key, values in parsed.items()}

    def data(self) -> Any:  # noqa: ANN401 - a JSON document is any shape
        """Return the body as JSON or as a form, whichever the content type says."""
        if self.content_type == "application/x-www-form-urlencoded":
            return self.form()
        return self.json()


@dataclass(slots=True)
class EmulatorResponse:
    """What a handler answers: a status, a JSON-able body (or raw bytes) and headers."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str = "application/json"

    def encoded(self) -> bytes:
        """Return the body as bytes."""
        if isinstance(self.body, bytes):
            return self.body
        if self.body is None:
            return b""
        return json.dumps(self.body, separators=(",", ":")).encode()


def json_response(
    body: Any,  # noqa: ANN401 - a JSON document is any shape
    status: int = 200,
    headers: dict[str, str] | None = None,
    *,
    media_type: str = "application/json",
) -> EmulatorResponse:
    """Return a JSON response."""
    return EmulatorResponse(status=status, body=body, headers=headers or {}, media_type=media_type)
