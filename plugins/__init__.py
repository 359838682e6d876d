"""freehold.plugins: the plugin machinery (pluggy markers, hook specifications, manager) and CLI.

Plugins mark their hook implementations with `hookimpl`:

    from freehold.plugins import hookimpl

    @hookimpl
    def freehold_register_connectors(register):
        register(MyConnector)
"""

from __future__ import annotations

from freehold.plugins._builtins import BUILTIN_PLUGINS
from freehold.plugins._markers import PROJECT_NAME, hookimpl, hookspec
from freehold.plugins.hookspecs import DeliveryKind, DeliveryOperation
from freehold.plugins.manager import FreeholdPluginManager, PluginFailure, PluginInfo

__all__ = [
    "BUILTIN_PLUGINS",
    "PROJECT_NAME",
    "DeliveryKind",
    "DeliveryOperation",
    "FreeholdPluginManager",
    "PluginFailure",
    "PluginInfo",
    "hookimpl",
    "hookspec",
]
