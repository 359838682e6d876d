"""Klaviyo's per-endpoint rate limits (revision 2026-07-15, `x-klaviyo-ratelimit`) and caps.

Limits are per account, in fixed windows: a burst per second and a steady rate per minute.
Both the connector's declarations and the emulator's throttling read this table.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "EVENT_BULK_MAX",
    "IMPORT_MAX_BYTES",
    "IMPORT_MAX_PROFILES",
    "LIST_RELATIONSHIP_MAX",
    "PROFILE_FILTER_MAX",
    "RATE_LIMITS",
    "REPORT_MAX_DAYS",
    "SUBSCRIBE_MAX",
    "UNSUBSCRIBE_MAX",
    "RateLimit",
    "limit_for",
]

IMPORT_MAX_PROFILES = 10_000
"""Profiles per bulk import job."""
IMPORT_MAX_BYTES = 5 * 1024 * 1024
"""Encoded bytes per bulk import job."""
LIST_RELATIONSHIP_MAX = 1_000
"""Profile ids per list relationship call."""
SUBSCRIBE_MAX = 1_000
"""Profiles per subscription bulk create job."""
UNSUBSCRIBE_MAX = 100
"""Profiles per subscription bulk delete job."""
PROFILE_FILTER_MAX = 100
"""Values in one `any(email,[...])` profile filter (one page of 100)."""
EVENT_BULK_MAX = 1_000
"""Events per event bulk create job."""
REPORT_MAX_DAYS = 365
"""Days one campaign values report may span (Klaviyo: at most one year)."""


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Requests per second (burst) and per minute (steady) for one endpoint."""

    burst: int
    steady: int


_S = RateLimit(3, 60)
_M = RateLimit(10, 150)
_L = RateLimit(75, 750)
_XL = RateLimit(350, 3500)

RATE_LIMITS: dict[tuple[str, str], RateLimit] = {
    ("GET", "/api/accounts"): RateLimit(1, 15),
    ("GET", "/api/lists"): _L,
    ("POST", "/api/lists"): _M,
    ("GET", "/api/lists/{id}/profiles"): _L,
    ("POST", "/api/lists/{id}/relationships/profiles"): _M,
    ("DELETE", "/api/lists/{id}/relationships/profiles"): _M,
    ("GET", "/api/profiles"): _L,
    ("POST", "/api/profile-bulk-import-jobs"): _M,
    ("GET", "/api/profile-bulk-import-jobs/{id}"): _L,
    ("GET", "/api/profile-bulk-import-jobs/{id}/import-errors"): _L,
    ("POST", "/api/profile-subscription-bulk-create-jobs"): _L,
    ("POST", "/api/profile-subscription-bulk-delete-jobs"): _L,
    ("POST", "/api/events"): _XL,
    ("POST", "/api/event-bulk-create-jobs"): _M,
    ("POST", "/api/data-privacy-deletion-jobs"): _S,
    ("POST", "/api/campaigns"): _M,
    ("GET", "/api/campaigns/{id}"): _M,
    ("PATCH", "/api/campaigns/{id}"): _M,
    ("GET", "/api/campaign-messages/{id}/template"): _M,
    ("POST", "/api/campaign-message-assign-template"): _M,
    ("POST", "/api/templates"): _L,
    ("DELETE", "/api/templates/{id}"): _L,
    ("POST", "/api/campaign-send-jobs"): _M,
    ("GET", "/api/campaign-send-jobs/{id}"): _M,
    ("PATCH", "/api/campaign-send-jobs/{id}"): _M,
    ("POST", "/api/campaign-values-reports"): RateLimit(1, 2),
}
"""Per (method, path template): the documented burst and steady limits."""

DEFAULT_LIMIT = _M


def limit_for(method: str, template: str) -> RateLimit:
    """Return the limits of one endpoint (the M tier when the table does not name it)."""
    return RATE_LIMITS.get((method, template), DEFAULT_LIMIT)
