"""The vendor documents the tests validate against, each loaded once per test session.

A connector's conftest exposes its document as a session fixture:

    @pytest.fixture(scope="session")
    def mailchimp_openapi() -> OpenApiDocument:
        return document("mailchimp")

Add a vendor by adding its file to `specs/` (with a line in `specs/SOURCES.md`) and an entry to
`_SOURCES`, with any `Correction` its copy needs and the reason for it.
"""

from __future__ import annotations

import functools
from typing import Any

from openapi.validate import SPECS, Correction, OpenApiDocument, relax_property_values

__all__ = ["KLAVIYO_CORRECTIONS", "MAILCHIMP_CORRECTIONS", "document"]

MAILCHIMP_CORRECTIONS = (
    Correction(
        name="merge_fields values are any JSON value",
        reason=(
            "The document types every merge-field value as an object while its own description "
            "says the values are the values stored in each merge field: text, numbers, dates as "
            "text, or an object only for address fields; every client sends strings."
        ),
        apply=relax_property_values("merge_fields", was={"type": "object"}),
    ),
)


def _free_form_properties(document: dict[str, Any]) -> int:
    changed = 0
    stack: list[Any] = [document.get("components", {})]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            target = (node.get("properties") or {}).get("properties")
            if (
                isinstance(target, dict)
                and target.get("type") == "object"
                and "properties" not in target
                and "additionalProperties" not in target
            ):
                target["additionalProperties"] = True
                changed += 1
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return changed


def _overlapping_one_of(document: dict[str, Any]) -> int:
    """Turn each `oneOf` whose branches are all open objects requiring nothing into `anyOf`."""
    schemas = document["components"]["schemas"]

    def resolve(branch: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in branch:
            branch = schemas[branch["$ref"].rsplit("/", 1)[-1]]
        return branch

    changed = 0
    stack: list[Any] = [document["components"]]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            branches = node.get("oneOf")
            if isinstance(branches, list) and all(
                resolve(b).get("type") == "object"
                and not resolve(b).get("required")
                and resolve(b).get("additionalProperties") is not False
                for b in branches
            ):
                node["anyOf"] = node.pop("oneOf")
                changed += 1
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return changed


KLAVIYO_CORRECTIONS = (
    Correction(
        name="custom properties are free-form",
        reason=(
            "Profile and event `properties` are typed as a bare object whose description says it "
            "holds any custom key; strict request checks would otherwise refuse every key."
        ),
        apply=_free_form_properties,
    ),
    Correction(
        name="channel option objects are anyOf, not oneOf",
        reason=(
            "Campaign `send_options`, `tracking_options` and a message's `content` are a oneOf "
            "of per-channel objects (email, SMS, push) that require no property and forbid none, "
            "so every value Klaviyo returns matches several branches and fails oneOf; the "
            "document's descriptions mean one of the channels' shapes."
        ),
        apply=_overlapping_one_of,
    ),
)

_SOURCES: dict[str, tuple[str, tuple[Correction, ...]]] = {
    "mailchimp": ("mailchimp-marketing.json", MAILCHIMP_CORRECTIONS),
    "klaviyo": ("klaviyo-openapi.json", KLAVIYO_CORRECTIONS),
}


@functools.cache
def document(name: str) -> OpenApiDocument:
    """Return the named vendor document, loaded and corrected once per process."""
    filename, corrections = _SOURCES[name]
    return OpenApiDocument.load(SPECS / filename, corrections=corrections)
