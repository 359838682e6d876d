"""Keep personal values and secrets out of log lines.

`RedactingFilter` is attached by the CLI to its log handler. It rewrites each record's message
(after `%`-formatting, so values passed as arguments are caught too) and its exception text,
masking:

- email addresses;
- phone numbers written in E.164 form (`+33 6 12 34 56 78`) or North American form
  (`(555) 123-4567`, `555-123-4567`);
- bearer tokens and `key=value` / `"key": "value"` pairs whose key names a credential
  (`access_token`, `api_key`, `password`, `secret`, `token`, …);
- every secret value registered with `RedactingFilter.register_secret` (the project config
  registers each secret it resolves from `${ENV_VAR}`).

Library code never needs it: it logs counts and ids only. The filter is the net under that rule.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import ClassVar

__all__ = ["RedactingFilter", "redact"]

_MIN_SECRET_LENGTH = 4
"""Shorter registered values are ignored: masking every `abc` would garble the log."""

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE_E164 = re.compile(r"(?<![\w+])\+\d(?:[ .\-()]?\d){6,14}(?!\d)")
_PHONE_NANP = re.compile(r"(?<!\d)(?:\(\d{3}\)\s?|\d{3}[.\-])\d{3}[.\-]\d{4}(?!\d)")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=\-]+")
_CREDENTIAL_KEY = (
    r"(?:access[_-]?token|refresh[_-]?token|id[_-]?token|api[_-]?key|apikey|client[_-]?secret"
    r"|developer[_-]?token|password|passwd|secret|token|authorization|x-api-key)"
)
_KEY_VALUE = re.compile(
    r"(?i)(?P<key>\b"
    + _CREDENTIAL_KEY
    + r"\b[\"']?\s*[:=]\s*[\"']?)(?!\[redacted|(?:bearer|basic)\s)(?P<value>[^\s\"'&,;}]+)"
)
_URL_PASSWORD = re.compile(
    r"(?P<head>\b[a-z][a-z0-9+.\-]*://[^/\s:@]+:)(?!\[redacted)(?P<pw>[^@\s/]+)(?=@)"
)


class RedactingFilter(logging.Filter):
    """A logging filter that masks personal values and secrets in every record it sees.

    Attach it to a handler (`handler.addFilter(RedactingFilter())`); it never drops a record.
    The registry of secret values is shared by every instance, so a secret registered once is
    masked by every handler.
    """

    _secrets: ClassVar[set[str]] = set()
    _lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def register_secret(cls, value: str) -> None:
        """Mask `value` wherever it appears in a log line from now on.

        Values shorter than four characters are ignored.
        """
        if len(value) >= _MIN_SECRET_LENGTH:
            with cls._lock:
                cls._secrets.add(value)

    @classmethod
    def registered_secrets(cls) -> frozenset[str]:
        """Return the secret values registered so far."""
        with cls._lock:
            return frozenset(cls._secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite `record`'s message and exception text with every sensitive value masked.

        Returns:
            Always True: the record is kept, only its text changes.
        """
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def redact(text: str) -> str:
    """Return `text` with emails, phones, credentials and registered secrets masked.

    Args:
        text: any text bound for a log line, a report or an error message.

    Returns:
        The text with each sensitive value replaced by a `[redacted …]` marker.
    """
    for secret in sorted(RedactingFilter.registered_secrets(), key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "[redacted secret]")
    text = _BEARER.sub(lambda m: f"{m.group(1)} [redacted token]", text)
    text = _KEY_VALUE.sub(lambda m: f"{m.group('key')}[redacted secret]", text)
    text = _URL_PASSWORD.sub(lambda m: f"{m.group('head')}[redacted secret]", text)
    text = _EMAIL.sub("[redacted email]", text)
    text = _PHONE_E164.sub("[redacted phone]", text)
    return _PHONE_NANP.sub("[redacted phone]", text)
