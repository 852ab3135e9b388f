"""schema.org reservations (JSON-LD, microdata, KDE Itinerary calendar data) to Reservation artifacts.

The input is the plain JSON data of one document (a dict, a list, or a dict with ``@graph``),
as ``extruct`` returns it for JSON-LD, or as :func:`from_microdata` rewrites extruct's
microdata items. :func:`reservations` finds every reservation object in it and yields one
``Reservation`` per object (per leg when ``reservationFor`` lists several), plus
``PluginWarning`` records for what could not be read.

Types: FlightReservation, LodgingReservation, TrainReservation, BusReservation,
RentalCarReservation and EventReservation become flight, lodging, train, bus, rental_car and
event; BoatReservation, TaxiReservation and FoodEstablishmentReservation are kept as boat, taxi
and restaurant rather than dropped. A plain ``Reservation`` takes its type from what it is for.
A bare Flight, TrainTrip, BusTrip, BoatTrip or Event at the top of a document (as Gmail markup
and KDE Itinerary allow in mail and calendars) becomes a reservation without a number, unless
the caller reads web pages (``bare=False``).

Places: flights fill ``departure``/``arrival`` from the airports (IATA code, with name, city and
coordinates from ``airportsdata`` where the source is silent); trains and buses from the
stations or stops; a rental car from its pick-up and drop-off locations; a hotel or an event
venue is both ``departure`` and ``arrival`` (the stay starts and ends there).

Times: an ISO 8601 text with an offset is used as it is. Without one, the wall-clock time is
placed in the zone of its place: the zone KDE Itinerary records beside it, the airport's zone
(airportsdata), the zone at the place's coordinates (timezonefinder), or the zone of its
country when all of that country's zones agree at that moment. With none of these the time
stays without UTC (status ``unparsable``, encoding ``iso8601_wallclock_no_zone``) and its raw
text is kept; a date without a time of day has encoding ``iso8601_date``. Nothing here uses
the workstation's time zone.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from forensic_triage.sdk import Locator, Place, PluginWarning, Reservation
from forensic_triage.sdk.times import NOT_APPLICABLE, UNPARSABLE, TimeValue, format_utc
from forensic_triage.travel import airports

Locate = Callable[[str], Locator]

RESERVATION_TYPES = {
    "FlightReservation": "flight",
    "LodgingReservation": "lodging",
    "TrainReservation": "train",
    "BusReservation": "bus",
    "RentalCarReservation": "rental_car",
    "EventReservation": "event",
    "BoatReservation": "boat",
    "TaxiReservation": "taxi",
    "FoodEstablishmentReservation": "restaurant",
}
TRIP_TYPES = {
    "Flight": "flight",
    "TrainTrip": "train",
    "BusTrip": "bus",
    "BoatTrip": "boat",
    "RentalCar": "rental_car",
    "Car": "rental_car",
    "Taxi": "taxi",
    "FoodEstablishment": "restaurant",
    "Restaurant": "restaurant",
}
LODGING_TYPES = {"LodgingBusiness", "Hotel", "Motel", "Hostel", "BedAndBreakfast", "Campground", "Resort",
                 "VacationRental", "Accommodation", "Apartment", "House", "Room", "HotelRoom", "Suite"}
# Found without a Reservation around them (Gmail markup and KDE Itinerary allow this).
BARE_TYPES = {"flight", "train", "bus", "boat", "event"}

STATUS = {
    "reservationconfirmed": "confirmed", "confirmed": "confirmed",
    "reservationcancelled": "cancelled", "cancelled": "cancelled", "canceled": "cancelled",
    "reservationpending": "pending", "pending": "pending",
    "reservationhold": "hold", "hold": "hold",
}
# KDE Itinerary and Gmail write a barcode's symbology before the ticket token.
TOKEN_PREFIXES = ("aztecCode:", "aztecbin:", "qrCode:", "barcode128:", "dataMatrix:", "pdf417:", "barcode:")
MAX_DEPTH = 12            # nesting depth searched for reservations
MAX_ITEMS = 10_000        # reservation objects taken from one document

WALLCLOCK = "iso8601_wallclock_no_zone"
DATE_ONLY = "iso8601_date"
_MIN = datetime(1900, 1, 1, tzinfo=timezone.utc)
_MAX = datetime(2200, 1, 1, tzinfo=timezone.utc)


# --- finding the objects ---------------------------------------------------------------------------

def type_names(obj: Any) -> list[str]:
    """The schema.org type names of an object, without their vocabulary prefix
    ("http://schema.org/FlightReservation" and "schema:FlightReservation" are both
    "FlightReservation")."""
    if not isinstance(obj, dict):
        return []
    raw = obj.get("@type", obj.get("type"))
    values = raw if isinstance(raw, list) else [raw]
    names = []
    for value in values:
        if isinstance(value, str) and value.strip():
            names.append(re.split(r"[/#:]", value.strip().rstrip("/"))[-1])
    return names


def _is_event(name: str) -> bool:
    return name == "Event" or name.endswith("Event") or name in ("Festival", "EventSeries", "CourseInstance")


def trip_kind(obj: Any) -> str | None:
    """What a reservationFor object is: flight, lodging, train, ... or None."""
    for name in type_names(obj):
        if name in TRIP_TYPES:
            return TRIP_TYPES[name]
        if name in LODGING_TYPES:
            return "lodging"
        if _is_event(name):
            return "event"
    return None


def reservation_kind(obj: Any) -> str | None:
    for name in type_names(obj):
        if name in RESERVATION_TYPES:
            return RESERVATION_TYPES[name]
        if name == "Reservation":
            target = obj.get("reservationFor")
            first = target[0] if isinstance(target, list) and target else target
            return trip_kind(first)
    return None


def pointer_join(pointer: str, *parts: object) -> str:
    """Extend an RFC 6901 JSON pointer."""
    for part in parts:
        pointer += "/" + str(part).replace("~", "~0").replace("/", "~1")
    return pointer


def find_objects(data: Any, pointer: str = "", *, bare: bool = True) -> Iterator[tuple[dict, str, str, bool]]:
    """Every reservation (and, with ``bare``, bare trip or event) object in ``data``: (object,
    pointer, type, is_reservation). Reservations are searched for anywhere (an EmailMessage's
    ``about``, an Order, an ``@graph``); bare trips only at the top level or directly in a
    list/graph."""
    count = 0
    stack: list[tuple[Any, str, int, bool]] = [(data, pointer, 0, True)]
    while stack:
        node, where, depth, top = stack.pop()
        if depth > MAX_DEPTH:
            continue
        if isinstance(node, list):
            for index in range(len(node) - 1, -1, -1):
                stack.append((node[index], pointer_join(where, index), depth + 1, top))
            continue
        if not isinstance(node, dict):
            continue
        kind = reservation_kind(node)
        if kind is not None:
            count += 1
            yield node, where, kind, True
        elif bare and top and trip_kind(node) in BARE_TYPES:
            count += 1
            yield node, where, trip_kind(node), False
        else:
            for key in reversed(list(node)):
                if key in ("@context",):
                    continue
                value = node[key]
                if isinstance(value, (dict, list)):
                    stack.append((value, pointer_join(where, key), depth + 1, top and key == "@graph"))
        if count >= MAX_ITEMS:
            return


# --- microdata -----------------------------------------------------------------------------------

def from_microdata(item: Any, depth: int = 0) -> Any:
    """extruct's microdata item ({"type": ..., "properties": {...}}) as JSON-LD-like data."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(item, list):
        return [from_microdata(each, depth + 1) for each in item]
    if not isinstance(item, dict) or not ("type" in item or "properties" in item):
        return item
    out: dict[str, Any] = {}
    if item.get("type"):
        out["@type"] = item["type"]
    if item.get("id"):
        out["@id"] = item["id"]
    for key, value in (item.get("properties") or {}).items():
        out[key] = from_microdata(value, depth + 1)
    if not item.get("properties") and "value" in item:
        out["value"] = item["value"]
    return out


# --- values --------------------------------------------------------------------------------------

def text_of(value: Any) -> str | None:
    """A property as one line of text: strings as they are, numbers formatted, a Thing by
    its name, a list by its first usable member."""
    if isinstance(value, list):
        for each in value:
            text = text_of(each)
            if text:
                return text
        return None
    if isinstance(value, dict):
        for key in ("name", "@value", "value", "@id", "url"):
            if key in value and not isinstance(value[key], (dict, list)):
                return text_of(value[key])
        return None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    text = str(value).strip()
    return text or None


def _first(obj: dict, *keys: str) -> Any:
    for key in keys:
        value = obj.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def _dict(value: Any) -> dict:
    if isinstance(value, list):
        value = next((each for each in value if isinstance(each, dict)), None)
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict]:
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [each for each in value if isinstance(each, dict)]
    return []


def person_name(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if not isinstance(value, dict):
        return None
    name = text_of(value.get("name"))
    if name:
        return name
    parts = [text_of(value.get(key)) for key in ("givenName", "additionalName", "familyName")]
    return " ".join(part for part in parts if part) or None


def _names(*values: Any) -> tuple[str, ...]:
    names: list[str] = []
    for value in values:
        for each in value if isinstance(value, list) else [value]:
            name = person_name(each)
            if name and name.casefold() not in {known.casefold() for known in names}:
                names.append(name)
    return tuple(names)


def status_word(value: Any) -> str | None:
    text = text_of(value)
    if not text:
        return None
    key = re.split(r"[/#:]", text.strip().rstrip("/"))[-1].lower()
    return STATUS.get(key, key or None)


def ticket_token(value: Any) -> str | None:
    text = text_of(value) if not isinstance(value, str) else value
    if not text:
        return None
    for prefix in TOKEN_PREFIXES:
        if text.lower().startswith(prefix.lower()):
            return text[len(prefix):] or None
    return text


def coordinate(value: Any, limit: float) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number) or abs(number) > limit:
        return None
    return number


def address_text(value: Any) -> tuple[str | None, str | None]:
    """A PostalAddress (or text) as one line, and its country code when it gives one."""
    if isinstance(value, str):
        return value.strip() or None, None
    if not isinstance(value, dict):
        return None, None
    country = text_of(value.get("addressCountry"))
    locality = " ".join(part for part in (text_of(value.get("postalCode")), text_of(value.get("addressLocality")))
                        if part)
    parts = [text_of(value.get("streetAddress")), locality or None, text_of(value.get("addressRegion")), country]
    line = ", ".join(part for part in parts if part)
    code = country.upper() if country and re.fullmatch(r"[A-Za-z]{2}", country) else None
    return line or None, code


class Where:
    """A place as found, with what is known about its zone."""

    def __init__(self, place: Place | None, *, country: str | None = None, zone: str | None = None) -> None:
        self.place = place
        self.country = country
        self.zone = zone


def make_place(value: Any, *, airport: bool = False) -> Where:
    if isinstance(value, list):
        value = _dict(value) or (value[0] if value else None)
    if isinstance(value, str):
        code = value.strip().upper() if airport and airports.is_code(value) else None
        if code:
            found = airports.airport(code)
            return Where(airports.place(code), country=found.country if found else None,
                         zone=found.time_zone if found else None)
        return Where(Place(name=value.strip()) if value.strip() else None)
    if not isinstance(value, dict):
        return Where(None)
    name = text_of(value.get("name"))
    code = text_of(_first(value, "iataCode", "iata")) if airport else None
    if not code:
        identifier = value.get("identifier")
        code = text_of(identifier) if isinstance(identifier, (str, int)) else None
        if not code and not airport:
            code = text_of(_first(value, "iataCode", "branchCode"))
    address, country = address_text(value.get("address"))
    geo = _dict(value.get("geo")) or value
    latitude = coordinate(geo.get("latitude"), 90.0)
    longitude = coordinate(geo.get("longitude"), 180.0)
    if latitude is None or longitude is None:
        latitude = longitude = None
    zone = None
    if airport and code and airports.is_code(code):
        found = airports.airport(code)
        if found is not None:
            zone = found.time_zone
            country = country or found.country
        place = airports.place(code, name=name, address=address, latitude=latitude, longitude=longitude)
    elif any((name, code, address, latitude is not None)):
        place = Place(name=name, code=code, address=address, latitude=latitude, longitude=longitude)
    else:
        place = None
    return Where(place, country=country, zone=zone)


# --- times ---------------------------------------------------------------------------------------

_OFFSET = re.compile(r"^(?P<base>.*[T ]\d{1,2}(?::\d{2}){0,2}(?:[.,]\d+)?)\s*"
                     r"(?P<sign>[+-])(?P<hours>\d{1,2}):?(?P<minutes>\d{2})?$")


def _normalise(text: str) -> str:
    text = text.strip()
    if text.endswith(("Z", "z")):
        return text[:-1] + "+00:00"
    match = _OFFSET.match(text)
    if match:
        minutes = match["minutes"] or "00"
        return f"{match['base']}{match['sign']}{int(match['hours']):02d}:{minutes}"
    return text


def _valid_zone(name: Any) -> ZoneInfo | None:
    if not isinstance(name, str) or not name.strip():
        return None
    return zone_info(name.strip())


@lru_cache(maxsize=512)
def zone_info(name: str) -> ZoneInfo | None:
    """The IANA zone of that name from the system/tzdata database, or None."""
    if not re.fullmatch(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*", name) or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return None


@lru_cache(maxsize=1)
def _timezone_finder():
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


@lru_cache(maxsize=2048)
def zone_at(latitude: float, longitude: float) -> str | None:
    """The IANA zone at a point (timezonefinder, offline)."""
    try:
        found = _timezone_finder().timezone_at(lat=latitude, lng=longitude)
    except (ValueError, ImportError):
        return None
    return found if found and zone_info(found) else None


@lru_cache(maxsize=1)
def _country_zones() -> dict[str, tuple[str, ...]]:
    from importlib import resources

    zones: dict[str, list[str]] = {}
    try:
        text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) >= 3:
            zones.setdefault(fields[0].upper(), []).append(fields[2])
    return {country: tuple(names) for country, names in zones.items()}


def country_zone(country: str | None, wall: datetime) -> str | None:
    """A zone for a country when every zone of that country has the same offset at that wall
    time (so the instant does not depend on which one we pick)."""
    if not country:
        return None
    names = [name for name in _country_zones().get(country.upper(), ()) if zone_info(name)]
    if not names:
        return None
    offsets = {wall.replace(tzinfo=zone_info(name)).utcoffset() for name in names}
    return names[0] if len(offsets) == 1 else None


def place_zone(where: Where | None, wall: datetime | None = None) -> str | None:
    if where is None:
        return None
    if where.zone and zone_info(where.zone):
        return where.zone
    place = where.place
    if place is not None and place.latitude is not None and place.longitude is not None:
        found = zone_at(place.latitude, place.longitude)
        if found:
            return found
    if wall is not None:
        return country_zone(where.country, wall)
    return None


def _in_range(moment: datetime) -> bool:
    return _MIN <= moment < _MAX


def parse_time(value: Any, where: Where | None = None) -> tuple[TimeValue | None, str | None]:
    """A schema.org date/time (text, or KDE's {"@value", "timezone"}) as a TimeValue and the
    IANA zone of its place where known."""
    explicit = None
    if isinstance(value, dict):
        explicit = value.get("timezone")
        value = _first(value, "@value", "value")
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None or value == "":
        return None, None
    raw = str(value).strip()
    if not raw:
        return None, None
    text = _normalise(raw)
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = date.fromisoformat(text)
            zone = explicit if _valid_zone(explicit) else place_zone(where, datetime(day.year, day.month, day.day))
            return TimeValue(utc=None, raw=raw, encoding=DATE_ONLY, status=NOT_APPLICABLE), zone
        moment = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        return TimeValue(utc=None, raw=raw, encoding="iso8601", status=UNPARSABLE), None
    if moment.tzinfo is not None:
        zone_name = explicit if _valid_zone(explicit) else place_zone(where, moment.replace(tzinfo=None))
        if zone_name and moment.astimezone(zone_info(zone_name)).utcoffset() != moment.utcoffset():
            zone_name = explicit if _valid_zone(explicit) else None   # the place's zone contradicts the offset
        if not _in_range(moment):
            return TimeValue(utc=None, raw=raw, encoding="iso8601", status=UNPARSABLE), zone_name
        return TimeValue(utc=format_utc(moment), raw=raw, encoding="iso8601"), zone_name
    zone_name = explicit if _valid_zone(explicit) else place_zone(where, moment)
    if zone_name is None:
        return TimeValue(utc=None, raw=raw, encoding=WALLCLOCK, status=UNPARSABLE), None
    return local_time(moment, zone_name, raw), zone_name


def local_time(wall: datetime, zone_name: str, raw: str, encoding: str | None = None) -> TimeValue:
    """A wall-clock time in a named zone as UTC (the first of two readings in a DST fold)."""
    zone = zone_info(zone_name)
    if zone is None:
        return TimeValue(utc=None, raw=raw, encoding=WALLCLOCK, status=UNPARSABLE)
    moment = wall.replace(tzinfo=zone, fold=0)
    if not _in_range(moment):
        return TimeValue(utc=None, raw=raw, encoding=encoding or f"iso8601_local:{zone_name}", status=UNPARSABLE)
    return TimeValue(utc=format_utc(moment), raw=raw, encoding=encoding or f"iso8601_local:{zone_name}")


def local_date(value: TimeValue | None, zone_name: str | None) -> date | None:
    """The calendar day of a time at its place (UTC when the zone is unknown), also for
    date-only and wall-clock values; used to match the same booking across sources."""
    if value is None:
        return None
    if value.utc:
        moment = datetime.fromisoformat(value.utc.replace("Z", "+00:00"))
        zone = zone_info(zone_name) if zone_name else None
        return (moment.astimezone(zone) if zone else moment).date()
    match = re.search(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d{3})", value.raw or "")
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
    return None


# --- conversion ----------------------------------------------------------------------------------

def _price(obj: dict) -> tuple[str | None, str | None]:
    for holder in (obj, _dict(obj.get("reservedTicket")), _dict(obj.get("totalPrice"))):
        if not holder:
            continue
        value = _first(holder, "totalPrice", "price")
        currency = text_of(_first(holder, "priceCurrency", "currency"))
        if isinstance(value, dict):
            currency = currency or text_of(_first(value, "priceCurrency", "currency"))
            value = _first(value, "price", "value")
        text = text_of(value)
        if text:
            return text, currency or text_of(obj.get("priceCurrency"))
    return None, text_of(obj.get("priceCurrency"))


def _trip_number(code: str | None, number: Any) -> str | None:
    number_text = text_of(number)
    if not number_text:
        return None
    if code and not number_text.upper().startswith(code.upper()):
        return f"{code} {number_text}"
    return number_text


def _seat(obj: dict) -> str | None:
    seat = text_of(obj.get("airplaneSeat"))
    if seat:
        return seat
    for ticket in _dicts(obj.get("reservedTicket")):
        for seat_obj in _dicts(ticket.get("ticketedSeat")):
            seat = text_of(seat_obj.get("seatNumber"))
            if seat:
                return seat
        if isinstance(ticket.get("ticketedSeat"), str):
            return ticket["ticketedSeat"].strip() or None
    return None


def _token(obj: dict) -> str | None:
    for ticket in _dicts(obj.get("reservedTicket")):
        token = ticket_token(ticket.get("ticketToken"))
        if token:
            return token
    return ticket_token(obj.get("ticketToken"))


def _provider(obj: dict, trip: dict, kind: str) -> str | None:
    specific = {
        "flight": ("airline", "provider", "operatedBy"),
        "train": ("provider", "trainCompany"),
        "bus": ("provider", "busCompany"),
        "boat": ("provider",),
        "rental_car": ("rentalCompany", "provider", "brand"),
        "taxi": ("provider",),
        "lodging": (),
        "event": ("organizer", "provider"),
        "restaurant": (),
    }.get(kind, ())
    provider = text_of(obj.get("provider"))
    if provider:
        return provider
    for key in specific:
        value = trip.get(key)
        text = text_of(value)
        if not text and isinstance(value, dict):
            text = text_of(value.get("iataCode"))
        if text:
            return text
    if kind in ("lodging", "restaurant"):
        return text_of(trip.get("name"))
    return text_of(_first(obj, "broker", "bookingAgent"))


def convert(obj: dict, kind: str, *, origin: str, pointer: str, locate: Locate,
            is_reservation: bool = True) -> Iterator[Reservation | PluginWarning]:
    """One reservation object (or bare trip) to Reservation artifacts, one per leg."""
    targets = obj.get("reservationFor") if is_reservation else obj
    legs: list[tuple[dict, str]]
    if isinstance(targets, list):
        legs = [(leg, pointer_join(pointer, "reservationFor", index)) for index, leg in enumerate(targets)
                if isinstance(leg, dict)]
    elif isinstance(targets, dict):
        legs = [(targets, pointer)]
    else:
        legs = [({}, pointer)]
    holder = obj if is_reservation else {}
    for trip, leg_pointer in legs:
        yield from _convert_leg(holder, trip, kind, origin=origin, pointer=leg_pointer, locate=locate)


def _convert_leg(obj: dict, trip: dict, kind: str, *, origin: str, pointer: str,
                 locate: Locate) -> Iterator[Reservation | PluginWarning]:
    locator = locate(pointer)
    name = trip_number = None
    start_value = end_value = None
    departure = arrival = Where(None)
    if kind == "flight":
        airline = _dict(trip.get("airline")) or _dict(trip.get("provider"))
        code = text_of(airline.get("iataCode")) if airline else None
        trip_number = _trip_number(code, trip.get("flightNumber"))
        departure = make_place(trip.get("departureAirport"), airport=True)
        arrival = make_place(trip.get("arrivalAirport"), airport=True)
        start_value = _first(trip, "departureTime") or _first(trip, "departureDay")
        end_value = _first(trip, "arrivalTime")
        name = text_of(trip.get("name"))
    elif kind in ("train", "bus", "boat"):
        prefix = {"train": "train", "bus": "bus", "boat": "boat"}[kind]
        product = text_of(trip.get(f"{prefix}Name"))
        number = text_of(trip.get(f"{prefix}Number"))
        trip_number = _trip_number(product, number) if number else product
        stops = {"train": ("departureStation", "arrivalStation"), "bus": ("departureBusStop", "arrivalBusStop"),
                 "boat": ("departureBoatTerminal", "arrivalBoatTerminal")}[kind]
        departure = make_place(_first(trip, stops[0], "departureStation", "departureLocation"))
        arrival = make_place(_first(trip, stops[1], "arrivalStation", "arrivalLocation"))
        start_value = _first(trip, "departureTime") or _first(trip, "departureDay")
        end_value = _first(trip, "arrivalTime")
        name = text_of(trip.get("name"))
    elif kind == "lodging":
        name = text_of(trip.get("name"))
        departure = arrival = make_place(trip)
        start_value = _first(obj, "checkinTime", "checkinDate") or _first(trip, "checkinTime")
        end_value = _first(obj, "checkoutTime", "checkoutDate") or _first(trip, "checkoutTime")
    elif kind == "rental_car":
        name = text_of(trip.get("name")) or text_of(trip.get("model"))
        departure = make_place(obj.get("pickupLocation"))
        arrival = make_place(obj.get("dropoffLocation"))
        start_value = _first(obj, "pickupTime")
        end_value = _first(obj, "dropoffTime")
    elif kind == "taxi":
        departure = make_place(obj.get("pickupLocation"))
        start_value = _first(obj, "pickupTime")
        name = text_of(trip.get("name"))
    elif kind == "event":
        name = text_of(trip.get("name"))
        departure = arrival = make_place(trip.get("location"))
        start_value = _first(trip, "startDate", "doorTime") or _first(obj, "startTime", "startDate")
        end_value = _first(trip, "endDate") or _first(obj, "endTime", "endDate")
    elif kind == "restaurant":
        name = text_of(trip.get("name"))
        departure = arrival = make_place(trip)
        start_value = _first(obj, "startTime", "startDate")
        end_value = _first(obj, "endTime", "endDate")

    start, start_zone = parse_time(start_value, departure) if start_value is not None else (None, None)
    end, end_zone = parse_time(end_value, arrival) if end_value is not None else (None, None)
    booked, _zone = parse_time(obj.get("bookingTime")) if obj.get("bookingTime") else (None, None)
    for label, value in (("start", start), ("end", end), ("booking time", booked)):
        if value is not None and value.status == UNPARSABLE and value.encoding == "iso8601":
            yield PluginWarning(message=f"schema.org {label} {value.raw!r} is not an ISO 8601 date/time",
                                code="schema_org.bad_time", locator=locator)
    price, currency = _price(obj)
    reservation_number = text_of(_first(obj, "reservationNumber", "reservationId"))
    tickets = _dicts(obj.get("reservedTicket"))
    travellers = _names(obj.get("underName"), *[ticket.get("underName") for ticket in tickets])
    yield Reservation(
        type=kind, origin=origin, name=name, trip_number=trip_number, reservation_number=reservation_number,
        status=status_word(obj.get("reservationStatus")), travellers=travellers,
        provider=_provider(obj, trip, kind), departure=departure.place, arrival=arrival.place,
        start=start, end=end, start_time_zone=start_zone, end_time_zone=end_zone, booked=booked,
        seat=_seat(obj), ticket_token=_token(obj), price=price, currency=currency if price else currency,
        locator=locator)


def reservations(data: Any, *, origin: str, locate: Locate, pointer: str = "",
                 bare: bool = True) -> Iterator[Reservation | PluginWarning]:
    """Every reservation in one document's schema.org data; with ``bare``, also a Flight,
    TrainTrip, BusTrip, BoatTrip or Event standing alone at the top (right for a confirmation
    mail or a calendar, not for web pages, where such markup advertises rather than books)."""
    for obj, where, kind, is_reservation in find_objects(data, pointer, bare=bare):
        try:
            yield from convert(obj, kind, origin=origin, pointer=where, locate=locate, is_reservation=is_reservation)
        except (TypeError, ValueError, AttributeError, OverflowError) as exc:
            yield PluginWarning(message=f"schema.org object at {where or '/'} could not be read: {exc}",
                                code="schema_org.unreadable", locator=locate(where))


def loads_lenient(text: str) -> Any:
    """JSON as found in the wild: strict first, then with control characters allowed; raises
    ValueError when it is not JSON at all."""
    try:
        return json.loads(text)
    except ValueError:
        return json.loads(text, strict=False)

