"""The `freehold` command line (click + rich), the composition root.

It wires the project config, the plugins and the core engine together. Each area adds its
commands from its own module through the `freehold_register_commands` hook; every command gets
the `AppContext` through `pass_app`. Errors print on one line (a traceback only with `--debug`);
exit codes are 0 (ok), 1 (a job failed) and 2 (a usage or config error).
"""

from __future__ import annotations

from freehold.plugins.cli._app import AppContext, ExitCode, pass_app
from freehold.plugins.cli._logging import configure_logging
from freehold.plugins.cli._main import FreeholdGroup, cli, create_cli, main

__all__ = [
    "AppContext",
    "ExitCode",
    "FreeholdGroup",
    "cli",
    "configure_logging",
    "create_cli",
    "main",
    "pass_app",
]
