"""The Mailchimp connector (Marketing API 3.0) and its emulator, registered as a plugin."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from freehold.connectors.mailchimp._config import AudienceTarget, MailchimpConfig
from freehold.connectors.mailchimp.connector import FORGET_WARNING, MailchimpConnector
from freehold.connectors.mailchimp.emulator import (
    EMULATOR_API_KEY,
    EMULATOR_LIST_ID,
    MailchimpEmulator,
)
from freehold.plugins import hookimpl

if TYPE_CHECKING:
    from collections.abc import Callable

    from freehold.core.connector import Connector

__all__ = [
    "EMULATOR_API_KEY",
    "EMULATOR_LIST_ID",
    "FORGET_WARNING",
    "AudienceTarget",
    "MailchimpConfig",
    "MailchimpConnector",
    "MailchimpEmulator",
    "freehold_register_connectors",
]


@hookimpl
def freehold_register_connectors(register: Callable[[type[Connector[Any]]], None]) -> None:
    """Register the Mailchimp connector."""
    register(MailchimpConnector)
