"""A seeded generator of realistic Segment messages for the benchmarks.

The mix follows what a server or mobile source sends: mostly track calls, a
fair share of identify calls, some page, screen, group and alias calls, and a
few anonymous messages. Payloads carry nested objects, arrays of objects, ISO
dates, numbers, booleans and nulls, ``context.library`` and, for mobile
sources, ``context.traits`` with the user's e-mail. Every message is returned
as ``json.loads`` would return it.
"""

from __future__ import annotations

import json
import random
from typing import Any

__all__ = ["generate_events", "generate_lines"]

_LIBRARIES = (
    ("analytics-node", "6.2.0"),
    ("analytics-python", "2.3.4"),
    ("analytics-ios", "4.1.8"),
    ("analytics-android", "4.11.3"),
    ("analytics-ruby", "2.4.0"),
    ("analytics-go", "3.3.0"),
)
_EVENTS = (
    "Order Completed",
    "Product Viewed",
    "Product Added",
    "Checkout Started",
    "Signed Up",
    "Application Opened",
    "Video Playback Started",
    "Search Performed",
    "Subscription Renewed",
    "Coupon Applied",
)
_PLANS = ("free", "starter", "pro", "enterprise")
_CITIES = (("London", "UK"), ("Berlin", "DE"), ("Austin", "US"), ("Lyon", "FR"), ("Osaka", "JP"))
_CATEGORIES = ("Books", "Games", "Garden", "Music", "Kitchen", "Sports")
_NAMES = ("Ada Lovelace", "Grace Hopper", "Alan Turing", "Katherine Johnson", "Edsger Dijkstra")
_PAGES = ("Home", "Pricing", "Docs", "Blog", "Checkout", "Careers")
_SCREENS = ("Feed", "Settings", "Cart", "Profile")


def _price(rng: random.Random) -> int | float:
    """A price with cents; whole amounts are ints, as ``JSON.parse`` output would be."""
    value = round(rng.uniform(1, 400), 2)
    return int(value) if value.is_integer() else value


def _iso(rng: random.Random, *, date_only: bool = False) -> str:
    year = rng.randint(2019, 2025)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    if date_only:
        return f"{year:04d}-{month:02d}-{day:02d}"
    hour, minute, second = rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)
    millis = rng.randint(0, 999)
    zone = rng.choice(("Z", "Z", "Z", "+02:00", "-05:00"))
    date = f"{year:04d}-{month:02d}-{day:02d}"
    return f"{date}T{hour:02d}:{minute:02d}:{second:02d}.{millis:03d}{zone}"


def _user(rng: random.Random) -> tuple[str, str]:
    number = rng.randint(1, 50_000)
    return f"user-{number}", f"user{number}@example.com"


def _context(rng: random.Random, email: str | None) -> dict[str, Any]:
    name, version = rng.choice(_LIBRARIES)
    context: dict[str, Any] = {
        "library": {"name": name, "version": version},
        "ip": f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        "locale": rng.choice(("en-US", "de-DE", "fr-FR", "ja-JP")),
    }
    if name in ("analytics-ios", "analytics-android"):
        context["device"] = {"model": rng.choice(("iPhone14,2", "Pixel 7")), "type": name[10:]}
        context["app"] = {"name": "Shop", "version": "7.2.0", "build": str(rng.randint(100, 999))}
        if email is not None and rng.random() < 0.8:
            context["traits"] = {"email": email}
    return context


def _products(rng: random.Random) -> list[dict[str, Any]]:
    return [
        {
            "product_id": f"p-{rng.randint(1, 9999)}",
            "sku": f"SKU-{rng.randint(100, 999)}",
            "name": f"Item {rng.randint(1, 500)}",
            "category": rng.choice(_CATEGORIES),
            "price": _price(rng),
            "quantity": rng.randint(1, 4),
        }
        for _ in range(rng.randint(1, 4))
    ]


def _track_properties(rng: random.Random, event: str, email: str) -> dict[str, Any]:
    properties: dict[str, Any]
    if event in ("Order Completed", "Checkout Started"):
        properties = {
            "order_id": f"o-{rng.randint(1, 10**6)}",
            "total": _price(rng),
            "revenue": _price(rng),
            "currency": rng.choice(("USD", "EUR", "GBP")),
            "coupon": rng.choice((None, "SPRING", None)),
            "products": _products(rng),
            "shipping": {"method": rng.choice(("express", "standard")), "cost": _price(rng)},
            "placed_at": _iso(rng),
        }
    elif event in ("Product Viewed", "Product Added"):
        product = _products(rng)[0]
        properties = {**product, "variant": {"color": "blue", "size": rng.choice("SML")}}
        properties["tags"] = rng.sample(("new", "sale", "gift", "eco", "limited"), 2)
    elif event == "Search Performed":
        properties = {
            "query": rng.choice(("red shoes", "garden chair", "books about cats")),
            "results": rng.randint(0, 300),
            "filters": {"price": {"min": 0, "max": rng.randint(50, 500)}, "in_stock": True},
        }
    else:
        properties = {
            "plan": rng.choice(_PLANS),
            "trial": rng.random() < 0.3,
            "started_at": _iso(rng),
            "source": {"campaign": "spring", "medium": rng.choice(("email", "cpc", "social"))},
        }
    if rng.random() < 0.15:
        properties["email"] = email
    return properties


def _identify_traits(rng: random.Random, email: str) -> dict[str, Any]:
    city, country = rng.choice(_CITIES)
    traits: dict[str, Any] = {
        "email": email,
        "name": rng.choice(_NAMES),
        "plan": rng.choice(_PLANS),
        "logins": rng.randint(0, 900),
        "verified": rng.random() < 0.7,
        "createdAt": _iso(rng),
        "birthday": _iso(rng, date_only=True),
        "address": {"city": city, "country": country, "geo": {"lat": 51.5, "lng": -0.12}},
        "roles": rng.sample(("admin", "billing", "viewer", "editor"), 2),
        "company": {"name": "Acme", "employees": rng.randint(1, 5000)},
        "referrer": None,
    }
    return traits


def _message(rng: random.Random, number: int) -> dict[str, Any]:
    user_id, email = _user(rng)
    anonymous = rng.random() < 0.08
    kind = rng.choices(
        ("track", "identify", "page", "screen", "group", "alias"), (60, 20, 9, 6, 3, 2)
    )[0]
    message: dict[str, Any] = {
        "type": kind,
        "messageId": f"msg-{number:08d}",
        "anonymousId": f"anon-{rng.getrandbits(32):08x}",
        "timestamp": _iso(rng),
        "sentAt": _iso(rng),
        "context": _context(rng, None if anonymous else email),
        "integrations": {},
    }
    if not anonymous:
        message["userId"] = user_id
    if kind == "track":
        event = rng.choice(_EVENTS)
        message["event"] = event
        message["properties"] = _track_properties(rng, event, email)
    elif kind == "identify":
        message["traits"] = _identify_traits(rng, email)
    elif kind in ("page", "screen"):
        message["name"] = rng.choice(_PAGES if kind == "page" else _SCREENS)
        message["properties"] = {"path": "/" + message["name"].lower(), "referrer": ""}
    elif kind == "group":
        message["groupId"] = f"g-{rng.randint(1, 999)}"
        message["traits"] = {"name": "Acme", "industry": "Retail", "employees": 120}
    else:
        message["userId"] = user_id
        message["previousId"] = message["anonymousId"]
    return message


def generate_lines(count: int, seed: int = 7) -> list[str]:
    """``count`` NDJSON lines, each one Segment message, the same for the same seed."""
    rng = random.Random(seed)
    return [json.dumps(_message(rng, number), ensure_ascii=False) for number in range(count)]


def generate_events(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """``count`` Segment messages as ``json.loads`` returns them, the same for the same seed."""
    return [json.loads(line) for line in generate_lines(count, seed)]
