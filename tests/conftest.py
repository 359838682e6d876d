"""Shared fixtures: anyio on asyncio, and a scanner that keeps personal values out of log records.

The scanner is a logging handler on the root logger for the whole session. It records every log
record whose message (or exception text) contains an email address, an E.164-like phone number,
or a value a test registered through the `sensitive_values` fixture; when any was seen, the
session fails with a report naming the test, the logger and the kind of value (never the value).
freehold's loggers run at DEBUG and httpx's at INFO during the session, so the scan covers what
`--debug` would print.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

pytest_plugins = ("pytester",)

EMAIL_PATTERN = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
"""An email address, as test data writes them."""

PHONE_PATTERN = re.compile(r"(?<![\w+])\+[1-9](?:[ .\-]?\d){6,14}(?!\d)")
"""An E.164-like phone number: `+` and 7 to 15 digits, optionally grouped."""

_MIN_REGISTERED_LENGTH = 4
_SCANNED_LEVELS = {"freehold": logging.DEBUG, "httpx": logging.INFO}


@dataclass(frozen=True, slots=True)
class LogFinding:
    """A log record that carried a sensitive value: where, from which logger, what kind."""

    test: str
    logger: str
    level: str
    kind: str


class SensitiveLogScanner(logging.Handler):
    """Records every log record that contains an email, a phone or a registered value."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.registered: set[str] = set()
        self.findings: list[LogFinding] = []
        self.current_test = "(outside any test)"

    def register(self, *values: str) -> None:
        """Flag `values` in any later log record (values under four characters are ignored)."""
        self.registered.update(value for value in values if len(value) >= _MIN_REGISTERED_LENGTH)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except (TypeError, ValueError):
            text = str(record.msg)
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            text += "\n" + record.exc_text
        kinds = []
        if EMAIL_PATTERN.search(text):
            kinds.append("an email address")
        if PHONE_PATTERN.search(text):
            kinds.append("a phone number")
        if any(value in text for value in self.registered):
            kinds.append("a registered secret or personal value")
        self.findings.extend(
            LogFinding(self.current_test, record.name, record.levelname, kind) for kind in kinds
        )


_SCANNER = pytest.StashKey[SensitiveLogScanner]()
_SAVED_LEVELS = pytest.StashKey[dict[str, int]]()


def pytest_configure(config: pytest.Config) -> None:
    scanner = SensitiveLogScanner()
    config.stash[_SCANNER] = scanner
    logging.getLogger().addHandler(scanner)
    saved = {}
    for name, level in _SCANNED_LEVELS.items():
        logger = logging.getLogger(name)
        saved[name] = logger.level
        logger.setLevel(level)
    config.stash[_SAVED_LEVELS] = saved


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    scanner = item.config.stash[_SCANNER]
    scanner.current_test = item.nodeid
    try:
        return (yield)
    finally:
        scanner.current_test = "(outside any test)"


def pytest_sessionfinish(session: pytest.Session) -> None:
    scanner = session.config.stash[_SCANNER]
    logging.getLogger().removeHandler(scanner)
    for name, level in session.config.stash[_SAVED_LEVELS].items():
        logging.getLogger(name).setLevel(level)
    if scanner.findings:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    findings = terminalreporter.config.stash[_SCANNER].findings
    if not findings:
        return
    terminalreporter.write_sep("=", "sensitive values in log records", red=True)
    for finding in findings[:50]:
        terminalreporter.write_line(
            f"{finding.test}: logger {finding.logger!r} ({finding.level}) logged {finding.kind}"
        )
    if len(findings) > 50:
        terminalreporter.write_line(f"... and {len(findings) - 50} more")


@pytest.fixture
def sensitive_values(pytestconfig: pytest.Config) -> SensitiveLogScanner:
    """Register test secrets and personal values: `sensitive_values.register("tok_123")`.

    Any log record containing a registered value fails the session.
    """
    return pytestconfig.stash[_SCANNER]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
