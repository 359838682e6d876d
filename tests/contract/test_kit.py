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


EMAIL_CAMPAIGNS = """
from freehold.core.models import Campaign, CampaignStats, CampaignStatus, Channel, EmailContent


class EmailCampaigns(FakeConnector):
    '''Email campaigns kept in memory: a draft is scheduled, unscheduled, then sent.'''

    held = {}

    async def create_campaign(self, campaign, audiences):
        self.held["c1"] = (campaign, CampaignStatus.DRAFT, None)
        return "c1"

    async def get_campaign(self, vendor_id):
        campaign, status, at = self.held[vendor_id]
        update = {"status": status, "starts_at": at, "vendor_id": vendor_id}
        return campaign.model_copy(update=update)

    async def pause_campaign(self, vendor_id):
        campaign, status, _ = self.held[vendor_id]
        if status is CampaignStatus.SCHEDULED:
            self.held[vendor_id] = (campaign, CampaignStatus.DRAFT, None)

    async def resume_campaign(self, vendor_id, *, at=None):
        campaign, _, _ = self.held[vendor_id]
        status = CampaignStatus.SCHEDULED if at else CampaignStatus.SENT
        self.held[vendor_id] = (campaign, status, at)

    async def campaign_stats(self, vendor_id, start, end):
        return CampaignStats(vendor_id=vendor_id, start=start, end=end, sends=1)


class EmailContract(Contract):
    def sample_campaign(self):
        return Campaign(
            key="spring",
            name="Spring",
            channel=Channel.EMAIL,
            email=EmailContent(
                subject="Spring", from_name="Shop", from_email="news@shop.example", html="<p>Hi</p>"
            ),
        )
"""


def test_an_email_campaign_round_trip_passes_when_drafts_schedule_and_send(
    pytester: pytest.Pytester,
) -> None:
    result = run_kit(
        pytester,
        EMAIL_CAMPAIGNS
        + """
class TestEmail(EmailContract):
    connector_class = EmailCampaigns
""",
    )
    result.assert_outcomes(passed=15)


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (
            """
    async def pause_campaign(self, vendor_id):
        pass
""",
            "*pause_campaign() must unschedule a scheduled email campaign, it is scheduled*",
        ),
        (
            """
    async def resume_campaign(self, vendor_id, *, at=None):
        campaign, _, _ = self.held[vendor_id]
        self.held[vendor_id] = (campaign, CampaignStatus.SENT, None)
""",
            "*resume_campaign(at=...) must schedule an email campaign, it is sent*",
        ),
        (
            """
    async def create_campaign(self, campaign, audiences):
        self.held["c1"] = (campaign, CampaignStatus.PAUSED, None)
        return "c1"
""",
            "*a new email campaign must be created draft, it is paused*",
        ),
        (
            """
    async def resume_campaign(self, vendor_id, *, at=None):
        campaign, _, _ = self.held[vendor_id]
        status = CampaignStatus.SCHEDULED if at else CampaignStatus.DRAFT
        self.held[vendor_id] = (campaign, status, at)
""",
            "*resume_campaign() must send an email campaign now, it is draft*",
        ),
    ],
    ids=["pause-keeps-the-schedule", "schedule-sends-now", "created-paused", "send-stays-draft"],
)
def test_a_broken_email_campaign_round_trip_fails(
    pytester: pytest.Pytester, broken: str, message: str
) -> None:
    result = run_kit(
        pytester,
        EMAIL_CAMPAIGNS
        + """
class Broken(EmailCampaigns):
"""
        + broken
        + """

class TestBroken(EmailContract):
    connector_class = Broken
""",
    )
    assert failed_tests(result) == {"test_campaign_round_trip"}
    result.stdout.fnmatch_lines([message])
