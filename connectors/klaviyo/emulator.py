"""A stateful Klaviyo emulator: auth, revision, limits, lists, profiles and their jobs.

Test helpers play the person and the vendor: `add_profile()` seeds or changes a profile (its
consent, a suppression reason, its properties) and can put it on a list.
"""

from __future__ import annotations

from freehold.connectors.klaviyo._emulator_base import EMULATOR_API_KEY, KlaviyoEmulatorBase

__all__ = ["EMULATOR_API_KEY", "KlaviyoEmulator"]


class KlaviyoEmulator(KlaviyoEmulatorBase):
    """Klaviyo's server-side API as far as freehold uses it."""
