"""The error tree has the shape its docstring draws, and errors carry what the engine needs."""

from __future__ import annotations

import re

import pytest

from freehold.core import errors
from freehold.core.errors import (
    AuthError,
    BatchRejectedError,
    BatchTooLargeError,
    ConfigError,
    FreeholdError,
    InputError,
    NotFoundError,
    PermanentError,
    RetriableError,
    RowRejectedError,
    ThrottledError,
    TransientError,
    VendorRequestError,
)

PARENTS = {
    ConfigError: FreeholdError,
    InputError: FreeholdError,
    RetriableError: FreeholdError,
    ThrottledError: RetriableError,
    TransientError: RetriableError,
    PermanentError: FreeholdError,
    AuthError: PermanentError,
    NotFoundError: PermanentError,
    BatchTooLargeError: PermanentError,
    VendorRequestError: PermanentError,
    BatchRejectedError: VendorRequestError,
    RowRejectedError: FreeholdError,
}


@pytest.mark.parametrize(("child", "parent"), PARENTS.items(), ids=lambda c: c.__name__)
def test_each_error_has_its_documented_parent(child, parent) -> None:
    assert child.__bases__ == (parent,)


def test_the_docstring_drawing_names_every_error_of_the_module() -> None:
    drawn = set(re.findall(r"([A-Z]\w+Error)", errors.__doc__ or ""))
    assert drawn == set(errors.__all__)
    assert set(errors.__all__) == {cls.__name__ for cls in PARENTS} | {"FreeholdError"}


def test_the_three_engine_behaviours_are_disjoint() -> None:
    kinds = (RetriableError, PermanentError, RowRejectedError)
    for cls in PARENTS:
        assert sum(issubclass(cls, kind) for kind in kinds) <= 1, cls


def test_retriable_errors_keep_retry_after_and_vendor_code() -> None:
    error = ThrottledError("GET /x -> 429", retry_after=2.5, vendor_code="17")
    assert error.retry_after == 2.5
    assert error.vendor_code == "17"
    assert str(error) == "GET /x -> 429"
    assert TransientError("boom").retry_after is None


def test_any_error_keeps_a_vendor_code() -> None:
    assert AuthError("nope", vendor_code="190").vendor_code == "190"
    assert FreeholdError("x").vendor_code is None


def test_input_error_names_source_row_and_field() -> None:
    error = InputError("not an email address", source="contacts.csv", row=12, field="email")
    assert str(error) == "contacts.csv:12: not an email address (field 'email')"
    assert (error.source, error.row, error.field) == ("contacts.csv", 12, "email")


def test_input_error_without_location_is_just_the_message() -> None:
    assert str(InputError("empty file")) == "empty file"
    assert str(InputError("bad", source="q.sql")) == "q.sql: bad"
    assert str(InputError("bad", row=3)) == "3: bad"
