"""Klaviyo's errors as data: JSON:API `errors` bodies and the table of their codes.

Every 4XX and 5XX answer is `{"errors": [{id, status, code, title, detail, source, meta}]}`.
The first error's `code` is the `VendorError.code` the table matches; its `detail` may quote a
profile's identifiers, so the kept message is the `title` plus the pointer or parameter at fault.
"""

from __future__ import annotations

from typing import Any

import httpx

from freehold.core.http import ErrorKind, ErrorRule, ErrorTable, VendorError

__all__ = ["DUPLICATE_PROFILE", "KLAVIYO_ERRORS", "first_error", "parse_errors"]

DUPLICATE_PROFILE = "duplicate_profile"
"""The 409 code of an identifier that already belongs to another profile."""

KLAVIYO_ERRORS = ErrorTable(
    [
        ErrorRule(ErrorKind.THROTTLED, status=429, note="throttled: burst or steady window"),
        ErrorRule(ErrorKind.AUTH, status=401, note="not_authenticated: missing or wrong key"),
        ErrorRule(ErrorKind.AUTH, status=403, note="permission_denied: key lacks the scope"),
        ErrorRule(ErrorKind.NOT_FOUND, status=404, note="not_found, or no valid revision"),
        ErrorRule(
            ErrorKind.ROW_REJECTED,
            status=409,
            code=DUPLICATE_PROFILE,
            note="identifier belongs to another profile; meta.duplicate_profile_id names it",
        ),
        ErrorRule(ErrorKind.TOO_LARGE, status=413, note="payload over 5 MB"),
        ErrorRule(ErrorKind.REQUEST, status=400, note="invalid: body, filter or page size"),
        ErrorRule(ErrorKind.TRANSIENT, status=500),
        ErrorRule(ErrorKind.TRANSIENT, status=502),
        ErrorRule(ErrorKind.TRANSIENT, status=503),
        ErrorRule(ErrorKind.TRANSIENT, status=504),
        ErrorRule(ErrorKind.TRANSIENT, status=524, note="Cloudflare timeout, retried by the SDK"),
    ]
)
"""Klaviyo's HTTP errors, first match wins; unmatched statuses use the generic mapping."""


def first_error(body: Any) -> dict[str, Any] | None:  # noqa: ANN401 - any JSON document
    """Return the first entry of a JSON:API `errors` array, if the body has one."""
    if not isinstance(body, dict):
        return None
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return errors[0]
    return None


def parse_errors(response: httpx.Response) -> VendorError:
    """Read a JSON:API error body into a `VendorError` that quotes no identifier."""
    try:
        error = first_error(response.json())
    except ValueError:
        return VendorError()
    if error is None:
        return VendorError()
    code = error.get("code")
    title = error.get("title")
    source = error.get("source") if isinstance(error.get("source"), dict) else {}
    where = (source or {}).get("pointer") or (source or {}).get("parameter")
    parts = [str(title)] if isinstance(title, str) and title else []
    if isinstance(where, str) and where:
        parts.append(f"at {where}")
    return VendorError(
        code=str(code) if isinstance(code, str) and code else None,
        message="; ".join(parts) or None,
    )
