"""Meta's error table against recorded Graph error bodies, and the usage-header back-off."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from freehold.connectors.meta import EVENTS_ERROR_TABLE, GRAPH_ERROR_TABLE
from freehold.connectors.meta._errors import GRAPH_RULES, backoff_seconds, parse_error
from freehold.core import errors
from freehold.core.http import ErrorKind, error_for_response

CASES: list[dict[str, Any]] = json.loads((Path(__file__).parent / "graph_errors.json").read_text())[
    "cases"
]


def _response(case: dict[str, Any]) -> httpx.Response:
    method = "POST" if case["path"].endswith(("/users", "/events", "/usersreplace")) else "GET"
    request = httpx.Request(method, f"https://graph.facebook.com{case['path']}?appsecret_proof=x")
    if "text" in case:
        return httpx.Response(
            case["status"], text=case["text"], headers=case["headers"], request=request
        )
    return httpx.Response(
        case["status"], json=case["body"], headers=case["headers"], request=request
    )


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_recorded_answers_map_to_the_right_error(case: dict[str, Any]) -> None:
    table = EVENTS_ERROR_TABLE if case["path"].endswith("/events") else GRAPH_ERROR_TABLE
    error = error_for_response(_response(case), table=table, parse=parse_error)
    assert type(error).__name__ == case["error"]
    assert error.vendor_code == case["vendor_code"]
    if isinstance(error, errors.RetriableError):
        assert error.retry_after == case["retry_after"]
    assert "appsecret_proof" not in str(error)


def test_messages_name_method_path_and_code_and_mask_personal_values() -> None:
    request = httpx.Request("POST", "https://graph.facebook.com/v26.0/987654321/events")
    body = {
        "error": {
            "message": "Invalid value mary@example.com for em, call +1 (650) 555-1212",
            "code": 100,
            "error_subcode": 2804016,
        }
    }
    response = httpx.Response(400, json=body, request=request)
    error = error_for_response(response, table=EVENTS_ERROR_TABLE, parse=parse_error)
    text = str(error)
    assert text.startswith("POST /v26.0/987654321/events -> 400 [100:2804016]")
    assert "mary@example.com" not in text
    assert "555-1212" not in text
    assert "[redacted]" in text


def test_the_graph_table_lists_every_throttling_code() -> None:
    throttled = {rule.code for rule in GRAPH_RULES if rule.kind is ErrorKind.THROTTLED}
    assert {"4", "17", "32", "341", "613"} <= throttled
    assert {str(code) for code in range(80000, 80015)} <= throttled


def test_backoff_reads_minutes_from_business_use_case_usage() -> None:
    usage = {"123": [{"type": "custom_audience", "estimated_time_to_regain_access": 2}]}
    headers = httpx.Headers({"x-business-use-case-usage": json.dumps(usage)})
    assert backoff_seconds(headers) == 120.0


@pytest.mark.parametrize(
    "header",
    ["not json", "[]", '{"1": [{"estimated_time_to_regain_access": 0}]}', '{"1": "x"}'],
)
def test_backoff_ignores_absent_zero_or_malformed_usage(header: str) -> None:
    assert backoff_seconds(httpx.Headers({"x-business-use-case-usage": header})) is None


def test_a_success_body_without_error_parses_to_an_empty_vendor_error() -> None:
    request = httpx.Request("GET", "https://graph.facebook.com/v26.0/x")
    parsed = parse_error(httpx.Response(400, json={"nothing": 1}, request=request))
    assert (parsed.code, parsed.subcode, parsed.message) == (None, None, None)


@pytest.mark.parametrize(
    "message",
    [
        "Invalid appsecret_proof provided in the API argument",
        "API calls from the server require an appsecret_proof argument",
    ],
)
def test_a_refused_appsecret_proof_is_an_auth_error(message: str) -> None:
    request = httpx.Request("GET", "https://graph.facebook.com/v26.0/act_1")
    body = {"error": {"message": message, "type": "GraphMethodException", "code": 100}}
    response = httpx.Response(400, json=body, request=request)
    error = error_for_response(response, table=GRAPH_ERROR_TABLE, parse=parse_error)
    assert isinstance(error, errors.AuthError)
