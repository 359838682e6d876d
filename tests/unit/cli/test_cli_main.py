"""The `freehold` group: version, help, one-line errors, exit codes, logging set-up."""

from __future__ import annotations

import io
import logging
import types

import click
import pytest
from click.testing import CliRunner
from rich.console import Console

from freehold.core._version import __version__
from freehold.core.errors import ConfigError, InputError, TransientError
from freehold.core.redaction import RedactingFilter
from freehold.plugins import hookimpl
from freehold.plugins.cli import AppContext, ExitCode, configure_logging, create_cli, main, pass_app


def _command_plugin(command):
    return types.SimpleNamespace(
        freehold_register_commands=hookimpl(lambda cli: cli.add_command(command))
    )


@pytest.fixture
def raising(plugins):
    """Add `freehold boom KIND`, which raises the error named KIND."""

    @click.command("boom")
    @click.argument("kind")
    def boom(kind):
        errors = {
            "config": ConfigError("destinations.email: bad (owner jane@example.com)"),
            "input": InputError("bad date", source="orders.csv", row=3, field="ordered_at"),
            "job": TransientError("POST /lists 503"),
            "bug": KeyError("contact_id"),
        }
        raise errors[kind]

    plugins.register_plugin(_command_plugin(boom), name="boom")
    return plugins


def test_version():
    result = CliRunner().invoke(create_cli(), ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"freehold, version {__version__}\n"


def test_main_is_the_console_entry_point():
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0


def test_help_lists_the_commands(run):
    result = run("--help")
    assert result.exit_code == 0
    for command in ("connectors", "init", "plugins", "validate"):
        assert f"  {command} " in result.stdout
    assert "--debug" in result.stdout
    assert "-v, --verbose" in result.stdout
    assert "--config FILE" in result.stdout


def test_usage_errors_exit_2(run):
    assert run("no-such-command").exit_code == ExitCode.USAGE
    assert run("validate", "--bogus").exit_code == ExitCode.USAGE


@pytest.mark.parametrize(
    ("kind", "code", "line"),
    [
        ("config", 2, "Error: destinations.email: bad (owner [redacted email])\n"),
        ("input", 2, "Error: orders.csv:3: bad date (field 'ordered_at')\n"),
        ("job", 1, "Error: POST /lists 503\n"),
        ("bug", 1, "Error: internal error (KeyError); run with --debug for the traceback\n"),
    ],
)
def test_errors_print_one_redacted_line_with_the_right_exit_code(raising, kind, code, line):
    result = CliRunner().invoke(create_cli(plugins=raising), ["boom", kind])
    assert result.exit_code == code
    assert result.stderr == line
    assert "Traceback" not in result.output


def test_debug_shows_the_traceback(raising):
    result = CliRunner().invoke(create_cli(plugins=raising), ["--debug", "boom", "bug"])
    assert result.exit_code == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.endswith("Error: internal error (KeyError)\n")


def test_config_option_and_environment_variable_name_the_project_file(
    plugins, tmp_path, monkeypatch
):
    @click.command("where")
    @pass_app
    def where(app):
        click.echo(str(app.config_path))

    plugins.register_plugin(_command_plugin(where), name="where")
    runner = CliRunner()
    assert runner.invoke(create_cli(plugins=plugins), ["where"]).stdout == "freehold.yaml\n"
    assert (
        runner.invoke(create_cli(plugins=plugins), ["--config", "x/p.yaml", "where"]).stdout
        == "x/p.yaml\n"
    )
    monkeypatch.setenv("FREEHOLD_CONFIG", str(tmp_path / "env.yaml"))
    assert runner.invoke(create_cli(plugins=plugins), ["where"]).stdout == f"{tmp_path}/env.yaml\n"


def test_a_given_app_context_is_used(plugins, tmp_path):
    @click.command("where")
    @pass_app
    def where(app):
        click.echo(f"{app.config_path} {app.debug}")

    plugins.register_plugin(_command_plugin(where), name="where")
    app = AppContext(plugins=plugins, config_path=tmp_path / "given.yaml")
    result = CliRunner().invoke(create_cli(plugins=plugins), ["--debug", "where"], obj=app)
    assert result.stdout == f"{tmp_path}/given.yaml True\n"


def _cli_handlers() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if h.get_name() == "freehold-cli"]


@pytest.mark.parametrize(
    ("flags", "handler_level", "http_level"),
    [
        ((), logging.WARNING, logging.WARNING),
        (("-v",), logging.INFO, logging.WARNING),
        (("--verbose",), logging.INFO, logging.WARNING),
        (("--debug",), logging.DEBUG, logging.DEBUG),
        (("-v", "--debug"), logging.DEBUG, logging.DEBUG),
    ],
)
def test_one_redacting_handler_at_the_flags_level_and_http_loggers_quiet_unless_debug(
    run, flags, handler_level, http_level
):
    run("plugins")
    run(*flags, "plugins")
    (handler,) = _cli_handlers()
    assert handler.level == handler_level
    assert any(isinstance(f, RedactingFilter) for f in handler.filters)
    assert logging.getLogger("httpx").level == http_level
    assert logging.getLogger("httpcore").level == http_level
    run("plugins")
    (handler,) = _cli_handlers()
    assert handler.level == logging.WARNING
    assert logging.getLogger("httpx").level == logging.WARNING


@pytest.fixture
def chatty(plugins):
    """Add `freehold chatty`, which logs one line at each level, and one httpx request line."""

    @click.command("chatty")
    def chatty():
        log = logging.getLogger("freehold.test.chatty")
        log.debug("debug-line: batch 3 built")
        log.info("info-line: batch 2 sent")
        log.warning("warning-line: 1 row rejected")
        logging.getLogger("httpx").info("http-line: GET https://vendor.invalid/lists")

    plugins.register_plugin(_command_plugin(chatty), name="chatty")
    return plugins


@pytest.mark.parametrize(
    ("flags", "shown"),
    [
        ((), {"warning-line"}),
        (("-v",), {"warning-line", "info-line"}),
        (("--verbose",), {"warning-line", "info-line"}),
        (("--debug",), {"warning-line", "info-line", "debug-line", "http-line"}),
        (("-v", "--debug"), {"warning-line", "info-line", "debug-line", "http-line"}),
    ],
)
def test_log_lines_on_stderr_are_warnings_by_default_info_with_verbose_all_with_debug(
    chatty, flags, shown
):
    result = CliRunner().invoke(create_cli(plugins=chatty), [*flags, "chatty"])
    assert result.exit_code == 0, result.output
    printed = {
        line
        for line in ("debug-line", "info-line", "warning-line", "http-line")
        if line in result.stderr
    }
    assert printed == shown
    assert result.stdout == ""


def test_configure_logging_without_verbose_or_debug_prints_warnings_only():
    handler = configure_logging(debug=False, console=Console(file=io.StringIO()))
    logging.getLogger().removeHandler(handler)
    assert handler.level == logging.WARNING


@pytest.mark.parametrize(("verbose", "level"), [(False, logging.WARNING), (True, logging.INFO)])
def test_the_cli_handler_prints_redacted_lines(sensitive_values, verbose, level):
    sensitive_values.register("EAAcli-secret-token")
    RedactingFilter.register_secret("EAAcli-secret-token")
    stream = io.StringIO()
    handler = configure_logging(
        debug=False, verbose=verbose, console=Console(file=stream, width=200)
    )
    logging.getLogger().removeHandler(handler)
    private = logging.getLogger("freehold.test.private")
    private.propagate = False  # the record reaches only this handler, never the suite's scanner
    private.addHandler(handler)
    try:
        private.log(
            level,
            "sync %s for %s at %s using %s",
            "vip",
            "jane@example.com",
            "+33612345678",
            "EAAcli-secret-token",
        )
    finally:
        private.removeHandler(handler)
    line = " ".join(stream.getvalue().split())
    assert "sync vip for [redacted email] at [redacted phone] using [redacted secret]" in line
