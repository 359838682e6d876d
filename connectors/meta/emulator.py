"""A stateful fake of Meta's Graph slice freehold uses: audiences, Conversions API, campaigns.

It enforces what Meta enforces and answers in Meta's shapes: the Bearer token (or
`access_token` parameter) and `appsecret_proof` when an app secret is set; `/users` and
`/usersreplace` payload validation, the 10,000-row limit, upload and replace sessions with their
2650 subcodes; whole-request rejection on `/events`; campaign create rules; insights. Errors
are HTTP 400 with Graph's envelope; throttling is HTTP 400 with a business-use-case code and an
`X-Business-Use-Case-Usage` header carrying `estimated_time_to_regain_access`. Both JSON and
form-encoded bodies (the SDK's `payload=<JSON string>`) are accepted, and removals arrive as
DELETE or as POST with `method=DELETE`.

`state()` shows which values each audience holds per schema key (`members` lists its email
digests), its sessions, the events each pixel kept or deduplicated, campaigns and insights.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import json
import re
import time
from collections.abc import Callable
from typing import Any, ClassVar

from freehold.connectors.meta._emulator_audiences import EmulatedAudience, Uploads
from freehold.connectors.meta._emulator_events import Pixel
from freehold.connectors.meta._emulator_wire import BadRequest, graph_error, parse_params
from freehold.core.emulator import Emulator, EmulatorRequest, EmulatorResponse, json_response, route

__all__ = [
    "EMULATOR_ACCESS_TOKEN",
    "EMULATOR_AD_ACCOUNT",
    "EMULATOR_PIXEL",
    "MetaEmulator",
]

EMULATOR_ACCESS_TOKEN = "EAAB-freehold-emulator-token"  # noqa: S105 - the emulator's own token
EMULATOR_AD_ACCOUNT = "act_1000000001"
EMULATOR_PIXEL = "2000000001"

_VERSION = re.compile(r"^v(\d{1,3})\.\d$")
_OLDEST_VERSION = 20
_OBJECTIVES = frozenset(
    {
        "OUTCOME_AWARENESS",
        "OUTCOME_TRAFFIC",
        "OUTCOME_ENGAGEMENT",
        "OUTCOME_LEADS",
        "OUTCOME_APP_PROMOTION",
        "OUTCOME_SALES",
    }
)
_CATEGORIES = frozenset(
    {
        "CREDIT",
        "EMPLOYMENT",
        "FINANCIAL_PRODUCTS_SERVICES",
        "HOUSING",
        "ISSUES_ELECTIONS_POLITICS",
        "ONLINE_GAMBLING_AND_GAMING",
        "NONE",
    }
)
_BID_STRATEGIES = frozenset(
    {"LOWEST_COST_WITHOUT_CAP", "LOWEST_COST_WITH_BID_CAP", "COST_CAP", "LOWEST_COST_WITH_MIN_ROAS"}
)
_STATUSES = frozenset({"ACTIVE", "PAUSED", "DELETED", "ARCHIVED"})
_STATUS_MESSAGE = "(#100) status must be one of ACTIVE, PAUSED, DELETED, ARCHIVED"
_AUDIENCE_EDGES = ("/users", "/usersreplace", "/customaudiences", "/sessions")


def _missing(node: str) -> EmulatorResponse:
    return graph_error(
        100,
        f"Unsupported request. Object with ID '{node}' does not exist, cannot be loaded due to "
        "missing permissions, or does not support this operation.",
        subcode=33,
        kind="GraphMethodException",
    )


def _fields(params: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    wanted = params.get("fields")
    if not isinstance(wanted, str) or not wanted:
        return {"id": node["id"], "name": node.get("name")}
    names = {"id", *(name.strip() for name in wanted.split(","))}
    return {name: node[name] for name in names if name in node}


class MetaEmulator(Emulator):
    """Meta's Graph API slice, in memory.

    Args:
        access_token: the token requests must carry.
        app_secret: when set, every request must carry a matching `appsecret_proof`.
        ad_account_id: the one ad account the token can use.
        pixel_id: the one pixel (dataset) the token can send events to.
        currency: the ad account's currency.
        store_members: keep every value each audience holds (False keeps counts only, for
            benchmarks of millions of rows).
        regain_minutes: `estimated_time_to_regain_access` sent with throttling answers.
        clock: the emulator's time (seconds since the epoch); tests move it forward.
    """

    name: ClassVar[str] = "meta"

    def __init__(
        self,
        *,
        access_token: str = EMULATOR_ACCESS_TOKEN,
        app_secret: str | None = None,
        ad_account_id: str = EMULATOR_AD_ACCOUNT,
        pixel_id: str = EMULATOR_PIXEL,
        currency: str = "USD",
        store_members: bool = True,
        regain_minutes: int = 0,
        clock: Callable[[], float] = time.time,
        seed: int = 0,
        latency: float = 0.0,
        record_bodies: bool = True,
    ) -> None:
        super().__init__(seed=seed, latency=latency, record_bodies=record_bodies)
        self.access_token = access_token
        self.app_secret = app_secret
        self.ad_account_id = ad_account_id
        self.currency = currency
        self.regain_minutes = regain_minutes
        self.clock = clock
        self.uploads = Uploads(clock, store_members=store_members)
        self.audiences: dict[str, EmulatedAudience] = {}
        self.pixels: dict[str, Pixel] = {pixel_id: Pixel(pixel_id, clock)}
        self.campaigns: dict[str, dict[str, Any]] = {}
        self.insights: dict[str, dict[str, dict[str, Any]]] = {}
        self._ids = itertools.count(23_850_000_000_000_001)

    # -- test hooks ---------------------------------------------------------------------------

    def flag_audience(self, audience_id: str, *, code: int = 471) -> None:
        """Set an audience's `operation_status` (471: flagged; uploads are then blocked)."""
        self.audiences[audience_id].operation_status = code

    def fail_replace(self, audience_id: str) -> None:
        """Make the running replace on `audience_id` fail on its next batch (2650/1870148)."""
        self.audiences[audience_id].fail_next_replace = True

    def poison_event(self, event_id: str, *, pixel_id: str | None = None) -> None:
        """Make any `/events` request holding `event_id` fail whole, as one bad event does."""
        pixel = self.pixels[pixel_id] if pixel_id else next(iter(self.pixels.values()))
        pixel.poisoned.add(event_id)

    def set_insights(
        self,
        campaign_id: str,
        day: dt.date,
        *,
        impressions: int = 0,
        clicks: int = 0,
        spend: str = "0",
        actions: dict[str, int] | None = None,
    ) -> None:
        """Record one day of delivery for a campaign, as insights will report it."""
        self.insights.setdefault(campaign_id, {})[day.isoformat()] = {
            "impressions": impressions,
            "clicks": clicks,
            "spend": spend,
            "actions": dict(actions or {}),
        }

    def audience_hashes(self, audience_id: str, key: str = "EMAIL") -> set[str]:
        """Return the values audience `audience_id` holds for schema key `key`."""
        return self.audiences[audience_id].members.held().get(key, set())

    def state(self) -> dict[str, Any]:
        """Return audiences (values held per key, sessions), pixels, campaigns and insights."""
        sessions: dict[str, list[dict[str, str]]] = {}
        for (audience_id, _), session in self.uploads.sessions.items():
            sessions.setdefault(audience_id, []).append(session.node())
        return {
            "audiences": {
                audience_id: {
                    **audience.node(),
                    "members": sorted(held.get("EMAIL", set())),
                    "hashes": {k: sorted(v) for k, v in held.items()},
                    "sessions": sessions.get(audience_id, []),
                }
                for audience_id, audience, held in (
                    (aid, a, a.members.held()) for aid, a in self.audiences.items()
                )
            },
            "pixels": {
                pixel_id: {
                    "events": list(pixel.events),
                    "deduplicated": list(pixel.deduplicated),
                    "test_events": {k: list(v) for k, v in pixel.test_events.items()},
                }
                for pixel_id, pixel in self.pixels.items()
            },
            "campaigns": {k: dict(v) for k, v in self.campaigns.items()},
            "insights": {k: dict(v) for k, v in self.insights.items()},
        }

    # -- vendor hooks -------------------------------------------------------------------------

    def _usage_header(self, use_case: str, *, percent: int) -> dict[str, str]:
        usage = {
            self.ad_account_id.removeprefix("act_"): [
                {
                    "type": use_case,
                    "call_count": percent,
                    "total_cputime": max(1, percent // 4),
                    "total_time": max(1, percent // 4),
                    "estimated_time_to_regain_access": self.regain_minutes if percent >= 100 else 0,  # noqa: PLR2004
                    "ads_api_access_tier": "standard_access",
                }
            ]
        }
        return {"x-business-use-case-usage": json.dumps(usage, separators=(",", ":"))}

    @staticmethod
    def _use_case(path: str) -> tuple[str, int]:
        if path.endswith(_AUDIENCE_EDGES):
            return "custom_audience", 80003
        if path.endswith("/insights"):
            return "ads_insights", 80000
        return "ads_management", 80004

    def throttle_response(self, request: EmulatorRequest) -> EmulatorResponse:
        """Answer as Meta throttles: HTTP 400, a business-use-case code, the usage header."""
        use_case, code = self._use_case(request.path)
        return graph_error(
            code,
            f"(#{code}) There have been too many calls to this ad-account. Wait a bit and "
            "try again.",
            subcode=2446079,
            headers=self._usage_header(use_case, percent=100),
        )

    def server_error_response(self, request: EmulatorRequest) -> EmulatorResponse:
        """Answer as Meta does when it fails: HTTP 500, code 2, transient."""
        return graph_error(
            2,
            "An unexpected error has occurred. Please retry your request later.",
            status=500,
            transient=True,
        )

    def not_found_response(self, request: EmulatorRequest) -> EmulatorResponse:
        """Answer an unknown path as Graph does (code 2500)."""
        return graph_error(2500, f"Unknown path components: {request.path}")

    def _token(self, request: EmulatorRequest) -> str | None:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() in ("bearer", "oauth") and value:
            return value.strip()
        token = request.arg("access_token")
        if token is None and request.body and request.method != "GET":
            try:
                body = request.data()
            except (ValueError, UnicodeDecodeError):
                return None
            token = body.get("access_token") if isinstance(body, dict) else None
        return str(token) if token else None

    def _proof(self, request: EmulatorRequest) -> str | None:
        proof = request.arg("appsecret_proof")
        if proof is None and request.body and request.method != "GET":
            try:
                body = request.data()
            except (ValueError, UnicodeDecodeError):
                return None
            proof = body.get("appsecret_proof") if isinstance(body, dict) else None
        return str(proof) if proof else None

    def authenticate(self, request: EmulatorRequest) -> EmulatorResponse | None:
        """Check the API version, the token, and `appsecret_proof` when an app secret is set."""
        version = _VERSION.match(request.path.split("/")[1] if "/" in request.path else "")
        if version is None:
            return self.not_found_response(request)
        if int(version.group(1)) < _OLDEST_VERSION:
            return graph_error(2635, "(#2635) You are calling a deprecated version of the API.")
        token = self._token(request)
        if token is None:
            return graph_error(104, "An access token is required to request this resource.")
        if not hmac.compare_digest(token, self.access_token):
            return graph_error(190, "Invalid OAuth access token - Cannot parse access token")
        return self._check_proof(request, token)

    def _check_proof(self, request: EmulatorRequest, token: str) -> EmulatorResponse | None:
        if self.app_secret is None:
            return None
        proof = self._proof(request)
        expected = hmac.new(self.app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()
        if proof is None:
            message = "API calls from the server require an appsecret_proof argument"
        elif not hmac.compare_digest(proof, expected):
            message = "Invalid appsecret_proof provided in the API argument"
        else:
            return None
        return graph_error(100, message, kind="GraphMethodException")

    async def handle(self, request: EmulatorRequest) -> EmulatorResponse:
        """Dispatch as the base does, turning validation failures into Graph error answers."""
        try:
            return await super().handle(request)
        except BadRequest as exc:
            return exc.response

    # -- nodes ----------------------------------------------------------------------------------

    def _node(self, node: str) -> dict[str, Any] | None:
        if node == self.ad_account_id:
            digits = node.removeprefix("act_")
            return {
                "id": node,
                "account_id": digits,
                "name": "freehold emulator account",
                "currency": self.currency,
                "account_status": 1,
            }
        if node in self.audiences:
            return self.audiences[node].node()
        if node in self.campaigns:
            return self.campaigns[node]
        if node in self.pixels:
            return {"id": node, "name": "freehold emulator pixel"}
        return None

    @route("GET", "/{version}/{node}")
    async def read_node(self, request: EmulatorRequest) -> EmulatorResponse:
        """GET an ad account, audience or campaign, with the requested `fields`."""
        node_id = request.path_params["node"]
        node = self._node(node_id)
        if node is None:
            return _missing(node_id)
        return json_response(_fields(parse_params(request), node))

    @route("DELETE", "/{version}/{node}")
    async def delete_node(self, request: EmulatorRequest) -> EmulatorResponse:
        """DELETE an audience, or mark a campaign deleted."""
        node_id = request.path_params["node"]
        if self.audiences.pop(node_id, None) is not None:
            return json_response({"success": True})
        if node_id in self.campaigns:
            self.campaigns[node_id]["status"] = "DELETED"
            return json_response({"success": True})
        return _missing(node_id)

    @route("POST", "/{version}/{node}")
    async def update_node(self, request: EmulatorRequest) -> EmulatorResponse:
        """POST to a campaign: update its status, name or schedule (or delete it)."""
        node_id = request.path_params["node"]
        params = parse_params(request)
        if str(params.get("method", "")).upper() == "DELETE":
            return await self.delete_node(request)
        campaign = self.campaigns.get(node_id)
        if campaign is None:
            return _missing(node_id)
        status = params.get("status")
        if status is not None and status not in _STATUSES:
            return graph_error(
                100, "(#100) status must be one of ACTIVE, PAUSED, DELETED, ARCHIVED"
            )
        for key in ("status", "name", "start_time", "stop_time", "daily_budget", "lifetime_budget"):
            if key in params:
                campaign[key] = params[key]
        return json_response({"success": True})

    # -- custom audiences ---------------------------------------------------------------------

    def _account(self, request: EmulatorRequest) -> EmulatorResponse | None:
        node = request.path_params["node"]
        return None if node == self.ad_account_id else _missing(node)

    @route("GET", "/{version}/{node}/customaudiences")
    async def list_audiences(self, request: EmulatorRequest) -> EmulatorResponse:
        """List the account's customer-file audiences, a page at a time (`limit`, `after`)."""
        denied = self._account(request)
        if denied is not None:
            return denied
        params = parse_params(request)
        limit = max(1, min(int(params.get("limit", 25)), 500))
        start = int(params.get("after", 0) or 0)
        nodes = [a.node() for a in self.audiences.values()]
        page = [_fields(params, node) for node in nodes[start : start + limit]]
        body: dict[str, Any] = {"data": page}
        if start + limit < len(nodes):
            body["paging"] = {"cursors": {"after": str(start + limit)}, "next": "more"}
        return json_response(body)

    @route("POST", "/{version}/{node}/customaudiences")
    async def create_audience(self, request: EmulatorRequest) -> EmulatorResponse:
        """Create a customer-file audience (`subtype=CUSTOM` with `customer_file_source`)."""
        denied = self._account(request)
        if denied is not None:
            return denied
        params = parse_params(request)
        if not params.get("name"):
            return graph_error(100, "(#100) The parameter name is required")
        if params.get("subtype") != "CUSTOM":
            return graph_error(100, "(#100) subtype must be CUSTOM for a customer-file audience")
        source = params.get("customer_file_source")
        if source not in (
            "USER_PROVIDED_ONLY",
            "PARTNER_PROVIDED_ONLY",
            "BOTH_USER_AND_PARTNER_PROVIDED",
        ):
            return graph_error(100, "(#100) customer_file_source is required")
        audience_id = str(next(self._ids))
        self.audiences[audience_id] = EmulatedAudience(
            id=audience_id,
            account_id=self.ad_account_id,
            name=str(params["name"]),
            description=str(params.get("description") or ""),
            customer_file_source=str(source),
            value_based=params.get("is_value_based") in (True, "true", "1", 1),
            updated_at=int(self.clock()),
        )
        return json_response({"id": audience_id})

    def _audience(self, request: EmulatorRequest) -> EmulatedAudience:
        node = request.path_params["node"]
        audience = self.audiences.get(node)
        if audience is None:
            raise BadRequest(_missing(node))
        return audience

    @route("POST", "/{version}/{node}/users")
    async def post_users(self, request: EmulatorRequest) -> EmulatorResponse:
        """Add members, or remove them when the POST carries `method=DELETE`."""
        params = parse_params(request)
        remove = str(params.get("method", "")).upper() == "DELETE"
        answer = self.uploads.users(self._audience(request), params, remove=remove)
        return json_response(answer, headers=self._usage_header("custom_audience", percent=1))

    @route("DELETE", "/{version}/{node}/users")
    async def delete_users(self, request: EmulatorRequest) -> EmulatorResponse:
        """Remove members (parameters in the query string or the body)."""
        params = parse_params(request)
        answer = self.uploads.users(self._audience(request), params, remove=True)
        return json_response(answer, headers=self._usage_header("custom_audience", percent=1))

    @route("POST", "/{version}/{node}/usersreplace")
    async def replace_users(self, request: EmulatorRequest) -> EmulatorResponse:
        """Run one batch of a replace session."""
        params = parse_params(request)
        answer = self.uploads.replace(self._audience(request), params)
        return json_response(answer, headers=self._usage_header("custom_audience", percent=1))

    @route("GET", "/{version}/{node}/sessions")
    async def list_sessions(self, request: EmulatorRequest) -> EmulatorResponse:
        """List an audience's upload sessions (optionally one `session_id`)."""
        audience = self._audience(request)
        wanted = parse_params(request).get("session_id")
        data = [
            session.node()
            for (audience_id, session_id), session in self.uploads.sessions.items()
            if audience_id == audience.id and (wanted is None or str(session_id) == str(wanted))
        ]
        return json_response({"data": data})

    # -- Conversions API ------------------------------------------------------------------------

    @route("POST", "/{version}/{node}/events")
    async def post_events(self, request: EmulatorRequest) -> EmulatorResponse:
        """Receive server events; any invalid event rejects the whole request."""
        pixel = self.pixels.get(request.path_params["node"])
        if pixel is None:
            return _missing(request.path_params["node"])
        return json_response(pixel.receive(parse_params(request)))

    # -- campaigns and insights -----------------------------------------------------------------

    @route("GET", "/{version}/{node}/campaigns")
    async def list_campaigns(self, request: EmulatorRequest) -> EmulatorResponse:
        """List the account's campaigns."""
        denied = self._account(request)
        if denied is not None:
            return denied
        params = parse_params(request)
        return json_response({"data": [_fields(params, c) for c in self.campaigns.values()]})

    @route("POST", "/{version}/{node}/campaigns")
    async def create_campaign(self, request: EmulatorRequest) -> EmulatorResponse:
        """Create a campaign under Meta's rules (objective, categories, budget sharing)."""
        denied = self._account(request)
        if denied is not None:
            return denied
        params = parse_params(request)
        problem = _campaign_problem(params)
        if problem is not None:
            return problem
        campaign_id = str(next(self._ids))
        self.campaigns[campaign_id] = {
            "id": campaign_id,
            "account_id": self.ad_account_id.removeprefix("act_"),
            "name": str(params["name"]),
            "objective": params["objective"],
            "status": params.get("status", "ACTIVE"),
            "special_ad_categories": list(params["special_ad_categories"]),
            **{
                k: params[k]
                for k in (
                    "daily_budget",
                    "lifetime_budget",
                    "bid_strategy",
                    "start_time",
                    "stop_time",
                    "is_adset_budget_sharing_enabled",
                )
                if k in params
            },
        }
        return json_response({"id": campaign_id})

    @route("GET", "/{version}/{node}/insights")
    async def read_insights(self, request: EmulatorRequest) -> EmulatorResponse:
        """Sum a campaign's recorded days inside `time_range` into one insights row."""
        node = request.path_params["node"]
        if node not in self.campaigns:
            return _missing(node)
        params = parse_params(request)
        window = params.get("time_range")
        if not isinstance(window, dict) or not {"since", "until"} <= window.keys():
            return graph_error(100, "(#100) time_range must hold since and until")
        days = {
            day: stats
            for day, stats in self.insights.get(node, {}).items()
            if window["since"] <= day <= window["until"]
        }
        if not days:
            return json_response({"data": []})
        actions: dict[str, int] = {}
        for stats in days.values():
            for action_type, count in stats["actions"].items():
                actions[action_type] = actions.get(action_type, 0) + count
        row = {
            "campaign_id": node,
            "impressions": str(sum(s["impressions"] for s in days.values())),
            "clicks": str(sum(s["clicks"] for s in days.values())),
            "spend": str(sum(float(s["spend"]) for s in days.values())),
            "account_currency": self.currency,
            "actions": [{"action_type": k, "value": str(v)} for k, v in sorted(actions.items())],
            "date_start": window["since"],
            "date_stop": window["until"],
        }
        return json_response({"data": [row]}, headers=self._usage_header("ads_insights", percent=1))


def _budget_problem(params: dict[str, Any]) -> str | None:
    budgets = [k for k in ("daily_budget", "lifetime_budget") if k in params]
    if len(budgets) > 1:
        return "(#100) Set either daily_budget or lifetime_budget, not both"
    if not budgets:
        if params.get("is_adset_budget_sharing_enabled") not in (True, False, "true", "false"):
            return "Must specify True or False in is_adset_budget_sharing_enabled field"
        return None
    amount = str(params[budgets[0]])
    if not amount.isdigit() or int(amount) <= 0:
        return "(#100) budgets are positive integers in minor units"
    if params.get("bid_strategy", "LOWEST_COST_WITHOUT_CAP") not in _BID_STRATEGIES:
        return "(#100) bid_strategy is not a known strategy"
    return None


def _campaign_problem(params: dict[str, Any]) -> EmulatorResponse | None:
    """Return Meta's refusal of a campaign create, or None when it is acceptable."""
    categories = params.get("special_ad_categories")
    checks: tuple[tuple[bool, str], ...] = (
        (not params.get("name"), "(#100) The parameter name is required"),
        (
            params.get("objective") not in _OBJECTIVES,
            "(#100) objective must be one of the OUTCOME_ objectives",
        ),
        (
            not isinstance(categories, list),
            "(#100) The parameter special_ad_categories is required",
        ),
        (
            isinstance(categories, list) and bool(set(categories) - _CATEGORIES),
            "(#100) special_ad_categories holds an unknown category",
        ),
        (params.get("status", "ACTIVE") not in _STATUSES, _STATUS_MESSAGE),
    )
    message = next((text for failed, text in checks if failed), None) or _budget_problem(params)
    return graph_error(100, message) if message else None
