"""Customer-file Custom Audiences: find or create them, and upload sessions of members.

An `AudienceSession` drives up to two Meta upload sessions: one for additions and one for
removals (`/users`, removals as POST with `method=DELETE`), or one replace session
(`/usersreplace`). Each is a `session_id` we choose, `batch_seq` from 1, and a final batch with
`last_batch_flag`. The first batch of each upload is sent alone (Meta must see `batch_seq` 1
first, and for a replace it starts the wipe); later batches may overlap.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import JsonValue

from freehold.connectors.meta._config import MetaConfig
from freehold.connectors.meta._errors import (
    REPLACE_FIRST_BATCH_MISSING,
    REPLACE_TIMED_OUT,
    SESSION_FINISHED,
    safe_text,
)
from freehold.connectors.meta._graph import Graph
from freehold.connectors.meta._members import (
    EncodedBatch,
    RowLayout,
    encode_members,
    full_layout,
)
from freehold.core.capabilities import AudienceSession, SessionMode
from freehold.core.errors import BatchTooLargeError, PermanentError, VendorRequestError
from freehold.core.models import Audience, AudienceRef, Member, Outcome, Outcomes

__all__ = [
    "MAX_ROWS",
    "SESSION_WINDOW_SECONDS",
    "MetaAudienceSession",
    "ensure_audience",
    "remove_everywhere",
]

logger = logging.getLogger(__name__)

MAX_ROWS = 10_000
"""Meta accepts at most 10,000 rows per `/users` or `/usersreplace` request."""

SESSION_WINDOW_SECONDS = 90 * 60
"""Meta closes an upload session 90 minutes after its first batch."""

_ROTATE_AFTER_SECONDS = SESSION_WINDOW_SECONDS - 5 * 60
"""An update upload older than this moves to a fresh session before Meta closes it."""

_MARKER = re.compile(r"\[freehold:([a-z0-9][a-z0-9_\-]{0,63})\]")
_PAGE_SIZE = "500"


def _marker(key: str) -> str:
    return f"[freehold:{key}]"


def _new_session_id() -> int:
    """Return a fresh positive int64: milliseconds since the epoch and 20 random bits."""
    return (time.time_ns() // 1_000_000) << 20 | secrets.randbits(20)


async def ensure_audience(graph: Graph, config: MetaConfig, audience: Audience) -> AudienceRef:
    """Find the customer-file audience freehold made for `audience`, or create it.

    freehold recognises its audiences by a `[freehold:<key>]` marker in the description.
    """
    account = config.ad_account_id
    value_based = audience.key in config.value_based_audiences
    params = {"fields": "id,name,description", "limit": _PAGE_SIZE}
    while True:
        page = await graph.get(graph.path(account, "customaudiences"), params)
        for item in page.get("data", []):
            found = _MARKER.search(str(item.get("description") or ""))
            if found and found.group(1) == audience.key:
                return _ref(config, audience, str(item["id"]), value_based=value_based)
        after = page.get("paging", {}).get("cursors", {}).get("after")
        if not page.get("paging", {}).get("next") or not after:
            break
        params = {**params, "after": str(after)}
    description = " ".join(part for part in (audience.description, _marker(audience.key)) if part)
    body: dict[str, Any] = {
        "name": audience.name,
        "subtype": "CUSTOM",
        "customer_file_source": config.customer_file_source.value,
        "description": description,
    }
    if value_based:
        body["is_value_based"] = True
    created = await graph.post(graph.path(account, "customaudiences"), body)
    logger.info("created Meta audience %s for %s", created.get("id"), audience.key)
    return _ref(config, audience, str(created["id"]), value_based=value_based)


def _ref(
    config: MetaConfig, audience: Audience, vendor_id: str, *, value_based: bool
) -> AudienceRef:
    return AudienceRef(
        key=audience.key,
        vendor_id=vendor_id,
        name=audience.name,
        details={
            "ad_account_id": config.ad_account_id,
            "customer_file_source": config.customer_file_source.value,
            "value_based": value_based,
        },
    )


@dataclass(slots=True)
class _Upload:
    """One Meta upload session: where it goes, its id, its next `batch_seq`, its progress."""

    edge: str
    delete: bool
    session_id: int = field(default_factory=_new_session_id)
    next_seq: int = 1
    acknowledged: int = 0
    started_at: float | None = None
    finished: bool = False
    received: int = 0
    closing: dict[str, Any] | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "edge": self.edge,
            "delete": self.delete,
            "session_id": self.session_id,
            "next_seq": self.next_seq,
            "acknowledged": self.acknowledged,
            "started_at": self.started_at,
            "finished": self.finished,
            "received": self.received,
            "closing": self.closing,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> _Upload:
        return cls(
            edge=str(data["edge"]),
            delete=bool(data["delete"]),
            session_id=int(data["session_id"]),
            next_seq=int(data["next_seq"]),
            acknowledged=int(data["acknowledged"]),
            started_at=float(data["started_at"]) if data.get("started_at") is not None else None,
            finished=bool(data["finished"]),
            received=int(data.get("received") or 0),
            closing=data.get("closing"),
        )


def _samples(raw: object) -> dict[str, str]:
    """Return Meta's invalid-entry samples as {value: reason}, whether a map or a list."""
    if isinstance(raw, dict):
        found: dict[str, str] = {}
        for key, value in raw.items():
            found[str(key)] = safe_text(value)
            if isinstance(value, str):
                found.setdefault(value, "invalid entry")
        return found
    if isinstance(raw, list):
        return {str(item): "invalid entry" for item in raw}
    return {}


class MetaAudienceSession(AudienceSession):
    """Adds and removes members of one customer-file audience, or replaces its membership.

    Leaving the session sends each open upload's final batch with `last_batch_flag`: Meta needs
    the flag on a batch that carries data, so the last row sent is sent once more (adding or
    removing a person twice changes nothing). `counts` tallies what Meta reported.
    """

    def __init__(
        self,
        graph: Graph,
        ref: AudienceRef,
        mode: SessionMode,
        *,
        ldu: tuple[int, int] | None,
        replacing: set[str],
        state: Mapping[str, Any] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ref = ref
        self.mode = mode
        self._graph = graph
        self._ldu = ldu
        self._value_based = bool(ref.details.get("value_based"))
        self._replacing = replacing
        self._clock = clock
        self._closed = False
        self._uploads: dict[str, _Upload] = {}
        self._fallback = False
        self.counts: dict[str, int] = {
            "rows_sent": 0,
            "rows_not_sent": 0,
            "num_invalid_entries": 0,
            "invalid_sampled": 0,
        }
        if state:
            self._restore(state)
        if mode is SessionMode.UPDATE and ref.vendor_id in replacing:
            msg = f"audience {ref.vendor_id}: a replace is running; /users writes must wait"
            raise VendorRequestError(msg)
        self._layout = (
            full_layout(value=self._value_based, ldu=ldu) if mode is SessionMode.REPLACE else None
        )

    def _restore(self, state: Mapping[str, Any]) -> None:
        if state.get("mode") != self.mode.value:
            msg = f"audience {self.ref.vendor_id}: saved session is {state.get('mode')!r} mode"
            raise PermanentError(msg)
        self._fallback = bool(state.get("replace_fallback"))
        uploads = state.get("uploads") or {}
        self._uploads = {kind: _Upload.from_json(data) for kind, data in uploads.items()}
        self.counts.update({k: int(v) for k, v in (state.get("counts") or {}).items()})

    @property
    def state(self) -> dict[str, JsonValue]:
        """Return the Meta session ids, sequence numbers and progress, as plain JSON."""
        return {
            "mode": self.mode.value,
            "replace_fallback": self._fallback,
            "uploads": {kind: upload.to_json() for kind, upload in self._uploads.items()},
            "counts": dict(self.counts),
        }

    # -- the engine's calls ---------------------------------------------------------------------

    async def add(self, batch: Sequence[Member]) -> Outcomes:
        """Add `batch` (or, in a replace session, make it part of the new membership)."""
        return await self._upload_batch("add", batch, value=self._value_based)

    async def remove(self, batch: Sequence[Member]) -> Outcomes:
        """Remove `batch` from the audience (POST `/users` with `method=DELETE`)."""
        if self.mode is SessionMode.REPLACE:
            msg = "a replace session has no removals: members not added are dropped by Meta"
            raise PermanentError(msg)
        return await self._upload_batch("remove", batch, value=False)

    async def close(self) -> None:
        """Send each open upload's final batch with `last_batch_flag`; idempotent."""
        if self._closed:
            return
        try:
            for kind, upload in self._uploads.items():
                if upload.finished or not upload.acknowledged:
                    continue
                if upload.closing is None:
                    logger.warning(
                        "Meta audience %s: %s session %s resumed without a row to close it; "
                        "Meta closes it 90 minutes after its first batch",
                        self.ref.vendor_id,
                        kind,
                        upload.session_id,
                    )
                    continue
                await self._finish(upload)
            if self.mode is SessionMode.REPLACE and not self._uploads:
                logger.warning(
                    "Meta audience %s: replace session received no members; left unchanged",
                    self.ref.vendor_id,
                )
        finally:
            self._replacing.discard(self.ref.vendor_id)
        self._closed = True
        logger.info(
            "Meta audience %s: %d rows sent, %d not sent, %d reported invalid (%d sampled)",
            self.ref.vendor_id,
            self.counts["rows_sent"],
            self.counts["rows_not_sent"],
            self.counts["num_invalid_entries"],
            self.counts["invalid_sampled"],
        )

    def feedback(self) -> dict[str, JsonValue]:
        """Return what Meta reported: rows sent, received, invalid entries; the session ids."""
        return {
            **self.counts,
            "num_received": sum(upload.received for upload in self._uploads.values()),
            "sessions": [str(upload.session_id) for upload in self._uploads.values()],
        }

    # -- encoding and outcomes ------------------------------------------------------------------

    async def _upload_batch(self, kind: str, batch: Sequence[Member], *, value: bool) -> Outcomes:
        encoded = self._encode(batch, value=value)
        if not encoded.rows:
            return self._outcomes(batch, encoded, {})
        response, upload = await self._send(kind, encoded)
        self._note_received(upload, response)
        outcomes = self._outcomes(batch, encoded, response)
        for row, position in zip(reversed(encoded.rows), reversed(encoded.positions), strict=True):
            if position not in outcomes.exceptions:
                upload.closing = {"layout": encoded.layout.to_json(), "row": row}
                break
        return outcomes

    def _encode(self, batch: Sequence[Member], *, value: bool) -> EncodedBatch:
        if len(batch) > MAX_ROWS:
            msg = f"audience {self.ref.vendor_id}: {len(batch)} rows exceed Meta's {MAX_ROWS}"
            raise BatchTooLargeError(msg)
        if self._layout is not None:
            return encode_members(batch, value_based=value, ldu=self._ldu, layout=self._layout)
        return encode_members(batch, value_based=value, ldu=self._ldu)

    def _outcomes(
        self, batch: Sequence[Member], encoded: EncodedBatch, response: Mapping[str, Any]
    ) -> Outcomes:
        outcomes: dict[int, Outcome] = {}
        for index, reason in encoded.skipped.items():
            outcomes[index] = Outcome.rejected(batch[index].key, reason, code="not_sent")
        self.counts["rows_not_sent"] += len(encoded.skipped)
        self.counts["rows_sent"] += len(encoded.rows)
        received = response.get("num_received")
        if encoded.rows and received is not None and str(received) == "0":
            for position in encoded.positions:
                outcomes[position] = Outcome.rejected(
                    batch[position].key, "Meta received none of the rows", code="num_received=0"
                )
        invalid = response.get("num_invalid_entries")
        if invalid is not None and str(invalid).isdigit():
            self.counts["num_invalid_entries"] += int(invalid)
        samples = _samples(response.get("invalid_entry_samples"))
        if samples:
            for row, position in zip(encoded.rows, encoded.positions, strict=True):
                bad = next(
                    (cell for cell in row if isinstance(cell, str) and cell in samples), None
                )
                if bad is not None and position not in outcomes:
                    self.counts["invalid_sampled"] += 1
                    outcomes[position] = Outcome.rejected(
                        batch[position].key,
                        f"invalid entry: {samples[bad]}",
                        code="invalid_entry",
                    )
        session = response.get("session_id")
        ref = str(session) if session is not None else None
        return Outcomes([member.key for member in batch], vendor_ref=ref, exceptions=outcomes)

    # -- Meta upload sessions -------------------------------------------------------------------

    @staticmethod
    def _note_received(upload: _Upload, answer: Mapping[str, Any]) -> None:
        received = str(answer.get("num_received", ""))
        if received.isdigit():
            upload.received = max(upload.received, int(received))

    def _upload(self, kind: str) -> _Upload:
        upload = self._uploads.get(kind)
        if upload is None:
            replace = self.mode is SessionMode.REPLACE and not self._fallback
            edge = "usersreplace" if replace else "users"
            upload = _Upload(edge=edge, delete=kind == "remove")
            self._uploads[kind] = upload
        return upload

    async def _send(
        self, kind: str, encoded: EncodedBatch, *, recovering: bool = False
    ) -> tuple[dict[str, Any], _Upload]:
        upload = self._upload(kind)
        started = upload.started_at
        if upload.edge == "users" and started and self._clock() - started > _ROTATE_AFTER_SECONDS:
            upload = self._rotate(kind)
        if not upload.acknowledged:
            async with upload.lock:
                if upload.acknowledged == 0:
                    return await self._post(kind, upload, encoded, seq=1, recovering=recovering)
        seq = upload.next_seq
        upload.next_seq += 1
        return await self._post(kind, upload, encoded, seq=seq, recovering=recovering)

    def _rotate(self, kind: str) -> _Upload:
        old = self._uploads.pop(kind)
        if old.acknowledged and not old.finished:
            logger.info(
                "Meta audience %s: %s session %s expired; opening a new one",
                self.ref.vendor_id,
                kind,
                old.session_id,
            )
        return self._upload(kind)

    def _body(
        self, upload: _Upload, layout: RowLayout, rows: list[list[Any]], seq: int, *, last: bool
    ) -> bytes:
        body: dict[str, Any] = {
            "session": {
                "session_id": upload.session_id,
                "batch_seq": seq,
                "last_batch_flag": last,
            },
            "payload": {"schema": layout.schema, "data": rows},
        }
        if upload.delete:
            body["method"] = "DELETE"
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()

    async def _post(
        self, kind: str, upload: _Upload, encoded: EncodedBatch, *, seq: int, recovering: bool
    ) -> tuple[dict[str, Any], _Upload]:
        if upload.edge == "usersreplace":
            self._replacing.add(self.ref.vendor_id)
        body = self._body(upload, encoded.layout, encoded.rows, seq, last=False)
        path = self._graph.path(self.ref.vendor_id, upload.edge)
        try:
            response = await self._graph.post(path, body)
        except VendorRequestError as exc:
            if recovering or not self._recover(kind, upload, exc):
                raise
            return await self._send(kind, encoded, recovering=True)
        if upload.started_at is None:
            upload.started_at = self._clock()
        upload.acknowledged += 1
        if seq >= upload.next_seq:
            upload.next_seq = seq + 1
        return response, upload

    def _recover(self, kind: str, upload: _Upload, exc: VendorRequestError) -> bool:
        """Move to a fresh upload when Meta says this one is over; False when that cannot help."""
        code = exc.vendor_code or ""
        ended = code in (f"2650:{REPLACE_TIMED_OUT}", f"2650:{SESSION_FINISHED}")
        if upload.edge == "usersreplace":
            if not ended:
                return False
            # The replace is over: the audience is what was sent; the rest goes in as additions.
            logger.warning(
                "Meta audience %s: replace session %s ended (%s); adding the rest",
                self.ref.vendor_id,
                upload.session_id,
                code,
            )
            self._fallback = True
            self._replacing.discard(self.ref.vendor_id)
            self._uploads.pop(kind)
            self._upload(kind)
            return True
        if ended or code == f"2650:{REPLACE_FIRST_BATCH_MISSING}":
            self._rotate(kind)
            return True
        return False

    async def _finish(self, upload: _Upload) -> None:
        closing = upload.closing or {}
        layout = RowLayout.from_json(closing["layout"])
        seq = upload.next_seq
        upload.next_seq += 1
        body = self._body(upload, layout, [closing["row"]], seq, last=True)
        try:
            answer = await self._graph.post(self._graph.path(self.ref.vendor_id, upload.edge), body)
        except VendorRequestError as exc:
            if exc.vendor_code not in (f"2650:{SESSION_FINISHED}", f"2650:{REPLACE_TIMED_OUT}"):
                raise
        else:
            self._note_received(upload, answer)
        upload.finished = True


async def remove_everywhere(
    graph: Graph,
    member: Member,
    audiences: Sequence[AudienceRef],
    *,
    ldu: tuple[int, int] | None,
) -> tuple[list[str], list[str]]:
    """Remove one person from each audience; return (actions done, warnings)."""
    actions: list[str] = []
    warnings: list[str] = []
    encoded = encode_members([member], value_based=False, ldu=ldu)
    if not encoded.rows:
        return actions, ["no identifier Meta can match on: nothing to remove"]
    for ref in audiences:
        body = {
            "payload": {"schema": encoded.layout.schema, "data": encoded.rows},
            "method": "DELETE",
        }
        try:
            await graph.post(graph.path(ref.vendor_id, "users"), body)
        except PermanentError as exc:
            warnings.append(f"audience {ref.vendor_id}: {exc}")
            continue
        actions.append(f"removed from custom audience {ref.vendor_id}")
    return actions, warnings
