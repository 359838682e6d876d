"""Fixtures for the Meta connector's tests: configs, digests and connectors under respx."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx
from meta_support import ACCOUNT, APP_SECRET, GRAPH, PIXEL, TOKEN
from pydantic import SecretStr

from freehold.connectors.meta import MetaConfig, MetaConnector
from freehold.connectors.meta.emulator import MetaEmulator


@pytest.fixture
def config() -> MetaConfig:
    return MetaConfig(access_token=SecretStr(TOKEN), ad_account_id=ACCOUNT, pixel_id=PIXEL)


@pytest.fixture
def proof_config() -> MetaConfig:
    return MetaConfig(
        access_token=SecretStr(TOKEN),
        app_secret=SecretStr(APP_SECRET),
        ad_account_id=ACCOUNT,
        pixel_id=PIXEL,
    )


@pytest.fixture
def graph() -> Iterator[respx.MockRouter]:
    """Mock the Graph host; connectors built with `mocked(graph)` reach it without TLS setup."""
    with respx.mock(base_url=GRAPH, assert_all_called=False) as router:
        yield router


def mocked(router: respx.MockRouter) -> httpx.AsyncBaseTransport:
    """Return a transport answering from `router` (skips building a TLS context per client)."""
    return httpx.MockTransport(router.async_handler)


@pytest.fixture
def transport(graph: respx.MockRouter) -> httpx.AsyncBaseTransport:
    return mocked(graph)


@pytest.fixture
async def connector(
    config: MetaConfig, transport: httpx.AsyncBaseTransport
) -> AsyncIterator[MetaConnector]:
    async with MetaConnector(config, transport=transport) as opened:
        yield opened


@pytest.fixture
def emulator() -> MetaEmulator:
    return MetaEmulator()


@pytest.fixture
async def emulated(emulator: MetaEmulator) -> AsyncIterator[MetaConnector]:
    config = MetaConnector.emulator_config("http://emulator.invalid")
    async with MetaConnector(config, transport=emulator.transport()) as opened:
        yield opened
