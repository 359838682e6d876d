"""`freehold plugins`: every plugin, where it came from, what it implements, and what failed."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table
from rich.text import Text

from freehold.plugins._markers import hookimpl
from freehold.plugins.cli._app import AppContext, pass_app

__all__ = ["freehold_register_commands", "plugin_rows", "plugins_command"]


def plugin_rows(app: AppContext) -> list[dict[str, Any]]:
    """Return one row per plugin (status `ok`) and one per plugin failure (status `error`).

    Connectors and audience builders are collected first, so registration problems show too.
    """
    app.plugins.connectors()
    app.plugins.audience_builders()
    rows: list[dict[str, Any]] = [
        {
            "name": info.name,
            "source": info.source,
            "dist": info.dist,
            "hooks": list(info.hooks),
            "status": "ok",
            "error": None,
        }
        for info in app.plugins.plugin_infos()
    ]
    rows.extend(
        {
            "name": failure.name,
            "source": None,
            "dist": failure.dist,
            "hooks": [],
            "status": "error",
            "error": failure.error,
        }
        for failure in app.plugins.failures
    )
    return rows


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@pass_app
def plugins_command(app: AppContext, *, as_json: bool) -> None:
    """List plugins (built-in and installed) and any that failed to load.

    A broken plugin is listed with its error; the command still succeeds.
    """
    rows = plugin_rows(app)
    if as_json:
        app.emit_json(rows)
        return
    table = Table(title="Plugins", title_justify="left")
    for column in ("name", "source", "distribution", "hooks"):
        table.add_column(column, overflow="fold")
    table.add_column("status", overflow="fold")
    for row in rows:
        ok = row["status"] == "ok"
        table.add_row(
            Text(row["name"]),
            Text(row["source"] or "-"),
            Text(row["dist"] or "-"),
            Text(", ".join(hook.removeprefix("freehold_") for hook in row["hooks"]) or "-"),
            Text("ok", style="green") if ok else Text("error", style="red"),
        )
    app.console.print(table)
    for row in rows:
        if row["status"] == "error":
            dist = f" ({row['dist']})" if row["dist"] else ""
            app.console.print(f"{row['name']}{dist}: {row['error']}", markup=False, highlight=False)


@hookimpl
def freehold_register_commands(cli: click.Group) -> None:
    """Add `freehold plugins`."""
    cli.add_command(plugins_command)
