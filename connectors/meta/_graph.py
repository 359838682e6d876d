"""One Graph API call: version prefix, appsecret_proof, JSON bodies, Meta's error answers."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from typing import Any

import httpx

from freehold.connectors.meta._config import MetaConfig
from freehold.connectors.meta._errors import GRAPH_ERROR_TABLE, parse_error
from freehold.core.errors import VendorRequestError
from freehold.core.http import ErrorTable, error_for_response, send

__all__ = ["Graph", "appsecret_proof"]

logger = logging.getLogger(__name__)

_JSON = {"content-type": "application/json"}


def appsecret_proof(app_secret: str, access_token: str) -> str:
    """Return Meta's `appsecret_proof`: hex HMAC-SHA256 of the token, keyed by the app secret."""
    return hmac.new(app_secret.encode(), access_token.encode(), hashlib.sha256).hexdigest()


class Graph:
    """Sends Graph requests for one connector; the token travels in the Authorization header.

    Every path is prefixed with the configured API version. When an app secret is configured,
    `appsecret_proof` goes in the query string (Meta ignores it in some POST bodies).
    """

    def __init__(self, http: httpx.AsyncClient, config: MetaConfig) -> None:
        self.client = http
        self._http = http
        self._version = config.api_version
        self._params: dict[str, str] = {}
        if config.app_secret is not None:
            proof = appsecret_proof(
                config.app_secret.get_secret_value(), config.access_token.get_secret_value()
            )
            self._params["appsecret_proof"] = proof

    def path(self, *parts: str) -> str:
        """Return the versioned path of a Graph node or edge (`/v26.0/<id>/users`)."""
        return "/" + "/".join((self._version, *parts))

    async def get(self, path: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        """GET `path` with query `params`; return the decoded body."""
        request = self._http.build_request("GET", path, params={**(params or {}), **self._params})
        return await self._exchange(request, GRAPH_ERROR_TABLE)

    async def post(
        self,
        path: str,
        body: Mapping[str, Any] | bytes,
        *,
        table: ErrorTable = GRAPH_ERROR_TABLE,
    ) -> dict[str, Any]:
        """POST a JSON body (a mapping, or bytes already encoded) to `path`."""
        content = body if isinstance(body, bytes) else json.dumps(body, separators=(",", ":"))
        request = self._http.build_request(
            "POST", path, params=self._params or None, content=content, headers=_JSON
        )
        return await self._exchange(request, table)

    async def delete(self, path: str) -> dict[str, Any]:
        """DELETE the node at `path`."""
        request = self._http.build_request("DELETE", path, params=self._params or None)
        return await self._exchange(request, GRAPH_ERROR_TABLE)

    async def _exchange(self, request: httpx.Request, table: ErrorTable) -> dict[str, Any]:
        response = await send(self._http, request)
        logger.debug("%s %s -> %s", request.method, request.url.path, response.status_code)
        body: Any = None
        if response.is_success:
            try:
                body = response.json()
            except ValueError:
                body = None
        if not isinstance(body, dict) or "error" in body:
            raise error_for_response(response, table=table, parse=parse_error)
        if body.get("success") is False:
            msg = f"{request.method} {request.url.path} -> {response.status_code}: success=false"
            raise VendorRequestError(msg)
        return body
