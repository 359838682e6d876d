"""freehold.connectors.meta: Meta's Custom Audiences, Conversions API and campaigns.

The plugin hook registers `MetaConnector`; the emulator lives in
`freehold.connectors.meta.emulator` and is imported only when asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from freehold.connectors.meta._config import (
    DEFAULT_API_VERSION,
    CustomerFileSource,
    MetaConfig,
    SpecialAdCategory,
)
from freehold.connectors.meta._connector import MetaConnector
from freehold.connectors.meta._errors import EVENTS_ERROR_TABLE, GRAPH_ERROR_TABLE
from freehold.plugins import hookimpl

__all__ = [
    "DEFAULT_API_VERSION",
    "EVENTS_ERROR_TABLE",
    "GRAPH_ERROR_TABLE",
    "CustomerFileSource",
    "MetaConfig",
    "MetaConnector",
    "SpecialAdCategory",
    "freehold_register_connectors",
]


@hookimpl
def freehold_register_connectors(register: Callable[[type[Any]], None]) -> None:
    """Register the Meta connector."""
    register(MetaConnector)
