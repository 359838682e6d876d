"""The Klaviyo connector and its emulator, registered as a plugin."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from freehold.connectors.klaviyo._config import REVISION, KlaviyoConfig
from freehold.connectors.klaviyo.connector import KlaviyoConnector
from freehold.connectors.klaviyo.emulator import (
    EMULATOR_API_KEY,
    EMULATOR_CONVERSION_METRIC_ID,
    KlaviyoEmulator,
)
from freehold.plugins import hookimpl

if TYPE_CHECKING:
    from collections.abc import Callable

    from freehold.core.connector import Connector

__all__ = [
    "EMULATOR_API_KEY",
    "EMULATOR_CONVERSION_METRIC_ID",
    "REVISION",
    "KlaviyoConfig",
    "KlaviyoConnector",
    "KlaviyoEmulator",
    "freehold_register_connectors",
]


@hookimpl
def freehold_register_connectors(register: Callable[[type[Connector[Any]]], None]) -> None:
    """Register the Klaviyo connector."""
    register(KlaviyoConnector)
