"""The Mailchimp HTTP layer shared by every capability: base URL, auth, calls, paging, tags."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, ClassVar

import httpx

from freehold.connectors.mailchimp._config import MailchimpConfig, data_center
from freehold.connectors.mailchimp._errors import MAILCHIMP_ERRORS, parse_problem
from freehold.core.connector import Connector, ConnectorConfig
from freehold.core.errors import VendorRequestError
from freehold.core.http import ErrorTable, raise_for_response, send

__all__ = ["PAGE_SIZE", "MailchimpApi"]

PAGE_SIZE = 1000
"""Mailchimp's largest collection page (`count`)."""


class MailchimpApi(Connector[MailchimpConfig]):
    """Calls Mailchimp Marketing API 3.0 with HTTP Basic auth on the key's data center."""

    name: ClassVar[str] = "mailchimp"
    config_model: ClassVar[type[ConnectorConfig]] = MailchimpConfig
    default_base_url: ClassVar[str] = "https://{dc}.api.mailchimp.com/3.0"
    error_table: ClassVar[ErrorTable] = MAILCHIMP_ERRORS

    @property
    def base_url(self) -> str:
        """Return the configured override, or the API root of the key's data center.

        Raises:
            ConfigError: the key names no data center.
        """
        override = self.config.api_base_url
        if override:
            return str(override).rstrip("/")
        key = self.config.api_key.get_secret_value()
        return self.default_base_url.format(dc=data_center(key))

    @property
    def skip_merge_validation(self) -> bool:
        """Say whether members may lack the list's required merge fields."""
        return self.config.skip_merge_validation

    def client_auth(self) -> httpx.Auth:
        """Return HTTP Basic auth: any user name, the API key as password."""
        return httpx.BasicAuth("freehold", self.config.api_key.get_secret_value())

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,  # noqa: ANN401 - any JSON document
        params: dict[str, str] | None = None,
        table: ErrorTable = MAILCHIMP_ERRORS,
    ) -> httpx.Response:
        """Send one call (path relative to `/3.0`) and map a failure through `table`."""
        built = self.http.build_request(method, path, json=json, params=params)
        response = await send(self.http, built)
        return raise_for_response(response, table=table, parse=parse_problem)

    async def get_json(self, path: str, *, params: dict[str, str] | None = None) -> dict[str, Any]:
        """GET `path` and return its JSON object."""
        return self._object(await self.request("GET", path, params=params))

    async def post_json(
        self,
        path: str,
        body: dict[str, Any],
        *,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """POST `body` to `path` and return the JSON object answered."""
        return self._object(await self.request("POST", path, json=body, params=params))

    @staticmethod
    def _object(response: httpx.Response) -> dict[str, Any]:
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
        self, path: str, collection: str, *, params: dict[str, str] | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield every item of a `count`/`offset` collection, 1000 per page."""
        offset = 0
        while True:
            page = await self.get_json(
                path, params={**(params or {}), "count": str(PAGE_SIZE), "offset": str(offset)}
            )
            items = page.get(collection) or []
            for item in items:
                if isinstance(item, dict):
                    yield item
            offset += len(items)
            if not items or offset >= int(page.get("total_items") or 0):
                return

    async def find_or_create_tag(self, list_id: str, name: str) -> int:
        """Return the id of tag `name` in `list_id`, creating it when it does not exist."""
        found = await self.get_json(f"/lists/{list_id}/tag-search", params={"name": name})
        for tag in found.get("tags") or []:
            if isinstance(tag, dict) and tag.get("name") == name:
                return int(tag["id"])
        return await self.create_static_segment(list_id, name)

    async def find_or_create_static_segment(self, list_id: str, name: str) -> int:
        """Return the id of static segment `name` in `list_id`, creating it if needed."""
        async for segment in self.pages(
            f"/lists/{list_id}/segments",
            "segments",
            params={"type": "static", "fields": "segments.id,segments.name,total_items"},
        ):
            if segment.get("name") == name:
                return int(segment["id"])
        return await self.create_static_segment(list_id, name)

    async def create_static_segment(self, list_id: str, name: str) -> int:
        """Create an empty static segment (a tag) and return its id."""
        created = await self.post_json(
            f"/lists/{list_id}/segments", {"name": name, "static_segment": []}
        )
        return int(created["id"])
