"""Text helpers shared by the field rules: trimming, digests, letter filters.

Every pattern is compiled once here; the helpers take the ASCII fast path whenever they can,
since most identifiers are ASCII and the Unicode database lookups cost far more.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = [
    "as_digest",
    "collapse_punctuation",
    "fold_letters",
    "is_digest",
    "keep_letters",
    "nfc",
    "sha256_hex",
    "trim",
]

_HEX64 = re.compile(r"[0-9a-f]{64}")
_NOT_ASCII_LETTER = re.compile(r"[^a-z]+")
_PUNCTUATION = re.compile(r"[^\w\s]|_")
_SPACES = re.compile(r"\s+")
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
"""Zero-width characters and the byte-order mark that spreadsheets leave around values."""
_DIGEST_LENGTH = 64


def sha256_hex(text: str) -> str:
    """Return the lowercase hex SHA-256 of `text` encoded as UTF-8.

    Lone surrogates (which no valid text holds) are encoded as they are instead of raising.

    Args:
        text: the already normalized value.

    Returns:
        64 lowercase hex digits.
    """
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def trim(value: str) -> str:
    """Strip whitespace (Unicode included) and invisible zero-width characters at both ends."""
    text = value.strip()
    if text and not text.isascii():
        text = text.strip(_INVISIBLE).strip()
    return text


def is_digest(text: str) -> bool:
    """Tell whether `text` is exactly 64 lowercase hex digits (a SHA-256 hex digest)."""
    return len(text) == _DIGEST_LENGTH and _HEX64.fullmatch(text) is not None


def as_digest(value: str) -> str | None:
    """Return `value` lowercased when, once trimmed, it is 64 hex digits; otherwise None."""
    text = trim(value)
    if len(text) != _DIGEST_LENGTH:
        return None
    text = text.lower()
    return text if _HEX64.fullmatch(text) else None


def nfc(text: str) -> str:
    """Return the NFC (composed) form, so `e` + combining acute and `é` hash alike."""
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def keep_letters(text: str) -> str:
    """Keep letters and combining marks only (any script); `text` must already be lowercase."""
    if text.isascii():
        return _NOT_ASCII_LETTER.sub("", text)
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LM")


def fold_letters(text: str) -> str:
    """Fold Latin letters to a-z (`São` → `sao`) and drop everything but letters.

    Letters without a decomposition (`ß`, `ø`, other scripts) are kept as they are. `text` must
    already be lowercase.
    """
    if text.isascii():
        return _NOT_ASCII_LETTER.sub("", text)
    decomposed = unicodedata.normalize("NFKD", text).lower()
    return "".join(ch for ch in decomposed if unicodedata.category(ch)[0] == "L")


def collapse_punctuation(text: str) -> str:
    """Remove punctuation, symbols and `_`, then collapse whitespace runs to one space."""
    return _SPACES.sub(" ", _PUNCTUATION.sub("", text)).strip()
