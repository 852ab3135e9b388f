"""One trip per booking: the same reservation seen in a confirmation mail, a calendar entry and
a Wallet pass becomes one trip that lists all its sources, each with its own provenance.

Two reservation artifacts are the same booking when they have the same type and reservation
number, compatible providers (equal after normalisation, one naming the other, or, for
flights, the same carrier code in the flight number) and start on the same day at the place of
departure (a pass's boarding time and a mail's departure time fall on the same day). Two legs
of one booking share a number and a provider, so a different flight/train number or departure
code always keeps them apart, even on the same day. Reservations without a number are merged
only when type, flight/train number (or name) and day agree.

The merged fields take each value from the most precise source that has it (JSON-LD and
microdata, then calendar, then wallet pass, then boarding-pass barcode, then app databases);
times prefer a real departure over a pass's "relevant" time; travellers are the union; a
booking is "cancelled" when any source says so. Nothing is written: reports and the GUI call
:func:`trips` on an open case store.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from forensic_triage.sdk.times import TimeValue
from forensic_triage.travel.schema_org import local_date

ORIGIN_RANK = {"json-ld": 0, "microdata": 1, "ics": 2, "pkpass": 3, "bcbp": 4}
TIME_FIELDS = ("start", "end", "booked")
_CARRIER = re.compile(r"^\s*([A-Z0-9]{2})\s?\d")


@dataclass(frozen=True)
class TripSource:
    """One reservation artifact behind a trip, with where it came from."""

    data: dict[str, Any]                   # the artifact's fields, as stored
    artifact_id: int | None = None
    plugin: str | None = None
    digest: str | None = None
    provenance: dict[str, Any] = field(default_factory=dict)   # evidence, path, inode, locator, ...

    @property
    def origin(self) -> str:
        return str(self.data.get("origin") or "")


@dataclass(frozen=True)
class Trip:
    reservation: dict[str, Any]            # merged fields, the same keys as a reservation artifact
    sources: tuple[TripSource, ...]

    @property
    def day(self) -> date | None:
        return _day(self.reservation, "start")


def _key(text: Any) -> str:
    return re.sub(r"[^0-9A-Z]", "", str(text or "").upper())


def _time(data: dict, name: str) -> TimeValue | None:
    value = data.get(name)
    if not isinstance(value, dict):
        return None
    try:
        return TimeValue(utc=value.get("utc"), raw=value.get("raw"), encoding=str(value.get("encoding") or ""),
                         status=str(value.get("status") or "ok"))
    except TypeError:
        return None


def _day(data: dict, name: str) -> date | None:
    try:
        return local_date(_time(data, name), data.get(f"{name}_time_zone"))
    except (ValueError, TypeError):
        return None


def _code(data: dict, place: str) -> str:
    value = data.get(place)
    return _key(value.get("code")) if isinstance(value, dict) else ""


@dataclass
class _Facts:
    number: str
    kind: str
    trip: str
    name: str
    day: date | None
    departure: str
    carriers: set[str]
    providers: set[str]

    @classmethod
    def of(cls, data: dict) -> _Facts:
        trip = str(data.get("trip_number") or "")
        carriers = set()
        if data.get("type") == "flight":
            match = _CARRIER.match(trip.upper())
            if match:
                carriers.add(match.group(1))
        provider = _key(data.get("provider"))
        return cls(number=_key(data.get("reservation_number")), kind=str(data.get("type") or ""), trip=_key(trip),
                   name=_key(data.get("name")), day=_day(data, "start"), departure=_code(data, "departure"),
                   carriers=carriers, providers={provider} if provider else set())


def _compatible(a: _Facts, b: _Facts) -> bool:
    if a.kind != b.kind:
        return False
    if a.trip and b.trip and a.trip != b.trip:
        return False
    if a.departure and b.departure and a.departure != b.departure:
        return False
    if a.day and b.day:
        if a.day != b.day:
            return False
    elif not (a.trip and a.trip == b.trip) and not (a.number and a.number == b.number and a.kind == "lodging"):
        return False  # a missing day only matches through the same flight/train number
    if a.number or b.number:
        if a.number != b.number:
            return False
        if a.carriers and b.carriers:
            return bool(a.carriers & b.carriers)
        if a.providers and b.providers:
            return any(x == y or x in y or y in x for x in a.providers for y in b.providers)
        return True
    return bool((a.trip and a.trip == b.trip) or (a.name and a.name == b.name))


def _rank(source: TripSource) -> int:
    return ORIGIN_RANK.get(source.origin, len(ORIGIN_RANK))


def _time_rank(source: TripSource, name: str) -> tuple[int, int]:
    value = _time(source.data, name)
    if value is None:
        return (3, _rank(source))
    if value.utc and not value.encoding.startswith("pkpass_relevant"):
        return (0, _rank(source))
    if value.utc:
        return (1, _rank(source))
    return (2, _rank(source))


def merge_fields(sources: list[TripSource]) -> dict[str, Any]:
    ordered = sorted(sources, key=_rank)
    merged: dict[str, Any] = {}
    keys = list(dict.fromkeys(key for source in ordered for key in source.data))
    for key in keys:
        if key in TIME_FIELDS:
            best = min(ordered, key=lambda source: _time_rank(source, key))
            merged[key] = best.data.get(key)
            if key != "booked":
                merged[f"{key}_time_zone"] = best.data.get(f"{key}_time_zone") or next(
                    (source.data.get(f"{key}_time_zone") for source in ordered if source.data.get(f"{key}_time_zone")),
                    None)
        elif key in ("start_time_zone", "end_time_zone"):
            continue
        elif key == "travellers":
            names: list[str] = []
            for source in ordered:
                for name in source.data.get("travellers") or []:
                    if name and name.casefold() not in {known.casefold() for known in names}:
                        names.append(name)
            merged[key] = names
        elif key == "status":
            statuses = [source.data.get("status") for source in ordered if source.data.get("status")]
            merged[key] = "cancelled" if "cancelled" in statuses else (statuses[0] if statuses else None)
        elif key == "origin":
            merged[key] = ", ".join(dict.fromkeys(source.origin for source in ordered if source.origin))
        else:
            merged[key] = next((source.data.get(key) for source in ordered
                                if source.data.get(key) not in (None, "", [])), None)
    return merged


def merge(sources: Iterable[TripSource]) -> list[Trip]:
    """Group reservation artifacts into trips, one per booking."""
    clusters: list[tuple[list[_Facts], list[TripSource]]] = []
    by_number: dict[tuple[str, str], list[int]] = {}
    for source in sources:
        facts = _Facts.of(source.data)
        bucket = (facts.kind, facts.number or f"~{facts.trip or facts.name}")
        placed = False
        if facts.number or facts.trip or facts.name:
            for index in by_number.get(bucket, []):
                members, items = clusters[index]
                if all(_compatible(facts, other) for other in members):
                    members.append(facts)
                    items.append(source)
                    placed = True
                    break
        if not placed:
            clusters.append(([facts], [source]))
            by_number.setdefault(bucket, []).append(len(clusters) - 1)
    trips = [Trip(reservation=merge_fields(items), sources=tuple(items)) for _facts, items in clusters]

    def order(trip: Trip) -> tuple:
        start = _time(trip.reservation, "start")
        return (start.utc if start and start.utc else "~", str(trip.day or "~"),
                str(trip.reservation.get("reservation_number") or ""), trip.sources[0].artifact_id or 0)

    return sorted(trips, key=order)


def reservation_sources(store) -> Iterator[TripSource]:
    """Every reservation artifact of a case store, in row order (streamed)."""
    cursor = store.conn.execute(
        "SELECT id, plugin, data, provenance, digest FROM artifacts WHERE kind = 'reservation' ORDER BY id")
    for row in cursor:
        yield TripSource(data=json.loads(row[2]), artifact_id=row[0], plugin=row[1], digest=row[4],
                         provenance=json.loads(row[3]) if row[3] else {})


def trips(store) -> list[Trip]:
    """The case's reservations merged into trips, each with all its sources."""
    return merge(reservation_sources(store))
