"""Phone numbers to E.164, read by `phonenumbers`, fast in bulk.

The rules (see docs/identity.md):

1. Formatting characters (spaces, dashes, dots, brackets, slashes) are ignored, and so is any text
   before the first `+` or digit.
2. A leading `+` or `00` means the country calling code follows.
3. Otherwise, with a default region (the contact's country), the number is read as dialled in
   that region, as `phonenumbers.parse` does (national prefix, the region's own international
   prefix such as `011`, or its country code written without `+`).
4. Otherwise (no region), the digits are taken to start with the country code, leading zeros
   dropped (Meta: "must include the country code"; Google's formatter prefixes `+`).
5. The number is usable when `phonenumbers` finds it *possible* (its length fits the country's
   numbering plan); the result is `+` country code + national significant number.

Speed: `phonenumbers.parse` costs ~50 µs. Every decision it takes on a digit string depends only
on the region, the string's length, where the national prefix (or country code) patterns match
and whether a handful of suffixes match the region's general number pattern. Those facts are
computed here with the same (precompiled) patterns and used as a cache key; the first number of
each shape is parsed by `phonenumbers` and the outcome ("drop k leading digits, prefix +cc", or
"not possible") is reused for every later number of that shape. Shapes whose outcome is not of
that form (regions whose national prefix rewrites digits) always go through `phonenumbers`, with
an LRU cache on the exact text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumberFormat, ValidationResult

__all__ = ["to_e164"]

_FORMATTING = str.maketrans(
    "",
    "",
    " \t\n\r\x0b\x0c-./()\xa0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u202f\u205f\u3000\u2010\u2011\u2012\u2013\u2014\u2015\u2212",
)
"""Characters that only format a number; deleted before anything else."""

_START = re.compile(r"[+\uff0b\d]")
"""Where a number can start (as phonenumbers: a plus sign or any decimal digit)."""

_PLUS = "+\uff0b"
_START_ASCII = frozenset("+0123456789")
_SUPPORTED_REGIONS = frozenset(phonenumbers.SUPPORTED_REGIONS)
_CALLING_CODES = frozenset(str(code) for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
_MAX_SHAPES = 200_000
"""Bound on remembered shapes; far above what real data produces (a few per region)."""


@dataclass(frozen=True, slots=True)
class _Plan:
    """The parts of one numbering plan's metadata that `phonenumbers.parse` reads."""

    calling_code: str
    national_prefix: re.Pattern[str] | None
    rewrites: bool
    general: re.Pattern[str] | None
    international_prefix: re.Pattern[str] | None

    def matches(self, digits: str) -> bool:
        """Mirror phonenumbers' `_match_national_number` against the general description."""
        return self.general is not None and self.general.fullmatch(digits) is not None


def _compile(pattern: str | None) -> re.Pattern[str] | None:
    return re.compile(pattern) if pattern else None


def _plan_of(metadata: Any) -> _Plan:  # noqa: ANN401 - phonenumbers ships no type hints
    return _Plan(
        calling_code=str(metadata.country_code),
        national_prefix=_compile(metadata.national_prefix_for_parsing),
        rewrites=bool(metadata.national_prefix_transform_rule),
        general=_compile(metadata.general_desc.national_number_pattern),
        international_prefix=_compile(metadata.international_prefix),
    )


@cache
def _region_plan(region: str) -> _Plan:
    return _plan_of(PhoneMetadata.metadata_for_region(region))


_CALLING_CODE_PLANS: dict[str, _Plan] = {}


def _calling_code_plan(calling_code: str) -> _Plan:
    plan = _CALLING_CODE_PLANS.get(calling_code)
    if plan is None:
        code = int(calling_code)
        main = phonenumbers.region_code_for_country_code(code)
        plan = _plan_of(PhoneMetadata.metadata_for_region_or_calling_code(code, main))
        _CALLING_CODE_PLANS[calling_code] = plan
    return plan


@lru_cache(maxsize=1 << 16)
def _parse(text: str, region: str | None) -> tuple[str, str] | None:
    """Return (calling code, national significant number) when the number is possible."""
    try:
        number = phonenumbers.parse(text, region)
        if phonenumbers.is_possible_number_with_reason(number) != ValidationResult.IS_POSSIBLE:
            return None
        e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    except Exception:  # third-party parser: the kit must never raise on a value
        return None
    calling_code = str(number.country_code)
    return calling_code, e164[1 + len(calling_code) :]


def _slow(text: str, region: str | None) -> str | None:
    parsed = _parse(text, region)
    return None if parsed is None else "+" + parsed[0] + parsed[1]


def _prefix_features(plan: _Plan, digits: str) -> tuple[object, ...] | None:
    """What decides whether phonenumbers strips a national prefix from `digits`.

    That is where the prefix pattern matches and, when it does, whether `digits` match the
    plan's general pattern and, only if they do, whether they still match once stripped (the
    prefix is kept just when the number is viable as it is and not once stripped). Returns None
    when the prefix would be rewritten (not learnable as "drop k digits").
    """
    pattern = plan.national_prefix
    if pattern is None:
        return ()
    match = pattern.match(digits)
    if match is None:
        return (-1,)
    if plan.rewrites:
        groups = match.groups()
        if not groups or groups[-1] is not None:
            return None
    end = match.end()
    if not plan.matches(digits):
        return (end, False)
    return (end, True, plan.matches(digits[end:]))


_Outcome = tuple[int, str] | None
"""(leading digits to drop, "+cc" to put in front), or None when the number is not possible."""
_NOT_LEARNABLE: tuple[int, str] = (-1, "")
"""Outcome of a shape whose digits phonenumbers rewrites: always parsed."""
_UNSEEN: tuple[int, str] = (-2, "")
_SHAPES: dict[tuple[object, ...], _Outcome] = {}


def _learn(key: tuple[object, ...], text: str, region: str | None, digits: str) -> _Outcome:
    parsed = _parse(text, region)
    if parsed is None:
        outcome: _Outcome = None
    elif digits.endswith(parsed[1]):
        outcome = (len(digits) - len(parsed[1]), "+" + parsed[0])
    else:
        outcome = _NOT_LEARNABLE
    if len(_SHAPES) >= _MAX_SHAPES:
        _SHAPES.clear()
    _SHAPES[key] = outcome
    return outcome


def _international(digits: str) -> str | None:
    """`digits` follow a `+` (ASCII digits only)."""
    if digits[:1] in _CALLING_CODES:
        calling_code = digits[:1]
    elif digits[:2] in _CALLING_CODES:
        calling_code = digits[:2]
    elif digits[:3] in _CALLING_CODES:
        calling_code = digits[:3]
    else:
        return None
    rest = digits[len(calling_code) :]
    plan = _calling_code_plan(calling_code)
    if plan.national_prefix is None or plan.national_prefix.match(rest) is None:
        key: tuple[object, ...] = ("+", calling_code, len(rest))  # nothing to strip: length only
    else:
        features = _prefix_features(plan, rest)
        if features is None:
            return _slow("+" + digits, None)
        key = ("+", calling_code, len(rest), features)
    outcome = _SHAPES.get(key, _UNSEEN)
    if outcome is _UNSEEN:
        outcome = _learn(key, "+" + digits, None, digits)
    if outcome is None:
        return None
    drop, prefix = outcome
    return _slow("+" + digits, None) if drop < 0 else prefix + digits[drop:]


def _national(digits: str, region: str) -> str | None:
    """`digits` are dialled in `region` (ASCII digits only, not starting with `00`)."""
    plan = _region_plan(region)
    idd = plan.international_prefix
    if idd is not None:
        match = idd.match(digits)
        if match is not None and not digits.startswith("0", match.end()):
            return _international(digits[match.end() :])
    national_prefix = plan.national_prefix
    if not digits.startswith(plan.calling_code) and (
        national_prefix is None or national_prefix.match(digits) is None
    ):
        key: tuple[object, ...] = (region, len(digits))  # nothing to strip: length only
    else:
        shape = _national_shape(plan, digits, region)
        if shape is None:
            return _slow(digits, region)
        key = shape
    outcome = _SHAPES.get(key, _UNSEEN)
    if outcome is _UNSEEN:
        outcome = _learn(key, digits, region, digits)
    if outcome is None:
        return None
    drop, prefix = outcome
    return _slow(digits, region) if drop < 0 else prefix + digits[drop:]


def _national_shape(plan: _Plan, digits: str, region: str) -> tuple[object, ...] | None:
    """The shape of a national number that starts with a national prefix or the country code.

    Returns None when phonenumbers would rewrite the digits (not learnable).
    """
    first = _prefix_features(plan, digits)
    if first is None:
        return None
    features: list[object] = [first]
    if digits.startswith(plan.calling_code):
        # The country code written without "+": phonenumbers takes it off when the whole number
        # does not match the plan and the rest (national prefix stripped) does, or when the
        # whole number is too long; then the main plan of that code strips a prefix again.
        rest = digits[len(plan.calling_code) :]
        second = _prefix_features(plan, rest)
        if second is None:
            return None
        viable = first[1] if len(first) > 1 else plan.matches(digits)
        candidates = [rest]
        if len(second) > 1 and isinstance(second[0], int) and second[0] > 0:
            candidates.append(rest[second[0] :])
        features += [viable, second]
        if not viable:
            features += [plan.matches(candidate) for candidate in candidates]
        main = _calling_code_plan(plan.calling_code)
        for candidate in candidates:
            after = (
                second if main is plan and candidate is rest else _prefix_features(main, candidate)
            )
            if after is None:
                return None
            features.append(after)
    return (region, len(digits), tuple(features))


def to_e164(raw: str, region: str | None) -> str | None:
    """Return the E.164 form of `raw` (`+` and digits), or None when it is not a usable number.

    Args:
        raw: the phone number as received.
        region: the contact's ISO 3166-1 alpha-2 country, upper case, used as the default
            region; None when unknown.

    Returns:
        The E.164 string, or None.
    """
    text = raw.replace(" ", "").replace("-", "").replace("(", "").replace(")", "").replace(".", "")
    clean = text.isascii() and text[1:].isdigit() and text[:1] in _START_ASCII
    if not clean:
        text = text.translate(_FORMATTING)
        start = _START.search(text)
        if start is None:
            return None
        text = text[start.start() :]
    if text[0] in _PLUS:
        return _international(text[1:]) if clean else _dialled_international(text[1:])
    if text.startswith("00"):
        return _international(text[2:]) if clean else _dialled_international(text[2:])
    if region is None or region not in _SUPPORTED_REGIONS:
        return _dialled_international(text.lstrip("0"))
    if clean or (text.isascii() and text.isdigit()):
        return _national(text, region)
    return _slow(text, region)


def _dialled_international(body: str) -> str | None:
    if body.isascii() and body.isdigit():
        return _international(body)
    return _slow("+" + body, None)
