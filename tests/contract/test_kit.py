"""The conformance kit fails broken connectors, each with a message that says what is wrong.

Each case runs the kit in a nested pytest session (pytester) on a deliberately broken
subclass of the fake connector, in-process only to stay fast.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

HEADER = """
from __future__ import annotations

import httpx
from typing import ClassVar

from freehold.core.http import ErrorKind, ErrorRule, ErrorTable, raise_for_response
from freehold.core.models import Member
from freehold.core.testing import FAKE_ERRORS, ConnectorContract, FakeConnector
from freehold.core.testing.fake import parse_fake_error


class Contract(ConnectorContract):
    modes = ("in_process",)

    def rejected_member(self):
        return Member(key="bad", identifiers={"email": "not-a-digest"})
"""


def run_kit(pytester: pytest.Pytester, body: str) -> pytest.RunResult:
    pytester.makepyfile(test_broken=HEADER + body)
    return pytester.runpytest("-q", "-rs", "-p", "no:cacheprovider", "-p", "no:hypothesispytest")


def failed_tests(result: pytest.RunResult) -> set[str]:
    names = set()
    for report in result.reprec.getreports("pytest_runtest_logreport"):  # type: ignore[attr-defined]
        if report.failed:
            names.add(report.head_line.split(".")[-1].split("[")[0])
    return names


def test_a_connector_that_leaks_its_secret_in_repr_fails(pytester: pytest.Pytester) -> None:
    result = run_kit(
        pytester,
        """
class LeakyConnector(FakeConnector):
    def __repr__(self):
        return f"<Leaky key={self.config.api_key.get_secret_value()}>"


class TestLeaky(Contract):
    connector_class = LeakyConnector
""",
    )
    assert failed_tests(result) == {"test_secrets_stay_out_of_repr_str_and_dumps"}
    result.stdout.fnmatch_lines(["*repr(connector) contains a secret value*"])
    result.stdout.no_fnmatch_line("*fake-secret-key*")


def test_a_connector_that_maps_401_to_transient_fails(pytester: pytest.Pytester) -> None:
    result = run_kit(
        pytester,
        """
class Misread(FakeConnector):
    error_table: ClassVar[ErrorTable] = ErrorTable(
        [ErrorRule(ErrorKind.TRANSIENT, status=401), *FAKE_ERRORS.rules]
    )


class TestMisread(Contract):
    connector_class = Misread
""",
    )
    assert failed_tests(result) == {"test_wrong_secret_is_an_auth_error"}
    result.stdout.fnmatch_lines(
        [
            "*check() with a wrong secret raised TransientError: "
            "GET /v1/accounts/acct_fake_1 -> 401 [[]auth[]]*expected AuthError*",
        ]
    )


def test_a_connector_that_treats_throttling_as_a_plain_transient_error_fails(
    pytester: pytest.Pytester,
) -> None:
    result = run_kit(
        pytester,
        """
class Impatient(FakeConnector):
    error_table: ClassVar[ErrorTable] = ErrorTable(
        [ErrorRule(ErrorKind.TRANSIENT, status=429), *FAKE_ERRORS.rules]
    )


class TestImpatient(Contract):
    connector_class = Impatient
""",
    )
    assert failed_tests(result) == {"test_throttling_is_retriable"}
    result.stdout.fnmatch_lines(["*a RetriableError but not a ThrottledError*"])


def test_a_connector_that_skips_core_send_fails_on_drops_and_timeouts(
    pytester: pytest.Pytester,
) -> None:
    result = run_kit(
        pytester,
        """
class Raw(FakeConnector):
    async def request(self, method, path, *, json=None, params=None):
        response = await self.http.request(method, path, json=json, params=params)
        return raise_for_response(response, table=self.error_table, parse=parse_fake_error)


class TestRaw(Contract):
    connector_class = Raw
""",
    )
    assert failed_tests(result) == {
        "test_dropped_connection_is_transient",
        "test_timeout_is_transient",
    }
    result.stdout.fnmatch_lines(
        ["*a dropped connection raised RemoteProtocolError*send requests through*"]
    )


def test_a_connector_that_loses_row_outcomes_fails(pytester: pytest.Pytester) -> None:
    result = run_kit(
        pytester,
        """
from freehold.core.models import Outcome
from freehold.core.testing import FakeSession


class Optimist(FakeSession):
    async def add(self, batch):
        await super().add(batch)
        return [Outcome.accepted(member.key) for member in batch]


class OptimistConnector(FakeConnector):
    def audience_session(self, ref, mode="update", *, state=None):
        return Optimist(self, ref, mode, state=state)


class TestOptimist(Contract):
    connector_class = OptimistConnector
""",
    )
    assert failed_tests(result) == {"test_rejected_row_is_a_rejected_outcome"}
    result.stdout.fnmatch_lines(["*outcomes *('bad', 'accepted')*, expected *('bad', 'rejected')*"])


def test_a_plain_str_secret_and_a_bad_name_fail_the_static_checks(
    pytester: pytest.Pytester,
) -> None:
    result = run_kit(
        pytester,
        """
from freehold.core.connector import ConnectorConfig


class PlainConfig(ConnectorConfig):
    api_token: str = "x"


class Careless(FakeConnector):
    name = "Fake-Vendor"
    config_model = PlainConfig


class TestCareless(Contract):
    connector_class = Careless
""",
    )
    assert {
        "test_name_is_a_slug",
        "test_config_model_has_a_schema_and_secret_fields",
    } <= failed_tests(result)
    result.stdout.fnmatch_lines(
        [
            "*connector name 'Fake-Vendor' must be a lower-case slug*",
            "*config field 'api_token' looks secret but is a plain str: use SecretStr*",
        ]
    )


def test_the_fake_connector_passes_when_run_the_way_a_third_party_would(
    pytester: pytest.Pytester,
) -> None:
    result = run_kit(
        pytester,
        """
class TestFake(Contract):
    connector_class = FakeConnector
""",
    )
    result.assert_outcomes(passed=14, skipped=1)
    result.stdout.fnmatch_lines(["*sample_campaign() gives no campaign to create*"])
