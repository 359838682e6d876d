"""freehold.plugins: the plugin machinery (pluggy markers, hook specifications, manager) and CLI.

Plugins mark their hook implementations with `hookimpl`:

    from freehold.plugins import hookimpl

    @hookimpl
    def freehold_register_connectors(register):
        register(MyConnector)
"""

from __future__ import annotations

import pluggy

__all__ = ["PROJECT_NAME", "hookimpl", "hookspec"]

PROJECT_NAME = "freehold"
"""The pluggy project name, also the entry-point group third-party plugins use."""

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
"""Marks a hook specification in `freehold.plugins.hookspecs`."""

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
"""Marks a plugin's implementation of a freehold hook."""
