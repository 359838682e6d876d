"""Audiences: definitions from `freehold.yaml` turned into stored memberships, and previews.

An audience is defined by exactly one of:

- `where:` a filter on lifecycle stage, consent, attributes and behaviour over events, compiled
  into one SQL query (`compile_filter`);
- `sql:` the brand's own query returning `contact_id` or `email`, run read-only;
- `file:` a CSV or JSON Lines file with a `contact_id` or `email` column;
- `builder:` a computed audience from a plugin (`AudienceBuilder`), such as RFM segments,
  lifetime-value tiers or ambassadors, with hysteresis (`Band`) so members do not flap.

`compute_audience` stores the membership, changing only what changed; `preview` shows what it
would be, with masked identifiers and per destination the share of members it could match.
"""

from __future__ import annotations

from freehold.core.audiences._band import Band
from freehold.core.audiences._compute import compute_all, compute_audience
from freehold.core.audiences._filter import compile_filter
from freehold.core.audiences._mask import mask_email, mask_phone
from freehold.core.audiences._membership import audience_kind, current_members, definition_hash
from freehold.core.audiences._preview import MATCH_KEYS, preview
from freehold.core.audiences._sql import ID_COLUMNS
from freehold.core.audiences._types import (
    AudienceBuilder,
    AudienceKind,
    AudiencePreview,
    AudienceResult,
    DestinationCoverage,
    MaskedMember,
    MemberScore,
)

__all__ = [
    "ID_COLUMNS",
    "MATCH_KEYS",
    "AudienceBuilder",
    "AudienceKind",
    "AudiencePreview",
    "AudienceResult",
    "Band",
    "DestinationCoverage",
    "MaskedMember",
    "MemberScore",
    "audience_kind",
    "compile_filter",
    "compute_all",
    "compute_audience",
    "current_members",
    "definition_hash",
    "mask_email",
    "mask_phone",
    "preview",
]
