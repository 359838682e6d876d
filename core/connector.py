"""The connector base: a name, a config model, an HTTP client with a transport seam, `check()`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import TYPE_CHECKING, ClassVar, Generic, Self, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from freehold.core.capabilities import (
    AudienceExport,
    AudienceSync,
    CampaignManagement,
    CapabilityName,
    ContactErasure,
    EventDelivery,
)
from freehold.core.http import new_client

if TYPE_CHECKING:
    from freehold.core.emulator import Emulator

__all__ = ["Connector", "ConnectorConfig"]


class ConnectorConfig(BaseModel):
    """Base of every connector's settings.

    Secrets are `SecretStr` fields; in a project file they are `${ENV_VAR}` references.
    `api_base_url` points the connector at another host (a served emulator); leave it unset for
    the vendor's real API.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    api_base_url: HttpUrl | None = Field(
        default=None, description="Override the vendor's API host (for an emulator)."
    )
    timeout_seconds: float = Field(default=30.0, gt=0, description="Per-request timeout.")


ConfigT = TypeVar("ConfigT", bound=ConnectorConfig)

_CAPABILITY_CLASSES: dict[CapabilityName, type] = {
    CapabilityName.AUDIENCE_SYNC: AudienceSync,
    CapabilityName.AUDIENCE_EXPORT: AudienceExport,
    CapabilityName.EVENT_DELIVERY: EventDelivery,
    CapabilityName.CAMPAIGN_MANAGEMENT: CampaignManagement,
    CapabilityName.CONTACT_ERASURE: ContactErasure,
}


class Connector(ABC, Generic[ConfigT]):
    """Base of every connector: subclass it together with the capabilities the vendor offers.

    Use it as an async context manager: entering opens `self.http`, leaving closes it.
    `transport=` replaces the network (an emulator's ASGI transport, `httpx.MockTransport`).

    Class attributes:
        name: the slug used in `connector:` and as the entry-point name (`meta`).
        config_model: the pydantic model of this connector's settings.
        default_base_url: the vendor's API root.
    """

    name: ClassVar[str]
    config_model: ClassVar[type[ConnectorConfig]]
    default_base_url: ClassVar[str]

    def __init__(
        self, config: ConfigT, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.config = config
        self._transport = transport
        self._http: httpx.AsyncClient | None = None

    @property
    def base_url(self) -> str:
        """Return the API root in use: the configured override or the vendor's own."""
        override = self.config.api_base_url
        return str(override).rstrip("/") if override else self.default_base_url

    @property
    def http(self) -> httpx.AsyncClient:
        """Return the open HTTP client; only valid inside `async with connector:`."""
        if self._http is None:
            msg = f"{type(self).__name__} is not open: use 'async with connector:'"
            raise RuntimeError(msg)
        return self._http

    def client_headers(self) -> dict[str, str]:
        """Return headers sent on every request (auth, version); override to add yours."""
        return {}

    def client_auth(self) -> httpx.Auth | None:
        """Return the httpx auth flow for every request, if the vendor uses one."""
        return None

    async def __aenter__(self) -> Self:
        self._http = new_client(
            base_url=self.base_url,
            headers=self.client_headers(),
            auth=self.client_auth(),
            timeout=self.config.timeout_seconds,
            transport=self._transport,
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    @abstractmethod
    async def check(self) -> None:
        """Verify the credentials and settings with one cheap vendor call.

        Raises:
            AuthError: the vendor refused the credentials.
            ConfigError: a setting is wrong (an account id the credentials cannot see).
        """

    @classmethod
    def capabilities(cls) -> frozenset[CapabilityName]:
        """Return the capabilities this connector implements, read from its base classes."""
        return frozenset(
            name for name, base in _CAPABILITY_CLASSES.items() if issubclass(cls, base)
        )

    @classmethod
    def emulator(cls) -> Emulator | None:
        """Return a fresh emulator of this connector's vendor, when the connector ships one."""
        return None

    @classmethod
    def emulator_config(cls, base_url: str) -> ConnectorConfig | None:
        """Return a config that works against this connector's emulator served at `base_url`."""
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"
