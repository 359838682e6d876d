"""Benchmark the identity kit's bulk path against the pure-Python floor, in one run.

    .venv/bin/python benchmarks/identity_normalize.py [--rows N] [--repeat K] [--profile P]

Generates N messy synthetic contacts (default 1,000,000) deterministically, with the six
identifiers of shared/design/benchmarks.md (email, phone, first name, last name, postal code,
country), then times, K times each (default 3):

- the kit: `normalize_contacts(rows, profile)` plus `digests(field)` for each of the six fields
  the profile hashes (normalize + hash, what the store does at import);
- the floor: strip + lower + SHA-256 of the six fields per row, plain Python, as measured in
  shared/design/benchmarks.md (~144,000 rows/s on this project's machines).

Prints rows/s for both (CPU time of this process, so other work on a shared machine weighs
less), the kit/floor ratio per run, the medians and the best runs, and the kit's usable share
and drop reasons per field. The data is messy on purpose: mixed case and stray spaces, national
phone formats for US/GB/FR/DE contacts, `00` prefixes, country names instead of codes, accented
and hyphenated names, ZIP+4 and UK postcodes, invalid and missing values, already-hashed emails.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import time
from collections.abc import Callable

from freehold.core.identity import IdentityBatch, get_profile, normalize_contacts

SIX = ("email", "phone", "first_name", "last_name", "postal_code", "country")

FIRST = [
    *(
        "James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David Barbara",
        "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Nancy Matthew Lisa Anthony",
        "Betty Mark Margaret Donald Sandra Steven Ashley Paul Kimberly Andrew Emily Joshua Donna",
        "Kenneth Michelle Kevin Carol Brian Amanda George Melissa Timothy Deborah Ronald Stephanie",
        "Jean-Luc Zoë José Renée Björn Ødegaard Łukasz Ana-María François Søren Chloé Noël Inés",
        "Mohammed Wei Yuki Priya Olga Hans Giulia Mateo Sven Aoife Siobhán Dmitri Élodie Jürgen",
    ),
]
LAST = [
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez",
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris",
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill",
    "O'Brien Smith-Jones Müller Schäfer Dubois Lefèvre García Núñez Rossi Bianchi Kowalski",
    "Nowak Jensen Nielsen Andersson Johansson Virtanen O'Connor McDonald D'Angelo Ó_Súilleabháin",
]
FIRST_NAMES = [name for line in FIRST for name in line.split(" ")]
LAST_NAMES = [name for line in LAST for name in line.split(" ")]
LAST_NAMES += ["van der Berg", "de la Cruz", "St. John", "Mac Donald"]
DOMAINS = ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "example.com", "mail.de")

COUNTRIES = (
    ("US", 50, ("US", "us", " US ", "USA", "United States", "U.S.")),
    ("GB", 15, ("GB", "gb", "UK", "United Kingdom", "England")),
    ("FR", 10, ("FR", "fr", "France")),
    ("DE", 10, ("DE", "de", "Germany", "Deutschland")),
    ("CA", 3, ("CA", "Canada")),
    ("ES", 3, ("ES", "Spain", "España")),
    ("IT", 2, ("IT", "Italy")),
    ("NL", 2, ("NL", "Netherlands", "Holland")),
    ("AU", 2, ("AU", "Australia")),
    ("XX", 3, (None, None, "", "Narnia")),
)


def _digits(rng: random.Random, n: int) -> str:
    return str(rng.randrange(10**n)).zfill(n)


PHONE_FORMATS: dict[str, tuple[tuple[str, int], ...]] = {
    "NANP": (
        ("+1{a}{e}{l}", 30),
        ("({a}) {e}-{l}", 25),
        ("{a}.{e}.{l}", 15),
        ("1-{a}-{e}-{l}", 15),
        ("{a}{e}{l}", 15),
    ),
    "GB": (("+44 7{m4} {m6}", 40), ("07{m4} {m6}", 45), ("0044 7{m4}{m6}", 15)),
    "FR": (("+33 6 {p}", 40), ("06 {p}", 60)),
    "DE": (("+49 151 {m4}{d4}", 40), ("0151 {m4}{d4}", 60)),
    "OTHER": (("+{cc} {d9}", 100),),
}
"""Phone spellings per country, with weights: E.164, national formats, `00` prefixes."""

CALLING_CODES = {"ES": "34", "IT": "39", "NL": "31", "AU": "61", "XX": "44"}
JUNK_PHONES = ("n/a", "123", "000000", "call me", "+")


def _phone(rng: random.Random, country: str) -> str | None:
    roll = rng.random()
    if roll < 0.08:
        return None
    if roll < 0.11:
        return rng.choice(JUNK_PHONES)
    plan = "NANP" if country in {"US", "CA"} else country if country in PHONE_FORMATS else "OTHER"
    templates = PHONE_FORMATS[plan]
    template = rng.choices([t for t, _ in templates], [w for _, w in templates])[0]
    pairs = " ".join(_digits(rng, 2) for _ in range(4))
    return template.format(
        a=rng.randrange(201, 990),
        e=rng.randrange(200, 1000),
        l=_digits(rng, 4),
        m4=_digits(rng, 3),
        m6=_digits(rng, 6),
        d4=_digits(rng, 4),
        d9=_digits(rng, 9),
        p=pairs,
        cc=CALLING_CODES.get(country, "44"),
    )


def _postal(rng: random.Random, country: str) -> str | None:
    if rng.random() < 0.05:
        return None
    if country == "US":
        code = _digits(rng, 5)
        return f"{code}-{_digits(rng, 4)}" if rng.random() < 0.3 else code
    if country == "GB":
        letters = "ABCDEFGHJKLMNPRSTUWYZ"
        outward = (
            rng.choice(letters) + rng.choice(("", rng.choice(letters))) + str(rng.randrange(1, 30))
        )
        inward = str(rng.randrange(10)) + rng.choice(letters) + rng.choice(letters)
        return f"{outward} {inward}".lower() if rng.random() < 0.2 else f"{outward} {inward}"
    if country == "CA":
        return f"M{rng.randrange(10)}V {rng.randrange(10)}K{rng.randrange(10)}"
    return _digits(rng, 5 if country in {"FR", "DE", "ES", "IT"} else 4)


def _messy(rng: random.Random, text: str) -> str:
    roll = rng.random()
    if roll < 0.15:
        text = text.upper()
    elif roll < 0.25:
        text = text.lower()
    if rng.random() < 0.1:
        text = f"  {text} "
    return text


def make_contacts(rows: int, seed: int) -> list[dict[str, str | None]]:
    """Return `rows` messy synthetic contacts; the same for the same (rows, seed)."""
    rng = random.Random(seed)
    codes = [code for code, weight, _ in COUNTRIES for _ in range(weight)]
    spellings = {code: forms for code, _, forms in COUNTRIES}
    contacts: list[dict[str, str | None]] = []
    for index in range(rows):
        country = rng.choice(codes)
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        local = f"{first}.{last}".replace(" ", "").replace("'", "")
        email: str | None = f"{local}{index}@{rng.choice(DOMAINS)}"
        roll = rng.random()
        if roll < 0.05:
            email = None
        elif roll < 0.08:
            email = rng.choice((f"{local} at example.com", f"@{index}.com", f"{local}@", "-"))
        elif roll < 0.1:
            email = hashlib.sha256(email.lower().encode()).hexdigest()
        else:
            email = _messy(rng, email)
        contacts.append(
            {
                "email": email,
                "phone": _phone(rng, country),
                "first_name": _messy(rng, first) if rng.random() > 0.04 else None,
                "last_name": _messy(rng, last) if rng.random() > 0.04 else None,
                "postal_code": _postal(rng, country),
                "country": rng.choice(spellings[country]),
            }
        )
    return contacts


def floor(contacts: list[dict[str, str | None]]) -> int:
    """The pure-Python floor: strip + lower + SHA-256 of the six fields per row."""
    sha256 = hashlib.sha256
    done = 0
    for row in contacts:
        for field in SIX:
            value = row[field]
            if value:
                sha256(value.strip().lower().encode()).hexdigest()
                done += 1
    return done


def kit(
    contacts: list[dict[str, str | None]], profile: str
) -> tuple[IdentityBatch, float, float, int]:
    """Normalize with the kit, then hash the six fields: (batch, normalize s, digests s, count)."""
    start = time.process_time()
    batch = normalize_contacts(contacts, profile)
    middle = time.process_time()
    hashed = get_profile(profile).hashed
    done = 0
    for field in SIX:
        if field in hashed:
            done += sum(1 for digest in batch.digests(field) if digest is not None)
    return batch, middle - start, time.process_time() - middle, done


def _timed(run: Callable[[], object]) -> float:
    start = time.process_time()
    run()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="contacts (default 1e6)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each (default 3)")
    parser.add_argument("--profile", default="meta", help="identity profile (default meta)")
    parser.add_argument("--seed", type=int, default=7, help="data seed (default 7)")
    args = parser.parse_args()

    start = time.process_time()
    contacts = make_contacts(args.rows, args.seed)
    print(
        f"identity_normalize: {args.rows:,} synthetic contacts (seed {args.seed}), "
        f"six identifiers each, profile {args.profile}; generated in "
        f"{time.process_time() - start:.1f} s"
    )
    batch = normalize_contacts([], args.profile)
    kit_rates: list[float] = []
    floor_rates: list[float] = []
    for run in range(1, args.repeat + 1):
        batch, normalize_s, digests_s, digests = kit(contacts, args.profile)
        kit_s = normalize_s + digests_s
        floor_s = _timed(lambda: floor(contacts))
        kit_rates.append(args.rows / kit_s)
        floor_rates.append(args.rows / floor_s)
        print(
            f"run {run}: kit {kit_s:.2f} s = {args.rows / kit_s:,.0f} rows/s "
            f"(normalize {normalize_s:.2f} s, {digests:,} digests {digests_s:.2f} s) | "
            f"floor {floor_s:.2f} s = {args.rows / floor_s:,.0f} rows/s | "
            f"ratio {floor_s / kit_s:.2f}"
        )
    kit_median = statistics.median(kit_rates)
    floor_median = statistics.median(floor_rates)
    print(
        f"median: kit {kit_median:,.0f} rows/s, floor {floor_median:,.0f} rows/s, "
        f"kit/floor {kit_median / floor_median:.2f}; best: kit {max(kit_rates):,.0f}, "
        f"floor {max(floor_rates):,.0f}, kit/floor {max(kit_rates) / max(floor_rates):.2f}"
    )
    for field in SIX:
        if field not in batch.values:
            continue
        reasons = ", ".join(
            f"{reason} {count:,}" for reason, count in batch.dropped[field].most_common()
        )
        share = batch.usable(field) / args.rows
        print(f"  {field:<12} usable {share:6.1%}  dropped: {reasons or '-'}")


if __name__ == "__main__":
    main()
