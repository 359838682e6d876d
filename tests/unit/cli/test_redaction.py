"""`RedactingFilter` masks emails, phones, credentials and registered secrets; keeps the rest."""

from __future__ import annotations

import logging
import sys

import pytest

from freehold.core.redaction import RedactingFilter, redact


def _record(msg: str, *args: object, exc_info: bool = False) -> logging.LogRecord:
    return logging.LogRecord(
        "freehold.test",
        logging.INFO,
        __file__,
        1,
        msg,
        args or None,
        sys.exc_info() if exc_info else None,
    )


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [
        ("mail to jane.doe+promo@mail.example.co.uk", "mail to [redacted email]", "jane.doe"),
        ("phone +33 6 12 34 56 78 failed", "phone [redacted phone] failed", "12 34"),
        ("phone +14155550123 failed", "phone [redacted phone] failed", "4155550123"),
        ("call (415) 555-0123 now", "call [redacted phone] now", "555-0123"),
        ("call 415-555-0123 now", "call [redacted phone] now", "555-0123"),
        ("Authorization: Bearer EAAGm0PX4ZCpsBA.x-y", "Bearer [redacted token]", "EAAGm0PX4"),
        (
            "GET /act?access_token=EAAB123&fields=id",
            "access_token=[redacted secret]&fields=id",
            "EAAB123",
        ),
        ('{"api_key": "abc123def456-us21"}', '"api_key": "[redacted secret]"', "abc123def456"),
        ("postgresql://app:hunter22@db/x", "postgresql://app:[redacted secret]@db/x", "hunter22"),
    ],
)
def test_sensitive_values_are_masked(text, kept, gone):
    masked = redact(text)
    assert kept in masked
    assert gone not in masked


@pytest.mark.parametrize(
    "text",
    [
        "synced 1234567 rows in 2024-01-15T10:00:00+00:00",
        "audience vip_customers: 120 added, 3 removed (run 42)",
        "sha256 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
        "POST /v21.0/act_1234567890/customaudiences 200",
    ],
)
def test_ordinary_log_lines_are_left_alone(text):
    assert redact(text) == text


def test_registered_secrets_are_masked_everywhere_and_short_ones_ignored():
    RedactingFilter.register_secret("s3cr3t-value-registered")
    RedactingFilter.register_secret("abc")
    assert redact("token s3cr3t-value-registered!") == "token [redacted secret]!"
    assert redact("abc") == "abc"
    assert "abc" not in RedactingFilter.registered_secrets()


def test_filter_masks_formatted_args_and_keeps_the_record():
    record = _record("sent %s to %s", "jane@example.com", "email")
    assert RedactingFilter().filter(record) is True
    assert record.getMessage() == "sent [redacted email] to email"
    assert record.args is None


def test_filter_masks_exception_text():
    try:
        raise ValueError("bad address jane@example.com")  # noqa: EM101, TRY301
    except ValueError:
        record = _record("failed", exc_info=True)
    RedactingFilter().filter(record)
    assert record.exc_text is not None
    assert "ValueError: bad address [redacted email]" in record.exc_text
    assert "jane@" not in logging.Formatter().format(record)


def test_filter_survives_a_bad_format_string():
    record = _record("%d rows", "not-a-number")
    RedactingFilter().filter(record)
    assert record.getMessage() == "%d rows"
