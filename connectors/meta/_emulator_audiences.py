"""The emulator's customer-file audiences: membership, upload sessions and replace sessions.

Membership is kept as people: a valid row becomes a person (its key → value pairs), merged with
any person already held under the same email, phone, external id or mobile ad id; removing a
row removes the people it names. Rows with none of those strong keys are matched whole.

Sessions follow Meta's rules: a `session_id` per upload, cumulative `num_received`, no batch
after `last_batch_flag` or after 90 minutes. A replace session (`/usersreplace`) starts with
`batch_seq` 1, keeps one schema, blocks `/users` writes and a second replace while it runs, and
swaps the membership when it ends (on the last batch, or with what was sent when it times
out).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from freehold.connectors.meta._emulator_wire import (
    HASHED_AUDIENCE_KEYS,
    IDENTITY_KEYS,
    SCHEMA_KEYS,
    BadRequest,
    graph_error,
    is_digest,
)

__all__ = [
    "MAX_USERS",
    "SESSION_SECONDS",
    "EmulatedAudience",
    "Membership",
    "UploadSession",
    "Uploads",
]

MAX_USERS = 10_000
SESSION_SECONDS = 90 * 60
MAX_SAMPLES = 100
NORMAL, FLAGGED = 200, 471
_SINGLE_KEYS = {"EMAIL_SHA256": "EMAIL", "PHONE_SHA256": "PHONE", "MOBILE_ADVERTISER_ID": "MADID"}
_DPO = (
    "DATA_PROCESSING_OPTIONS",
    "DATA_PROCESSING_OPTIONS_COUNTRY",
    "DATA_PROCESSING_OPTIONS_STATE",
)


_CLEAR_KEYS = frozenset({"EXTERN_ID", "MADID"})
_STRONG_KEYS = frozenset({"EMAIL", "PHONE", "EXTERN_ID", "MADID"})
_ROW = "ROW"


class Membership:
    """The people an audience holds, indexed by their strong keys."""

    def __init__(self) -> None:
        self.people: dict[int, dict[str, str]] = {}
        self.index: dict[tuple[str, str], int] = {}
        self.counted = 0
        self._next = 0

    @staticmethod
    def _handles(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        strong = [pair for pair in pairs if pair[0] in _STRONG_KEYS]
        return strong or [(_ROW, "|".join(f"{k}={v}" for k, v in sorted(pairs)))]

    def add(self, pairs: list[tuple[str, str]]) -> None:
        """Hold the person `pairs` describes, merged with anyone sharing a strong key."""
        handles = self._handles(pairs)
        found = sorted({self.index[h] for h in handles if h in self.index})
        if found:
            person_id = found[0]
            for other in found[1:]:
                self.people[person_id].update(self.people.pop(other))
        else:
            person_id = self._next
            self._next += 1
            self.people[person_id] = {}
        self.people[person_id].update(pairs)
        for handle in handles:
            self.index[handle] = person_id
        for pair in self._handles(list(self.people[person_id].items())):
            self.index[pair] = person_id

    def remove(self, pairs: list[tuple[str, str]]) -> None:
        """Stop holding every person `pairs` names."""
        for handle in self._handles(pairs):
            person_id = self.index.pop(handle, None)
            person = self.people.pop(person_id, None) if person_id is not None else None
            if person is not None:
                for pair in self._handles(list(person.items())):
                    self.index.pop(pair, None)

    def held(self) -> dict[str, set[str]]:
        """Return the values held per schema key."""
        values: dict[str, set[str]] = {}
        for person in self.people.values():
            for key, value in person.items():
                values.setdefault(key, set()).add(value)
        return values

    def size(self) -> int:
        """Return how many people are held (or counted, when members are not stored)."""
        return len(self.people) or self.counted


def _error_2650(subcode: int, message: str) -> BadRequest:
    return BadRequest(
        graph_error(
            2650,
            f"(#2650) Failed to update the custom audience: {message}",
            subcode=subcode,
            title="Custom audience update failed",
        )
    )


@dataclass
class EmulatedAudience:
    """One customer-file custom audience and the values it holds per schema key."""

    id: str
    account_id: str
    name: str
    description: str
    customer_file_source: str
    value_based: bool
    subtype: str = "CUSTOM"
    operation_status: int = NORMAL
    too_large_to_replace: bool = False
    fail_next_replace: bool = False
    replace_state: str = "normal"
    updated_at: int = 0
    members: Membership = field(default_factory=Membership)
    replace: UploadSession | None = None
    staged: Membership = field(default_factory=Membership)

    def size(self) -> int:
        """Return the approximate number of people held."""
        return self.members.size()

    def node(self) -> dict[str, Any]:
        """Return the audience as a Graph node."""
        status = "replace_in_progress" if self.replace else self.replace_state
        return {
            "id": self.id,
            "account_id": self.account_id.removeprefix("act_"),
            "name": self.name,
            "description": self.description,
            "subtype": self.subtype,
            "customer_file_source": self.customer_file_source,
            "is_value_based": self.value_based,
            "approximate_count_lower_bound": self.size(),
            "approximate_count_upper_bound": self.size(),
            "operation_status": {
                "code": self.operation_status,
                "description": status if self.operation_status == NORMAL else "flagged",
            },
            "time_content_updated": self.updated_at,
        }


@dataclass
class UploadSession:
    """One upload session (`/users` or `/usersreplace`) as Meta tracks it."""

    session_id: int
    edge: str
    started_at: float
    schema: list[str]
    num_received: int = 0
    num_invalid: int = 0
    ended_at: float | None = None
    outcome: str = "uploading"
    batches: int = 0

    def node(self) -> dict[str, str]:
        """Return the session as Meta's `/sessions` edge shows it (numbers as strings)."""
        ended = self.ended_at
        done = ended is not None
        return {
            "session_id": str(self.session_id),
            "start_time": str(int(self.started_at)),
            "end_time": str(int(ended)) if ended is not None else "0",
            "num_received": str(self.num_received),
            "num_matched": str(self.num_received - self.num_invalid) if done else "-1",
            "num_invalid_entries": str(self.num_invalid),
            "progress": "100" if done else "0",
            "stage": self.outcome,
        }


@dataclass(frozen=True)
class _Rows:
    schema: list[str]
    valid: list[list[tuple[str, str]]]
    accepted: int
    received: int
    invalid: int
    samples: dict[str, str]


def _session_fields(raw: Any) -> tuple[int, int, bool]:  # noqa: ANN401 - a JSON document
    if not isinstance(raw, dict):
        raise BadRequest(graph_error(100, "(#100) session must be an object"))
    last = raw.get("last_batch_flag")
    try:
        session_id, seq = int(raw["session_id"]), int(raw["batch_seq"])
    except (KeyError, TypeError, ValueError) as exc:
        raise BadRequest(
            graph_error(100, "(#100) session_id and batch_seq must be integers")
        ) from exc
    if session_id <= 0 or seq <= 0:
        raise BadRequest(graph_error(100, "(#100) session_id and batch_seq must be positive"))
    if isinstance(last, str):
        last = last.lower() == "true"
    return session_id, seq, bool(last)


def _schema_of(payload: dict[str, Any]) -> list[str]:
    schema = payload.get("schema")
    if isinstance(schema, str):
        schema = [schema]
    if not isinstance(schema, list) or not schema or not all(isinstance(k, str) for k in schema):
        raise BadRequest(graph_error(100, "(#100) payload.schema must be a key or a list of keys"))
    unknown = [key for key in schema if key not in SCHEMA_KEYS]
    if unknown:
        raise BadRequest(graph_error(100, f"(#100) Invalid schema keys: {', '.join(unknown)}"))
    return [_SINGLE_KEYS.get(key, key) for key in schema]


def _cell_ok(key: str, cell: Any) -> bool:  # noqa: ANN401 - a JSON value
    if key in HASHED_AUDIENCE_KEYS:
        return isinstance(cell, str) and (cell == "" or is_digest(cell))
    if key == "LOOKALIKE_VALUE":
        try:
            return float(cell) >= 0
        except (TypeError, ValueError):
            return False
    if key == "DATA_PROCESSING_OPTIONS":
        return isinstance(cell, list) and all(item == "LDU" for item in cell)
    if key in _DPO:
        return isinstance(cell, int) and cell >= 0
    return isinstance(cell, str)


def _all_hex(text: str) -> bool:
    """Say whether `text` is only lowercase hex digits (C-speed checks on a whole column)."""
    if not text.isascii() or text != text.lower():
        return False
    try:
        decoded = bytes.fromhex(text)
    except ValueError:
        return False
    return len(decoded) * 2 == len(text)  # fromhex skips whitespace: none may hide in there


def _bad_cells(key: str, cells: tuple[Any, ...]) -> list[int]:
    """Return the positions of the cells invalid for `key`: whole column first, then per cell."""
    if key in HASHED_AUDIENCE_KEYS:
        try:
            joined = "".join(cells)
        except TypeError:
            joined = None
        if joined is not None and set(map(len, cells)) <= {0, 64} and _all_hex(joined):
            return []
    elif key in _CLEAR_KEYS and all(type(cell) is str for cell in cells):
        return []
    return [i for i, cell in enumerate(cells) if not _cell_ok(key, cell)]


def parse_rows(
    payload: Any,  # noqa: ANN401 - a JSON document
    *,
    value_based: bool,
    keep_pairs: bool = True,
) -> _Rows:
    """Validate a `payload`; count and sample invalid rows; return the valid ones as pairs.

    Columns are checked whole (a 10,000-row column of digests in one pass) and cell by cell
    only when the whole check fails. `keep_pairs=False` counts the valid rows without building
    their (key, value) pairs.

    Raises:
        BadRequest: the payload as a whole is malformed or over the row limit.
    """
    if not isinstance(payload, dict):
        raise BadRequest(graph_error(100, "(#100) The parameter payload is required"))
    schema = _schema_of(payload)
    data = payload.get("data")
    if not isinstance(data, list):
        raise BadRequest(graph_error(100, "(#100) payload.data must be a list"))
    if len(data) > MAX_USERS:
        raise BadRequest(
            graph_error(100, f"(#100) Too many records in one request: the limit is {MAX_USERS}")
        )
    has_value = "LOOKALIKE_VALUE" in schema
    if has_value != value_based:
        wording = "needs" if value_based else "does not take"
        raise BadRequest(graph_error(100, f"(#100) This audience {wording} LOOKALIKE_VALUE"))
    width = len(schema)
    rows = [[raw] if width == 1 and not isinstance(raw, list) else raw for raw in data]
    if any(not isinstance(row, list) or len(row) != width for row in rows):
        raise BadRequest(graph_error(100, "(#100) Every data row must match the schema"))
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    first_bad: dict[int, int] = {}
    for column, key in enumerate(schema):
        for position in _bad_cells(key, columns[column]):
            first_bad.setdefault(position, column)
    identity = [i for i, key in enumerate(schema) if key in IDENTITY_KEYS]
    filled = [any(values) for values in zip(*(columns[i] for i in identity), strict=True)]
    samples: dict[str, str] = {}
    invalid = 0
    valid: list[list[tuple[str, str]]] = []
    for position, row in enumerate(rows):
        bad = first_bad.get(position)
        if bad is None and (not identity or filled[position]):
            if keep_pairs:
                valid.append([(schema[i], row[i]) for i in identity if row[i]])
            continue
        invalid += 1
        cell = row[bad] if bad is not None else None
        if isinstance(cell, str) and cell and len(samples) < MAX_SAMPLES:
            samples[cell] = f"invalid value for {schema[bad or 0]}"
    return _Rows(schema, valid, len(rows) - invalid, len(rows), invalid, samples)


def _check_uploadable(audience: EmulatedAudience) -> None:
    """Refuse uploads to an audience flagged for integrity (`operation_status` 471)."""
    if audience.operation_status == FLAGGED:
        raise BadRequest(
            graph_error(100, "Invalid parameter", subcode=1713230, title="Audience Upload Blocked")
        )


class Uploads:
    """Every audience's upload sessions, and the rules that connect them to membership."""

    def __init__(self, clock: Callable[[], float], *, store_members: bool) -> None:
        self.clock = clock
        self.store_members = store_members
        self.sessions: dict[tuple[str, int], UploadSession] = {}

    # -- membership ---------------------------------------------------------------------------

    def _apply(self, target: Membership, rows: _Rows, *, remove: bool) -> None:
        if not self.store_members:
            target.counted = max(0, target.counted + (-1 if remove else 1) * rows.accepted)
            return
        for pairs in rows.valid:
            if remove:
                target.remove(pairs)
            else:
                target.add(pairs)

    def _expire_replace(self, audience: EmulatedAudience) -> None:
        session = audience.replace
        if session is not None and self.clock() - session.started_at > SESSION_SECONDS:
            self._end_replace(audience, session, outcome="timed_out")

    def _end_replace(
        self, audience: EmulatedAudience, session: UploadSession, *, outcome: str
    ) -> None:
        audience.members = audience.staged
        audience.staged = Membership()
        audience.replace = None
        audience.replace_state = "normal" if outcome == "finished" else "replace_error"
        session.ended_at = self.clock()
        session.outcome = outcome
        audience.updated_at = int(self.clock())

    # -- /users --------------------------------------------------------------------------------

    def users(
        self, audience: EmulatedAudience, params: dict[str, Any], *, remove: bool
    ) -> dict[str, Any]:
        """Add or remove the payload's rows; return Meta's answer.

        Raises:
            BadRequest: any Graph error Meta would answer.
        """
        _check_uploadable(audience)
        self._expire_replace(audience)
        if audience.replace is not None:
            raise _error_2650(1870145, "a replace is in progress on this audience")
        rows = parse_rows(
            params.get("payload"),
            value_based=audience.value_based and not remove,
            keep_pairs=self.store_members,
        )
        received = rows.received
        if "session" in params:
            session_id, _seq, last = _session_fields(params["session"])
            session = self._session(audience, session_id, "users", rows.schema)
            session.num_received += rows.received
            session.num_invalid += rows.invalid
            session.batches += 1
            received = session.num_received
            if last:
                session.ended_at = self.clock()
                session.outcome = "finished"
        self._apply(audience.members, rows, remove=remove)
        audience.updated_at = int(self.clock())
        answer: dict[str, Any] = {
            "audience_id": audience.id,
            "num_received": received,
            "num_invalid_entries": rows.invalid,
            "invalid_entry_samples": rows.samples,
        }
        if "session" in params:
            answer["session_id"] = str(session_id)
        return answer

    def _session(
        self, audience: EmulatedAudience, session_id: int, edge: str, schema: list[str]
    ) -> UploadSession:
        key = (audience.id, session_id)
        session = self.sessions.get(key)
        now = self.clock()
        if session is None:
            session = UploadSession(session_id, edge, now, schema)
            self.sessions[key] = session
            return session
        if session.ended_at is None and now - session.started_at > SESSION_SECONDS:
            session.ended_at = session.started_at + SESSION_SECONDS
            session.outcome = "timed_out"
        if session.outcome == "timed_out":
            raise _error_2650(1870158, "the session timed out 90 minutes after its first batch")
        if session.ended_at is not None:
            raise _error_2650(1870159, "the session is already finished")
        return session

    # -- /usersreplace ------------------------------------------------------------------------

    def replace(self, audience: EmulatedAudience, params: dict[str, Any]) -> dict[str, Any]:
        """Run one batch of a replace session; return Meta's answer.

        Raises:
            BadRequest: any Graph error Meta would answer (code 2650 and its subcodes).
        """
        if audience.subtype != "CUSTOM":
            raise BadRequest(
                graph_error(100, "(#100) Only customer-file audiences can be replaced")
            )
        if audience.too_large_to_replace:
            raise _error_2650(1870144, "the audience is too large to replace")
        _check_uploadable(audience)
        if "session" not in params:
            raise BadRequest(graph_error(100, "(#100) The parameter session is required"))
        session_id, seq, last = _session_fields(params["session"])
        self._expire_replace(audience)
        if audience.fail_next_replace and audience.replace is not None:
            audience.fail_next_replace = False
            self._end_replace(audience, audience.replace, outcome="failed")
            raise _error_2650(1870148, "something went wrong; the list may be partial")
        rows = parse_rows(
            params.get("payload"), value_based=audience.value_based, keep_pairs=self.store_members
        )
        current = audience.replace
        previous = self.sessions.get((audience.id, session_id))
        if seq == 1:
            if current is not None and current.session_id != session_id:
                raise _error_2650(1870145, "another replace is in progress")
            if current is None and previous is not None:
                code = 1870158 if previous.outcome == "timed_out" else 1870159
                raise _error_2650(code, f"the replace session {previous.outcome}")
            current = UploadSession(session_id, "usersreplace", self.clock(), rows.schema)
            self.sessions[(audience.id, session_id)] = current
            audience.replace = current
            audience.staged = Membership()
        elif current is None or current.session_id != session_id:
            if previous is not None and previous.outcome == "timed_out":
                raise _error_2650(1870158, "the replace session timed out")
            if previous is not None:
                raise _error_2650(1870159, "the replace session is already finished")
            raise _error_2650(1870147, "the first batch (batch_seq 1) was not detected")
        if rows.schema != current.schema:
            raise BadRequest(
                graph_error(100, "(#100) The schema must stay the same in a replace session")
            )
        current.num_received += rows.received
        current.num_invalid += rows.invalid
        current.batches += 1
        self._apply(audience.staged, rows, remove=False)
        answer = {
            "account_id": audience.account_id.removeprefix("act_"),
            "session_id": str(session_id),
            "num_received": current.num_received,
            "num_invalid_entries": rows.invalid,
            "invalid_entry_samples": rows.samples,
        }
        if last:
            self._end_replace(audience, current, outcome="finished")
        return answer
