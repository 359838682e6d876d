"""Fictional people for the sample brand: names, messy identifiers, consents, lifecycle.

Everything derives from the seed through separate random streams (people, their contact
details, their events), so the contacts file and the events file can be produced independently
and still agree on who is who.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["CONTACT_COLUMNS", "Person", "Picker", "contact_row", "people", "variant_email"]

FIRST_NAMES = (
    "Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances", "Edsger",
    "Zoé", "Léa", "Chloé", "Hélène", "François", "Jérôme", "Amélie", "Noël", "Jürgen", "Jörg",
    "Sören", "Björn", "Müge", "José", "María", "Ángel", "Íñigo", "Nuria", "Siobhán", "Seán",
    "Aoife", "Liam", "Olivia", "Noah", "Emma", "Mateo", "Lucía", "Hugo", "Inès", "Théo",
)  # fmt: skip
LAST_NAMES = (
    "Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson",
    "Allen", "Dijkstra", "Dupont", "Lefèvre", "Moreau", "Girard", "Müller", "Schäfer", "Weiß",
    "Köhler", "García", "Martínez", "Núñez", "Peña", "O'Brien", "Mc Donald", "Smith-Jones",
    "van der Berg", "de la Cruz", "Lemaître", "Brontë", "Ó Súilleabháin",
)  # fmt: skip

_T = TypeVar("_T")

COUNTRIES = ("FR", "US", "GB", "DE", "ES")
_COUNTRY_WEIGHTS = tuple(itertools.accumulate((30, 25, 20, 15, 10)))
_CITIES = {
    "FR": (("Paris", "75011"), ("Lyon", "69002"), ("Marseille", "13001"), ("Lille", "59000")),
    "US": (("New York", "10001"), ("Austin", "73301"), ("Seattle", "98101"), ("Boston", "02108")),
    "GB": (("London", "SW1A 1AA"), ("Leeds", "LS1 4AP"), ("Bristol", "BS1 5TR")),
    "DE": (("Berlin", "10115"), ("München", "80331"), ("Köln", "50667")),
    "ES": (("Madrid", "28013"), ("Barcelona", "08001"), ("Sevilla", "41001")),
}
_COUNTRY_SPELLINGS = {
    "FR": ("FR", "fr", "France", " FR "),
    "US": ("US", "us", "USA", "United States"),
    "GB": ("GB", "gb", "UK", "United Kingdom"),
    "DE": ("DE", "de", "Germany", "Deutschland"),
    "ES": ("ES", "es", "Spain", "España"),
}
# Domains reserved for documentation and testing (RFC 2606): mail sent there reaches nobody.
DOMAINS = ("example.com", "example.org", "example.net", "mail.example", "inbox.test")
LIFECYCLES = ("suspect", "prospect", "customer", "fan", "ambassador")
_LIFECYCLE_WEIGHTS = tuple(itertools.accumulate((15, 30, 35, 12, 8)))
_CONSENT_CHOICES = ("granted", "denied", "", "unknown", "yes", "no")
_CONSENT_WEIGHTS = tuple(itertools.accumulate((55, 12, 20, 5, 5, 3)))
CATEGORIES = ("shoes", "outdoor", "kitchen", "books", "garden", "toys", "beauty")
CHANNELS = ("web", "store", "app", "referral", "marketplace")
CONSENT_SOURCES = ("signup_form", "checkout", "preference_center", "store_tablet")

CONTACT_COLUMNS = (
    "contact_id",
    "email",
    "phone",
    "first_name",
    "last_name",
    "city",
    "postal_code",
    "country",
    "date_of_birth",
    "gender",
    "lifecycle",
    "consent.email_marketing",
    "consent.ad_targeting",
    "consent.ad_measurement",
    "consent_at",
    "consent_source",
    "attributes.signup_channel",
    "attributes.favourite_category",
    "attributes.loyalty_points",
)
"""The columns of `contacts.csv`: each is a mapping target, so no mapping is needed."""

_US_AREAS = ("201", "212", "305", "312", "415", "512", "617", "702", "919", "303")
_SPACE = 10_000_000
_STRIDE = 7_368_787  # coprime with _SPACE: index -> distinct 7-digit block for 10M people


@dataclass(frozen=True, slots=True)
class Person:
    """One fictional person: what both sample files need to agree on."""

    index: int
    contact_id: str
    country: str
    first_name: str
    last_name: str
    email: str | None
    email_valid: bool
    lifecycle: str
    signed_up: dt.date


class Picker:
    """A seeded random stream with the few fast draws the generator needs."""

    __slots__ = ("random",)

    def __init__(self, seed: int, stream: int) -> None:
        """Start the stream `stream` of the brand seeded `seed`."""
        self.random = random.Random(seed * 1_000_003 + stream).random  # noqa: S311 - fiction

    def pick(self, options: Sequence[_T]) -> _T:
        """Return one of `options`, uniformly."""
        return options[int(self.random() * len(options))]

    def weighted(self, options: Sequence[_T], cumulative: Sequence[float]) -> _T:
        """Return one of `options` given their cumulative weights."""
        return options[bisect.bisect(cumulative, self.random() * cumulative[-1])]

    def below(self, stop: int) -> int:
        """Return an integer in [0, stop)."""
        return int(self.random() * stop)

    def between(self, low: int, high: int) -> int:
        """Return an integer in [low, high]."""
        return low + int(self.random() * (high - low + 1))

    def chance(self, share: float) -> bool:
        """Return True with probability `share`."""
        return self.random() < share


_FOLD = str.maketrans("àâäáãåçéèêëíìîïñóòôöõúùûüýÿßøæœ", "aaaaaaceeeeiiiinooooouuuuyyboao")


@functools.cache
def _ascii(text: str) -> str:
    return "".join(ch for ch in text.lower().translate(_FOLD) if ch.isalnum())


def _email(rng: Picker, first: str, last: str, index: int) -> tuple[str | None, bool]:
    """A unique address at a reserved domain, often messy, sometimes broken, sometimes absent."""
    roll = rng.random()
    if roll < 0.04:  # noqa: PLR2004
        return None, False
    local = f"{_ascii(first)}.{_ascii(last)}.{index}"
    domain = rng.pick(DOMAINS)
    if roll < 0.07:  # noqa: PLR2004
        broken = (f"{local}{domain}", f"{local}@", f"{local}@@{domain}", f"{local} @{domain}")
        return rng.pick(broken), False
    upper = domain.upper()
    styles = (
        f"{local}@{domain}",
        f"{local.title()}@{upper}",
        f"  {local}@{domain} ",
        f"{local.upper()}@{domain}",
        f"{local}@{domain.capitalize()}",
    )
    return rng.pick(styles), True


def variant_email(email: str, rng: Picker) -> str:
    """The same address spelled differently (case and spaces), as a second system would."""
    clean = email.strip()
    return rng.pick((clean.upper(), f" {clean.lower()}  ", clean.swapcase()))


def _phone(rng: Picker, country: str, index: int) -> str:
    """A number unique to `index`, in the country's plan, in a national or international style."""
    block = f"{(index * _STRIDE + 1_234_567) % _SPACE:07d}"
    if rng.chance(0.03):
        return rng.pick(("n/a", "call me", "+33 6", "000"))
    style = rng.below(3)
    if country == "FR":
        digits = f"6{rng.pick('124578')}{block}"
        national = f"0{digits[0]} {digits[1:3]} {digits[3:5]} {digits[5:7]} {digits[7:]}"
        return (
            national,
            f"+33 {digits[0]} {digits[1:3]} {digits[3:5]} {digits[5:7]} {digits[7:]}",
            f"0033{digits}",
        )[style]
    if country == "US":
        area = _US_AREAS[int(block[0])]
        exchange, line = f"{rng.between(2, 9)}{block[1:3]}", block[3:]
        return (
            f"({area}) {exchange}-{line}",
            f"+1 {area}-{exchange}-{line}",
            f"{area}.{exchange}.{line}",
        )[style]
    if country == "GB":
        digits = f"7{rng.pick('458')}{rng.pick('12345')}{block}"
        return (
            f"0{digits[:4]} {digits[4:]}",
            f"+44 {digits[:4]} {digits[4:]}",
            f"+44 (0){digits}",
        )[style]
    if country == "DE":
        digits = f"15{rng.pick('12579')}{block}0"
        return (f"0{digits[:3]} {digits[3:]}", f"+49 {digits[:3]} {digits[3:]}", f"0049{digits}")[
            style
        ]
    digits = f"6{rng.below(10)}{block}"
    return (
        f"{digits[:3]} {digits[3:5]} {digits[5:7]} {digits[7:]}",
        f"+34 {digits}",
        f"0034 {digits[:3]} {digits[3:6]} {digits[6:]}",
    )[style]


def people(seed: int, count: int, *, until: dt.date) -> Iterator[Person]:
    """Yield the brand's `count` fictional people, always the same for the same seed."""
    rng = Picker(seed, 0)
    for index in range(count):
        country = rng.weighted(COUNTRIES, _COUNTRY_WEIGHTS)
        first, last = rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES)
        email, valid = _email(rng, first, last, index)
        yield Person(
            index=index,
            contact_id=f"cus_{seed}_{index:07d}",
            country=country,
            first_name=first,
            last_name=last,
            email=email,
            email_valid=valid,
            lifecycle=rng.weighted(LIFECYCLES, _LIFECYCLE_WEIGHTS),
            signed_up=until - dt.timedelta(days=rng.between(1, 729)),
        )


_BIRTH_ORIGIN = dt.date(1950, 1, 1)


def contact_row(rng: Picker, who: Person) -> dict[str, str]:
    """The person's row of `contacts.csv`: text cells, the messy way real exports are."""
    city, postal = rng.pick(_CITIES[who.country])
    born = _BIRTH_ORIGIN + dt.timedelta(days=rng.below(365 * 55))
    stated = dt.datetime.combine(who.signed_up, dt.time(rng.between(8, 21), rng.below(60)))
    first = who.first_name
    return {
        "contact_id": who.contact_id,
        "email": who.email or "",
        "phone": _phone(rng, who.country, who.index) if rng.chance(0.8) else "",
        "first_name": rng.pick((first, first.upper(), f" {first}")),
        "last_name": who.last_name,
        "city": city,
        "postal_code": postal,
        "country": rng.pick(_COUNTRY_SPELLINGS[who.country]),
        "date_of_birth": born.isoformat() if rng.chance(0.7) else "",
        "gender": rng.pick(("f", "m", "F", "M", "female", "male", "", "")),
        "lifecycle": who.lifecycle,
        "consent.email_marketing": rng.weighted(_CONSENT_CHOICES, _CONSENT_WEIGHTS),
        "consent.ad_targeting": rng.weighted(_CONSENT_CHOICES, _CONSENT_WEIGHTS),
        "consent.ad_measurement": rng.weighted(_CONSENT_CHOICES, _CONSENT_WEIGHTS),
        "consent_at": f"{stated.isoformat()}Z",
        "consent_source": rng.pick(CONSENT_SOURCES),
        "attributes.signup_channel": rng.pick(CHANNELS),
        "attributes.favourite_category": rng.pick(CATEGORIES),
        "attributes.loyalty_points": str(rng.below(5000) if who.lifecycle != "suspect" else 0),
    }
