"""Exact requests and the error table of the Klaviyo connector, on respx."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from freehold.connectors.klaviyo import REVISION, KlaviyoConnector
from freehold.connectors.klaviyo._errors import KLAVIYO_ERRORS, parse_errors
from freehold.core.errors import (
    AuthError,
    NotFoundError,
    RowRejectedError,
    ThrottledError,
    TransientError,
)
from freehold.core.http import ErrorKind, VendorError
from freehold.core.models import AudienceRef, EmailStatus, Member


def errors(status: int, code: str, title: str = "Refused.") -> httpx.Response:
    body = {
        "errors": [
            {
                "id": "x",
                "status": status,
                "code": code,
                "title": title,
                "detail": "ada@example.com is wrong",
                "source": {"pointer": "/data"},
            }
        ]
    }
    return httpx.Response(status, json=body, headers={"retry-after": "7"})


@pytest.mark.anyio
async def test_check_sends_key_revision_and_json_api(
    api: respx.MockRouter, mocked: KlaviyoConnector
) -> None:
    route = api.get("/api/accounts").respond(200, json={"data": []})
    await mocked.check()
    sent = route.calls.last.request
    assert sent.headers["authorization"].startswith("Klaviyo-API-Key pk_")
    assert sent.headers["revision"] == REVISION
    assert sent.headers["accept"] == "application/vnd.api+json"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (401, "not_authenticated", AuthError),
        (403, "permission_denied", AuthError),
        (404, "not_found", NotFoundError),
        (409, "duplicate_profile", RowRejectedError),
        (503, "error", TransientError),
        (524, "error", TransientError),
    ],
)
async def test_errors_map_through_the_table(
    api: respx.MockRouter,
    mocked: KlaviyoConnector,
    status: int,
    code: str,
    error: type[Exception],
) -> None:
    api.get("/api/accounts").mock(return_value=errors(status, code))
    with pytest.raises(error) as raised:
        await mocked.check()
    assert code in str(raised.value)
    assert "ada@" not in str(raised.value)


@pytest.mark.anyio
async def test_throttle_honours_retry_after(
    api: respx.MockRouter, mocked: KlaviyoConnector
) -> None:
    api.get("/api/accounts").mock(return_value=errors(429, "throttled"))
    with pytest.raises(ThrottledError) as raised:
        await mocked.check()
    assert raised.value.retry_after == 7.0


def test_table_and_parser_agree_on_duplicate_profile() -> None:
    parsed = parse_errors(errors(409, "duplicate_profile", "Conflict."))
    assert parsed == VendorError(code="duplicate_profile", message="Conflict.; at /data")
    assert KLAVIYO_ERRORS.lookup(409, parsed) is ErrorKind.ROW_REJECTED


@pytest.mark.anyio
async def test_add_sends_one_import_job_with_the_list(
    api: respx.MockRouter, mocked: KlaviyoConnector
) -> None:
    lookup = api.get("/api/profiles").respond(200, json={"data": [], "links": {}})
    job = api.post("/api/profile-bulk-import-jobs").respond(
        202, json={"data": {"type": "profile-bulk-import-job", "id": "J1"}}
    )
    subscribe = api.post("/api/profile-subscription-bulk-create-jobs").respond(202)
    ref = AudienceRef(key="vip", vendor_id="Y6nRLr", name="VIP")
    member = Member(
        key="k", identifiers={"email": "ada@example.com"}, email_status=EmailStatus.SUBSCRIBED
    )
    outcomes = await mocked.audience_session(ref).add([member])
    assert outcomes[0].vendor_ref == "J1"
    params = lookup.calls.last.request.url.params
    assert params["filter"] == 'any(email,["ada@example.com"])'
    assert params["additional-fields[profile]"] == "subscriptions"
    sent = job.calls.last.request
    assert sent.headers["content-type"] == "application/vnd.api+json"
    assert json.loads(sent.content) == {
        "data": {
            "type": "profile-bulk-import-job",
            "attributes": {
                "profiles": {
                    "data": [{"type": "profile", "attributes": {"email": "ada@example.com"}}]
                }
            },
            "relationships": {"lists": {"data": [{"type": "list", "id": "Y6nRLr"}]}},
        }
    }
    body = json.loads(subscribe.calls.last.request.content)["data"]
    assert "relationships" not in body
    consent = body["attributes"]["profiles"]["data"][0]["attributes"]["subscriptions"]
    assert consent == {"email": {"marketing": {"consent": "SUBSCRIBED"}}}
