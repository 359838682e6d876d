"""The one place that maps HTTP responses and transport failures onto freehold errors.

Each connector refines the generic mapping with a table of its vendor's codes (`ErrorTable`):
the vendor's error body is parsed by the connector into a `VendorError`, looked up in the table,
and turned into the right exception. Messages name the method, the URL path, the status and the
vendor code; never the query string, a header or a body.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

import httpx

from freehold.core._version import __version__
from freehold.core.errors import (
    AuthError,
    BatchRejectedError,
    BatchTooLargeError,
    FreeholdError,
    NotFoundError,
    PermanentError,
    RetriableError,
    RowRejectedError,
    ThrottledError,
    TransientError,
    VendorRequestError,
)

__all__ = [
    "ErrorKind",
    "ErrorRule",
    "ErrorTable",
    "VendorError",
    "error_for_response",
    "new_client",
    "parse_retry_after",
    "raise_for_response",
    "send",
]

USER_AGENT = f"freehold/{__version__}"


class ErrorKind(StrEnum):
    """What the engine should do about a vendor error."""

    THROTTLED = "throttled"
    TRANSIENT = "transient"
    AUTH = "auth"
    NOT_FOUND = "not_found"
    TOO_LARGE = "too_large"
    BATCH_REJECTED = "batch_rejected"
    ROW_REJECTED = "row_rejected"
    REQUEST = "request"
    PERMANENT = "permanent"


_KIND_TO_ERROR: dict[ErrorKind, type[FreeholdError]] = {
    ErrorKind.THROTTLED: ThrottledError,
    ErrorKind.TRANSIENT: TransientError,
    ErrorKind.AUTH: AuthError,
    ErrorKind.NOT_FOUND: NotFoundError,
    ErrorKind.TOO_LARGE: BatchTooLargeError,
    ErrorKind.BATCH_REJECTED: BatchRejectedError,
    ErrorKind.ROW_REJECTED: RowRejectedError,
    ErrorKind.REQUEST: VendorRequestError,
    ErrorKind.PERMANENT: PermanentError,
}


@dataclass(frozen=True, slots=True)
class VendorError:
    """A vendor's error answer, parsed by the connector from the response body.

    `message` must be the vendor's own description (it goes into error messages and reports):
    a connector passes only vendor text that cannot echo the row's personal values.
    """

    code: str | None = None
    subcode: str | None = None
    message: str | None = None
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class ErrorRule:
    """One row of a vendor's error table; `None` in a match field means "any".

    A rule matches when each given field equals the response's; the first match wins.
    """

    kind: ErrorKind
    status: int | None = None
    code: str | None = None
    subcode: str | None = None
    note: str = ""


class ErrorTable:
    """A vendor's error codes as data, consulted before the generic status mapping."""

    def __init__(self, rules: Iterable[ErrorRule]) -> None:
        self.rules = tuple(rules)

    def lookup(self, status: int, error: VendorError) -> ErrorKind | None:
        """Return the kind of the first rule matching `status` and `error`, if any."""
        for rule in self.rules:
            if rule.status is not None and rule.status != status:
                continue
            if rule.code is not None and rule.code != error.code:
                continue
            if rule.subcode is not None and rule.subcode != error.subcode:
                continue
            return rule.kind
        return None


def _kind_for_status(status: int) -> ErrorKind:
    if status == 429:  # noqa: PLR2004
        return ErrorKind.THROTTLED
    if status in (401, 403):
        return ErrorKind.AUTH
    if status in (404, 410):
        return ErrorKind.NOT_FOUND
    if status == 413:  # noqa: PLR2004
        return ErrorKind.TOO_LARGE
    if status in (408, 425) or status >= 500:  # noqa: PLR2004
        return ErrorKind.TRANSIENT
    return ErrorKind.REQUEST


def parse_retry_after(value: str | None, *, now: dt.datetime | None = None) -> float | None:
    """Return the seconds a `Retry-After` header asks for (delta or HTTP date), or None."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    current = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - current).total_seconds())


def error_for_response(
    response: httpx.Response,
    *,
    table: ErrorTable | None = None,
    parse: Callable[[httpx.Response], VendorError] | None = None,
) -> FreeholdError:
    """Return the freehold error for a failed `response` (the caller raises it).

    `parse` extracts the vendor's code, subcode, message and back-off hint from the body;
    `table` maps them to a kind; anything unmatched falls back on the status code.
    """
    error = parse(response) if parse else VendorError()
    kind = (table.lookup(response.status_code, error) if table else None) or _kind_for_status(
        response.status_code
    )
    request = response.request
    where = f"{request.method} {request.url.path} -> {response.status_code}"
    code = ":".join(part for part in (error.code, error.subcode) if part)
    detail = f" [{code}]" if code else ""
    said = f": {error.message}" if error.message else ""
    message = f"{where}{detail}{said}"
    cls = _KIND_TO_ERROR[kind]
    if issubclass(cls, RetriableError):
        retry_after = error.retry_after
        if retry_after is None:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
        return cls(message, retry_after=retry_after, vendor_code=code or None)
    return cls(message, vendor_code=code or None)


def raise_for_response(
    response: httpx.Response,
    *,
    table: ErrorTable | None = None,
    parse: Callable[[httpx.Response], VendorError] | None = None,
) -> httpx.Response:
    """Return `response` if it succeeded (and its vendor table finds no error); raise otherwise.

    Some vendors answer errors with a 2xx status (or throttling as HTTP 400): the table is
    consulted for every status ≥ 400.
    """
    if response.is_success:
        return response
    raise error_for_response(response, table=table, parse=parse)


async def send(client: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    """Send `request`, turning timeouts and dropped connections into `TransientError`."""
    try:
        response = await client.send(request)
        await response.aread()
    except httpx.TimeoutException as exc:
        msg = f"{request.method} {request.url.path}: timed out"
        raise TransientError(msg) from exc
    except httpx.TransportError as exc:
        msg = f"{request.method} {request.url.path}: {type(exc).__name__}"
        raise TransientError(msg) from exc
    return response


def new_client(
    *,
    base_url: str,
    headers: dict[str, str] | None = None,
    auth: httpx.Auth | None = None,
    timeout: float = 30.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """Return an `httpx.AsyncClient` with freehold's defaults.

    No proxy or netrc settings are read from the environment (`trust_env=False`), so a token
    goes only where the project file says.
    """
    return httpx.AsyncClient(
        base_url=base_url,
        headers={"user-agent": USER_AGENT, **(headers or {})},
        auth=auth,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        transport=transport,
        trust_env=False,
    )
