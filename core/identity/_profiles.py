"""Vendor profiles: per neutral field, the normalization rule and whether the vendor wants a hash.

The rules follow the vendors' documented requirements in shared/vendor-api/ads.md (Meta 1.3.5
and 1.4.3, Google 2.3.6, Microsoft section 3), not the SDK behaviour those sections warn about;
docs/identity.md lists every rule with its source.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from freehold.core.errors import ConfigError
from freehold.core.identity import _rules as rules
from freehold.core.identity._fields import Hashing, IdentityField

__all__ = ["PROFILES", "Profile", "get_profile", "resolve_field", "resolve_profile"]

_HASH = Hashing.HASH
_CLEAR = Hashing.CLEAR
_F = IdentityField


@dataclass(frozen=True, slots=True)
class Profile:
    """How one vendor (or the email vendors as a group) wants identifiers.

    Attributes:
        name: the profile name (`meta`, `google`, `microsoft`, `email`).
        hashed_fields: every neutral field the vendor can use → `Hashing.HASH` (send the SHA-256
            hex digest of the normalized value) or `Hashing.CLEAR` (send the normalized value).
            Fields missing here are not used by the vendor.
    """

    name: str
    hashed_fields: Mapping[str, Hashing]
    _rules: Mapping[str, rules.Rule] = field(repr=False, compare=False)

    @property
    def fields(self) -> tuple[str, ...]:
        """The neutral fields this vendor uses, in the order of `IdentityField`."""
        return tuple(self.hashed_fields)

    @property
    def hashed(self) -> frozenset[str]:
        """The fields sent as SHA-256 digests."""
        return frozenset(name for name, how in self.hashed_fields.items() if how is _HASH)

    @property
    def clear(self) -> frozenset[str]:
        """The fields sent as normalized values, unhashed."""
        return frozenset(name for name, how in self.hashed_fields.items() if how is _CLEAR)

    def entries(self) -> Iterator[tuple[str, Hashing, rules.Rule]]:
        """Yield (field, hashing, rule) for every field the vendor uses."""
        for name, how in self.hashed_fields.items():
            yield name, how, self._rules[name]

    def rule(self, name: str) -> rules.Rule | None:
        """Return the normalization rule for a field, or None when the vendor does not use it."""
        return self._rules.get(name)


def _profile(name: str, spec: dict[IdentityField, tuple[Hashing, rules.Rule]]) -> Profile:
    ordered = [member for member in IdentityField if member in spec]
    return Profile(
        name=name,
        hashed_fields=MappingProxyType({member.value: spec[member][0] for member in ordered}),
        _rules=MappingProxyType({member.value: spec[member][1] for member in ordered}),
    )


_META = _profile(
    "meta",
    {
        _F.EMAIL: (_HASH, rules.email_plain),
        _F.PHONE: (_HASH, rules.phone_digits),
        _F.FIRST_NAME: (_HASH, rules.name_meta),
        _F.LAST_NAME: (_HASH, rules.name_meta),
        _F.CITY: (_HASH, rules.city_meta),
        _F.REGION: (_HASH, rules.region_meta),
        _F.POSTAL_CODE: (_HASH, rules.postal_code_meta),
        _F.COUNTRY: (_HASH, rules.country_lower),
        _F.DATE_OF_BIRTH: (_CLEAR, rules.date_of_birth),
        _F.GENDER: (_HASH, rules.gender),
        _F.EXTERNAL_ID: (_CLEAR, rules.identifier),
        _F.MOBILE_AD_ID: (_CLEAR, rules.mobile_ad_id),
    },
)

_GOOGLE = _profile(
    "google",
    {
        _F.EMAIL: (_HASH, rules.email_google),
        _F.PHONE: (_HASH, rules.phone_e164),
        _F.FIRST_NAME: (_HASH, rules.name_google),
        _F.LAST_NAME: (_HASH, rules.name_google),
        _F.CITY: (_CLEAR, rules.city_google),
        _F.REGION: (_CLEAR, rules.region_google),
        _F.POSTAL_CODE: (_CLEAR, rules.trimmed),
        _F.COUNTRY: (_CLEAR, rules.country_upper),
        _F.EXTERNAL_ID: (_CLEAR, rules.identifier),
        _F.MOBILE_AD_ID: (_CLEAR, rules.mobile_ad_id),
    },
)

_MICROSOFT = _profile(
    "microsoft",
    {
        _F.EMAIL: (_HASH, rules.email_plain),
        _F.PHONE: (_HASH, rules.phone_e164),
        _F.EXTERNAL_ID: (_CLEAR, rules.identifier),
    },
)

_EMAIL = _profile(
    "email",
    {
        _F.EMAIL: (_CLEAR, rules.email_plain),
        _F.PHONE: (_CLEAR, rules.phone_e164),
        _F.FIRST_NAME: (_CLEAR, rules.trimmed),
        _F.LAST_NAME: (_CLEAR, rules.trimmed),
        _F.CITY: (_CLEAR, rules.trimmed),
        _F.REGION: (_CLEAR, rules.trimmed),
        _F.POSTAL_CODE: (_CLEAR, rules.trimmed),
        _F.COUNTRY: (_CLEAR, rules.country_upper),
        _F.DATE_OF_BIRTH: (_CLEAR, rules.date_of_birth),
        _F.GENDER: (_CLEAR, rules.gender),
        _F.EXTERNAL_ID: (_CLEAR, rules.identifier),
        _F.MOBILE_AD_ID: (_CLEAR, rules.mobile_ad_id),
    },
)

_BY_NAME: Mapping[str, Profile] = MappingProxyType(
    {profile.name: profile for profile in (_EMAIL, _GOOGLE, _META, _MICROSOFT)}
)

PROFILES: tuple[str, ...] = tuple(sorted(_BY_NAME))
"""The profile names: `email`, `google`, `meta`, `microsoft`."""

_FIELD_NAMES = frozenset(member.value for member in IdentityField)


def get_profile(name: str) -> Profile:
    """Return the profile called `name`.

    Args:
        name: one of `PROFILES`.

    Returns:
        The profile.

    Raises:
        ConfigError: no profile has that name.
    """
    try:
        return _BY_NAME[name]
    except KeyError as exc:
        msg = f"unknown identity profile {name!r}; known: {', '.join(PROFILES)}"
        raise ConfigError(msg) from exc


def resolve_profile(profile: str | Profile) -> Profile:
    """Accept a profile or its name."""
    return profile if isinstance(profile, Profile) else get_profile(profile)


def resolve_field(name: str) -> str:
    """Check that `name` is a neutral identifier field and return it as a plain string.

    Raises:
        ConfigError: `name` is not one of `IdentityField`.
    """
    if name not in _FIELD_NAMES:
        msg = f"unknown identifier field {name!r}; known: {', '.join(sorted(_FIELD_NAMES))}"
        raise ConfigError(msg)
    return str(name)
