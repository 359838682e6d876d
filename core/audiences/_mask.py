"""Masks for previews: enough to recognise a sample, never enough to recover the value."""

from __future__ import annotations

__all__ = ["mask_email", "mask_phone"]

_STARS = "***"


def mask_email(value: str) -> str:
    """Mask an email address to its first letters and top-level domain (`j***@e***.com`).

    The mask never reveals the length of either part.

    Args:
        value: a normalized email address.

    Returns:
        The masked address; `***` when the value does not look like an address.
    """
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain:
        return _STARS
    host, dot, tld = domain.rpartition(".")
    masked_domain = f"{host[0]}{_STARS}.{tld}" if dot and host and tld else f"{domain[0]}{_STARS}"
    return f"{local[0]}{_STARS}@{masked_domain}"


def mask_phone(value: str) -> str:
    """Mask a phone number to its last two digits (`***78`).

    Args:
        value: a normalized phone number.

    Returns:
        The masked number; `***` when it has fewer than six digits.
    """
    digits = [char for char in value if char.isdigit()]
    min_digits = 6
    if len(digits) < min_digits:
        return _STARS
    return f"{_STARS}{digits[-2]}{digits[-1]}"
