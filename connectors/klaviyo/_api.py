"""The Klaviyo HTTP layer shared by every capability: headers, calls, cursor paging."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, ClassVar

import httpx

from freehold.connectors.klaviyo._config import KlaviyoConfig
from freehold.connectors.klaviyo._errors import KLAVIYO_ERRORS, parse_errors
from freehold.core.connector import Connector, ConnectorConfig
from freehold.core.errors import VendorRequestError
from freehold.core.http import ErrorTable, raise_for_response, send

__all__ = ["JSON_API", "KlaviyoApi"]

JSON_API = "application/vnd.api+json"
"""Klaviyo's JSON:API media type, sent and accepted on every call."""


class KlaviyoApi(Connector[KlaviyoConfig]):
    """Calls Klaviyo's server-side API with a private key and the configured revision."""

    name: ClassVar[str] = "klaviyo"
    config_model: ClassVar[type[ConnectorConfig]] = KlaviyoConfig
    default_base_url: ClassVar[str] = "https://a.klaviyo.com"

    def client_headers(self) -> dict[str, str]:
        """Return the key, revision and JSON:API headers sent on every call."""
        return {
            "authorization": f"Klaviyo-API-Key {self.config.api_key.get_secret_value()}",
            "revision": self.config.revision,
            "accept": JSON_API,
        }

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,  # noqa: ANN401 - any JSON document
        params: dict[str, str] | None = None,
        table: ErrorTable = KLAVIYO_ERRORS,
    ) -> httpx.Response:
        """Send one call (path from `/api`) and map a failure through `table`."""
        headers = {"content-type": JSON_API} if body is not None else None
        built = self.http.build_request(method, path, json=body, params=params, headers=headers)
        response = await send(self.http, built)
        return raise_for_response(response, table=table, parse=parse_errors)

    async def get_json(self, path: str, *, params: dict[str, str] | None = None) -> dict[str, Any]:
        """GET `path` and return its JSON object."""
        return self.document(await self.request("GET", path, params=params))

    async def post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST `body` to `path` and return the JSON object answered (empty for 202/204)."""
        response = await self.request("POST", path, body=body)
        return self.document(response) if response.content else {}

    @staticmethod
    def document(response: httpx.Response) -> dict[str, Any]:
        """Return a response's JSON object.

        Raises:
            VendorRequestError: the answer is not a JSON object.
        """
        try:
            body = response.json()
        except ValueError as exc:
            msg = f"{response.request.method} {response.request.url.path}: answer is not JSON"
            raise VendorRequestError(msg) from exc
        if not isinstance(body, dict):
            msg = f"{response.request.method} {response.request.url.path}: answer is not an object"
            raise VendorRequestError(msg)
        return body

    async def pages(
        self, path: str, *, params: dict[str, str] | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield every resource of a cursor-paginated collection, following `links.next`."""
        url: str | None = path
        query = params
        while url:
            page = await self.get_json(url, params=query)
            for item in page.get("data") or []:
                if isinstance(item, dict):
                    yield item
            links = page.get("links") or {}
            following = links.get("next") if isinstance(links, dict) else None
            url = following if isinstance(following, str) and following else None
            query = None
