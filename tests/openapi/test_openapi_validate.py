"""The receipt validator catches every kind of departure from a vendor document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from freehold.core.emulator import Receipt
from openapi.documents import document
from openapi.validate import Correction, OpenApiDocument

BATCH_OK = {
    "new_members": [],
    "updated_members": [],
    "errors": [],
    "total_created": 0,
    "total_updated": 0,
    "error_count": 0,
}


def receipt(
    method: str,
    path: str,
    *,
    body: object = None,
    status: int = 200,
    response: object = None,
    query: dict[str, list[str]] | None = None,
    response_type: str = "application/json",
) -> Receipt:
    return Receipt(
        method=method,
        path=path,
        query=query or {},
        content_type="application/json" if body is not None else "",
        body=json.dumps(body).encode() if body is not None else b"",
        status=status,
        response_body=json.dumps(response).encode() if response is not None else b"",
        response_type=response_type,
    )


@pytest.fixture(scope="module")
def mailchimp() -> OpenApiDocument:
    return document("mailchimp")


def test_a_conforming_batch_subscribe_passes(mailchimp):
    body = {
        "members": [
            {
                "email_address": "a@example.com",
                "status": "subscribed",
                "merge_fields": {"FNAME": "A"},
            }
        ],
        "update_existing": False,
    }
    assert (
        mailchimp.check([receipt("POST", "/3.0/lists/abc123", body=body, response=BATCH_OK)]) == 1
    )


def test_an_unknown_path_is_a_problem_not_a_skip(mailchimp):
    problems = mailchimp.problems(receipt("GET", "/3.0/lists/abc/nowhere", response={}))
    assert problems
    assert "PathNotFound" in problems[0]


def test_an_undescribed_method_is_a_problem(mailchimp):
    problems = mailchimp.problems(receipt("PUT", "/3.0/lists/abc/members", body={}, response={}))
    assert any("OperationNotFound" in p for p in problems)


def test_a_request_field_the_document_does_not_name_is_a_problem(mailchimp):
    body = {"members": [{"email_address": "a@example.com", "status_if_new": "subscribed"}]}
    problems = mailchimp.problems(receipt("POST", "/3.0/lists/abc", body=body, response=BATCH_OK))
    assert any("status_if_new" in p for p in problems)


def test_a_query_parameter_above_its_maximum_is_a_problem(mailchimp):
    problems = mailchimp.problems(
        receipt("GET", "/3.0/lists/abc/members", query={"count": ["1001"]}, response={})
    )
    assert any("count" in p for p in problems)


def test_a_response_of_the_wrong_shape_is_a_problem(mailchimp):
    bad = {**BATCH_OK, "total_created": "many"}
    problems = mailchimp.problems(
        receipt("POST", "/3.0/lists/abc", body={"members": []}, response=bad)
    )
    assert any("total_created" in p for p in problems)


def test_an_empty_204_passes_and_a_problem_document_is_checked(mailchimp):
    ok = receipt("POST", "/3.0/lists/abc/members/h/actions/delete-permanent", status=204)
    assert mailchimp.problems(ok) == []
    incomplete = receipt(
        "GET",
        "/3.0/lists/abc",
        status=404,
        response={"title": "Resource Not Found", "status": 404},
        response_type="application/problem+json",
    )
    assert any("detail" in p for p in mailchimp.problems(incomplete))


def test_a_stale_correction_fails_the_load(tmp_path: Path):
    path = tmp_path / "tiny.json"
    path.write_text(
        json.dumps({"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {}})
    )
    stale = Correction(name="nothing", reason="test", apply=lambda raw: 0)
    with pytest.raises(ValueError, match="stale"):
        OpenApiDocument.load(path, corrections=(stale,))
