"""The CLI's logging: one stderr handler with the redacting filter, quiet HTTP loggers."""

from __future__ import annotations

import logging

from rich.console import Console
from rich.logging import RichHandler

from freehold.core.redaction import RedactingFilter

__all__ = ["QUIET_LOGGERS", "configure_logging"]

QUIET_LOGGERS = ("httpx", "httpcore")
"""Loggers that print full URLs (httpx, at INFO) and headers (httpcore, at DEBUG)."""

_HANDLER_NAME = "freehold-cli"


def configure_logging(*, debug: bool, console: Console) -> logging.Handler:
    """Install (or replace) the CLI's log handler on the root logger and set levels.

    freehold's own loggers report at INFO (DEBUG with `--debug`); httpx and httpcore stay at
    WARNING unless `--debug` is given. Every line passes through `RedactingFilter`.

    Args:
        debug: `--debug` was given.
        console: the stderr console the handler writes to.

    Returns:
        The installed handler.
    """
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
        level=logging.DEBUG if debug else logging.INFO,
    )
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    _at_most(root, logging.WARNING)
    _at_most(logging.getLogger("freehold"), logging.DEBUG if debug else logging.INFO)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if debug else logging.WARNING)
    return handler


def _at_most(logger: logging.Logger, level: int) -> None:
    """Lower `logger`'s level to `level` if it is unset or higher; never raise it."""
    if logger.level == logging.NOTSET or logger.level > level:
        logger.setLevel(level)
