"""Fixtures of the Klaviyo connector's tests.

Every emulator built by the `emulator` fixture has all its exchanges validated against Klaviyo's
OpenAPI document (loaded once per session, with the corrections `openapi.documents` lists)
when the test ends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import pytest
import respx
from openapi.documents import document
from openapi.validate import OpenApiDocument
from pydantic import SecretStr

from freehold.connectors.klaviyo import (
    EMULATOR_API_KEY,
    KlaviyoConfig,
    KlaviyoConnector,
    KlaviyoEmulator,
)

BASE = "https://a.klaviyo.com"


def make_config(**overrides: object) -> KlaviyoConfig:
    settings: dict[str, object] = {"api_key": SecretStr(EMULATOR_API_KEY), **overrides}
    return KlaviyoConfig.model_validate(settings)


@pytest.fixture(scope="session")
def klaviyo_openapi() -> OpenApiDocument:
    return document("klaviyo")


@pytest.fixture
def emulator(klaviyo_openapi: OpenApiDocument) -> Iterator[KlaviyoEmulator]:
    """A fresh emulator; every exchange it had is validated against the OpenAPI document."""
    emulated = KlaviyoEmulator()
    yield emulated
    klaviyo_openapi.check(emulated.receipts)


@pytest.fixture
def connect(emulator: KlaviyoEmulator) -> Callable[..., KlaviyoConnector]:
    """Return a factory of unopened connectors on the emulator (in-process)."""

    def build(**overrides: object) -> KlaviyoConnector:
        return KlaviyoConnector(make_config(**overrides), transport=emulator.transport())

    return build


@pytest.fixture
async def kl(connect: Callable[..., KlaviyoConnector]) -> AsyncIterator[KlaviyoConnector]:
    async with connect() as opened:
        yield opened


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=True, assert_all_mocked=True) as router:
        yield router


@pytest.fixture
async def mocked(api: respx.MockRouter) -> AsyncIterator[KlaviyoConnector]:
    """An open connector whose every request must be mocked on `api`."""
    async with KlaviyoConnector(make_config()) as opened:
        yield opened
