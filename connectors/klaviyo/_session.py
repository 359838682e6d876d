"""An audience session on one Klaviyo list.

Klaviyo keeps list membership, email consent and suppression apart. An add runs in steps:

1. Read the profiles Klaviyo holds for the batch's addresses, with their email subscription
   (`additional-fields[profile]=subscriptions`, 100 addresses per filter).
2. A row asked `subscribed` or `pending` whose profile Klaviyo holds as unsubscribed or
   suppressed is rejected (`vendor_unsubscribed`, `vendor_suppressed`) and not sent at all:
   subscribing through the API would lift the suppression, and freehold never resubscribes.
3. The other rows go into one profile bulk import job (≤ 10,000 profiles, ≤ 5 MB) that also adds
   them to the list; their outcomes are `pending` on the job until `poll()` sees it complete
   and maps its import errors (by JSON pointer into the job's profiles) onto rows.
4. Consent goes through subscription jobs: `subscribed` rows not already subscribed are
   subscribed without a list (no confirmation mail: the engine holds the consent); `pending`
   rows are subscribed through the list, whose opt-in setting sends the confirmation;
   `unsubscribed` rows Klaviyo holds are unsubscribed (100 per job).

Removing takes profiles off the list through the list relationships endpoint (profile ids,
1,000 per call); consent is left as it is and profiles are never deleted.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import JsonValue

from freehold.connectors.klaviyo._errors import DUPLICATE_PROFILE
from freehold.connectors.klaviyo._limits import (
    IMPORT_MAX_BYTES,
    IMPORT_MAX_PROFILES,
    LIST_RELATIONSHIP_MAX,
    PROFILE_FILTER_MAX,
    SUBSCRIBE_MAX,
    UNSUBSCRIBE_MAX,
)
from freehold.connectors.klaviyo._payloads import (
    email_filter,
    encoded_size,
    held_consent,
    profile_resource,
    subscription_job,
)
from freehold.core.capabilities import AudienceSession, SessionMode
from freehold.core.errors import BatchTooLargeError
from freehold.core.models import AudienceRef, EmailStatus, Member, Outcome

if TYPE_CHECKING:
    from freehold.connectors.klaviyo._api import KlaviyoApi

__all__ = ["KlaviyoSession", "find_profiles"]

logger = logging.getLogger(__name__)

_IMPORT_JOB = "profile-bulk-import-job"


@dataclass(frozen=True, slots=True)
class HeldProfile:
    """A profile Klaviyo holds: its id and its email marketing consent word."""

    id: str
    consent: str | None


async def find_profiles(api: KlaviyoApi, emails: Sequence[str]) -> dict[str, HeldProfile]:
    """Return the profiles Klaviyo holds for `emails`, keyed by lowercased address."""
    found: dict[str, HeldProfile] = {}
    unique = sorted({e for e in emails})
    for start in range(0, len(unique), PROFILE_FILTER_MAX):
        chunk = unique[start : start + PROFILE_FILTER_MAX]
        async for profile in api.pages(
            "/api/profiles",
            params={
                "filter": email_filter(chunk),
                "additional-fields[profile]": "subscriptions",
                "fields[profile]": "email,subscriptions",
                "page[size]": str(PROFILE_FILTER_MAX),
            },
        ):
            email = str((profile.get("attributes") or {}).get("email") or "").lower()
            if email:
                found[email] = HeldProfile(str(profile["id"]), held_consent(profile))
    return found


def _chunks(items: Sequence[str], size: int) -> list[Sequence[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _valid_rows(batch: Sequence[Member], outcomes: dict[str, Outcome]) -> list[tuple[Member, str]]:
    """Return the rows that can be sent; reject the others into `outcomes`."""
    rows: list[tuple[Member, str]] = []
    seen: set[str] = set()
    for member in batch:
        email = member.identifiers.get("email")
        if not email:
            outcomes[member.key] = Outcome.rejected(
                member.key, "no email address to send", code="missing_email"
            )
        elif member.email_status is None:
            outcomes[member.key] = Outcome.rejected(
                member.key, "no email status decided for this member", code="no_email_status"
            )
        elif email.lower() in seen:
            outcomes[member.key] = Outcome.rejected(
                member.key, "the address appears twice in one batch", code="duplicate_in_batch"
            )
        else:
            seen.add(email.lower())
            rows.append((member, email))
    return rows


class KlaviyoSession(AudienceSession):
    """Adds and removes members of one Klaviyo list (see the module docstring)."""

    def __init__(
        self,
        connector: KlaviyoApi,
        ref: AudienceRef,
        mode: SessionMode,
        *,
        state: dict[str, JsonValue] | None = None,
    ) -> None:
        self.ref = ref
        self.mode = mode
        self._api = connector
        jobs = (state or {}).get("jobs")
        self._jobs: dict[str, list[str]] = (
            {str(k): [str(x) for x in v] for k, v in jobs.items() if isinstance(v, list)}
            if isinstance(jobs, dict)
            else {}
        )
        self._feedback: dict[str, int] = {"jobs": 0, "failed": 0}

    @property
    def state(self) -> dict[str, JsonValue]:
        """Return the list id and the import jobs not yet resolved (job id -> row keys)."""
        jobs: dict[str, JsonValue] = {k: list(v) for k, v in self._jobs.items()}
        return {"list_id": self.ref.vendor_id, "jobs": jobs}

    def feedback(self) -> dict[str, JsonValue]:
        """Return how many import jobs ran and how many profiles they refused."""
        return dict(self._feedback)

    async def close(self) -> None:
        """Nothing to finish: jobs run on their own; `poll()` reads their results."""

    # -- add ------------------------------------------------------------------------------------

    async def add(self, batch: Sequence[Member]) -> list[Outcome]:
        """Import `batch` into the list and set consent, never resubscribing anyone.

        Raises:
            BatchTooLargeError: over 10,000 profiles or 5 MB in one job.
        """
        if len(batch) > IMPORT_MAX_PROFILES:
            msg = f"klaviyo imports at most {IMPORT_MAX_PROFILES} profiles per job: {len(batch)}"
            raise BatchTooLargeError(msg)
        outcomes: dict[str, Outcome] = {}
        rows = _valid_rows(batch, outcomes)
        held = await find_profiles(self._api, [email for _, email in rows])
        send: list[tuple[Member, str]] = []
        subscribe: list[str] = []
        confirm: list[str] = []
        unsubscribe: list[str] = []
        for member, email in rows:
            profile = held.get(email.lower())
            consent = profile.consent if profile else None
            wanted = member.email_status
            if wanted is EmailStatus.UNSUBSCRIBED:
                if profile is not None and consent not in ("UNSUBSCRIBED", "SUPPRESSED"):
                    unsubscribe.append(email)
            elif consent in ("UNSUBSCRIBED", "SUPPRESSED"):
                word = consent.lower()
                outcomes[member.key] = Outcome.rejected(
                    member.key,
                    f"Klaviyo holds this profile as {word}; freehold never resubscribes",
                    code=f"vendor_{word}",
                )
                continue
            elif consent != "SUBSCRIBED":
                (subscribe if wanted is EmailStatus.SUBSCRIBED else confirm).append(email)
            send.append((member, email))
        if send:
            job_id = await self._import(send)
            for member, _ in send:
                outcomes[member.key] = Outcome.pending(member.key, vendor_ref=job_id)
        await self._consent(subscribe, confirm, unsubscribe)
        logger.info(
            "klaviyo add to list %s: %d rows, %d sent", self.ref.vendor_id, len(batch), len(send)
        )
        return [outcomes[m.key] for m in batch]

    async def _import(self, rows: list[tuple[Member, str]]) -> str:
        names = self._api.config.properties
        document = {
            "data": {
                "type": _IMPORT_JOB,
                "attributes": {
                    "profiles": {
                        "data": [
                            profile_resource(email, member.attributes, names)
                            for member, email in rows
                        ]
                    }
                },
                "relationships": {"lists": {"data": [{"type": "list", "id": self.ref.vendor_id}]}},
            }
        }
        size = encoded_size(document)
        if size > IMPORT_MAX_BYTES:
            msg = f"klaviyo import job body is {size} bytes, over {IMPORT_MAX_BYTES}"
            raise BatchTooLargeError(msg)
        answer = await self._api.post_json("/api/profile-bulk-import-jobs", document)
        job_id = str(answer["data"]["id"])
        self._jobs[job_id] = [member.key for member, _ in rows]
        self._feedback["jobs"] += 1
        return job_id

    async def _consent(
        self, subscribe: list[str], confirm: list[str], unsubscribe: list[str]
    ) -> None:
        kind = "profile-subscription-bulk-create-job"
        for chunk in _chunks(subscribe, SUBSCRIBE_MAX):
            await self._api.post_json(
                "/api/profile-subscription-bulk-create-jobs",
                subscription_job(kind, chunk, "SUBSCRIBED"),
            )
        for chunk in _chunks(confirm, SUBSCRIBE_MAX):
            await self._api.post_json(
                "/api/profile-subscription-bulk-create-jobs",
                subscription_job(kind, chunk, "SUBSCRIBED", list_id=self.ref.vendor_id),
            )
        for chunk in _chunks(unsubscribe, UNSUBSCRIBE_MAX):
            await self._api.post_json(
                "/api/profile-subscription-bulk-delete-jobs",
                subscription_job("profile-subscription-bulk-delete-job", chunk, "UNSUBSCRIBED"),
            )

    # -- poll -----------------------------------------------------------------------------------

    async def poll(self) -> list[Outcome]:
        """Read each open import job; a finished one resolves its rows."""
        resolved: list[Outcome] = []
        for job_id, keys in list(self._jobs.items()):
            job = await self._api.get_json(f"/api/profile-bulk-import-jobs/{job_id}")
            status = str(((job.get("data") or {}).get("attributes") or {}).get("status"))
            if status == "cancelled":
                resolved += [
                    Outcome.retriable(k, "Klaviyo cancelled the import job", code="job_cancelled")
                    for k in keys
                ]
            elif status == "complete":
                failed = await self._import_errors(job_id, keys)
                self._feedback["failed"] += len(failed)
                resolved += [failed.get(k) or Outcome.accepted(k, vendor_ref=job_id) for k in keys]
            else:
                continue
            del self._jobs[job_id]
        return resolved

    async def _import_errors(self, job_id: str, keys: list[str]) -> dict[str, Outcome]:
        failed: dict[str, Outcome] = {}
        async for error in self._api.pages(
            f"/api/profile-bulk-import-jobs/{job_id}/import-errors",
            params={"page[size]": "100"},
        ):
            attributes: dict[str, Any] = error.get("attributes") or {}
            pointer = str((attributes.get("source") or {}).get("pointer") or "")
            index = pointer.rstrip("/").split("/")[-1] if "/profiles/data/" in pointer else ""
            if not index.isdigit() or int(index) >= len(keys):
                continue
            key = keys[int(index)]
            code = str(attributes.get("code") or "import_error")
            reason = str(attributes.get("title") or "Klaviyo refused the profile")
            if code == DUPLICATE_PROFILE:
                reason = "the address belongs to another Klaviyo profile (duplicate_profile)"
            failed[key] = Outcome.rejected(key, reason, code=code)
        return failed

    # -- remove ---------------------------------------------------------------------------------

    async def remove(self, batch: Sequence[Member]) -> list[Outcome]:
        """Take members off the list (their profiles and consent stay).

        Raises:
            BatchTooLargeError: over 1,000 members.
        """
        if len(batch) > LIST_RELATIONSHIP_MAX:
            msg = f"klaviyo removes at most {LIST_RELATIONSHIP_MAX} profiles per call"
            raise BatchTooLargeError(msg)
        emails = [m.identifiers.get("email") or "" for m in batch]
        held = await find_profiles(self._api, [e for e in emails if e])
        ids = sorted({p.id for p in held.values()})
        if ids:
            await self._api.request(
                "DELETE",
                f"/api/lists/{self.ref.vendor_id}/relationships/profiles",
                body={"data": [{"type": "profile", "id": i} for i in ids]},
            )
        outcomes: list[Outcome] = []
        for member, email in zip(batch, emails, strict=True):
            if not email:
                outcomes.append(
                    Outcome.rejected(member.key, "no email address to remove", code="missing_email")
                )
                continue
            profile = held.get(email.lower())
            vendor_ref = profile.id if profile else None
            outcomes.append(Outcome.accepted(member.key, vendor_ref=vendor_ref))
        logger.info("klaviyo remove from list %s: %d rows", self.ref.vendor_id, len(batch))
        return outcomes
