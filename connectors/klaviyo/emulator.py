"""A stateful Klaviyo emulator of the API slice freehold uses.

Auth, revision, limits, lists, profiles and their jobs; events (bulk jobs, deduplicated by
`unique_id`), data-privacy deletion jobs; email campaigns with their message, template, send
jobs and the campaign values report.

Test helpers play the person and the vendor: `add_profile()` seeds or changes a profile (its
consent, a suppression reason, its properties) and can put it on a list; `record_activity()`
adds opens, clicks or conversions to a sent campaign's report.
"""

from __future__ import annotations

from freehold.connectors.klaviyo._emulator_base import EMULATOR_API_KEY
from freehold.connectors.klaviyo._emulator_campaigns import (
    EMULATOR_CONVERSION_METRIC_ID,
    CampaignRoutes,
)

__all__ = ["EMULATOR_API_KEY", "EMULATOR_CONVERSION_METRIC_ID", "KlaviyoEmulator"]


class KlaviyoEmulator(CampaignRoutes):
    """Klaviyo's server-side API as far as freehold uses it."""
