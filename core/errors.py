"""The one error tree of freehold.

Users catch `FreeholdError` to catch everything freehold raises on purpose. The engine acts on
three kinds: retry (`RetriableError`), stop the job (`PermanentError`), or record one row and go
on (`RowRejectedError`).

```
FreeholdError
├── ConfigError                   bad project file, bad flag, unresolved secret (exit code 2)
├── InputError                    a bad input file or row: names file, row and field, not the value
├── RetriableError                try again later; `retry_after` in seconds when the vendor said so
│   ├── ThrottledError            the vendor asked us to slow down (429, Meta code 4/17/32/613…)
│   └── TransientError            5xx, timeouts, dropped connections
├── PermanentError                stop: retrying cannot help
│   ├── AuthError                 bad or expired credentials, missing permission
│   ├── NotFoundError             the vendor object does not exist
│   ├── BatchTooLargeError        the encoded batch exceeds a vendor limit: the engine splits it
│   └── VendorRequestError        the vendor refused the request as a whole (4xx)
│       └── BatchRejectedError    refused whole because of some row in it: the engine bisects
└── RowRejectedError              one row was refused; record it with the vendor's reason and go on
```

Messages name the method, the URL path, the status and the vendor's code; never a query string,
a body, a header or a personal value.
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "BatchRejectedError",
    "BatchTooLargeError",
    "ConfigError",
    "FreeholdError",
    "InputError",
    "NotFoundError",
    "PermanentError",
    "RetriableError",
    "RowRejectedError",
    "ThrottledError",
    "TransientError",
    "VendorRequestError",
]


class FreeholdError(Exception):
    """Base of every error freehold raises on purpose.

    Attributes:
        vendor_code: the vendor's own error code or subcode, when there is one.
    """

    def __init__(self, message: str, *, vendor_code: str | None = None) -> None:
        super().__init__(message)
        self.vendor_code = vendor_code


class ConfigError(FreeholdError):
    """The project configuration or a command-line option is wrong."""


class InputError(FreeholdError):
    """An input file or one of its rows is unusable.

    Attributes:
        source: the file (or query) name.
        row: the 1-based data row number, when the error is about one row.
        field: the field or column, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        where = ":".join(str(part) for part in (source, row) if part is not None)
        prefix = f"{where}: " if where else ""
        suffix = f" (field {field!r})" if field else ""
        super().__init__(f"{prefix}{message}{suffix}")
        self.source = source
        self.row = row
        self.field = field


class RetriableError(FreeholdError):
    """The operation may succeed if tried again later.

    Attributes:
        retry_after: seconds the vendor asked us to wait, if it said.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        vendor_code: str | None = None,
    ) -> None:
        super().__init__(message, vendor_code=vendor_code)
        self.retry_after = retry_after


class ThrottledError(RetriableError):
    """The vendor asked us to slow down; the pacer backs off as well as retrying."""


class TransientError(RetriableError):
    """A server error, a timeout or a dropped connection."""


class PermanentError(FreeholdError):
    """Retrying cannot help; the job stops and reports it."""


class AuthError(PermanentError):
    """Credentials are missing, wrong, expired or lack a permission."""


class NotFoundError(PermanentError):
    """The vendor object addressed does not exist (or is not visible to these credentials)."""


class BatchTooLargeError(PermanentError):
    """A batch exceeds the vendor's size limit once encoded; the engine splits it and retries."""


class VendorRequestError(PermanentError):
    """The vendor refused the whole request (a 4xx that is not auth, throttling or not-found)."""


class BatchRejectedError(VendorRequestError):
    """The vendor refused a whole batch because of one or more rows in it.

    The engine splits the batch to isolate the bad rows so the innocent ones go through.
    """


class RowRejectedError(FreeholdError):
    """The vendor refused one row; the engine records the reason and carries on."""
