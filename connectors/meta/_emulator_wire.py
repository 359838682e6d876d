"""Meta's wire shapes for the emulator: request parameters, error bodies and row checks."""

from __future__ import annotations

import ipaddress
import json
import re
import secrets
from collections.abc import Mapping
from typing import Any

from freehold.core.emulator import EmulatorRequest, EmulatorResponse, json_response

__all__ = [
    "HASHED_AUDIENCE_KEYS",
    "HASHED_USER_DATA_KEYS",
    "IDENTITY_KEYS",
    "SCHEMA_KEYS",
    "BadRequest",
    "graph_error",
    "is_digest",
    "is_ip",
    "parse_params",
    "structured",
]

_HEX64 = re.compile(r"[0-9a-f]{64}")

HASHED_AUDIENCE_KEYS = frozenset(
    {
        "EMAIL",
        "PHONE",
        "GEN",
        "DOBY",
        "DOBM",
        "DOBD",
        "LN",
        "FN",
        "FI",
        "CT",
        "ST",
        "ZIP",
        "COUNTRY",
        "EMAIL_SHA256",
        "PHONE_SHA256",
    }
)
"""Multi-key (and single-key) schema keys whose values must be SHA-256 hex digests."""

IDENTITY_KEYS = HASHED_AUDIENCE_KEYS | {"EXTERN_ID", "MADID", "MOBILE_ADVERTISER_ID"}
"""Schema keys that identify a person (what an audience holds)."""

SCHEMA_KEYS = IDENTITY_KEYS | {
    "LOOKALIKE_VALUE",
    "DATA_PROCESSING_OPTIONS",
    "DATA_PROCESSING_OPTIONS_COUNTRY",
    "DATA_PROCESSING_OPTIONS_STATE",
}
"""Every schema key the emulator accepts in `/users` and `/usersreplace` payloads."""

HASHED_USER_DATA_KEYS = frozenset(
    {
        "em",
        "ph",
        "fn",
        "ln",
        "db",
        "ge",
        "ct",
        "st",
        "zp",
        "country",
        "f5first",
        "f5last",
        "fi",
        "dobd",
        "dobm",
        "doby",
    }
)
"""Conversions API `user_data` keys that must arrive hashed."""

_STRUCTURED = frozenset(
    {
        "payload",
        "session",
        "data",
        "special_ad_categories",
        "special_ad_category_country",
        "time_range",
        "is_value_based",
        "is_adset_budget_sharing_enabled",
    }
)


def is_digest(value: str) -> bool:
    """Return whether `value` is a lowercase SHA-256 hex digest."""
    return len(value) == 64 and _HEX64.fullmatch(value) is not None  # noqa: PLR2004


def is_ip(value: str) -> bool:
    """Return whether `value` is an IPv4 or IPv6 address."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


class BadRequest(Exception):  # noqa: N818 - a Graph answer, raised inside the emulator only
    """A Graph error answer to return, raised by validation deep inside a handler."""

    def __init__(self, response: EmulatorResponse) -> None:
        super().__init__(response.status)
        self.response = response


def graph_error(
    code: int,
    message: str,
    *,
    subcode: int | None = None,
    status: int = 400,
    kind: str = "OAuthException",
    transient: bool = False,
    title: str | None = None,
    user_message: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> EmulatorResponse:
    """Return a Graph error answer in Meta's envelope."""
    error: dict[str, Any] = {
        "message": message,
        "type": kind,
        "code": code,
        "is_transient": transient,
        "fbtrace_id": f"Emu{secrets.token_hex(6)}",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    if title is not None:
        error["error_user_title"] = title
    if user_message is not None:
        error["error_user_msg"] = user_message
    return json_response({"error": error}, status, dict(headers or {}))


def structured(value: Any) -> Any:  # noqa: ANN401 - a JSON document is any shape
    """Decode a JSON-encoded string parameter (the SDK's form encoding); pass others through."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def parse_params(request: EmulatorRequest) -> dict[str, Any]:
    """Merge query and body parameters; decode JSON-string fields sent form-encoded.

    Raises:
        BadRequest: the body is neither JSON nor a form.
    """
    params: dict[str, Any] = {key: values[0] for key, values in request.query.items() if values}
    if request.body:
        try:
            body = request.data()
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest(graph_error(100, "(#100) Could not parse the request body")) from exc
        if not isinstance(body, dict):
            raise BadRequest(graph_error(100, "(#100) The request body must be an object"))
        params.update(body)
    for key in _STRUCTURED & params.keys():
        params[key] = structured(params[key])
    return params
