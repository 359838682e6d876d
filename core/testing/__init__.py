"""The conformance kit and a fake vendor, for tests of connectors and of the engine.

Only tests and benchmarks import this package (it needs pytest). A connector's tests subclass
`ConnectorContract`; the engine's tests drive `FakeConnector` against `FakeEmulator`.
"""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("freehold.core.testing.contract")

from freehold.core.testing.contract import ConnectorContract, ContractEndpoint  # noqa: E402
from freehold.core.testing.fake import (  # noqa: E402
    FAKE_ERRORS,
    FakeConfig,
    FakeConnector,
    FakeSession,
    fake_config,
    parse_fake_error,
)
from freehold.core.testing.fake_emulator import (  # noqa: E402
    FAKE_ACCOUNT_ID,
    FAKE_API_KEY,
    FakeEmulator,
)

__all__ = [  # noqa: RUF022 - plain sorted(), as the house test of facades checks
    "ConnectorContract",
    "ContractEndpoint",
    "FAKE_ACCOUNT_ID",
    "FAKE_API_KEY",
    "FAKE_ERRORS",
    "FakeConfig",
    "FakeConnector",
    "FakeEmulator",
    "FakeSession",
    "fake_config",
    "parse_fake_error",
]
