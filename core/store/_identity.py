"""The store's use of the identity kit: neutral normalization and per-profile digests, in bulk."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from freehold.core.identity import get_profile, normalize_contacts
from freehold.core.identity._batch import digest_profiles

__all__ = [
    "HASHING_PROFILES",
    "NEUTRAL_PROFILE",
    "NormalizedChunk",
    "digest_rows",
    "normalize_rows",
]

NEUTRAL_PROFILE = "email"
"""The profile whose normalization gives the stored neutral form (`identifiers.normalized`)."""

HASHING_PROFILES = ("meta", "google", "microsoft")
"""The profiles whose SHA-256 digests are cached in `digests`."""


class NormalizedChunk:
    """The neutral normalization of a chunk of rows, column by column (no per-row objects)."""

    __slots__ = ("_reasons", "_values")

    def __init__(
        self, values: Mapping[str, Sequence[str | None]], reasons: Mapping[str, Mapping[int, str]]
    ) -> None:
        """Wrap per-field columns of values and per-field row → drop reason maps."""
        self._values = values
        self._reasons = reasons

    def value(self, field: str, index: int) -> str | None:
        """Return row `index`'s normalized `field`, or None when missing or unusable."""
        column = self._values.get(field)
        return None if column is None else column[index]

    def reason(self, field: str, index: int) -> str | None:
        """Return why row `index`'s `field` is unusable, if a value was given and refused."""
        reasons = self._reasons.get(field)
        return None if reasons is None else reasons.get(index)

    @property
    def values(self) -> Mapping[str, Sequence[str | None]]:
        """Per field, every row's normalized value (None when missing or unusable)."""
        return self._values

    @property
    def reasons(self) -> Mapping[str, Mapping[int, str]]:
        """Per field, row → why its value is unusable (refused rows only)."""
        return self._reasons


def normalize_rows(rows: Sequence[Mapping[str, str]]) -> NormalizedChunk:
    """Normalize every identifier of every row with the neutral profile."""
    batch = normalize_contacts(rows, NEUTRAL_PROFILE)
    reasons = {
        field: {index: str(reason) for index, reason in refused.items()}
        for field, refused in batch.rejected.items()
    }
    return NormalizedChunk(batch.values, reasons)


def digest_rows(
    pks: Sequence[int | None], rows: Sequence[Mapping[str, str]]
) -> list[tuple[int | None, str, str, str]]:
    """Return the `digests` rows of contacts `pks` (identifiers `rows`), for every hashing profile.

    One row (contact pk, profile, field, digest) per usable hashed field, contact by contact,
    the profiles in `HASHING_PROFILES` order and each profile's fields sorted.
    """
    by_profile = digest_profiles(rows, HASHING_PROFILES)
    columns = [
        (profile, name, by_profile[profile][name])
        for profile in HASHING_PROFILES
        for name in sorted(get_profile(profile).hashed)
    ]
    return [
        (pk, profile, name, digest)
        for index, pk in enumerate(pks)
        for profile, name, column in columns
        if (digest := column[index]) is not None
    ]
