"""Store-wide settings in `store_meta` and the salted tombstone digests built on them."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import Connection, select

from freehold.core.store.schema import store_meta

__all__ = ["SALT_KEY", "ensure_salt", "tombstone_digest"]

SALT_KEY = "tombstone_salt"
"""The `store_meta` key of the tombstone salt (64 hex characters, generated once per store)."""


def ensure_salt(connection: Connection) -> str:
    """Return the store's tombstone salt, generating and saving it the first time."""
    salt = connection.scalar(select(store_meta.c.value).where(store_meta.c.key == SALT_KEY))
    if salt is None:
        salt = secrets.token_hex(32)
        connection.execute(store_meta.insert().values(key=SALT_KEY, value=salt))
    return str(salt)


def tombstone_digest(salt: str, field: str, normalized: str) -> str:
    """Return the tombstone digest of one normalized identifier.

    HMAC-SHA256 keyed with the store's salt over `field:normalized`, so the same address as an
    email and as an external id give different digests, and the digest means nothing without
    the store.
    """
    message = f"{field}:{normalized}".encode()
    return hmac.new(bytes.fromhex(salt), message, hashlib.sha256).hexdigest()
