"""Mailchimp settings: the API key (which names the data center), the list, the audience target."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import Field, SecretStr, field_validator

from freehold.core.connector import ConnectorConfig
from freehold.core.errors import ConfigError
from freehold.core.models import AudienceRef

__all__ = ["AudienceTarget", "MailchimpConfig", "data_center", "ref_list_id", "ref_segment_id"]

_KEY = re.compile(r"^[^\s-]+-(?P<dc>[a-z]+[0-9]+)$")


class AudienceTarget(StrEnum):
    """What a freehold audience becomes inside Mailchimp.

    `list`: the whole list (audience) is the freehold audience; mirror removals archive members.
    `tag` and `static_segment`: a tag in `list_id` (Mailchimp's tags are static segments; the
    two differ only in how the name is looked up); mirror removals take the tag off, and the
    member stays on the list.
    """

    LIST = "list"
    TAG = "tag"
    STATIC_SEGMENT = "static_segment"


def data_center(api_key: str) -> str:
    """Return the data center an API key belongs to (`us6` for `<32 hex>-us6`).

    Raises:
        ConfigError: the key has no data-center suffix (the message never shows the key).
    """
    match = _KEY.match(api_key.strip())
    if match is None:
        msg = "mailchimp api_key must end with its data center, like '-us6'"
        raise ConfigError(msg)
    return match.group("dc")


class MailchimpConfig(ConnectorConfig):
    """Settings of a Mailchimp destination.

    Merge fields are not configured here: the destination's `fields:` mapping names the merge
    tag each contact attribute goes to, and members arrive with those tags as attribute names.
    """

    api_key: SecretStr = Field(
        description="Mailchimp API key; its suffix after the last '-' is the data center."
    )
    list_id: str = Field(
        min_length=1, pattern=r"^[A-Za-z0-9]+$", description="The Mailchimp audience (list) id."
    )
    audience_target: AudienceTarget = Field(
        default=AudienceTarget.TAG,
        description="What a freehold audience becomes: the list, a tag, or a static segment.",
    )
    audience_names: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Per freehold audience key: the tag or segment name to use (default: the audience "
            "name), or with audience_target 'list' the list id (default: list_id)."
        ),
    )
    skip_merge_validation: bool = Field(
        default=False,
        description="Accept members without values for the list's required merge fields.",
    )

    @field_validator("api_key")
    @classmethod
    def _key_names_a_data_center(cls, value: SecretStr) -> SecretStr:
        if _KEY.match(value.get_secret_value().strip()) is None:
            msg = "must end with its data center, like '-us6'"
            raise ValueError(msg)
        return value


def ref_list_id(ref: AudienceRef) -> str:
    """Return the list an audience reference lives in."""
    return str(ref.details.get("list_id") or ref.vendor_id)


def ref_segment_id(ref: AudienceRef) -> int | None:
    """Return the tag or static segment id of a reference, None for a whole list."""
    if ref.details.get("target", AudienceTarget.LIST.value) == AudienceTarget.LIST.value:
        return None
    segment = ref.details.get("segment_id")
    if isinstance(segment, int) or (isinstance(segment, str) and segment.isdigit()):
        return int(segment)
    return None
