"""Bookings in iCalendar files (RFC 5545 ``.ics``): flights, hotels, trains, buses, rental cars, events.

A VEVENT is a booking when
- it carries schema.org data in an ``X-`` property, as KDE Itinerary writes it
  (``X-KDE-KITINERARY-RESERVATION``: a JSON list of reservations, TEXT-escaped); these are read
  with ``forensic_triage.travel.schema_org`` and are the most complete source;
- or its SUMMARY has the shape calendar apps give travel entries: "Flight LH 123 from FRA to
  JFK", "Flight to Paris (AF 1234)", "Train ICE 597 from Berlin to Munich", "Bus ... from ... to
  ...", "Hotel reservation: NAME", "Rental car reservation: NAME"; DESCRIPTION lines such as
  "Booking reference: ABC123", "Seat: 16E" and "Under name: ..." fill the rest.
Other events (meetings, birthdays) are counted, not reported.

The file is read in one streaming pass per purpose, component by component, so a large
calendar stays in bounded memory and one broken event does not hide the others. VTIMEZONE
definitions are resolved here, per file, and never handed to icalendar's process-wide
time-zone cache: a TZID that is an IANA name uses the tz database; otherwise the file's own
VTIMEZONE (dateutil), a Windows zone name, or a "UTC+hh:mm" name; an unknown TZID keeps the
wall-clock time without UTC and says so in a warning. STATUS:CANCELLED and METHOD:CANCEL make
the booking "cancelled". A recurring booking (RRULE) is reported once, for its first
occurrence, with a note; a broken RRULE is a warning.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import BinaryIO

from forensic_triage.sdk import Context, Extractor, Place, PluginWarning, Reservation, Select, Source
from forensic_triage.sdk.times import NOT_APPLICABLE, UNPARSABLE, TimeValue, format_utc
from forensic_triage.travel import airports, schema_org

MAX_LINE = 1 << 20            # bytes of one physical line read at a time
MAX_COMPONENT = 8 << 20       # bytes of one VEVENT/VTIMEZONE kept for parsing
MAX_COMPONENTS = 200_000      # events read from one file
EVENT_KINDS = ("VEVENT", "VTODO", "VJOURNAL")

WALLCLOCK = "ics_wallclock_no_zone"
DATE_ONLY = "ics_date"


@dataclass
class Component:
    """One top-level calendar component as raw text, with where it starts."""

    name: str
    index: int                 # n-th component of this name in the file (0-based)
    line: int                  # line number of its BEGIN (1-based)
    text: str
    method: str | None = None  # METHOD of the VCALENDAR around it
    truncated: bool = False
    replaced_bytes: bool = False


@dataclass
class Zones:
    """TZID -> tzinfo for one file."""

    definitions: dict[str, str] = field(default_factory=dict)   # TZID -> VTIMEZONE text
    resolved: dict[str, tuple[object | None, str | None]] = field(default_factory=dict)

    def resolve(self, tzid: str) -> tuple[object | None, str | None]:
        """(tzinfo, IANA name) for a TZID; (None, None) when unknown."""
        if tzid not in self.resolved:
            self.resolved[tzid] = self._resolve(tzid)
        return self.resolved[tzid]

    def _resolve(self, tzid: str) -> tuple[object | None, str | None]:
        clean = tzid.strip().strip('"').lstrip("/").strip()
        found = schema_org.zone_info(clean)
        if found is not None:
            return found, clean
        text = self.definitions.get(tzid) or self.definitions.get(clean)
        if text:
            try:
                from dateutil.tz import tzical

                return tzical(io.StringIO(text)).get(), None
            except (ValueError, KeyError, IndexError, TypeError, AttributeError):
                pass
        try:
            from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON
        except ImportError:  # pragma: no cover - older icalendar
            WINDOWS_TO_OLSON = {}
        olson = WINDOWS_TO_OLSON.get(clean)
        if olson and schema_org.zone_info(olson):
            return schema_org.zone_info(olson), olson
        match = re.fullmatch(r"(?:UTC|GMT)\s*(?:(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?)?", clean, re.I)
        if match:
            minutes = int(match["h"] or 0) * 60 + int(match["m"] or 0)
            offset = timedelta(minutes=-minutes if match["sign"] == "-" else minutes)
            if abs(offset) < timedelta(hours=15):
                return timezone(offset), "UTC" if not minutes else None
        return None, None


def _lines(stream: BinaryIO) -> Iterator[tuple[int, bytes, bool]]:
    """Physical lines (without the line break), their number, and whether the line was cut."""
    number = 0
    while True:
        chunk = stream.readline(MAX_LINE)
        if not chunk:
            return
        number += 1
        cut = not chunk.endswith(b"\n")
        if cut:  # skip the rest of an over-long line
            while True:
                rest = stream.readline(MAX_LINE)
                if not rest or rest.endswith(b"\n"):
                    break
        yield number, chunk.rstrip(b"\r\n"), cut


def components(stream: BinaryIO, wanted: tuple[str, ...] = EVENT_KINDS + ("VTIMEZONE",)) -> Iterator[Component]:
    """The top-level components of a calendar stream (inside VCALENDAR or bare), one at a time."""
    stream.seek(0)
    depth_names: list[str] = []
    current: list[str] | None = None
    current_size = 0
    current_meta: Component | None = None
    counters: dict[str, int] = {}
    method = None
    for number, raw, _cut in _lines(stream):
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        text = raw.decode("utf-8", errors="replace")
        replaced = "\ufffd" in text and b"\xef\xbf\xbd" not in raw
        upper = text.upper()
        if upper.startswith("BEGIN:"):
            name = upper[6:].strip()
            parent_ok = not depth_names or depth_names == ["VCALENDAR"]
            depth_names.append(name)
            if current is None and parent_ok and name in wanted:
                index = counters.get(name, 0)
                counters[name] = index + 1
                current, current_size = [text], len(raw)
                current_meta = Component(name=name, index=index, line=number, text="", method=method)
                continue
        elif upper.startswith("END:"):
            name = upper[4:].strip()
            if depth_names and depth_names[-1] == name:
                depth_names.pop()
            elif name in depth_names:  # unbalanced: close up to it
                del depth_names[depth_names.index(name):]
            if name == "VCALENDAR":
                method = None
            if current is not None and current_meta is not None and name == current_meta.name and \
                    (not depth_names or depth_names == ["VCALENDAR"]):
                current.append(text)
                current_meta.text = "\r\n".join(current) + "\r\n"
                yield current_meta
                current = current_meta = None
                continue
        elif depth_names == ["VCALENDAR"] and upper.startswith("METHOD:"):
            method = text[7:].strip().upper() or None
        if current is not None and current_meta is not None:
            current_meta.replaced_bytes |= replaced
            if current_size + len(raw) <= MAX_COMPONENT:
                current.append(text)
                current_size += len(raw) + 2
            else:
                current_meta.truncated = True
    if current is not None and current_meta is not None:  # file ends inside a component
        current_meta.truncated = True
        current_meta.text = "\r\n".join(current) + "\r\n" + f"END:{current_meta.name}\r\n"
        yield current_meta


def count_components(stream: BinaryIO) -> dict[str, int]:
    """How many VEVENT, VTODO, VJOURNAL components the calendar holds."""
    counts = {name: 0 for name in EVENT_KINDS}
    for component in components(stream, EVENT_KINDS):
        counts[component.name] += 1
    return counts


# --- values --------------------------------------------------------------------------------------

def _unescape(text: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)


def _text(event, name: str) -> str | None:
    value = event.get(name)
    if value is None:
        return None
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        text = str(value).strip()
    except Exception:  # noqa: BLE001 - a broken property reads as absent
        return None
    return text or None


def _raw_value(prop) -> str:
    try:
        value = prop.to_ical()
        value = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    except Exception:  # noqa: BLE001
        value = str(getattr(prop, "dt", prop))
    params = getattr(prop, "params", None)
    try:
        prefix = params.to_ical().decode("utf-8", "replace") if params else ""
    except Exception:  # noqa: BLE001
        prefix = ""
    return f"{prefix}:{value}" if prefix else value


def ics_time(prop, zones: Zones, fallback_zone: str | None = None) -> tuple[TimeValue | None, str | None, str | None]:
    """A DTSTART/DTEND property as (TimeValue, IANA zone, problem)."""
    if prop is None:
        return None, None, None
    raw = _raw_value(prop)
    try:
        value = prop.dt
    except Exception as exc:  # noqa: BLE001 - icalendar raises on broken values
        return TimeValue(utc=None, raw=raw, encoding="ics", status=UNPARSABLE), None, f"unparsable: {exc}"
    if isinstance(value, date) and not isinstance(value, datetime):
        return TimeValue(utc=None, raw=raw, encoding=DATE_ONLY, status=NOT_APPLICABLE), fallback_zone, None
    if not isinstance(value, datetime):
        return TimeValue(utc=None, raw=raw, encoding="ics", status=UNPARSABLE), None, "not a date-time"
    tzid = prop.params.get("TZID") if getattr(prop, "params", None) else None
    wall = value.replace(tzinfo=None)
    if tzid:
        tzinfo, iana = zones.resolve(str(tzid))
        if tzinfo is None:
            return (TimeValue(utc=None, raw=raw, encoding=WALLCLOCK, status=UNPARSABLE), None,
                    f"unknown TZID {str(tzid)!r}: wall-clock time {wall.isoformat()} kept without UTC")
        moment = wall.replace(tzinfo=tzinfo)
        return _checked(moment, raw, f"ics_local:{iana or tzid}"), iana, None
    if value.tzinfo is not None:  # "Z": UTC
        return _checked(value, raw, "ics_utc"), None, None
    if fallback_zone and schema_org.zone_info(fallback_zone):  # floating time at a known place
        return schema_org.local_time(wall, fallback_zone, raw, f"ics_floating:{fallback_zone}"), fallback_zone, None
    return TimeValue(utc=None, raw=raw, encoding=WALLCLOCK, status=UNPARSABLE), None, None


def _checked(moment: datetime, raw: str, encoding: str) -> TimeValue:
    try:
        utc = moment.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        return TimeValue(utc=None, raw=raw, encoding=encoding, status=UNPARSABLE)
    if not 1900 <= utc.year < 2200:
        return TimeValue(utc=None, raw=raw, encoding=encoding, status=UNPARSABLE)
    return TimeValue(utc=format_utc(utc), raw=raw, encoding=encoding)


# --- SUMMARY/DESCRIPTION conventions ----------------------------------------------------------------

_NUMBER = r"(?P<number>[A-Z0-9]{2}\s?\d{1,4}[A-Z]?)"
SUMMARY_PATTERNS = [
    ("flight", re.compile(rf"^\s*flight\s+{_NUMBER}\s+from\s+(?P<from>.+?)\s+to\s+(?P<to>.+?)\s*$", re.I)),
    ("flight", re.compile(rf"^\s*flight\s+to\s+(?P<to>.+?)\s*\(\s*{_NUMBER}\s*\)\s*$", re.I)),
    ("flight", re.compile(rf"^\s*flight\s+from\s+(?P<from>.+?)\s+to\s+(?P<to>.+?)\s*\(\s*{_NUMBER}\s*\)\s*$", re.I)),
    ("train", re.compile(r"^\s*train\s+(?:(?P<number>.+?)\s+)?from\s+(?P<from>.+?)\s+to\s+(?P<to>.+?)\s*$", re.I)),
    ("bus", re.compile(r"^\s*bus\s+(?:(?P<number>.+?)\s+)?from\s+(?P<from>.+?)\s+to\s+(?P<to>.+?)\s*$", re.I)),
    ("boat", re.compile(r"^\s*(?:ferry|boat)\s+(?:(?P<number>.+?)\s+)?from\s+(?P<from>.+?)\s+to\s+(?P<to>.+?)\s*$",
                        re.I)),
    ("lodging", re.compile(r"^\s*(?:hotel\s+(?:reservation|booking|stay)|stay\s+at|hotel)\s*[:\-]?\s*(?P<name>.+?)\s*$",
                           re.I)),
    ("rental_car", re.compile(r"^\s*(?:rental\s+car(?:\s+reservation)?|car\s+rental)\s*[:\-]?\s*(?P<name>.*?)\s*$",
                              re.I)),
]
_BOOKING = re.compile(r"(?im)^\s*(?:booking\s+(?:reference|ref\.?|number|code)|confirmation\s*(?:number|code|no\.?)?|"
                      r"reservation\s+(?:number|code|no\.?)|record\s+locator|pnr)\s*[:#]\s*"
                      r"(?P<v>[A-Za-z0-9][A-Za-z0-9\-]{2,})")
_SEAT = re.compile(r"(?im)^\s*seat\s*:\s*(?P<v>\S+)")
_PERSON = re.compile(r"(?im)^\s*(?:under\s+name|passenger|traveller|traveler|guest)\s*:\s*(?P<v>.+?)\s*$")


def _stop(text: str | None, airport: bool) -> tuple[Place | None, str | None]:
    if not text:
        return None, None
    text = text.strip()
    if airport and airports.is_code(text):
        return airports.place(text.upper()), airports.time_zone(text)
    return Place(name=text), None


def _geo(event) -> tuple[float | None, float | None]:
    value = event.get("GEO")
    if value is None:
        return None, None
    try:
        latitude, longitude = float(value.latitude), float(value.longitude)
    except (AttributeError, TypeError, ValueError):
        return None, None
    if abs(latitude) > 90 or abs(longitude) > 180 or (latitude == 0 and longitude == 0):
        return None, None
    return latitude, longitude


def summary_booking(event, zones: Zones, *, cancelled: bool, locator) -> tuple[Reservation | None, list[str]]:
    summary = _text(event, "SUMMARY") or ""
    problems: list[str] = []
    for kind, pattern in SUMMARY_PATTERNS:
        match = pattern.match(summary)
        if match:
            break
    else:
        return None, problems
    groups = match.groupdict()
    description = _text(event, "DESCRIPTION") or ""
    location = _text(event, "LOCATION")
    latitude, longitude = _geo(event)
    name = trip_number = None
    departure = arrival = None
    start_zone_hint = end_zone_hint = None
    if kind in ("flight", "train", "bus", "boat"):
        number = (groups.get("number") or "").strip() or None
        if kind == "flight" and number:
            number = re.sub(r"^([A-Z0-9]{2})\s?(\d)", r"\1 \2", number.upper())
        trip_number = number
        departure, start_zone_hint = _stop(groups.get("from") or location, kind == "flight")
        arrival, end_zone_hint = _stop(groups.get("to"), kind == "flight")
        if departure is not None and latitude is not None and departure.latitude is None:
            departure = dataclasses.replace(departure, latitude=latitude, longitude=longitude)
    else:
        name = (groups.get("name") or "").strip() or None
        if kind == "lodging" and not name:
            return None, problems
        departure = Place(name=name if kind == "lodging" else location, address=location if kind == "lodging" else None,
                          latitude=latitude, longitude=longitude)
        arrival = departure if kind == "lodging" else None
    start, start_zone, problem = ics_time(event.get("DTSTART"), zones, start_zone_hint)
    if problem:
        problems.append(f"DTSTART {problem}")
    end, end_zone, problem = ics_time(event.get("DTEND"), zones, end_zone_hint)
    if problem:
        problems.append(f"DTEND {problem}")
    if end is None and start is not None and start.utc and event.get("DURATION") is not None:
        try:
            duration = event.get("DURATION").dt
            moment = datetime.fromisoformat(start.utc.replace("Z", "+00:00")) + duration
            end = TimeValue(utc=format_utc(moment), raw=_raw_value(event.get("DURATION")), encoding="ics_duration")
            end_zone = start_zone
        except Exception:  # noqa: BLE001 - a broken DURATION leaves the end unknown
            problems.append("DURATION unparsable")
    booking = _BOOKING.search(description)
    seat = _SEAT.search(description)
    people = [match.group("v") for match in _PERSON.finditer(description)]
    status = "cancelled" if cancelled else _status(event)
    reservation = Reservation(
        type=kind, origin="ics", name=name, trip_number=trip_number,
        reservation_number=booking.group("v") if booking else None, status=status,
        travellers=tuple(dict.fromkeys(people)), departure=departure, arrival=arrival, start=start, end=end,
        start_time_zone=start_zone, end_time_zone=end_zone, seat=seat.group("v") if seat else None,
        locator=locator)
    return reservation, problems


def _status(event) -> str | None:
    status = (_text(event, "STATUS") or "").upper()
    return {"CANCELLED": "cancelled", "CONFIRMED": "confirmed", "TENTATIVE": "pending"}.get(status)


def _schema_properties(event) -> Iterator[tuple[str, object]]:
    """(property name, parsed JSON) for X- properties that hold schema.org data."""
    for name, value in event.property_items(recursive=False, sorted=False):
        if not name.upper().startswith("X-"):
            continue
        try:
            raw = value.to_ical()
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        except Exception:  # noqa: BLE001
            continue
        if "@type" not in text:
            continue
        for candidate in (text, _unescape(text)):
            try:
                yield name.upper(), schema_org.loads_lenient(candidate)
                break
            except ValueError:
                continue
        else:
            yield name.upper(), ValueError("not valid JSON")


def _rrule_problem(event) -> tuple[bool, str | None]:
    """(has an RRULE, what is wrong with it)."""
    for name, message in getattr(event, "errors", []) or []:
        if str(name).upper() == "RRULE":
            return True, str(message)
    rule = event.get("RRULE")
    if rule is None:
        return False, None
    if type(rule).__name__ == "vBroken":
        return True, "unparsable"
    rules = rule if isinstance(rule, list) else [rule]
    for each in rules:
        try:
            freq = each.get("FREQ")
        except AttributeError:
            return True, "unparsable"
        if not freq:
            return True, "no FREQ"
    return True, None


def read_calendar(ctx: Context, stream: BinaryIO, *, member: str | None = None,
                  pointer_prefix: str = "") -> Iterator[Reservation | PluginWarning]:
    """Reservations in one calendar stream (a file, or a mail attachment named by ``member``)."""
    zones = Zones()
    for component in components(stream, ("VTIMEZONE",)):
        match = re.search(r"(?im)^TZID[^:]*:(.*)$", component.text)
        if match:
            zones.definitions.setdefault(match.group(1).strip(), component.text)
    seen = 0
    for component in components(stream, EVENT_KINDS):
        seen += 1
        if seen > MAX_COMPONENTS:
            yield ctx.warning(f"more than {MAX_COMPONENTS} events: the rest were not read", code="ics.too_many",
                              locator=ctx.locate(member=member, line=component.line))
            return
        if component.name != "VEVENT":
            continue
        pointer = f"{pointer_prefix}/VEVENT/{component.index}"
        locator = ctx.locate(member=member, line=component.line if member is None else None, pointer=pointer)
        if component.truncated:
            yield ctx.warning(f"event at line {component.line} is truncated or over {MAX_COMPONENT} bytes",
                              code="ics.truncated", locator=locator)
        if component.replaced_bytes:
            yield ctx.warning(f"event at line {component.line} is not valid UTF-8 (bad bytes replaced)",
                              code="ics.encoding", locator=locator)
        try:
            yield from _event_reservations(ctx, component, zones, member=member, pointer=pointer, locator=locator)
        except Exception as exc:  # noqa: BLE001 - one damaged event must not hide the others
            yield ctx.warning(f"event at line {component.line} could not be read ({type(exc).__name__}: {exc})",
                              code="ics.unreadable", locator=locator)


def _event_reservations(ctx: Context, component: Component, zones: Zones, *, member: str | None, pointer: str,
                        locator) -> Iterator[Reservation | PluginWarning]:
    import icalendar

    try:
        event = icalendar.Event.from_ical(component.text)
    except Exception as exc:  # noqa: BLE001 - a broken event is a warning, the others are read
        yield ctx.warning(f"event at line {component.line} could not be parsed: {exc}", code="ics.unparsable",
                          locator=locator)
        return
    has_rule, rule_problem = _rrule_problem(event)
    if rule_problem:
        yield ctx.warning(f"broken RRULE in event at line {component.line} ({rule_problem}): recurrence ignored",
                          code="ics.broken_rrule", locator=locator)
    cancelled = component.method == "CANCEL" or _status(event) == "cancelled"
    found = 0
    for prop_name, data in _schema_properties(event):
        prop_pointer = f"{pointer}/{prop_name}"
        if isinstance(data, ValueError):
            yield ctx.warning(f"{prop_name} in event at line {component.line} is not valid JSON",
                              code="ics.bad_schema_org",
                              locator=ctx.locate(member=member, line=component.line if member is None else None,
                                                 pointer=prop_pointer))
            continue
        for item in schema_org.reservations(
                data, origin="ics",
                locate=lambda p: ctx.locate(member=member, line=component.line if member is None else None,
                                            pointer=p),
                pointer=prop_pointer):
            if isinstance(item, Reservation):
                found += 1
                if cancelled:
                    item = dataclasses.replace(item, status="cancelled")
            yield item
    if not found:
        reservation, problems = summary_booking(event, zones, cancelled=cancelled, locator=locator)
        for problem in problems:
            yield ctx.warning(f"event at line {component.line}: {problem}", code="ics.time", locator=locator)
        if reservation is not None:
            found += 1
            yield reservation
    else:
        # The schema.org data carries its own times; still say when the event's TZID is unknown.
        for key in ("DTSTART", "DTEND"):
            _value, _zone, problem = ics_time(event.get(key), zones)
            if problem and problem.startswith("unknown TZID"):
                yield ctx.warning(f"event at line {component.line}: {key} {problem}", code="ics.time",
                                  locator=locator)
    if found and has_rule and not rule_problem:
        yield ctx.warning(f"recurring booking at line {component.line}: RRULE ignored, first occurrence only",
                          code="ics.rrule_ignored", locator=locator)


class CalendarReservations(Extractor):
    name = "travel.ics"
    version = "1.0.0"
    description = ("Flight, hotel, train, bus, rental-car and event bookings in iCalendar files: KDE Itinerary "
                   "schema.org data, travel SUMMARY conventions, cancellations.")
    selects = [Select(glob="**/*.ics"), Select(glob="**/*.ical"), Select(glob="**/*.icalendar"),
               Select(glob="**/*.ifb"), Select(magic=b"BEGIN:VCALENDAR"),
               Select(magic=b"\xef\xbb\xbfBEGIN:VCALENDAR")]
    kinds = [Reservation]
    time_limit = 300.0

    def extract(self, ctx: Context, source: Source) -> Iterator[Reservation | PluginWarning]:
        head = ctx.read_bytes(limit=4096).lstrip(b"\xef\xbb\xbf \t\r\n")
        if not head.upper().startswith(b"BEGIN:"):
            yield ctx.warning("not an iCalendar file (does not start with BEGIN:)", code="ics.not_calendar",
                              locator=ctx.locate(offset=0))
            return
        with ctx.open() as stream:
            yield from read_calendar(ctx, stream)
