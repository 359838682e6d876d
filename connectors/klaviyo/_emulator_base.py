"""A stateful Klaviyo emulator: auth, revision, per-endpoint limits, lists, profiles, jobs.

Profiles are global and keyed by a 26-character id; lists hold memberships; consent and
suppression are kept on each profile apart from membership, as Klaviyo does. Bulk jobs answer
202 `queued` and are carried out when first read back (`complete`). Collections page with an
opaque `page[cursor]` and absolute `links.next`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlencode

from freehold.connectors.klaviyo._config import REVISION
from freehold.connectors.klaviyo._limits import RATE_LIMITS, RateLimit, limit_for
from freehold.core.emulator import Emulator, EmulatorRequest, EmulatorResponse, json_response, route

__all__ = ["EMULATOR_API_KEY", "KlaviyoEmulatorBase", "iso"]

EMULATOR_API_KEY = "pk_freehold_emulator_key"
"""The private key the emulator accepts."""

_JSON_API = "application/vnd.api+json"
_REVISION = re.compile(r"^\d{4}-\d{2}-\d{2}(\.pre)?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ANY_EMAIL = re.compile(r"^any\(email,\[(?P<values>.*)\]\)$")
_CHANGED = re.compile(
    r"^(?P<op>greater-than|greater-or-equal)\((?P<field>updated|"
    r"subscriptions\.email\.marketing\.suppression\.timestamp),(?P<since>[0-9T:.+Z-]+)\)$"
)
_EQUALS_NAME = re.compile(r"^equals\(name,(?P<value>\".*\"|'.*')\)$")
_TEMPLATES = [
    (method, re.compile("^" + re.sub(r"\{\w+\}", "[^/]+", path) + "/?$"), path)
    for method, path in RATE_LIMITS
]


def iso(when: dt.datetime) -> str:
    """Return `when` as Klaviyo writes times (UTC, `Z`)."""
    return when.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


@dataclass(slots=True)
class _Profile:
    id: str
    email: str
    properties: dict[str, Any] = field(default_factory=dict)
    phone: str | None = None
    consent: str = "NEVER_SUBSCRIBED"
    consent_at: dt.datetime | None = None
    suppressed: str | None = None
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    updated: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


@dataclass(slots=True)
class _Job:
    id: str
    kind: str
    profiles: list[dict[str, Any]]
    list_ids: list[str]
    status: str = "queued"
    errors: list[dict[str, Any]] = field(default_factory=list)
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


class KlaviyoEmulatorBase(Emulator):
    """Auth, revision, limits, paging, lists, profiles and profile jobs (see the module)."""

    name: ClassVar[str] = "klaviyo"

    def __init__(
        self,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        limits: bool = True,
        seed: int = 0,
    ) -> None:
        super().__init__(seed=seed)
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.limits = limits
        self.profiles: dict[str, _Profile] = {}
        self.lists: dict[str, dict[str, Any]] = {}
        self.members: dict[str, set[str]] = {}
        self.jobs: dict[str, _Job] = {}
        self._windows: dict[tuple[str, str, int], int] = {}
        self.events: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
        self.deleted = 0
        self._serial = 0

    # -- helpers --------------------------------------------------------------------------------

    def _id(self, length: int = 26) -> str:
        self._serial += 1
        alphabet = string.ascii_uppercase + string.digits
        tail = "".join(alphabet[(self._serial * 7 + i * 13) % len(alphabet)] for i in range(4))
        return (f"{self._serial:0{length - 4}d}" + tail)[-length:]

    def _error(
        self, status: int, code: str, title: str, *, pointer: str | None = None
    ) -> EmulatorResponse:
        error: dict[str, Any] = {
            "id": self._id(),
            "status": status,
            "code": code,
            "title": title,
            "detail": title,
            "source": {"pointer": pointer or "/data"},
            "meta": {},
        }
        return json_response({"errors": [error]}, status, media_type=_JSON_API)

    @staticmethod
    def _doc(body: Any, status: int = 200) -> EmulatorResponse:  # noqa: ANN401
        return json_response(body, status, media_type=_JSON_API)

    def add_profile(
        self,
        email: str,
        *,
        consent: str = "SUBSCRIBED",
        suppressed: str | None = None,
        list_id: str | None = None,
        properties: dict[str, Any] | None = None,
    ) -> str:
        """Seed or change a profile (for tests), optionally on a list; return its id.

        A change of consent or suppression is stamped with the clock, as Klaviyo stamps
        `last_updated` and the suppression time.
        """
        profile = self._profile_for(email)
        profile.consent = consent
        profile.consent_at = self.clock()
        profile.suppressed = suppressed
        profile.updated = self.clock()
        profile.properties.update(properties or {})
        if list_id is not None:
            self.members.setdefault(list_id, set()).add(profile.id)
        return profile.id

    def _profile_for(self, email: str) -> _Profile:
        for profile in self.profiles.values():
            if profile.email == email.lower():
                return profile
        now = self.clock()
        profile = _Profile(self._id(), email.lower(), created=now, updated=now)
        self.profiles[profile.id] = profile
        return profile

    def list_members(self, list_id: str) -> set[str]:
        """Return the addresses on a list."""
        return {self.profiles[p].email for p in self.members.get(list_id, set())}

    def consent_of(self, email: str) -> str | None:
        """Return the consent word a profile holds ("SUPPRESSED" when suppressed)."""
        for profile in self.profiles.values():
            if profile.email == email.lower():
                return "SUPPRESSED" if profile.suppressed else profile.consent
        return None

    def state(self) -> dict[str, Any]:
        """Return lists (with member addresses) and profile consent, for assertions."""
        return {
            "audiences": {
                list_id: {"name": data["name"], "members": self.list_members(list_id)}
                for list_id, data in self.lists.items()
            },
            "consent": {p.email: p.consent for p in self.profiles.values()},
        }

    def _page(
        self, request: EmulatorRequest, items: list[dict[str, Any]], *, default: int, top: int
    ) -> EmulatorResponse:
        size_text = request.arg("page[size]") or str(default)
        if not size_text.isdigit() or not 1 <= int(size_text) <= top:
            return self._error(400, "invalid", "Invalid page size.", pointer="page[size]")
        size = int(size_text)
        cursor = request.arg("page[cursor]") or "0"
        start = int(cursor) if cursor.isdigit() else 0
        links: dict[str, Any] = {"self": request.path}
        if start + size < len(items):
            host = request.headers.get("host", "a.klaviyo.com")
            scheme = "https" if host.endswith("klaviyo.com") else "http"
            kept = [
                (name, value)
                for name, values in request.query.items()
                if name not in ("page[size]", "page[cursor]")
                for value in values
            ]
            query = urlencode([*kept, ("page[size]", size), ("page[cursor]", start + size)])
            links["next"] = f"{scheme}://{host}{request.path}?{query}"
        return self._doc({"data": items[start : start + size], "links": links})

    # -- base hooks -----------------------------------------------------------------------------

    def authenticate(self, request: EmulatorRequest) -> EmulatorResponse | None:
        """Require the private key and a well-formed revision; apply the rate limits."""
        if request.headers.get("authorization") != f"Klaviyo-API-Key {EMULATOR_API_KEY}":
            return self._error(401, "not_authenticated", "Incorrect authentication credentials.")
        revision = request.headers.get("revision", "")
        if not _REVISION.match(revision):
            return self._error(400, "invalid", "Invalid revision header.", pointer="revision")
        if revision > REVISION:
            return self._error(400, "invalid", "Revision is not released yet.")
        return self._limit(request) if self.limits else None

    def _limit(self, request: EmulatorRequest) -> EmulatorResponse | None:
        template = next(
            (t for m, p, t in _TEMPLATES if m == request.method and p.match(request.path)),
            request.path,
        )
        limit: RateLimit = limit_for(request.method, template)
        now = time.monotonic()
        second = (request.method, template, int(now))
        minute = (request.method, template + "#m", int(now // 60))
        if self._windows.get(second, 0) >= limit.burst:
            return self.throttle_response(request)
        if self._windows.get(minute, 0) >= limit.steady:
            return self.throttle_response(request)
        self._windows[second] = self._windows.get(second, 0) + 1
        self._windows[minute] = self._windows.get(minute, 0) + 1
        return None

    def throttle_response(self, request: EmulatorRequest) -> EmulatorResponse:
        """Answer 429 `throttled` with `Retry-After`, as Klaviyo does."""
        answer = self._error(429, "throttled", "Request was throttled.")
        answer.headers["Retry-After"] = "1"
        return answer

    def server_error_response(self, request: EmulatorRequest) -> EmulatorResponse:
        """Answer 500 in Klaviyo's error shape."""
        return self._error(500, "error", "A server error occurred.")

    def not_found_response(self, request: EmulatorRequest) -> EmulatorResponse:
        """Answer 404 in Klaviyo's error shape."""
        return self._error(404, "not_found", "Not found.")

    # -- accounts and lists ---------------------------------------------------------------------

    @route("GET", "/api/accounts")
    async def get_accounts(self, request: EmulatorRequest) -> EmulatorResponse:
        """Return the one account the key belongs to."""
        account = {
            "type": "account",
            "id": "FRHOLD",
            "attributes": {
                "test_account": True,
                "contact_information": {
                    "default_sender_name": "freehold",
                    "default_sender_email": "news@freehold.invalid",
                    "website_url": "https://freehold.invalid",
                    "organization_name": "freehold",
                    "street_address": {
                        "address1": "1 Main St",
                        "address2": None,
                        "city": "Boston",
                        "region": "MA",
                        "country": "US",
                        "zip": "02110",
                    },
                },
                "industry": None,
                "timezone": "UTC",
                "preferred_currency": "USD",
                "public_api_key": "FRHOLD",
                "locale": "en-US",
            },
            "links": {"self": "/api/accounts/FRHOLD"},
        }
        return self._doc({"data": [account], "links": {"self": request.path}})

    def _list_resource(self, list_id: str) -> dict[str, Any]:
        data = self.lists[list_id]
        return {
            "type": "list",
            "id": list_id,
            "attributes": {
                "name": data["name"],
                "created": data["created"],
                "updated": data["created"],
                "opt_in_process": "single_opt_in",
            },
            "links": {"self": f"/api/lists/{list_id}"},
        }

    @route("GET", "/api/lists")
    async def get_lists(self, request: EmulatorRequest) -> EmulatorResponse:
        """Page through lists (10 per page at most), filtered by name when asked."""
        ids = sorted(self.lists)
        wanted = request.arg("filter")
        if wanted:
            match = _EQUALS_NAME.match(wanted)
            if match is None:
                return self._error(400, "invalid", "Invalid filter.", pointer="filter")
            name = json.loads(match.group("value").replace("'", '"'))
            ids = [i for i in ids if self.lists[i]["name"] == name]
        return self._page(request, [self._list_resource(i) for i in ids], default=10, top=10)

    @route("POST", "/api/lists")
    async def create_list(self, request: EmulatorRequest) -> EmulatorResponse:
        """Create a list (6-character id)."""
        name = request.json()["data"]["attributes"]["name"]
        list_id = self._id(6)
        self.lists[list_id] = {"name": name, "created": iso(self.clock())}
        self.members[list_id] = set()
        return self._doc({"data": self._list_resource(list_id)}, 201)

    @route("DELETE", "/api/lists/{list_id}/relationships/profiles")
    async def remove_from_list(self, request: EmulatorRequest) -> EmulatorResponse:
        """Take profiles (by id, at most 1,000) off a list."""
        list_id = request.path_params["list_id"]
        if list_id not in self.lists:
            return self.not_found_response(request)
        data = request.json()["data"]
        if len(data) > 1000:  # noqa: PLR2004
            return self._error(400, "invalid", "Too many profiles.", pointer="/data")
        self.members[list_id] -= {str(item["id"]) for item in data}
        return EmulatorResponse(204)

    @route("GET", "/api/lists/{list_id}/profiles")
    async def get_list_profiles(self, request: EmulatorRequest) -> EmulatorResponse:
        """Page through a list's profiles (100 per page at most)."""
        list_id = request.path_params["list_id"]
        if list_id not in self.lists:
            return self.not_found_response(request)
        items = []
        for profile_id in sorted(self.members[list_id]):
            resource = self._profile_resource(self.profiles[profile_id])
            resource["attributes"]["joined_group_at"] = resource["attributes"]["created"]
            items.append(resource)
        return self._page(request, items, default=20, top=100)

    # -- profiles -------------------------------------------------------------------------------

    def _profile_resource(self, profile: _Profile) -> dict[str, Any]:
        marketing: dict[str, Any] = {
            "can_receive_email_marketing": profile.consent == "SUBSCRIBED"
            and not profile.suppressed,
            "consent": profile.consent,
            "consent_timestamp": iso(profile.consent_at) if profile.consent_at else None,
            "last_updated": iso(profile.updated),
            "suppression": (
                [{"reason": profile.suppressed, "timestamp": iso(profile.updated)}]
                if profile.suppressed
                else []
            ),
            "list_suppressions": [],
        }
        return {
            "type": "profile",
            "id": profile.id,
            "attributes": {
                "email": profile.email,
                "properties": profile.properties,
                "created": iso(profile.created),
                "updated": iso(profile.updated),
                "subscriptions": {"email": {"marketing": marketing}},
            },
            "links": {"self": f"/api/profiles/{profile.id}"},
        }

    @route("GET", "/api/profiles")
    async def get_profiles(self, request: EmulatorRequest) -> EmulatorResponse:
        """Page through profiles, filtered by `any(email,[...])` when asked."""
        profiles = sorted(self.profiles.values(), key=lambda p: p.id)
        wanted = request.arg("filter")
        changed = _CHANGED.match(wanted or "")
        if changed is not None:
            since = dt.datetime.fromisoformat(changed.group("since").replace("Z", "+00:00"))
            strict = changed.group("op") == "greater-than"
            if changed.group("field") == "updated":
                profiles = [p for p in profiles if p.updated > since]
            else:
                profiles = [
                    p
                    for p in profiles
                    if p.suppressed and (p.updated > since or (not strict and p.updated == since))
                ]
        elif wanted:
            match = _ANY_EMAIL.match(wanted)
            if match is None:
                return self._error(400, "invalid", "Invalid filter.", pointer="filter")
            emails = {e.lower() for e in json.loads("[" + match.group("values") + "]")}
            if len(emails) > 100:  # noqa: PLR2004
                return self._error(400, "invalid", "Too many filter values.", pointer="filter")
            profiles = [p for p in profiles if p.email in emails]
        items = [self._profile_resource(p) for p in profiles]
        return self._page(request, items, default=20, top=100)

    # -- jobs -----------------------------------------------------------------------------------

    def _job_resource(self, job: _Job) -> dict[str, Any]:
        done = job.status == "complete"
        return {
            "type": job.kind,
            "id": job.id,
            "attributes": {
                "status": job.status,
                "created_at": iso(job.created),
                "total_count": len(job.profiles),
                "completed_count": len(job.profiles) - len(job.errors) if done else 0,
                "failed_count": len(job.errors) if done else 0,
                "completed_at": iso(self.clock()) if done else None,
                "expires_at": iso(job.created + dt.timedelta(days=7)),
                "started_at": iso(job.created) if done else None,
            },
            "links": {"self": f"/api/profile-bulk-import-jobs/{job.id}"},
        }

    @route("POST", "/api/profile-bulk-import-jobs")
    async def create_import_job(self, request: EmulatorRequest) -> EmulatorResponse:
        """Queue a bulk import (at most 10,000 profiles and 5 MB)."""
        if len(request.body) > 5 * 1024 * 1024:
            return self._error(413, "invalid", "Payload too large.")
        data = request.json()["data"]
        profiles = data["attributes"]["profiles"]["data"]
        if len(profiles) > 10_000:  # noqa: PLR2004
            return self._error(400, "invalid", "Too many profiles.", pointer="/data")
        lists = (data.get("relationships") or {}).get("lists", {}).get("data") or []
        job = _Job(self._id(), "profile-bulk-import-job", profiles, [str(x["id"]) for x in lists])
        job.created = self.clock()
        self.jobs[job.id] = job
        return self._doc({"data": self._job_resource(job)}, 202)

    def _run_import(self, job: _Job) -> None:
        for index, item in enumerate(job.profiles):
            attributes = item.get("attributes") or {}
            email = str(attributes.get("email") or "")
            if not _EMAIL.match(email):
                job.errors.append(
                    {
                        "code": "invalid",
                        "title": "Invalid email address.",
                        "detail": "The email address is not valid.",
                        "source": {"pointer": f"/data/attributes/profiles/data/{index}"},
                    }
                )
                continue
            profile = self._profile_for(email)
            profile.properties.update(attributes.get("properties") or {})
            profile.updated = self.clock()
            for list_id in job.list_ids:
                self.members.setdefault(list_id, set()).add(profile.id)
        job.status = "complete"

    @route("GET", "/api/profile-bulk-import-jobs/{job_id}")
    async def get_import_job(self, request: EmulatorRequest) -> EmulatorResponse:
        """Read a bulk import job; a queued one is carried out now."""
        job = self.jobs.get(request.path_params["job_id"])
        if job is None:
            return self.not_found_response(request)
        if job.status == "queued":
            self._run_import(job)
        return self._doc({"data": self._job_resource(job)})

    @route("GET", "/api/profile-bulk-import-jobs/{job_id}/import-errors")
    async def get_import_errors(self, request: EmulatorRequest) -> EmulatorResponse:
        """Page through a job's per-profile errors."""
        job = self.jobs.get(request.path_params["job_id"])
        if job is None:
            return self.not_found_response(request)
        items = [
            {"type": "import-error", "id": f"{job.id}-{n}", "attributes": error}
            for n, error in enumerate(job.errors)
        ]
        return self._page(request, items, default=20, top=100)

    def _subscription(self, request: EmulatorRequest, *, top: int, consent: str) -> None:
        data = request.json()["data"]
        for item in data["attributes"]["profiles"]["data"][:top]:
            profile = self._profile_for(str(item["attributes"]["email"]))
            if consent == "SUBSCRIBED":
                profile.suppressed = None
            profile.consent = consent
            profile.consent_at = self.clock()
            profile.updated = self.clock()
        list_ref = ((data.get("relationships") or {}).get("list") or {}).get("data")
        if consent == "SUBSCRIBED" and list_ref:
            for item in data["attributes"]["profiles"]["data"]:
                profile = self._profile_for(str(item["attributes"]["email"]))
                self.members.setdefault(str(list_ref["id"]), set()).add(profile.id)

    @route("POST", "/api/profile-subscription-bulk-create-jobs")
    async def subscribe(self, request: EmulatorRequest) -> EmulatorResponse:
        """Subscribe profiles (≤ 1,000); this lifts unsubscribe suppressions, as Klaviyo does."""
        if len(request.json()["data"]["attributes"]["profiles"]["data"]) > 1000:  # noqa: PLR2004
            return self._error(400, "invalid", "Too many profiles.")
        self._subscription(request, top=1000, consent="SUBSCRIBED")
        return EmulatorResponse(202)

    @route("POST", "/api/profile-subscription-bulk-delete-jobs")
    async def unsubscribe(self, request: EmulatorRequest) -> EmulatorResponse:
        """Unsubscribe profiles (≤ 100)."""
        if len(request.json()["data"]["attributes"]["profiles"]["data"]) > 100:  # noqa: PLR2004
            return self._error(400, "invalid", "Too many profiles.")
        self._subscription(request, top=100, consent="UNSUBSCRIBED")
        return EmulatorResponse(202)
