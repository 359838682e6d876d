"""Fixtures of the Klaviyo connector's tests.

Every emulator built by the `emulator` fixture has all its exchanges validated against Klaviyo's
OpenAPI document (loaded once per session, with the corrections below) when the test ends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import respx
from openapi.documents import KLAVIYO_CORRECTIONS
from openapi.validate import SPECS, Correction, OpenApiDocument
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


def _overlapping_one_of(document: dict[str, Any]) -> int:
    schemas = document["components"]["schemas"]

    def resolve(branch: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in branch:
            branch = schemas[branch["$ref"].rsplit("/", 1)[-1]]
        return branch

    changed = 0
    stack: list[Any] = [document["components"]]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            branches = node.get("oneOf")
            if isinstance(branches, list) and all(
                resolve(b).get("type") == "object"
                and not resolve(b).get("required")
                and resolve(b).get("additionalProperties") is not False
                for b in branches
            ):
                node["anyOf"] = node.pop("oneOf")
                changed += 1
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return changed


CHANNEL_OPTIONS_OVERLAP = Correction(
    name="channel option objects are anyOf, not oneOf",
    reason=(
        "Campaign `send_options`, `tracking_options` and a message's `content` are a oneOf of "
        "per-channel objects (email, SMS, push) that require no property and forbid none, so "
        "every value Klaviyo returns matches several branches and fails oneOf; the document's "
        "descriptions mean one of the channels' shapes."
    ),
    apply=_overlapping_one_of,
)


@pytest.fixture(scope="session")
def klaviyo_openapi() -> OpenApiDocument:
    return OpenApiDocument.load(
        SPECS / "klaviyo-openapi.json",
        corrections=(*KLAVIYO_CORRECTIONS, CHANNEL_OPTIONS_OVERLAP),
    )


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
