"""Constants and helpers shared by the Meta connector's tests."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx

GRAPH = "https://graph.facebook.com/v26.0"
TOKEN = "EAAB-test-token"
APP_SECRET = "test_app_secret"
PROOF = "1d47f1059dbfa9efcaab763f085a079677cdbbc0dd832f19e7dc23c20080da80"
"""ads.md §5.4: appsecret_proof of `EAAB-test-token` keyed by `test_app_secret`."""
ACCOUNT = "act_1234567890"
PIXEL = "987654321"
AUDIENCE = "23850000000000001"


def sha(value: str) -> str:
    """Return the SHA-256 hex digest of `value`."""
    return hashlib.sha256(value.encode()).hexdigest()


def body(request: httpx.Request) -> Any:
    """Return a request's JSON body."""
    return json.loads(request.content)


def graph_error(code: int, subcode: int | None = None, **extra: Any) -> dict[str, Any]:
    """Return a Graph error body."""
    error: dict[str, Any] = {
        "message": extra.pop("message", "Invalid parameter"),
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "AtraceX",
        **extra,
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}
