"""Meta's error codes and subcodes as data, and the parser of Graph error bodies.

Meta answers almost every error, throttling included, with HTTP 400 and a JSON body
`{"error": {"code", "error_subcode", "type", "message", "is_transient", ...}}`; the code decides
what to do, never the status. Back-off advice arrives in the `X-Business-Use-Case-Usage` header
(`estimated_time_to_regain_access`, in minutes), or `X-Ad-Account-Usage` (`reset_time_duration`,
in seconds); Meta sends no `Retry-After`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from freehold.core.http import ErrorKind, ErrorRule, ErrorTable, VendorError

__all__ = [
    "EVENTS_ERROR_TABLE",
    "EVENT_RULES",
    "GRAPH_ERROR_TABLE",
    "GRAPH_RULES",
    "MetaVendorError",
    "backoff_seconds",
    "parse_error",
    "safe_text",
]

_THROTTLED, _TRANSIENT = ErrorKind.THROTTLED, ErrorKind.TRANSIENT
_AUTH, _NOT_FOUND, _REQUEST = ErrorKind.AUTH, ErrorKind.NOT_FOUND, ErrorKind.REQUEST
_PERMANENT, _BATCH = ErrorKind.PERMANENT, ErrorKind.BATCH_REJECTED

# Replace-session subcodes (all under code 2650), named for the session logic that reacts to them.
REPLACE_IN_PROGRESS = "1870145"
REPLACE_TIMED_OUT = "1870158"
REPLACE_FIRST_BATCH_MISSING = "1870147"
SESSION_FINISHED = "1870159"
REPLACE_FAILED = "1870148"
REPLACE_TOO_LARGE = "1870144"

GRAPH_RULES: tuple[ErrorRule, ...] = (
    # Throttling: HTTP 400 with these codes (ads.md 1.2).
    ErrorRule(_THROTTLED, code="4", note="application request limit reached"),
    ErrorRule(_THROTTLED, code="17", note="user request limit reached"),
    ErrorRule(_THROTTLED, code="32", note="page request limit reached"),
    ErrorRule(_THROTTLED, code="341", note="application limit reached (temporary)"),
    ErrorRule(_THROTTLED, code="613", note="calls exceeded the rate limit"),
    *(
        ErrorRule(_THROTTLED, code=str(code), note="business use case rate limit")
        for code in range(80000, 80015)
    ),
    # Custom-audience writes and replace sessions (code 2650 and its subcodes, ads.md 1.3.4).
    ErrorRule(
        _TRANSIENT, code="2650", subcode=REPLACE_IN_PROGRESS, note="audience update in progress"
    ),
    ErrorRule(_REQUEST, code="2650", subcode=REPLACE_TIMED_OUT, note="replace session timed out"),
    ErrorRule(
        _REQUEST, code="2650", subcode=REPLACE_FIRST_BATCH_MISSING, note="first batch not detected"
    ),
    ErrorRule(_REQUEST, code="2650", subcode=SESSION_FINISHED, note="session already finished"),
    ErrorRule(
        _REQUEST, code="2650", subcode=REPLACE_FAILED, note="replace failed; list may be partial"
    ),
    ErrorRule(
        _REQUEST, code="2650", subcode=REPLACE_TOO_LARGE, note="audience too large to replace"
    ),
    ErrorRule(_TRANSIENT, code="2650", note="failed to update the custom audience"),
    # Insights (ads.md 1.5): timeouts shrink the range; intermittent errors are retried.
    ErrorRule(
        _REQUEST, code="100", subcode="1504018", note="insights query too large; shrink range"
    ),
    ErrorRule(_TRANSIENT, code="2", subcode="1504038", note="insights query timed out"),
    ErrorRule(_TRANSIENT, code="2", subcode="1504043", note="insights intermittent error"),
    # Transient platform errors.
    ErrorRule(_TRANSIENT, code="1", note="unknown error, possibly temporary"),
    ErrorRule(_TRANSIENT, code="2", note="temporary service error"),
    # Credentials and permissions.
    ErrorRule(_AUTH, code="190", note="access token invalid or expired"),
    ErrorRule(_AUTH, code="102", note="session invalid"),
    ErrorRule(_AUTH, code="104", note="access token missing"),
    ErrorRule(_AUTH, code="10", note="permission denied"),
    ErrorRule(_AUTH, code="294", note="ads_management permission needed"),
    *(ErrorRule(_AUTH, code=str(code), note="permission error") for code in range(200, 300)),
    # Objects that do not exist or are not visible to this system user.
    ErrorRule(_NOT_FOUND, code="100", subcode="33", note="object missing or not accessible"),
    ErrorRule(_NOT_FOUND, code="803", note="object does not exist"),
    # Requests that cannot succeed as sent.
    ErrorRule(_REQUEST, code="100", subcode="1713230", note="audience upload blocked (flagged)"),
    ErrorRule(_REQUEST, code="100", subcode="1885621", note="budget on campaign and ad set"),
    ErrorRule(_REQUEST, code="105", note="too many parameters"),
    ErrorRule(_REQUEST, code="194", note="missing a required parameter"),
    ErrorRule(_PERMANENT, code="368", note="blocked by policy"),
    ErrorRule(_PERMANENT, code="2635", note="API version deprecated: raise api_version"),
)
"""Every Graph endpoint; the first matching rule wins, unmatched codes fall back on HTTP status."""

EVENT_RULES: tuple[ErrorRule, ...] = (
    ErrorRule(_BATCH, code="100", subcode="2804003", note="an event is more than 7 days old"),
    ErrorRule(_BATCH, code="100", subcode="2804016", note="a user parameter was not hashed"),
    ErrorRule(_BATCH, code="100", subcode="2804019", note="a server event parameter is invalid"),
)
"""Conversions API only: an invalid event spoils the whole request, so the engine bisects it."""

_GRAPH_INVALID = ErrorRule(_REQUEST, code="100", note="invalid parameter")
_EVENTS_INVALID = ErrorRule(_BATCH, code="100", note="the request holds an invalid event")


class _MetaErrorTable(ErrorTable):
    """Meta's table, plus two things a code alone cannot say.

    A refused `appsecret_proof` comes back as a bare code 100 whose message names the proof:
    that is a credentials problem. A code the table does not list but the body flags
    `is_transient` is transient.
    """

    def lookup(self, status: int, error: VendorError) -> ErrorKind | None:
        if error.code == "100" and "appsecret_proof" in (error.message or ""):
            return ErrorKind.AUTH
        kind = super().lookup(status, error)
        if kind is None and isinstance(error, MetaVendorError) and error.is_transient:
            return ErrorKind.TRANSIENT
        return kind


GRAPH_ERROR_TABLE: ErrorTable = _MetaErrorTable((*GRAPH_RULES, _GRAPH_INVALID))
"""The table for every Graph endpoint but the Conversions API."""

EVENTS_ERROR_TABLE: ErrorTable = _MetaErrorTable((*EVENT_RULES, *GRAPH_RULES, _EVENTS_INVALID))
"""The table for `/{pixel_id}/events`: a bare invalid-parameter error rejects the batch."""


@dataclass(frozen=True, slots=True)
class MetaVendorError(VendorError):
    """A Graph error body, with Meta's `is_transient` flag."""

    is_transient: bool = False


_NOTES = {
    (rule.code, rule.subcode): rule.note for rule in (*EVENT_RULES, *GRAPH_RULES, _GRAPH_INVALID)
}
_UNSAFE = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # an email address
    r"|\+\d[\d ().-]{6,}\d"  # an international phone number
    r"|\(?\d{2,4}\)?[ .-]\d{2,4}[ .-]\d{2,5}"  # a phone number written with separators
)
"""What must not pass from a vendor message into ours; bare digit runs (object ids) may."""
_MAX_MESSAGE = 200


def safe_text(text: object) -> str:
    """Return vendor wording with anything like an address or a phone number masked, shortened."""
    return _UNSAFE.sub("[redacted]", str(text))[:_MAX_MESSAGE]


def _safe_message(error: Mapping[str, Any], code: str | None, subcode: str | None) -> str:
    """Return Meta's own wording, with anything that looks like an address or phone masked."""
    note = _NOTES.get((code, subcode))
    text = safe_text(error.get("message") or error.get("error_user_title") or note or "")
    if note and note.lower() not in text.lower():
        text = f"{text} ({note})" if text else note
    return text


def _minutes_to_regain(header: str | None) -> float | None:
    if not header:
        return None
    try:
        usage = json.loads(header)
    except ValueError:
        return None
    longest: float | None = None
    entries = usage.values() if isinstance(usage, dict) else []
    for entry in entries:
        for item in entry if isinstance(entry, list) else [entry]:
            if not isinstance(item, dict):
                continue
            minutes = item.get("estimated_time_to_regain_access")
            if isinstance(minutes, int | float) and minutes > 0:
                longest = max(longest or 0.0, float(minutes))
    return longest


def _account_reset_seconds(header: str | None) -> float | None:
    if not header:
        return None
    try:
        usage = json.loads(header)
    except ValueError:
        return None
    seconds = usage.get("reset_time_duration") if isinstance(usage, dict) else None
    if isinstance(seconds, int | float) and seconds > 0:
        return float(seconds)
    return None


def backoff_seconds(headers: httpx.Headers) -> float | None:
    """Return how long Meta asks us to wait, from its usage headers, in seconds (or None).

    `X-Business-Use-Case-Usage` carries `estimated_time_to_regain_access` in minutes per
    business object; the longest wait wins. The legacy `X-Ad-Account-Usage` carries
    `reset_time_duration` in seconds.
    """
    minutes = _minutes_to_regain(headers.get("x-business-use-case-usage"))
    seconds = _account_reset_seconds(headers.get("x-ad-account-usage"))
    waits = [w for w in (minutes * 60 if minutes else None, seconds) if w]
    return max(waits) if waits else None


def parse_error(response: httpx.Response) -> VendorError:
    """Parse a Graph error body (and the usage headers) into a `MetaVendorError`."""
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    retry_after = backoff_seconds(response.headers)
    if not isinstance(error, dict):
        return MetaVendorError(retry_after=retry_after)
    code = str(error["code"]) if error.get("code") is not None else None
    subcode = str(error["error_subcode"]) if error.get("error_subcode") is not None else None
    return MetaVendorError(
        code=code,
        subcode=subcode,
        message=_safe_message(error, code, subcode) or None,
        retry_after=retry_after,
        is_transient=error.get("is_transient") is True,
    )
