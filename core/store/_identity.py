"""The store's use of the identity kit: neutral normalization and per-profile digests, in bulk."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["HASHING_PROFILES", "NEUTRAL_PROFILE", "Normalized", "digest_rows", "normalize_rows"]

NEUTRAL_PROFILE = "email"
"""The profile whose normalization gives the stored neutral form (`identifiers.normalized`)."""

HASHING_PROFILES = ("meta", "google", "microsoft")
"""The profiles whose SHA-256 digests are cached in `digests`."""


@dataclass(frozen=True, slots=True)
class Normalized:
    """One identifier after neutral normalization: the value, or why it is unusable."""

    value: str | None
    reason: str | None


def normalize_rows(rows: Sequence[Mapping[str, str]]) -> list[dict[str, Normalized]]:
    """Normalize every identifier of every row with the neutral profile."""
    from freehold.core import identity  # noqa: PLC0415 - the kit is imported on first use

    batch = identity.normalize_contacts(rows, NEUTRAL_PROFILE)
    return [
        {
            field: Normalized(result.value, None if result.reason is None else str(result.reason))
            for field, result in row.items()
        }
        for row in batch.results()
    ]


def digest_rows(rows: Sequence[Mapping[str, str]]) -> list[list[tuple[str, str, str]]]:
    """Return, per row, the (profile, field, digest) triples of every hashing profile."""
    from freehold.core import identity  # noqa: PLC0415 - the kit is imported on first use

    out: list[list[tuple[str, str, str]]] = [[] for _ in rows]
    for profile in HASHING_PROFILES:
        batch = identity.normalize_contacts(rows, profile)
        for field in sorted(identity.get_profile(profile).hashed):
            for index, digest in enumerate(batch.digests(field)):
                if digest is not None:
                    out[index].append((profile, field, digest))
    return out
