"""A stateful Klaviyo emulator of the API slice freehold uses.

Auth, revision, limits, lists, profiles and their jobs; events (bulk jobs, deduplicated by
`unique_id`) and data-privacy deletion jobs.

Test helpers play the person and the vendor: `add_profile()` seeds or changes a profile (its
consent, a suppression reason, its properties) and can put it on a list.
"""

from __future__ import annotations

from freehold.connectors.klaviyo._emulator_base import EMULATOR_API_KEY
from freehold.connectors.klaviyo._emulator_data import DataRoutes

__all__ = ["EMULATOR_API_KEY", "KlaviyoEmulator"]


class KlaviyoEmulator(DataRoutes):
    """Klaviyo's server-side API as far as freehold uses it."""
