"""Resolve `${NAME}` secret references from environment variables (the default resolver)."""

from __future__ import annotations

import os
import re

from freehold.plugins._markers import hookimpl

__all__ = ["freehold_resolve_secret"]

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@hookimpl(trylast=True)
def freehold_resolve_secret(reference: str) -> str | None:
    """Return the environment variable named `reference`, or None when unset or not a name.

    An empty variable counts as unset: an empty secret is never what the user meant.
    """
    if not _ENV_NAME.match(reference):
        return None
    return os.environ.get(reference) or None
