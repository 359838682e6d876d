"""The Klaviyo connector: lists as audiences, synced through profile bulk import jobs."""

from __future__ import annotations

import json
import logging
from typing import ClassVar

from pydantic import JsonValue

from freehold.connectors.klaviyo._api import KlaviyoApi
from freehold.connectors.klaviyo._config import KlaviyoConfig
from freehold.connectors.klaviyo._limits import IMPORT_MAX_BYTES, IMPORT_MAX_PROFILES, limit_for
from freehold.connectors.klaviyo._session import KlaviyoSession
from freehold.connectors.klaviyo.emulator import EMULATOR_API_KEY, KlaviyoEmulator
from freehold.core.capabilities import AudienceSync, BatchLimits, SessionMode
from freehold.core.errors import ConfigError
from freehold.core.models import Audience, AudienceRef, Purpose

__all__ = ["KlaviyoConnector"]

logger = logging.getLogger(__name__)

_IMPORT_RATE = limit_for("POST", "/api/profile-bulk-import-jobs")


class KlaviyoConnector(KlaviyoApi, AudienceSync):
    """Klaviyo's server-side API (revision pinned by `KlaviyoConfig.revision`).

    A freehold audience is a Klaviyo list, found by name or created. Members are sent by clear,
    normalized email address; their email subscription follows the engine's email rules and a
    profile Klaviyo holds as unsubscribed or suppressed is never subscribed again (see
    `KlaviyoSession`).
    """

    identity_profile: ClassVar[str] = "email"
    accepted_identifiers: ClassVar[frozenset[str]] = frozenset({"email"})
    audience_purpose: ClassVar[Purpose] = Purpose.EMAIL_MARKETING
    audience_limits: ClassVar[BatchLimits] = BatchLimits(
        max_rows=IMPORT_MAX_PROFILES,
        max_bytes=IMPORT_MAX_BYTES,
        requests_per_second=_IMPORT_RATE.steady / 60,
        burst=_IMPORT_RATE.burst,
        concurrency_per_audience=1,
        concurrency_per_account=4,
    )

    @classmethod
    def emulator(cls) -> KlaviyoEmulator:
        """Return a fresh emulator that accepts `emulator_config`'s key."""
        return KlaviyoEmulator()

    @classmethod
    def emulator_config(cls, base_url: str) -> KlaviyoConfig:
        """Return a config for a fresh emulator served at `base_url`."""
        return KlaviyoConfig.model_validate(
            {"api_key": EMULATOR_API_KEY, "api_base_url": base_url.rstrip("/")}
        )

    async def check(self) -> None:
        """Read the account the key belongs to.

        Raises:
            AuthError: the key is wrong or lacks the `accounts:read` scope.
        """
        await self.get_json("/api/accounts")

    async def ensure_audience(self, audience: Audience) -> AudienceRef:
        """Return the list named for `audience`, creating it when Klaviyo has none."""
        name = self.config.list_names.get(audience.key) or audience.name
        async for item in self.pages(
            "/api/lists", params={"filter": f"equals(name,{json.dumps(name)})"}
        ):
            return AudienceRef(key=audience.key, vendor_id=str(item["id"]), name=name)
        created = await self.post_json(
            "/api/lists", {"data": {"type": "list", "attributes": {"name": name}}}
        )
        list_id = str(created["data"]["id"])
        logger.info("klaviyo list %s created for audience %s", list_id, audience.key)
        return AudienceRef(key=audience.key, vendor_id=list_id, name=name)

    def audience_session(
        self,
        ref: AudienceRef,
        mode: SessionMode = SessionMode.UPDATE,
        *,
        state: dict[str, JsonValue] | None = None,
    ) -> KlaviyoSession:
        """Open a session on the list `ref`.

        Raises:
            ConfigError: `replace` was asked (use mirror mode: freehold never empties a list).
        """
        if mode is not SessionMode.UPDATE:
            msg = "klaviyo sessions add and remove only; use mode 'mirror' instead of replace"
            raise ConfigError(msg)
        return KlaviyoSession(self, ref, mode, state=state)
