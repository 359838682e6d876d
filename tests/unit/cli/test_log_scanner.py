"""The session-wide log scanner in tests/conftest.py can fail a run, and stays quiet when clean."""

from __future__ import annotations

from pathlib import Path

import pytest

CONFTEST = Path(__file__).resolve().parents[2] / "conftest.py"


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # a fast inner session
    pytester.makeconftest(CONFTEST.read_text(encoding="utf-8"))
    return pytester


def test_logged_emails_phones_and_registered_values_fail_the_session_unnamed(inner):
    inner.makepyfile(
        test_email="""
        import logging

        def test_email():
            logging.getLogger("freehold.demo").debug("sent to %s", "jane.doe@example.com")
        """,
        test_phone="""
        import logging

        def test_phone():
            logging.getLogger("freehold.demo").info("texting +33 6 12 34 56 78")
        """,
        test_secret="""
        import logging

        def test_registers(sensitive_values):
            sensitive_values.register("tok_live_abcdef")

        def test_logs_it_later():
            logging.getLogger("other.lib").warning("auth with tok_live_abcdef")
        """,
    )
    result = inner.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*sensitive values in log records*",
            "*test_email.py::test_email: logger 'freehold.demo' (DEBUG) logged an email address",
            "*test_phone.py::test_phone: logger 'freehold.demo' (INFO) logged a phone number",
            "*test_logs_it_later: logger 'other.lib' (WARNING) logged a registered secret*",
        ],
        consecutive=False,
    )
    output = result.stdout.str()
    for value in ("jane.doe@example.com", "12 34 56 78", "tok_live_abcdef"):
        assert value not in output


def test_a_clean_session_passes_with_freehold_debug_records_scanned(inner):
    inner.makepyfile(
        test_clean="""
        import logging

        def test_clean(sensitive_values):
            sensitive_values.register("tok_live_abcdef")
            assert logging.getLogger("freehold.x").isEnabledFor(logging.DEBUG)
            logging.getLogger("freehold.x").debug("sent %d rows to audience %s", 12, "vip")
        """
    )
    result = inner.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.OK
    assert "sensitive values" not in result.stdout.str()
