"""`freehold audiences`: list the audiences, preview one, compute memberships into the store."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table
from rich.text import Text
from sqlalchemy import select

from freehold.core.audiences import (
    AudienceKind,
    AudiencePreview,
    AudienceResult,
    audience_kind,
    compute_audience,
    preview,
)
from freehold.core.errors import ConfigError
from freehold.core.store.schema import audiences, utcnow
from freehold.plugins._markers import hookimpl
from freehold.plugins.cli._app import AppContext, pass_app

if TYPE_CHECKING:
    from freehold.core.config import AudienceConfig, ProjectConfig

__all__ = [
    "audiences_group",
    "compute_command",
    "freehold_register_commands",
    "list_command",
    "preview_command",
]


@hookimpl
def freehold_register_commands(cli: click.Group) -> None:
    """Add `freehold audiences` with `list`, `preview` and `compute`."""
    cli.add_command(audiences_group)


@click.group("audiences")
def audiences_group() -> None:
    """List, preview and compute the audiences defined in freehold.yaml."""


def _audience(config: ProjectConfig, key: str) -> AudienceConfig:
    found = config.audiences.get(key)
    if found is None:
        known = ", ".join(sorted(config.audiences)) or "none"
        msg = f"no audience named {key!r} in the project file (known: {known})"
        raise ConfigError(msg)
    return found


def _definition(config: AudienceConfig) -> str:
    kind = audience_kind(config)
    return f"builder:{config.builder}" if kind is AudienceKind.BUILDER else kind.value


@audiences_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@pass_app
def list_command(app: AppContext, *, as_json: bool) -> None:
    """List the audiences: definition kind, destinations, mode, last computed membership."""
    config = app.config()
    with app.store().engine.connect() as conn:
        stored = {
            key: (count, computed_at)
            for key, count, computed_at in conn.execute(
                select(audiences.c.key, audiences.c.member_count, audiences.c.computed_at)
            )
        }
    rows: list[dict[str, Any]] = []
    for key, audience in sorted(config.audiences.items()):
        count, computed_at = stored.get(key, (None, None))
        rows.append(
            {
                "key": key,
                "name": audience.name or key,
                "definition": _definition(audience),
                "to": list(audience.to),
                "mode": audience.mode.value,
                "members": count if computed_at is not None else None,
                "computed_at": computed_at.isoformat() if computed_at is not None else None,
            }
        )
    if as_json:
        app.emit_json(rows)
        return
    table = Table(title="Audiences", title_justify="left")
    table.add_column("audience", no_wrap=True)
    table.add_column("kind", overflow="fold")
    table.add_column("to", overflow="fold")
    table.add_column("mode", no_wrap=True)
    table.add_column("members", justify="right", no_wrap=True)
    table.add_column("computed", no_wrap=True)
    for row in rows:
        label = Text(row["key"])
        if row["name"] != row["key"]:
            label.append(f"\n{row['name']}", style="dim")
        table.add_row(
            label,
            Text(row["definition"]),
            Text(", ".join(row["to"]) or "-"),
            row["mode"],
            "-" if row["members"] is None else f"{row['members']:,}",
            _when(row["computed_at"]),
        )
    app.console.print(table)


def _when(stamp: str | None) -> str:
    """Return an ISO timestamp to the minute, in the terminal's table (the JSON keeps it all)."""
    if stamp is None:
        return "never"
    return dt.datetime.fromisoformat(stamp).strftime("%Y-%m-%d %H:%M")


@audiences_group.command("preview")
@click.argument("key")
@click.option(
    "--sample",
    type=click.IntRange(min=0, max=100),
    default=10,
    show_default=True,
    help="How many members to show (identifiers masked).",
)
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@pass_app
def preview_command(app: AppContext, key: str, *, sample: int, as_json: bool) -> None:
    """Show what audience KEY holds now: members, a masked sample, match share per destination.

    Nothing is written and nothing is sent.
    """
    config = app.config()
    audience = _audience(config, key)
    classes = app.connector_classes()
    destinations = {
        name: classes[config.destinations[name].connector]
        for name in audience.to
        if name in config.destinations and config.destinations[name].connector in classes
    }
    result = preview(
        app.store(),
        key,
        audience,
        destinations,
        builders=app.plugins.audience_builders(),
        sample=sample,
        base_dir=app.config_path.parent,
    )
    if as_json:
        app.emit_json(dataclasses.asdict(result))
        return
    _print_preview(app, result)


def _print_preview(app: AppContext, result: AudiencePreview) -> None:
    summary = Text(f"Audience {result.key} ({result.kind.value}): {result.members:,} members")
    if result.unresolved:
        summary.append(f", {result.unresolved:,} rows matched no contact")
    app.console.print(summary)
    if result.sample:
        scored = any(member.segment is not None for member in result.sample)
        table = Table(title="Sample (identifiers masked)", title_justify="left")
        columns = ["contact_id", "email", "phone", "lifecycle"]
        columns += ["score", "segment"] if scored else []
        for column in columns:
            table.add_column(column, overflow="fold")
        for member in result.sample:
            cells = [member.contact_id, member.email, member.phone, member.lifecycle]
            if scored:
                score = "-" if member.score is None else f"{member.score:g}"
                cells += [score, member.segment]
            table.add_row(*(Text(cell or "-") for cell in cells))
        app.console.print(table)
    if result.destinations:
        table = Table(title="Usable identifiers per destination", title_justify="left")
        for column in ("destination", "connector", "profile", "identifiers", "usable", "share"):
            table.add_column(
                column,
                justify="right" if column in {"usable", "share"} else "left",
                overflow="fold",
            )
        for coverage in result.destinations:
            share = "-" if coverage.share is None else f"{coverage.share:.1%}"
            table.add_row(
                Text(coverage.destination),
                Text(coverage.connector),
                Text(coverage.profile or "no audiences"),
                Text(", ".join(coverage.fields) or "-"),
                f"{coverage.usable:,}",
                share,
            )
        app.console.print(table)


@audiences_group.command("compute")
@click.argument("key", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@pass_app
def compute_command(app: AppContext, key: str | None, *, as_json: bool) -> None:
    """Compute audience KEY (or every audience) into the store; nothing is sent to vendors."""
    config = app.config()
    keys = [key] if key is not None else sorted(config.audiences)
    now = utcnow()
    builders = app.plugins.audience_builders()
    results: list[AudienceResult] = []
    for name in keys:
        audience = _audience(config, name)
        results.append(
            compute_audience(
                app.store(),
                name,
                audience,
                builders=builders,
                now=now,
                base_dir=app.config_path.parent,
            )
        )
    if as_json:
        app.emit_json([dataclasses.asdict(result) for result in results])
        return
    table = Table(title="Audiences computed", title_justify="left")
    for column in ("key", "members", "added", "removed", "unresolved"):
        table.add_column(column, justify="left" if column == "key" else "right")
    for result in results:
        table.add_row(
            Text(result.key),
            f"{result.members:,}",
            f"{result.added:,}",
            f"{result.removed:,}",
            f"{result.unresolved:,}",
        )
    app.console.print(table)
