"""The identity kit: identifiers normalized and hashed the way each vendor documents it.

One profile per vendor (`meta`, `google`, `microsoft`) plus `email` for the email vendors; a
profile says, per neutral field, how to normalize it and whether the vendor wants a SHA-256
digest or the clear value. Nothing here raises on a bad value: unusable values come back as None,
and in bulk with a reason. The rules and their sources are in docs/identity.md.
"""

from __future__ import annotations

from freehold.core.identity._api import hash_identifier, mailchimp_member_hash, normalize
from freehold.core.identity._batch import FieldResult, IdentityBatch, normalize_contacts
from freehold.core.identity._fields import DropReason, Hashing, IdentityField
from freehold.core.identity._profiles import PROFILES, Profile, get_profile
from freehold.core.identity._text import sha256_hex

__all__ = [
    "PROFILES",
    "DropReason",
    "FieldResult",
    "Hashing",
    "IdentityBatch",
    "IdentityField",
    "Profile",
    "get_profile",
    "hash_identifier",
    "mailchimp_member_hash",
    "normalize",
    "normalize_contacts",
    "sha256_hex",
]
