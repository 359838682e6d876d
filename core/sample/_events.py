"""Two years of a fictional person's behaviour: views, carts, purchases, reviews, referrals."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from freehold.core.sample._people import CATEGORIES, Picker, variant_email

if TYPE_CHECKING:
    from freehold.core.sample._people import Person

__all__ = ["events_of"]

_CURRENCY = {"FR": "EUR", "DE": "EUR", "ES": "EUR", "US": "USD", "GB": "GBP"}
_PRODUCTS = tuple(f"{category}-{n:03d}" for category in CATEGORIES for n in range(1, 13))
_AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
)
# Addresses reserved for documentation (RFC 5737, RFC 3849).
_NETWORKS = ("192.0.2.", "198.51.100.", "203.0.113.")

# (views, carts, purchases, reviews, shares, referrals) ranges per lifecycle stage.
_PLAN = {
    "suspect": ((0, 2), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)),
    "prospect": ((2, 6), (0, 2), (0, 0), (0, 0), (0, 1), (0, 0)),
    "customer": ((3, 10), (1, 3), (1, 4), (0, 1), (0, 1), (0, 0)),
    "fan": ((4, 12), (2, 4), (3, 8), (1, 2), (0, 2), (0, 1)),
    "ambassador": ((4, 12), (2, 4), (4, 10), (1, 3), (1, 3), (1, 3)),
}
_RATING_WEIGHTS = tuple(itertools.accumulate((1, 1, 2, 4, 6)))
_NAMES = ("view_item", "add_to_cart", "purchase", "review", "share", "referral")


def _when(rng: Picker, start: dt.date, until: dt.date) -> dt.datetime:
    span = max((until - start).days, 1)
    seconds = rng.below(span) * 86_400 + 7 * 3600 + rng.below(16 * 3600)
    return dt.datetime.combine(start, dt.time(), dt.UTC) + dt.timedelta(seconds=seconds)


def _person_ref(rng: Picker, who: Person) -> dict[str, object]:
    """Most events name the contact; some arrive with only an email, spelled another way."""
    if who.email and who.email_valid and rng.chance(0.1):
        return {"email": variant_email(who.email, rng)}
    return {"contact_id": who.contact_id}


@dataclass(frozen=True, slots=True)
class _Ctx:
    rng: Picker
    who: Person
    seed: int
    total: int
    number: int


def _view(ctx: _Ctx) -> dict[str, object]:
    return {"properties.product": ctx.rng.pick(_PRODUCTS)}


def _cart(ctx: _Ctx) -> dict[str, object]:
    return {"items": [{"item_id": ctx.rng.pick(_PRODUCTS), "quantity": ctx.rng.between(1, 2)}]}


def _purchase(ctx: _Ctx) -> dict[str, object]:
    rng = ctx.rng
    lines: list[dict[str, object]] = []
    value = 0.0
    for _ in range(rng.between(1, 3)):
        price = f"{rng.between(5, 249)}.{rng.pick(('00', '50', '90', '99'))}"
        quantity = rng.between(1, 2)
        value += float(price) * quantity
        lines.append({"item_id": rng.pick(_PRODUCTS), "quantity": quantity, "price": price})
    details: dict[str, object] = {
        "value": f"{value:.2f}",
        "currency": _CURRENCY[ctx.who.country],
        "order_id": f"ord_{ctx.seed}_{ctx.who.index}_{ctx.number}",
        "items": lines,
    }
    if rng.chance(0.3):
        click = rng.pick(("gclid", "fbc", "msclkid"))
        details[click] = f"clk{ctx.seed}x{ctx.who.index}x{ctx.number}"
    return details


def _review(ctx: _Ctx) -> dict[str, object]:
    rating = ctx.rng.weighted((1, 2, 3, 4, 5), _RATING_WEIGHTS)
    return {"properties.product": ctx.rng.pick(_PRODUCTS), "properties.rating": rating}


def _share(ctx: _Ctx) -> dict[str, object]:
    channel = ctx.rng.pick(("link", "email", "social"))
    return {"properties.product": ctx.rng.pick(_PRODUCTS), "properties.channel": channel}


def _referral(ctx: _Ctx) -> dict[str, object]:
    referred = ctx.rng.below(ctx.total) if ctx.total > 1 else ctx.who.index
    return {"properties.referred_contact_id": f"cus_{ctx.seed}_{referred:07d}"}


_DETAILS: dict[str, Callable[[_Ctx], dict[str, object]]] = {
    "view_item": _view,
    "add_to_cart": _cart,
    "purchase": _purchase,
    "review": _review,
    "share": _share,
    "referral": _referral,
}


def events_of(
    rng: Picker, who: Person, *, seed: int, until: dt.date, total: int, limit: int | None = None
) -> list[dict[str, object]]:
    """Return the person's events in time order (at most `limit`), as JSON-ready dicts."""
    plan = [
        name
        for name, (low, high) in zip(_NAMES, _PLAN[who.lifecycle], strict=True)
        for _ in range(rng.between(low, high))
    ]
    if limit is not None:
        plan = plan[:limit]
    start = max(who.signed_up, until - dt.timedelta(days=730))
    stamped = sorted((_when(rng, start, until), name) for name in plan)
    events: list[dict[str, object]] = []
    for number, (at, name) in enumerate(stamped):
        event: dict[str, object] = {
            "event_id": f"ev_{seed}_{who.index}_{number}",
            "name": name,
            "occurred_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            **_person_ref(rng, who),
            "action_source": "web" if name != "referral" else "crm",
            "source_url": f"https://shop.example/{name.replace('_', '-')}",
            "client_ip": f"{rng.pick(_NETWORKS)}{rng.between(1, 254)}",
            "user_agent": rng.pick(_AGENTS),
            **_DETAILS[name](_Ctx(rng, who, seed, total, number)),
        }
        events.append(event)
    return events
