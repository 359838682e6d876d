"""`freehold connectors`: every installed connector with capabilities, limits and config schema."""

from __future__ import annotations

from typing import Any

import click
from pydantic import PydanticUserError

from freehold.core.capabilities import AudienceSync, EventDelivery
from freehold.core.connector import Connector
from freehold.plugins._markers import hookimpl
from freehold.plugins.cli._app import AppContext, pass_app

__all__ = ["connectors_command", "describe_connector", "freehold_register_commands"]


def describe_connector(cls: type[Connector[Any]]) -> dict[str, Any]:
    """Return what `freehold connectors --json` says about one connector class.

    Keys: `name`, `class`, `capabilities`, `audience_limits`, `event_limits`,
    `audience_purpose`, `event_purpose`, `identity_profile`, `emulator`, `config_schema`.
    """
    described: dict[str, Any] = dict.fromkeys(
        (
            "audience_limits",
            "event_limits",
            "audience_purpose",
            "event_purpose",
            "identity_profile",
        )
    )
    if issubclass(cls, AudienceSync):
        described["audience_limits"] = cls.audience_limits.model_dump(mode="json")
        described["audience_purpose"] = str(cls.audience_purpose)
        described["identity_profile"] = cls.identity_profile
    if issubclass(cls, EventDelivery):
        described["event_limits"] = cls.event_limits.model_dump(mode="json")
        described["event_purpose"] = str(cls.event_purpose)
    try:
        schema: dict[str, Any] = cls.config_model.model_json_schema()
    except (PydanticUserError, TypeError, ValueError) as exc:
        schema = {"error": f"no JSON schema: {type(exc).__name__}"}
    return {
        "name": cls.name,
        "class": f"{cls.__module__}:{cls.__qualname__}",
        "capabilities": sorted(str(capability) for capability in cls.capabilities()),
        **described,
        "emulator": _ships_emulator(cls),
        "config_schema": schema,
    }


def _ships_emulator(cls: type[Connector[Any]]) -> bool:
    return getattr(cls.emulator, "__func__", None) is not getattr(
        Connector.emulator, "__func__", None
    )


def _limits_text(limits: dict[str, Any]) -> str:
    parts = [f"{limits['max_rows']} rows"]
    if limits.get("max_bytes"):
        parts.append(f"{limits['max_bytes']} bytes")
    if limits.get("requests_per_second"):
        parts.append(f"{limits['requests_per_second']}/s")
    return ", ".join(parts)


def _settings_text(schema: dict[str, Any]) -> str:
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    names = []
    for name, spec in sorted(properties.items(), key=lambda item: item[0] not in required):
        secret = spec.get("format") == "password" or any(
            option.get("format") == "password" for option in spec.get("anyOf", [])
        )
        names.append(f"{name}{'*' if name in required else ''}{' (secret)' if secret else ''}")
    return ", ".join(names) or schema.get("error", "-")


def _text_lines(row: dict[str, Any]) -> list[str]:
    lines = [
        f"{row['name']}  ({row['class']})",
        f"  capabilities: {', '.join(row['capabilities']) or '-'}",
    ]
    if row["audience_limits"] is not None:
        limits = _limits_text(row["audience_limits"])
        lines.append(f"  audience batches: {limits}; consent: {row['audience_purpose']}")
    if row["event_limits"] is not None:
        limits = _limits_text(row["event_limits"])
        lines.append(f"  event batches: {limits}; consent: {row['event_purpose']}")
    lines.append(f"  emulator: {'yes' if row['emulator'] else 'no'}")
    lines.append(f"  settings (* required): {_settings_text(row['config_schema'])}")
    return lines


@click.command("connectors")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@pass_app
def connectors_command(app: AppContext, *, as_json: bool) -> None:
    """List installed connectors: capabilities, batch limits and settings."""
    described = [describe_connector(cls) for _, cls in sorted(app.connector_classes().items())]
    if as_json:
        app.emit_json(described)
    elif not described:
        app.console.print("No connectors installed.", markup=False)
    else:
        text = "\n".join("\n".join(_text_lines(row)) for row in described)
        app.console.print(text, markup=False, highlight=False)
    if app.plugins.failures:
        count = len(app.plugins.failures)
        app.err_console.print(
            f"{count} plugin problem{'s' if count != 1 else ''}: see `freehold plugins`",
            markup=False,
        )


@hookimpl
def freehold_register_commands(cli: click.Group) -> None:
    """Add `freehold connectors`."""
    cli.add_command(connectors_command)
