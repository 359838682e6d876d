"""Fictional people for the sample brand: names, messy identifiers, consents, lifecycle.

Everything derives from (seed, index) through a private random generator per person, so the
contacts file and the events file can be produced independently and still agree.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

__all__ = ["CONTACT_COLUMNS", "Person", "contact_row", "person", "variant_email"]

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

COUNTRIES = ("FR", "US", "GB", "DE", "ES")
_COUNTRY_WEIGHTS = (30, 25, 20, 15, 10)
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
_LIFECYCLE_WEIGHTS = (15, 30, 35, 12, 8)
PURPOSES = ("email_marketing", "ad_targeting", "ad_measurement")
_CONSENT_CHOICES = ("granted", "denied", "", "unknown", "yes", "no")
_CONSENT_WEIGHTS = (55, 12, 20, 5, 5, 3)
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


def _rng(seed: int, index: int, stream: int) -> random.Random:
    return random.Random(seed * 1_000_003 + index * 7 + stream)  # noqa: S311 - fiction, not secrets


def _ascii(text: str) -> str:
    table = str.maketrans("àâäáãåçéèêëíìîïñóòôöõúùûüýÿßøæœ", "aaaaaaceeeeiiiinooooouuuuyyboao")
    return "".join(ch for ch in text.lower().translate(table) if ch.isalnum())


def _email(rng: random.Random, first: str, last: str, index: int) -> tuple[str | None, bool]:
    """A unique address at a reserved domain, often messy, sometimes broken, sometimes absent."""
    roll = rng.random()
    if roll < 0.04:  # noqa: PLR2004
        return None, False
    local = f"{_ascii(first)}.{_ascii(last)}.{index}"
    domain = rng.choice(DOMAINS)
    if roll < 0.07:  # noqa: PLR2004
        broken = rng.choice(
            (f"{local}{domain}", f"{local}@", f"{local}@@{domain}", f"{local} @{domain}")
        )
        return broken, False
    styles = (
        f"{local}@{domain}",
        f"{local.title()}@{domain.upper()}",
        f"  {local}@{domain} ",
        f"{local.upper()}@{domain}",
        f"{local}@{domain.capitalize()}",
    )
    return rng.choice(styles), True


def variant_email(email: str, rng: random.Random) -> str:
    """The same address spelled differently (case and spaces), as a second system would."""
    clean = email.strip()
    return rng.choice((clean.upper(), f" {clean.lower()}  ", clean.swapcase()))


def _phone(rng: random.Random, country: str, index: int) -> str:
    """A number unique to `index`, in the country's plan, in a national or international style."""
    block = f"{(index * _STRIDE + 1_234_567) % _SPACE:07d}"
    if rng.random() < 0.03:  # noqa: PLR2004
        return rng.choice(("12345", "call me", "+33 6", "000"))
    style = rng.randrange(3)
    if country == "FR":
        digits = f"6{rng.choice('124578')}{block}"
        national = f"0{digits[0]} {digits[1:3]} {digits[3:5]} {digits[5:7]} {digits[7:]}"
        return (
            national,
            f"+33 {digits[0]} {digits[1:3]} {digits[3:5]} {digits[5:7]} {digits[7:]}",
            f"0033{digits}",
        )[style]
    if country == "US":
        area = rng.choice(("201", "212", "305", "312", "415", "512", "617", "702", "919"))
        exchange, line = f"{2 + int(block[:1]) % 8}{block[1:3]}", block[3:]
        return (
            f"({area}) {exchange}-{line}",
            f"+1 {area}-{exchange}-{line}",
            f"{area}.{exchange}.{line}",
        )[style]
    if country == "GB":
        digits = f"7{rng.choice('458')}{rng.choice('12345')}{block}"
        return (
            f"0{digits[:4]} {digits[4:]}",
            f"+44 {digits[:4]} {digits[4:]}",
            f"+44 (0){digits}",
        )[style]
    if country == "DE":
        digits = f"15{rng.choice('12579')}{block}0"
        return (f"0{digits[:3]} {digits[3:]}", f"+49 {digits[:3]} {digits[3:]}", f"0049{digits}")[
            style
        ]
    digits = f"6{rng.randrange(0, 10)}{block}"
    return (
        f"{digits[:3]} {digits[3:5]} {digits[5:7]} {digits[7:]}",
        f"+34 {digits}",
        f"0034 {digits[:3]} {digits[3:6]} {digits[6:]}",
    )[style]


def person(seed: int, index: int, *, until: dt.date) -> Person:
    """Return the fictional person number `index` of the brand seeded `seed`."""
    rng = _rng(seed, index, 0)
    country = rng.choices(COUNTRIES, _COUNTRY_WEIGHTS)[0]
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    email, valid = _email(rng, first, last, index)
    return Person(
        index=index,
        contact_id=f"cus_{seed}_{index:07d}",
        country=country,
        first_name=first,
        last_name=last,
        email=email,
        email_valid=valid,
        lifecycle=rng.choices(LIFECYCLES, _LIFECYCLE_WEIGHTS)[0],
        signed_up=until - dt.timedelta(days=rng.randrange(1, 730)),
    )


def contact_row(seed: int, who: Person) -> dict[str, str]:
    """The person's row of `contacts.csv`: text cells, the messy way real exports are."""
    rng = _rng(seed, who.index, 1)
    city, postal = rng.choice(_CITIES[who.country])
    born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 55))
    consents = {purpose: rng.choices(_CONSENT_CHOICES, _CONSENT_WEIGHTS)[0] for purpose in PURPOSES}
    stated = dt.datetime.combine(who.signed_up, dt.time(rng.randrange(8, 22), rng.randrange(60)))
    return {
        "contact_id": who.contact_id,
        "email": who.email or "",
        "phone": _phone(rng, who.country, who.index) if rng.random() < 0.8 else "",  # noqa: PLR2004
        "first_name": rng.choice((who.first_name, who.first_name.upper(), f" {who.first_name}")),
        "last_name": who.last_name,
        "city": city,
        "postal_code": postal,
        "country": rng.choice(_COUNTRY_SPELLINGS[who.country]),
        "date_of_birth": born.isoformat() if rng.random() < 0.7 else "",  # noqa: PLR2004
        "gender": rng.choice(("f", "m", "F", "M", "female", "male", "", "")),
        "lifecycle": who.lifecycle,
        **{f"consent.{purpose}": state for purpose, state in consents.items()},
        "consent_at": f"{stated.isoformat()}Z",
        "consent_source": rng.choice(CONSENT_SOURCES),
        "attributes.signup_channel": rng.choice(CHANNELS),
        "attributes.favourite_category": rng.choice(CATEGORIES),
        "attributes.loyalty_points": str(
            rng.randrange(0, 5000) if who.lifecycle != "suspect" else 0
        ),
    }
