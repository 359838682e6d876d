"""`freehold validate`: check `freehold.yaml` and print every problem with its path and line."""

from __future__ import annotations

import click

from freehold.core.config import check_config
from freehold.plugins._markers import hookimpl
from freehold.plugins.cli._app import AppContext, ExitCode, pass_app

__all__ = ["freehold_register_commands", "validate_command"]


@click.command("validate")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@pass_app
@click.pass_context
def validate_command(ctx: click.Context, app: AppContext, *, as_json: bool) -> None:
    """Check the project file: every problem at once, each with its YAML path and line.

    Exits 0 when the file is valid, 2 when it has problems.
    """
    check = check_config(
        app.config_path,
        connectors=app.connector_classes(),
        resolve_secret=app.plugins.resolve_secret,
        audience_builders=set(app.plugins.audience_builders()),
    )
    if as_json:
        app.emit_json(
            {
                "file": str(check.file),
                "valid": check.config is not None,
                "problems": [
                    {"path": p.path, "line": p.line, "message": p.message} for p in check.problems
                ],
            }
        )
    elif check.config is None:
        for problem in check.problems:
            click.echo(str(problem))
        count = len(check.problems)
        click.echo(f"{count} problem{'s' if count != 1 else ''} in {check.file}", err=True)
    else:
        config = check.config
        click.echo(
            f"{check.file}: valid ({len(config.destinations)} destinations, "
            f"{len(config.audiences)} audiences, {len(config.events)} event routes)"
        )
    if check.config is None:
        ctx.exit(ExitCode.USAGE)


@hookimpl
def freehold_register_commands(cli: click.Group) -> None:
    """Add `freehold validate`."""
    cli.add_command(validate_command)
