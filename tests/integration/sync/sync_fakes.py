"""Helpers of the sync engine's tests: fake connectors, targets, what the fake vendor holds."""

from __future__ import annotations

from typing import Any

from sync_seed import audience

from freehold.core.capabilities import BatchLimits
from freehold.core.models import Audience
from freehold.core.retry import RetryPolicy
from freehold.core.sync import SyncTarget
from freehold.core.testing import FakeConnector, FakeEmulator, fake_config

FAST_RETRY = RetryPolicy(max_attempts=12, initial_wait=0.001, max_wait=0.02, max_total_seconds=60)


def connect(emulator: FakeEmulator, **overrides: Any) -> FakeConnector:
    """A fake connector talking to `emulator` in-process (limits from `overrides`)."""
    settings = {"requests_per_second": 1000, **overrides}
    config = fake_config("https://api.fake-vendor.invalid", **settings)
    return FakeConnector(config, transport=emulator.transport())


def narrowed(connector: FakeConnector, **limits: Any) -> FakeConnector:
    """Declare other limits on one connector instance (as `FakeConnector` does from config)."""
    current = connector.audience_limits.model_dump()
    vars(connector)["audience_limits"] = BatchLimits(**{**current, **limits})
    return connector


def make_target(
    connector: Any, aud: Audience | None = None, destination: str = "social_ads", **kw: Any
) -> SyncTarget:
    return SyncTarget(
        audience=aud or audience(),
        destination=destination,
        connector=connector,
        connector_name="fake",
        account=f"fake:{destination}",
        **kw,
    )


def vendor_members(emulator: FakeEmulator, key: str = "vip") -> set[str]:
    """The member ids the fake vendor holds in the audience made for `key`."""
    for aud in emulator.audiences.values():
        if aud.key == key:
            return set(aud.members)
    return set()


def writes(emulator: FakeEmulator) -> int:
    """How many requests that could change the vendor's state `emulator` has answered.

    A sync looks its vendor audience up (a GET) every time; "nothing sent" means no write.
    """
    return sum(1 for receipt in emulator.receipts if receipt.method != "GET")
