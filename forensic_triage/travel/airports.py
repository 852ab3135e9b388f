"""IATA airport codes to places and time zones, offline, from the ``airportsdata`` package.

The table (about 8,000 airports) is loaded once per process on first use and kept: it is
read-only reference data, the same on every machine for one package version (recorded
through the plugin's dependency versions), so results stay repeatable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from forensic_triage.sdk import Place

_CODE = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True, kw_only=True, slots=True)
class Airport:
    code: str
    name: str
    city: str | None
    country: str | None
    latitude: float | None
    longitude: float | None
    time_zone: str | None


@lru_cache(maxsize=1)
def _table() -> dict[str, dict]:
    import airportsdata

    return airportsdata.load("IATA")


def is_code(text: object) -> bool:
    return isinstance(text, str) and bool(_CODE.fullmatch(text.strip().upper()))


@lru_cache(maxsize=4096)
def airport(code: str | None) -> Airport | None:
    """The airport with this IATA code, or None (unknown code, city code, not a code)."""
    if not isinstance(code, str):
        return None
    code = code.strip().upper()
    if not _CODE.fullmatch(code):
        return None
    row = _table().get(code)
    if row is None:
        return None
    return Airport(code=code, name=row.get("name") or code, city=row.get("city") or None,
                   country=row.get("country") or None, latitude=_number(row.get("lat")),
                   longitude=_number(row.get("lon")), time_zone=row.get("tz") or None)


def time_zone(code: str | None) -> str | None:
    found = airport(code)
    return found.time_zone if found else None


def place(code: str | None, *, name: str | None = None, address: str | None = None,
          latitude: float | None = None, longitude: float | None = None) -> Place | None:
    """A Place for an airport: what the source said wins, airportsdata fills the gaps
    (name, "city, country" as address, coordinates)."""
    code = code.strip().upper() if isinstance(code, str) and code.strip() else None
    found = airport(code)
    if found is not None:
        name = name or found.name
        if address is None:
            address = ", ".join(part for part in (found.city, found.country) if part) or None
        if latitude is None or longitude is None:
            latitude, longitude = found.latitude, found.longitude
    if not any((code, name, address, latitude is not None)):
        return None
    return Place(name=name, code=code, address=address, latitude=latitude, longitude=longitude)


def _number(value: object) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None
