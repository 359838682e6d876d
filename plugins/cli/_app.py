"""`AppContext`: what every command gets: consoles, flags, plugins, config, store, connectors."""

from __future__ import annotations

import json
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from freehold.core.config import ProjectConfig, load_config
from freehold.core.errors import ConfigError

if TYPE_CHECKING:
    from freehold.core.connector import Connector
    from freehold.core.emulator import Emulator
    from freehold.core.store import Store
    from freehold.plugins.manager import FreeholdPluginManager

__all__ = ["AppContext", "ExitCode", "pass_app"]


class ExitCode(IntEnum):
    """The exit codes of every freehold command."""

    OK = 0
    JOB_FAILED = 1
    USAGE = 2
    """A usage or config error: a bad flag, a bad `freehold.yaml`, an unusable input."""


class AppContext:
    """The click `obj` of every freehold command: the composition root's wiring, built lazily.

    Attributes:
        plugins: the loaded plugin manager.
        config_path: the project file (`--config`, `$FREEHOLD_CONFIG` or `./freehold.yaml`).
        debug: `--debug` was given: tracebacks and HTTP logs are shown.
        verbose: `-v/--verbose` was given: freehold's INFO log lines are shown.
        console: rich console on stdout, for results.
        err_console: rich console on stderr, for progress bars and messages.
        emulators: the emulator behind each `emulate: true` destination, by destination name;
            kept for the life of the process so their state persists between commands' steps.
    """

    def __init__(
        self,
        *,
        plugins: FreeholdPluginManager,
        config_path: Path,
        debug: bool = False,
        verbose: bool = False,
        console: Console | None = None,
        err_console: Console | None = None,
    ) -> None:
        self.plugins = plugins
        self.config_path = config_path
        self.debug = debug
        self.verbose = verbose
        self.console = console or Console(soft_wrap=True)
        self.err_console = err_console or Console(stderr=True, soft_wrap=True)
        self.emulators: dict[str, Emulator] = {}
        self._config: ProjectConfig | None = None
        self._store: Store | None = None

    def connector_classes(self) -> dict[str, type[Connector[Any]]]:
        """Return the installed connector classes by name."""
        return self.plugins.connectors()

    def config(self) -> ProjectConfig:
        """Return the project config, loaded and validated on first use.

        Raises:
            ConfigError: the file is missing or has problems (each named with path and line).
        """
        if self._config is None:
            self._config = load_config(
                self.config_path,
                connectors=self.connector_classes(),
                resolve_secret=self.plugins.resolve_secret,
                audience_builders=set(self.plugins.audience_builders()),
            )
        return self._config

    def store(self) -> Store:
        """Return the store named by the config's `store` URL, opened on first use."""
        if self._store is None:
            from freehold.core.store import Store  # noqa: PLC0415 - only commands that need it

            self._store = Store.open(self.config().store)
        return self._store

    def connector_for(self, destination: str) -> Connector[Any]:
        """Return a new connector for `destination`, built from its settings.

        An `emulate: true` destination talks to its connector's emulator in-process; the same
        emulator instance serves every connector built for that destination in this process.
        Use the connector as `async with connector:`.

        Raises:
            ConfigError: no such destination, or its connector ships no emulator.
        """
        config = self.config()
        found = config.destinations.get(destination)
        if found is None:
            known = ", ".join(sorted(config.destinations)) or "none"
            msg = f"no destination named {destination!r} in {self.config_path} (known: {known})"
            raise ConfigError(msg)
        cls = self.connector_classes()[found.connector]
        if not found.emulate:
            return cls(found.settings)
        emulator = self.emulators.get(destination)
        if emulator is None:
            emulator = cls.emulator()
            if emulator is None:
                msg = f"destination {destination!r}: connector {cls.name!r} ships no emulator"
                raise ConfigError(msg)
            self.emulators[destination] = emulator
        return cls(found.settings, transport=emulator.transport())

    def progress(self, *, transient: bool = False) -> Progress:
        """Return a rich progress bar on stderr for long work (hidden when stderr is no TTY).

        Use it as `with app.progress() as bar: task = bar.add_task("sync", total=n)`.
        """
        return Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.err_console,
            transient=transient,
            disable=not self.err_console.is_terminal,
        )

    def emit_json(self, data: object) -> None:
        """Print `data` as JSON on stdout, for `--json` output (plain, never styled)."""
        click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))

    def close(self) -> None:
        """Close the store if it was opened."""
        if self._store is not None:
            self._store.close()
            self._store = None


pass_app = click.make_pass_decorator(AppContext)
"""Decorator giving a click command the `AppContext` as its first argument."""
