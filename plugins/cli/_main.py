"""The `freehold` click group: flags, plugin commands, one-line errors and exit codes."""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any, cast

import click
from rich.console import Console

from freehold.core._version import __version__
from freehold.core.errors import ConfigError, FreeholdError, InputError
from freehold.core.redaction import redact
from freehold.plugins.cli._app import AppContext, ExitCode
from freehold.plugins.cli._logging import configure_logging
from freehold.plugins.manager import FreeholdPluginManager

__all__ = ["FreeholdGroup", "cli", "create_cli", "main"]


class _UsageError(click.ClickException):
    """A usage or config error, shown on one line (`Error: …`); exit code 2."""

    exit_code = ExitCode.USAGE


class _JobError(click.ClickException):
    """A failed job or an internal error, shown on one line (`Error: …`); exit code 1."""

    exit_code = ExitCode.JOB_FAILED


class FreeholdGroup(click.Group):
    """The `freehold` group: loads plugins on first use and lets them add their commands.

    Args:
        plugins: a plugin manager to use (tests pass one); by default a new one is loaded with
            the built-ins and the installed entry points.
    """

    def __init__(
        self,
        *args: Any,  # noqa: ANN401 - click's own signature
        plugins: FreeholdPluginManager | None = None,
        **kwargs: Any,  # noqa: ANN401 - click's own signature
    ) -> None:
        super().__init__(*args, **kwargs)
        self._plugins = plugins
        self._commands_registered = False

    def plugin_manager(self) -> FreeholdPluginManager:
        """Return the plugin manager, loading it and registering plugin commands on first use."""
        if self._plugins is None:
            self._plugins = FreeholdPluginManager()
            self._plugins.load()
        if not self._commands_registered:
            self._commands_registered = True
            self._plugins.register_commands(self)
        return self._plugins

    def list_commands(self, ctx: click.Context) -> list[str]:
        """List every command, plugin commands included."""
        self.plugin_manager()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Look up a command, plugin commands included."""
        self.plugin_manager()
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:  # noqa: ANN401 - whatever the command returns
        """Set up logging and the `AppContext`, run the command, and turn errors into one line."""
        debug = bool(ctx.params.get("debug"))
        verbose = bool(ctx.params.get("verbose"))
        if isinstance(ctx.obj, AppContext):
            app = ctx.obj
            app.debug = app.debug or debug
            app.verbose = app.verbose or verbose
            configure_logging(debug=app.debug, verbose=app.verbose, console=app.err_console)
        else:
            err_console = Console(stderr=True, soft_wrap=True)
            configure_logging(debug=debug, verbose=verbose, console=err_console)
            app = AppContext(
                plugins=self.plugin_manager(),
                config_path=cast("Path", ctx.params.get("config_path") or Path("freehold.yaml")),
                debug=debug,
                verbose=verbose,
                err_console=err_console,
            )
            ctx.obj = app
        ctx.call_on_close(app.close)
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except FreeholdError as exc:
            _show_traceback(app)
            if isinstance(exc, ConfigError | InputError):
                raise _UsageError(redact(str(exc))) from exc
            raise _JobError(redact(str(exc))) from exc
        except Exception as exc:
            _show_traceback(app)
            hint = "" if app.debug else "; run with --debug for the traceback"
            msg = f"internal error ({type(exc).__name__}){hint}"
            raise _JobError(msg) from exc


def _show_traceback(app: AppContext) -> None:
    if app.debug:
        click.echo(redact(traceback.format_exc()), err=True)


def create_cli(*, plugins: FreeholdPluginManager | None = None) -> FreeholdGroup:
    """Build a fresh `freehold` group.

    Args:
        plugins: the plugin manager to use; by default one is loaded on first use.

    Returns:
        The group; its commands come from the `freehold_register_commands` hook.
    """

    @click.group(
        name="freehold",
        cls=FreeholdGroup,
        plugins=plugins,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    @click.version_option(__version__, "--version", prog_name="freehold")
    @click.option(
        "-v",
        "--verbose",
        is_flag=True,
        help="Also print freehold's INFO log lines (per-batch progress; never secrets or PII).",
    )
    @click.option(
        "--debug", is_flag=True, help="Show tracebacks and HTTP logs (never secrets or PII)."
    )
    @click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=Path("freehold.yaml"),
        envvar="FREEHOLD_CONFIG",
        show_default=True,
        help="The project file (or $FREEHOLD_CONFIG).",
    )
    def freehold(verbose: bool, debug: bool, config_path: Path) -> None:  # noqa: FBT001 - click passes flags
        """Own your customer data; treat marketing vendors as replaceable projections of it.

        Exit codes: 0 ok, 1 a job failed, 2 a usage or configuration error.
        """

    return freehold


cli = create_cli()
"""The `freehold` group; plugins add their commands to it through `freehold_register_commands`."""


def main(args: list[str] | None = None) -> None:
    """Run the `freehold` command line (the console script)."""
    cli.main(args=args, prog_name="freehold")
