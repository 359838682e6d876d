"""Plugins that ship with freehold.

Secret resolution from the environment, and later computed audiences. The consent gate is core
behaviour and never a plugin.
"""

from __future__ import annotations

__all__: list[str] = []
