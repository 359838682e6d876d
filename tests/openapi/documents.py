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

from openapi.validate import SPECS, Correction, OpenApiDocument, relax_property_values

__all__ = ["MAILCHIMP_CORRECTIONS", "document"]

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

_SOURCES: dict[str, tuple[str, tuple[Correction, ...]]] = {
    "mailchimp": ("mailchimp-marketing.json", MAILCHIMP_CORRECTIONS),
}


@functools.cache
def document(name: str) -> OpenApiDocument:
    """Return the named vendor document, loaded and corrected once per process."""
    filename, corrections = _SOURCES[name]
    return OpenApiDocument.load(SPECS / filename, corrections=corrections)
