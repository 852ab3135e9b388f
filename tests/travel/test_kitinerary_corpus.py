"""Judged corpus test: for every input under ../shared/corpus/bookings/kitinerary with KDE
Itinerary's expected schema.org output beside it, our plugins find the same reservations:
type, reservation number, from/to codes, start/end instants, traveller name, seat (each where
KDE gives it).

Inputs: structureddata/*.html (travel.html), calendarhandlerdata/*.ics (travel.ics),
pkpassdata/*.pkpass (travel.pkpass), synthetic/flight-booking.eml (travel.mail). Not here:
bcbpdata/*.txt and synthetic/iata-bcbp-demo.pdf, which are the boarding-pass plugin's.

The expected values are read from KDE's JSON with a small reader written for this test (not
with the project's schema.org code), so the comparison is independent.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from forensic_triage.sdk.pytest_plugin import run_on_file
from forensic_triage_plugins.calendar_reservations import CalendarReservations
from forensic_triage_plugins.html_reservations import HtmlReservations
from forensic_triage_plugins.mail_reservations import MailReservations
from forensic_triage_plugins.wallet_passes import WalletPasses

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
KDE = CORPUS / "bookings" / "kitinerary"
PLUGINS = {".html": HtmlReservations, ".ics": CalendarReservations, ".pkpass": WalletPasses, ".eml": MailReservations}
TYPES = {"FlightReservation": "flight", "LodgingReservation": "lodging", "TrainReservation": "train",
         "BusReservation": "bus", "RentalCarReservation": "rental_car", "EventReservation": "event", "Event": "event"}
START = ("departureTime", "checkinTime", "checkinDate", "pickupTime", "startDate")
END = ("arrivalTime", "checkoutTime", "checkoutDate", "dropoffTime", "endDate")


def cases() -> list[tuple[Path, Path]]:
    found = []
    for folder in ("structureddata", "calendarhandlerdata", "pkpassdata", "synthetic"):
        for source in sorted((KDE / folder).glob("*")) if (KDE / folder).is_dir() else []:
            if source.suffix not in PLUGINS:
                continue
            for expected in (source.with_suffix(".json"), source.with_name(source.name + ".json")):
                if expected.exists():
                    found.append((source, expected))
                    break
    return found


def instant(value) -> str | None:
    """KDE's date/time (text or {"@value": ...}) as UTC, or None when it has no offset."""
    if isinstance(value, dict):
        value = value.get("@value")
    if not isinstance(value, str) or len(value) <= 10:
        return None
    text = re.sub(r"([+-])(\d):(\d\d)$", r"\g<1>0\2:\3", value.replace("Z", "+00:00"))
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return None
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def expected_facts(item: dict) -> dict:
    kind = TYPES[item["@type"]]
    trip = item.get("reservationFor", item)
    holders = [item, trip]
    facts = {"type": kind, "reservation_number": item.get("reservationNumber")}
    if kind == "flight":
        facts["from"] = (trip.get("departureAirport") or {}).get("iataCode")
        facts["to"] = (trip.get("arrivalAirport") or {}).get("iataCode")
    facts["start"] = next((instant(holder[key]) for holder in holders for key in START if key in holder), None)
    facts["end"] = next((instant(holder[key]) for holder in holders for key in END if key in holder), None)
    facts["traveller"] = (item.get("underName") or {}).get("name")
    seat = item.get("airplaneSeat") or ((item.get("reservedTicket") or {}).get("ticketedSeat") or {}).get("seatNumber")
    facts["seat"] = seat
    return {key: value for key, value in facts.items() if value is not None}


def produced_facts(data: dict) -> dict:
    return {"type": data["type"], "reservation_number": data["reservation_number"],
            "from": (data["departure"] or {}).get("code"), "to": (data["arrival"] or {}).get("code"),
            "start": (data["start"] or {}).get("utc"), "end": (data["end"] or {}).get("utc"),
            "travellers": data["travellers"], "seat": data["seat"]}


def same_person(expected: str, names: list[str]) -> bool:
    # KDE's expectation may carry a title the input lacks ("Dr Konqui" for "Konqui").
    wanted = expected.casefold()
    return any(name.casefold() in wanted or wanted in name.casefold() for name in names)


def matches(expected: dict, produced: dict) -> list[str]:
    problems = []
    for key, value in expected.items():
        if key == "traveller":
            if not same_person(value, produced["travellers"]):
                problems.append(f"traveller {value!r} not in {produced['travellers']!r}")
        elif produced.get(key) != value:
            problems.append(f"{key}: expected {value!r}, got {produced.get(key)!r}")
    return problems


@pytest.mark.parametrize("source,expected", cases() or [pytest.param(None, None, marks=pytest.mark.skip(
    reason=f"corpus not available: {KDE}"))], ids=lambda value: value.name if isinstance(value, Path) else "")
def test_same_reservations_as_kde_itinerary(source: Path, expected: Path):
    wanted = [expected_facts(item) for item in json.loads(expected.read_text(encoding="utf-8"))]
    result = run_on_file(PLUGINS[source.suffix], source)
    assert result.status == "ok", result.warnings
    produced = [produced_facts(item.data) for item in result.artifacts]
    assert len(produced) == len(wanted), (produced, wanted)
    unmatched = list(produced)
    for facts in wanted:
        candidates = [(matches(facts, candidate), candidate) for candidate in unmatched]
        best_problems, best = min(candidates, key=lambda pair: len(pair[0]))
        assert best_problems == [], f"{source.name}: {facts} vs {best}: {best_problems}"
        unmatched.remove(best)


def test_the_corpus_cases_are_all_there():
    if not KDE.is_dir():
        pytest.skip(f"corpus not available: {KDE}")
    names = {source.name for source, _expected in cases()}
    assert {"google-flight-reservation-json-ld.html", "google-flight-reservation-microdata.html",
            "hotel-json-ld-fallback.html", "flight.ics", "hotel.ics", "train.ics", "rentalcar.ics", "event.ics",
            "event-full-day.ics", "eventreservation.ics", "airbaltic.pkpass", "airberlin.pkpass", "lufthansa.pkpass",
            "swiss.pkpass", "apple-semantic-event-ticket-scrubbed.pkpass", "flight-booking.eml"} <= names
