"""Mailchimp's errors as data: the HTTP error table and the per-member error table.

Mailchimp answers errors with problem JSON (`type`, `title`, `status`, `detail`, `instance`, and
for validation `errors: [{field, message}]`). Its `title` is the closest thing to a code, so it
is the `VendorError.code` the table matches. Details often quote the member's address, so the
message kept is the title, the detail only when it quotes no address, and the names of the
fields at fault.

A batch subscribe answers 200 with per-member errors (`error`, `error_code`, `field`); their text
quotes the address too, so `member_outcome` matches the text against `MEMBER_ERRORS` and keeps
only our own neutral reason and code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from freehold.core.http import ErrorKind, ErrorRule, ErrorTable, VendorError
from freehold.core.models import Outcome, OutcomeStatus

__all__ = [
    "CONTACT_EXISTS",
    "MAILCHIMP_ERRORS",
    "MEMBER_CALL_ERRORS",
    "MEMBER_ERRORS",
    "NO_PROBLEM_BODY",
    "MemberErrorRule",
    "member_outcome",
    "parse_problem",
]

NO_PROBLEM_BODY = "no problem body"
"""The code `parse_problem` gives an error answer that carries no problem JSON."""

MAILCHIMP_ERRORS = ErrorTable(
    [
        ErrorRule(ErrorKind.AUTH, status=401, note="API Key Missing / Invalid, wrong data center"),
        ErrorRule(
            ErrorKind.THROTTLED,
            status=403,
            code=NO_PROBLEM_BODY,
            note="a bare 403 under heavy load is throttling (third-party report, unverified)",
        ),
        ErrorRule(ErrorKind.AUTH, status=403, note="Forbidden, User Disabled, plan limits"),
        ErrorRule(ErrorKind.NOT_FOUND, status=404, note="Resource Not Found"),
        ErrorRule(ErrorKind.THROTTLED, status=429, note="over 10 simultaneous connections"),
        ErrorRule(ErrorKind.REQUEST, status=400, note="Invalid Resource, Bad Request, JSON Parse"),
        ErrorRule(ErrorKind.REQUEST, status=405, note="Method Not Allowed"),
        ErrorRule(ErrorKind.TRANSIENT, status=500, note="Internal Server Error"),
        ErrorRule(ErrorKind.TRANSIENT, status=502),
        ErrorRule(ErrorKind.TRANSIENT, status=503),
        ErrorRule(ErrorKind.TRANSIENT, status=504),
    ]
)
"""Mailchimp's HTTP errors, matched on status (and problem `title`), first match wins."""

MEMBER_CALL_ERRORS = ErrorTable(
    [
        ErrorRule(
            ErrorKind.ROW_REJECTED,
            status=400,
            code="Member In Compliance State",
            note="unsubscribed, cleaned or under review: cannot be subscribed",
        ),
        ErrorRule(
            ErrorKind.ROW_REJECTED,
            status=400,
            code="Forgotten Email Not Subscribed",
            note="permanently deleted: can never be re-imported",
        ),
        ErrorRule(
            ErrorKind.ROW_REJECTED, status=400, code="Member Exists", note="POST on a member"
        ),
        ErrorRule(
            ErrorKind.ROW_REJECTED,
            status=400,
            code="Invalid Resource",
            note="bad merge fields, event name or event properties",
        ),
        *MAILCHIMP_ERRORS.rules,
    ]
)
"""The table for calls about one member (its events, its status): a refusal rejects that row."""


def _text(value: Any) -> str | None:  # noqa: ANN401 - any JSON value
    return value.strip() if isinstance(value, str) and value.strip() else None


def parse_problem(response: httpx.Response) -> VendorError:
    """Read Mailchimp's problem JSON into a `VendorError` that quotes no address."""
    try:
        body = response.json()
    except ValueError:
        return VendorError(code=NO_PROBLEM_BODY)
    if not isinstance(body, dict):
        return VendorError(code=NO_PROBLEM_BODY)
    title = _text(body.get("title"))
    detail = _text(body.get("detail"))
    fields = sorted(
        {
            str(e["field"])
            for e in body.get("errors") or []
            if isinstance(e, dict) and e.get("field")
        }
    )
    parts = [part for part in (detail if detail and "@" not in detail else None,) if part]
    if fields:
        parts.append("fields: " + ", ".join(fields))
    return VendorError(code=title, message="; ".join(parts) or None)


@dataclass(frozen=True, slots=True)
class MemberErrorRule:
    """One kind of per-member error of a batch subscribe, recognised by its code or text.

    Attributes:
        code: our neutral code for the outcome.
        status: what the row becomes.
        reason: our wording (never the vendor's text, which quotes the address).
        contains: a lowercase fragment of Mailchimp's `error` text; None matches any text.
        error_code: Mailchimp's `error_code`; None matches any.
    """

    code: str
    status: OutcomeStatus
    reason: str
    contains: str | None = None
    error_code: str | None = None

    def matches(self, error: Mapping[str, Any]) -> bool:
        """Say whether this rule describes `error`."""
        if self.error_code is not None and error.get("error_code") != self.error_code:
            return False
        text = str(error.get("error") or "").lower()
        return self.contains is None or self.contains in text


CONTACT_EXISTS = "contact_exists"
"""The code of an "already a list member" answer to a create-only batch."""

MEMBER_ERRORS: tuple[MemberErrorRule, ...] = (
    MemberErrorRule(
        CONTACT_EXISTS,
        OutcomeStatus.REJECTED,
        "already a list member",
        error_code="ERROR_CONTACT_EXISTS",
    ),
    MemberErrorRule(
        "compliance_state",
        OutcomeStatus.REJECTED,
        "Mailchimp holds this address as unsubscribed, cleaned or under compliance review; "
        "it cannot be subscribed by API",
        contains="compliance state",
    ),
    MemberErrorRule(
        "forgotten_email",
        OutcomeStatus.REJECTED,
        "this address was permanently deleted from the list and can never be re-imported",
        contains="permanently deleted",
    ),
    MemberErrorRule(
        "invalid_email",
        OutcomeStatus.REJECTED,
        "Mailchimp refused the address as fake or invalid",
        contains="fake or invalid",
    ),
    MemberErrorRule(
        "invalid_email",
        OutcomeStatus.REJECTED,
        "Mailchimp refused the address as invalid",
        contains="invalid email",
    ),
    MemberErrorRule(
        "signup_throttled",
        OutcomeStatus.RETRIABLE,
        "too many recent signups for this address; Mailchimp asks to try later",
        contains="signed up to a lot of lists",
    ),
    MemberErrorRule(
        "invalid_merge_fields",
        OutcomeStatus.REJECTED,
        "invalid merge field value",
        contains="merge fields were invalid",
    ),
    MemberErrorRule(
        "duplicate_in_request",
        OutcomeStatus.REJECTED,
        "the address appears twice in one batch",
        contains="more than once",
    ),
    MemberErrorRule("member_error", OutcomeStatus.REJECTED, "Mailchimp refused the member"),
)
"""Per-member batch errors, first match wins; the last rule catches the rest."""


def member_outcome(key: str, error: Mapping[str, Any]) -> Outcome:
    """Return the outcome for row `key` from one of a batch answer's `errors` entries."""
    rule = next(r for r in MEMBER_ERRORS if r.matches(error))
    reason = rule.reason
    field = error.get("field")
    if isinstance(field, str) and field and field != "email_address":
        reason = f"{reason} (field {field})"
    return Outcome(key=key, status=rule.status, reason=reason, code=rule.code)
