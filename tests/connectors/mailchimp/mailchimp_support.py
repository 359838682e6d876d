"""Shared values and helpers of the Mailchimp connector's tests."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

from pydantic import SecretStr

from freehold.connectors.mailchimp import EMULATOR_API_KEY, EMULATOR_LIST_ID, MailchimpConfig
from freehold.core.models import EmailStatus, Member

KEY = EMULATOR_API_KEY
LIST = EMULATOR_LIST_ID
BASE = "https://us6.api.mailchimp.com/3.0"
BASIC = "Basic " + base64.b64encode(f"freehold:{KEY}".encode()).decode()
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def md5(email: str) -> str:
    return hashlib.md5(email.lower().encode(), usedforsecurity=False).hexdigest()


def member(
    key: str,
    email: str,
    status: EmailStatus | None = EmailStatus.SUBSCRIBED,
    **attributes: object,
) -> Member:
    tags = attributes.pop("tags", ())
    return Member(
        key=key,
        identifiers={"email": email},
        attributes=attributes,  # type: ignore[arg-type]
        email_status=status,
        tags=tuple(tags),  # type: ignore[arg-type]
    )


class Clock:
    """A settable clock for the emulator: starts at START, moves when told."""

    def __init__(self, start: dt.datetime = START) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


def make_config(**overrides: object) -> MailchimpConfig:
    """A config for the emulator's key and list (real host), with `overrides`."""
    settings: dict[str, object] = {"api_key": SecretStr(KEY), "list_id": LIST, **overrides}
    return MailchimpConfig.model_validate(settings)
