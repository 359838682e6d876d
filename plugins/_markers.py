"""The pluggy markers and project name, kept apart so any plugin module imports them cheaply."""

from __future__ import annotations

import pluggy

__all__ = ["PROJECT_NAME", "hookimpl", "hookspec"]

PROJECT_NAME = "freehold"
"""The pluggy project name, also the entry-point group third-party plugins use."""

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
"""Marks a hook specification in `freehold.plugins.hookspecs`."""

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
"""Marks a plugin's implementation of a freehold hook."""
