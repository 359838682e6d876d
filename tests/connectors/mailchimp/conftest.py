"""Fixtures of the Mailchimp connector's tests.

Every emulator built by the `emulator` fixture has all its exchanges validated against
Mailchimp's OpenAPI document when the test ends (the document is loaded once per session).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
import respx
from mailchimp_support import BASE, Clock, make_config
from openapi.documents import document
from openapi.validate import OpenApiDocument

from freehold.connectors.mailchimp import AudienceTarget, MailchimpConnector, MailchimpEmulator


@pytest.fixture(scope="session")
def mailchimp_openapi() -> OpenApiDocument:
    return document("mailchimp")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def off_document_positions() -> set[int]:
    return set()


@pytest.fixture
def emulator(
    mailchimp_openapi: OpenApiDocument, clock: Clock, off_document_positions: set[int]
) -> Iterator[MailchimpEmulator]:
    emulated = MailchimpEmulator(clock=clock)
    yield emulated
    mailchimp_openapi.check(emulated.receipts, off_document=off_document_positions)


@pytest.fixture
def off_document(
    emulator: MailchimpEmulator, off_document_positions: set[int]
) -> Callable[[], AbstractContextManager[None]]:
    """Return a context in which requests are sent off the document on purpose.

    Their answers are still validated; only the requests are exempt.
    """

    @contextmanager
    def sending() -> Iterator[None]:
        start = len(emulator.receipts)
        yield
        off_document_positions.update(range(start, len(emulator.receipts)))

    return sending


@pytest.fixture
def connect(emulator: MailchimpEmulator) -> Callable[..., MailchimpConnector]:
    """Return a factory of unopened connectors on the emulator (in-process, real host)."""

    def build(**overrides: object) -> MailchimpConnector:
        return MailchimpConnector(make_config(**overrides), transport=emulator.transport())

    return build


@pytest.fixture
async def mc(connect: Callable[..., MailchimpConnector]) -> AsyncIterator[MailchimpConnector]:
    """An open connector on the emulator, targeting tags in the emulator's list."""
    async with connect(audience_target=AudienceTarget.TAG) as opened:
        yield opened


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=True, assert_all_mocked=True) as router:
        yield router


@pytest.fixture
async def mocked(api: respx.MockRouter) -> AsyncIterator[MailchimpConnector]:
    """An open connector whose every request must be mocked on `api`."""
    async with MailchimpConnector(make_config()) as opened:
        yield opened
