"""The CLI's logging: one stderr handler with the redacting filter, quiet by default."""

from __future__ import annotations

import logging

from rich.console import Console
from rich.logging import RichHandler

from freehold.core.redaction import RedactingFilter

__all__ = ["QUIET_LOGGERS", "configure_logging"]

QUIET_LOGGERS = ("httpx", "httpcore")
"""Loggers that print full URLs (httpx, at INFO) and headers (httpcore, at DEBUG)."""

_HANDLER_NAME = "freehold-cli"


def configure_logging(*, debug: bool, console: Console, verbose: bool = False) -> logging.Handler:
    """Install (or replace) the CLI's log handler on the root logger and set levels.

    The handler shows WARNING and above by default, so a command prints its progress bars and its
    report, not the engine's per-batch lines; INFO with `-v/--verbose`; DEBUG with `--debug`,
    which wins over `--verbose`. httpx and httpcore stay at WARNING unless `--debug` is given,
    even with `--verbose`: httpx logs every request's full URL at INFO. Every line passes through
    `RedactingFilter`.

    Args:
        debug: `--debug` was given.
        console: the stderr console the handler writes to.
        verbose: `-v/--verbose` was given.

    Returns:
        The installed handler.
    """
    if debug:
        level = logging.DEBUG
    elif verbose:
        level = logging.INFO
    else:
        level = logging.WARNING
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == _HANDLER_NAME:
            root.removeHandler(existing)
    handler = RichHandler(
        console=console,
        show_path=debug,
        show_time=debug,
        markup=False,
        rich_tracebacks=False,
        level=level,
    )
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    _at_most(root, logging.WARNING)
    # The handler's level decides what prints: a logger already set lower (an embedding
    # application, the test suite's scanner) keeps its level.
    _at_most(logging.getLogger("freehold"), level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if debug else logging.WARNING)
    return handler


def _at_most(logger: logging.Logger, level: int) -> None:
    """Lower `logger`'s level to `level` if it is unset or higher; never raise it."""
    if logger.level == logging.NOTSET or logger.level > level:
        logger.setLevel(level)
