"""Single-value entry points: normalize, hash, and Mailchimp's member hash."""

from __future__ import annotations

import datetime as dt
import hashlib

from freehold.core.identity._fields import DropReason, Hashing
from freehold.core.identity._geo import country_code
from freehold.core.identity._profiles import Profile, resolve_field, resolve_profile
from freehold.core.identity._rules import Rule
from freehold.core.identity._text import as_digest, is_digest, sha256_hex, trim

__all__ = [
    "apply_rule",
    "as_text",
    "contact_region",
    "hash_identifier",
    "mailchimp_member_hash",
    "normalize",
]

_DIGEST_LENGTH = 64


def as_text(value: object) -> str:
    """Return a raw value as text: strings as they are, dates in ISO form, others via `str`."""
    if type(value) is str:
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def contact_region(country: object) -> str | None:
    """Return the contact's country as an upper-case alpha-2 code, or None when unknown."""
    if country is None:
        return None
    return country_code(as_text(country))


def apply_rule(rule: Rule, text: str, region: str | None, *, hashed: bool) -> str | DropReason:
    """Run one rule, passing a value that is already a SHA-256 hex digest through when `hashed`."""
    if hashed and len(text) >= _DIGEST_LENGTH:
        digest = as_digest(text)
        if digest is not None:
            return digest
    return rule(text, region)


def normalize(
    field: str,
    value: str | dt.date | None,
    profile: str | Profile,
    *,
    country: str | None = None,
) -> str | None:
    """Normalize one identifier the way `profile`'s vendor documents it.

    Never raises on a value: an unusable one gives None (`normalize_contacts` also says why).

    Args:
        field: a neutral field name (`email`, `phone`, … see `IdentityField`).
        value: the raw value; a `datetime.date` is accepted for `date_of_birth`.
        profile: a profile or its name (`meta`, `google`, `microsoft`, `email`).
        country: the contact's country (alpha-2 code or name), the default region for phone
            numbers and the switch for US-only rules (states, ZIP codes).

    Returns:
        The normalized value, a lowercase SHA-256 hex digest when the value already was one and
        the profile hashes the field, or None when the value is unusable or the vendor does not
        use the field.

    Raises:
        ConfigError: unknown profile or field name.
    """
    chosen = resolve_profile(profile)
    name = resolve_field(field)
    rule = chosen.rule(name)
    if rule is None or value is None:
        return None
    hashed = chosen.hashed_fields[name] is Hashing.HASH
    result = apply_rule(rule, as_text(value), contact_region(country), hashed=hashed)
    return None if isinstance(result, DropReason) else result


def hash_identifier(
    field: str,
    value: str | dt.date | None,
    profile: str | Profile,
    *,
    country: str | None = None,
) -> str | None:
    """Return the lowercase hex SHA-256 of the normalized value, or None when unusable.

    Asking for a hash gets one whatever the profile's HASH/CLEAR policy (the Meta connector, for
    one, hashes the `db` date this way). Where the profile hashes the field, a value that
    already is a SHA-256 hex digest is returned as it is (lowercased), never hashed twice; where
    it sends the field in clear, the value must pass the field's rule first, as in `normalize`
    (so both agree on what is usable).

    Args:
        field: a neutral field name.
        value: the raw value.
        profile: a profile or its name.
        country: the contact's country (see `normalize`).

    Returns:
        64 lowercase hex digits, or None.

    Raises:
        ConfigError: unknown profile or field name.
    """
    chosen = resolve_profile(profile)
    name = resolve_field(field)
    rule = chosen.rule(name)
    if rule is None or value is None:
        return None
    hashed = chosen.hashed_fields[name] is Hashing.HASH
    result = apply_rule(rule, as_text(value), contact_region(country), hashed=hashed)
    if isinstance(result, DropReason):
        return None
    return result if is_digest(result) else sha256_hex(result)


def mailchimp_member_hash(email: str) -> str:
    """Return Mailchimp's subscriber hash: MD5 hex of the trimmed, lowercased address.

    Args:
        email: the address as stored or received.

    Returns:
        32 lowercase hex digits (Mailchimp's `subscriber_hash` path segment).
    """
    data = trim(email).lower().encode("utf-8", "surrogatepass")
    return hashlib.md5(data, usedforsecurity=False).hexdigest()
