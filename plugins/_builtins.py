"""The built-in plugins: modules registered by name through the same hooks as third-party ones.

Keep the tuple sorted; a test checks it. Connector modules (`freehold.connectors.meta`…) and
each area's command module are added here as they land.
"""

from __future__ import annotations

__all__ = ["BUILTIN_PLUGINS"]

BUILTIN_PLUGINS: tuple[str, ...] = (
    "freehold.connectors.klaviyo",
    "freehold.connectors.mailchimp",
    "freehold.connectors.meta",
    "freehold.plugins.builtin.audiences",
    "freehold.plugins.builtin.env_secrets",
    "freehold.plugins.cli.commands.audiences",
    "freehold.plugins.cli.commands.connectors",
    "freehold.plugins.cli.commands.demo",
    "freehold.plugins.cli.commands.events",
    "freehold.plugins.cli.commands.init",
    "freehold.plugins.cli.commands.plugins",
    "freehold.plugins.cli.commands.store",
    "freehold.plugins.cli.commands.sync",
    "freehold.plugins.cli.commands.validate",
)
"""Module names of the plugins that ship with freehold, sorted."""
