"""Resolve rows naming contacts (by `contact_id` or email) to contact pks, in chunks."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from sqlalchemy import Connection, select

from freehold.core.identity import normalize
from freehold.core.store.schema import contacts, identifiers

__all__ = ["ContactRow", "Resolution", "resolve_rows"]

logger = logging.getLogger(__name__)

_CHUNK = 500

ContactRow = tuple[str | None, str | None]
"""A row naming a contact: `(contact_id, email)`; the id wins when both are given."""


@dataclass(slots=True)
class Resolution:
    """The contacts a list of rows named, and how many rows named none."""

    members: set[int] = field(default_factory=set)
    unresolved: int = 0


def _chunks(rows: Iterable[ContactRow]) -> Iterator[list[ContactRow]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, _CHUNK)):
        yield chunk


def resolve_rows(conn: Connection, rows: Iterable[ContactRow]) -> Resolution:
    """Resolve `rows` against the store's contact ids and normalized emails.

    Ids match `contacts.contact_id`; emails are normalized by the identity kit and match the
    contacts' normalized email.

    Args:
        conn: a connection to the store.
        rows: `(contact_id, email)` pairs; empty strings count as missing.

    Returns:
        The contact pks found and the number of rows that matched no contact.
    """
    resolution = Resolution()
    for chunk in _chunks(rows):
        wanted: list[tuple[str | None, str | None]] = []
        for contact_id, email in chunk:
            if contact_id:
                wanted.append((contact_id, None))
            elif email:
                wanted.append((None, normalize("email", email, "email")))
            else:
                wanted.append((None, None))
        ids = {contact_id for contact_id, _ in wanted if contact_id}
        emails = {email for _, email in wanted if email}
        by_id: dict[str, int] = {}
        if ids:
            found = conn.execute(
                select(contacts.c.contact_id, contacts.c.pk).where(contacts.c.contact_id.in_(ids))
            )
            by_id = {contact_id: pk for contact_id, pk in found}
        by_email: dict[str, list[int]] = {}
        if emails:
            found = conn.execute(
                select(identifiers.c.normalized, identifiers.c.contact_pk).where(
                    identifiers.c.field == "email", identifiers.c.normalized.in_(emails)
                )
            )
            for email, pk in found:
                by_email.setdefault(email, []).append(pk)
        for contact_id, email in wanted:
            if contact_id is not None and contact_id in by_id:
                resolution.members.add(by_id[contact_id])
            elif email is not None and email in by_email:
                resolution.members.update(by_email[email])
            else:
                resolution.unresolved += 1
    logger.debug(
        "resolved %d contacts, %d rows unresolved",
        len(resolution.members),
        resolution.unresolved,
    )
    return resolution
