"""A stateful emulator of the slice of Mailchimp Marketing API 3.0 the connector uses.

It answers under `/3.0` in Mailchimp's shapes (problem JSON errors, `count`/`offset` paging,
`fields` partial responses) and enforces what Mailchimp enforces: HTTP Basic auth with a key
whose data center matches the host, 10 simultaneous connections per key (429 beyond), at most
500 members per batch and per static-segment change, `count` at most 1000, member statuses and
the compliance rule, the permanent-delete ban on re-adding an address, per-member errors inside
a 200 batch answer, event name and property rules, and quarter-hour campaign schedules.

Test helpers play the person and the vendor: `unsubscribe()` (the person clicks unsubscribe),
`bounce()` (a hard bounce cleans the address), `add_member()`, `add_merge_field()`,
`record_activity()` (campaign opens and clicks).
"""

from __future__ import annotations

from typing import ClassVar

from freehold.connectors.mailchimp._emulator_base import (
    EMULATOR_API_KEY,
    EMULATOR_LIST_ID,
    MAX_BATCH_MEMBERS,
    MAX_CONNECTIONS,
    MAX_COUNT,
)
from freehold.connectors.mailchimp._emulator_campaigns import CampaignRoutes
from freehold.connectors.mailchimp._emulator_lists import ListRoutes
from freehold.connectors.mailchimp._emulator_members import MemberRoutes

__all__ = [
    "EMULATOR_API_KEY",
    "EMULATOR_LIST_ID",
    "MAX_BATCH_MEMBERS",
    "MAX_CONNECTIONS",
    "MAX_COUNT",
    "MailchimpEmulator",
]


class MailchimpEmulator(ListRoutes, MemberRoutes, CampaignRoutes):
    """Mailchimp Marketing API 3.0, in memory (see the module docstring).

    Args:
        api_keys: keys accepted (each `<32 hex>-<dc>`); a fresh emulator accepts
            `EMULATOR_API_KEY`.
        clock: returns the current time (tests pin it); defaults to the wall clock.
    """

    name: ClassVar[str] = "mailchimp"
