"""Travel bookings as the apps and airlines write them, from simple Python data.

- ``flight_jsonld`` / ``hotel_jsonld``: schema.org FlightReservation / LodgingReservation objects
  as Gmail markup and KDE Itinerary define them.
- ``booking_html``: an HTML confirmation with the booking as JSON-LD or microdata.
- ``booking_email``: an RFC 5322 confirmation mail (multipart/alternative text + HTML with
  JSON-LD), optionally with an ``.ics`` and a ``.pkpass`` attachment; ``mbox`` and ``emlx`` wrap
  messages the way mail clients store them.
- ``booking_ics``: an iCalendar file with the booking as a VEVENT, either with KDE Itinerary's
  ``X-KDE-KITINERARY-RESERVATION`` schema.org data or only with the SUMMARY/DESCRIPTION
  conventions ("Flight LH 400 from FRA to JFK", "Booking reference: ...").
- ``pkpass``: an Apple Wallet boarding pass (zip with pass.json, manifest.json of SHA-1 digests
  and a signature member), written here with ``zipfile``; options make the bad cases (tampered
  manifest, no signature, path-traversal member, zip bomb). ``pkpasses`` bundles passes.

Everything is deterministic: fixed times and zip dates, so the same arguments give the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

ZIP_DATE = (2026, 3, 1, 9, 30, 0)


@dataclass(frozen=True, kw_only=True)
class FlightBooking:
    reservation_number: str = "DEMO42"
    passenger_given: str = "Alex"
    passenger_family: str = "Example"
    airline_code: str = "LH"
    airline_name: str = "Lufthansa"
    flight_number: str = "400"
    departure: str = "FRA"
    arrival: str = "JFK"
    departure_time: str = "2026-03-14T10:15:00+01:00"   # ISO 8601 as the airline writes it
    arrival_time: str = "2026-03-14T13:05:00-04:00"
    seat: str = "23A"
    booked: str = "2026-02-20T18:42:00+01:00"
    price: str = "742.50"
    currency: str = "EUR"
    status: str = "http://schema.org/ReservationConfirmed"
    broker: str | None = "Example Travel"

    @property
    def passenger(self) -> str:
        return f"{self.passenger_given} {self.passenger_family}"

    @property
    def trip_number(self) -> str:
        return f"{self.airline_code} {self.flight_number}"


@dataclass(frozen=True, kw_only=True)
class HotelBooking:
    reservation_number: str = "H-778812"
    guest: str = "Alex Example"
    hotel: str = "Harbour View Hotel"
    street: str = "1 Pier Road"
    city: str = "New York"
    postal_code: str = "10004"
    country: str = "US"
    latitude: float = 40.7033
    longitude: float = -74.0170
    checkin: str = "2026-03-14T15:00:00-04:00"
    checkout: str = "2026-03-17T11:00:00-04:00"
    price: str = "612.00"
    currency: str = "USD"


# --- schema.org ----------------------------------------------------------------------------------

def flight_jsonld(booking: FlightBooking = FlightBooking(), *, bcbp: str | None = None) -> dict:
    data = {
        "@context": "http://schema.org",
        "@type": "FlightReservation",
        "reservationNumber": booking.reservation_number,
        "reservationStatus": booking.status,
        "underName": {"@type": "Person", "name": booking.passenger},
        "reservationFor": {
            "@type": "Flight",
            "flightNumber": booking.flight_number,
            "airline": {"@type": "Airline", "name": booking.airline_name, "iataCode": booking.airline_code},
            "departureAirport": {"@type": "Airport", "iataCode": booking.departure},
            "departureTime": booking.departure_time,
            "arrivalAirport": {"@type": "Airport", "iataCode": booking.arrival},
            "arrivalTime": booking.arrival_time,
        },
        "airplaneSeat": booking.seat,
        "bookingTime": booking.booked,
        "totalPrice": booking.price,
        "priceCurrency": booking.currency,
    }
    if booking.broker:
        data["broker"] = {"@type": "Organization", "name": booking.broker}
    if bcbp:
        data["reservedTicket"] = {"@type": "Ticket", "ticketToken": f"aztecCode:{bcbp}"}
    return data


def hotel_jsonld(booking: HotelBooking = HotelBooking()) -> dict:
    return {
        "@context": "http://schema.org",
        "@type": "LodgingReservation",
        "reservationNumber": booking.reservation_number,
        "reservationStatus": "http://schema.org/ReservationConfirmed",
        "underName": {"@type": "Person", "name": booking.guest},
        "reservationFor": {
            "@type": "LodgingBusiness",
            "name": booking.hotel,
            "address": {"@type": "PostalAddress", "streetAddress": booking.street, "addressLocality": booking.city,
                        "postalCode": booking.postal_code, "addressCountry": booking.country},
            "geo": {"@type": "GeoCoordinates", "latitude": booking.latitude, "longitude": booking.longitude},
        },
        "checkinTime": booking.checkin,
        "checkoutTime": booking.checkout,
        "totalPrice": booking.price,
        "priceCurrency": booking.currency,
    }


def _microdata(data: dict, prop: str | None = None, indent: str = "") -> str:
    """A schema.org object as nested microdata <div>s with <meta> properties."""
    kind = data.get("@type", "Thing")
    head = f'{indent}<div itemscope itemtype="http://schema.org/{kind}"' + (f' itemprop="{prop}"' if prop else "") + ">"
    lines = [head]
    for key, value in data.items():
        if key.startswith("@"):
            continue
        if isinstance(value, dict):
            lines.append(_microdata(value, key, indent + "  "))
        elif key == "reservationStatus":
            lines.append(f'{indent}  <link itemprop="{key}" href="{value}"/>')
        else:
            lines.append(f'{indent}  <meta itemprop="{key}" content="{value}"/>')
    lines.append(f"{indent}</div>")
    return "\n".join(lines)


def booking_html(objects: Sequence[dict], *, microdata: bool = False, title: str = "Your booking",
                 extra_head: str = "", body_text: str = "Thank you for your booking.") -> str:
    """An HTML confirmation page holding the objects as JSON-LD scripts (or microdata)."""
    if microdata:
        markup = "\n".join(_microdata(obj) for obj in objects)
        head, body = "", markup
    else:
        head = "\n".join(f'<script type="application/ld+json">\n{json.dumps(obj, indent=2)}\n</script>'
                         for obj in objects)
        body = ""
    return (f"<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n{head}\n{extra_head}"
            f"\n</head>\n<body>\n<p>{body_text}</p>\n{body}\n</body>\n</html>\n")


# --- e-mail ----------------------------------------------------------------------------------------

def booking_email(objects: Sequence[dict] = (), *, subject: str = "Your flight booking DEMO42",
                  sender: str = "Example Travel <bookings@example-travel.test>",
                  to: str = "Alex Example <alex@example.test>", date: str = "2026-02-20T18:45:00+01:00",
                  message_id: str = "<demo-booking-1@example-travel.test>", html: str | None = None,
                  microdata: bool = False, attachments: Iterable[tuple[str, str, bytes]] = ()) -> bytes:
    """A confirmation mail: text and HTML alternatives (the HTML holds ``objects``), plus
    attachments given as (filename, MIME type, bytes)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.fromisoformat(date))
    message["Message-ID"] = message_id
    message.set_content("Thank you for your booking. Your itinerary is attached.\n")
    message.add_alternative(html if html is not None else booking_html(objects, microdata=microdata),
                            subtype="html")
    for filename, mime, data in attachments:
        maintype, _, subtype = mime.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    _fix_boundaries(message)
    return message.as_bytes()


def _fix_boundaries(message: EmailMessage) -> None:
    """Deterministic MIME boundaries (the email package draws random ones)."""
    for number, part in enumerate(message.walk()):
        if part.is_multipart():
            part.set_boundary(f"=_demo_boundary_{number}")


def mbox(messages: Sequence[bytes], *, sender: str = "MAILER-DAEMON",
         when: str = "Fri Feb 20 17:45:00 2026") -> bytes:
    """An mboxrd file: a "From " line before each message, body lines starting with "From "
    (after any ">") quoted with one more ">"."""
    out = io.BytesIO()
    for message in messages:
        out.write(f"From {sender} {when}\n".encode())
        for line in message.replace(b"\r\n", b"\n").split(b"\n"):
            if line.lstrip(b">").startswith(b"From "):
                line = b">" + line
            out.write(line + b"\n")
        out.write(b"\n")
    return out.getvalue()


def emlx(message: bytes, *, flags: int = 8590195713) -> bytes:
    """Apple Mail's .emlx: the message's byte count on a line, the message, an XML plist."""
    plist = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
             '"http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0">\n<dict>\n'
             f"\t<key>date-received</key>\n\t<integer>1771609500</integer>\n\t<key>flags</key>\n"
             f"\t<integer>{flags}</integer>\n</dict>\n</plist>\n")
    return f"{len(message)}\n".encode() + message + plist.encode()


# --- iCalendar -----------------------------------------------------------------------------------

def _ics_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """RFC 5545 folding: lines of at most 75 octets, continued with a space."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += encoded
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def _ics_local(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%Y%m%dT%H%M%S")


@dataclass(frozen=True, kw_only=True)
class CalendarEvent:
    summary: str
    start: str                        # "20260314T101500" (with tzid), "20260314T091500Z", or "20260314" (date)
    end: str | None = None
    tzid: str | None = None           # TZID of start/end
    end_tzid: str | None = None
    description: str | None = None
    location: str | None = None
    geo: tuple[float, float] | None = None
    uid: str = "demo-event-1@example.test"
    status: str | None = None         # e.g. "CANCELLED"
    rrule: str | None = None
    schema_org: Sequence[dict] = field(default_factory=tuple)   # written as X-KDE-KITINERARY-RESERVATION
    extra_lines: Sequence[str] = field(default_factory=tuple)


def _dt_line(name: str, value: str, tzid: str | None) -> str:
    if len(value) == 8:
        return f"{name};VALUE=DATE:{value}"
    if tzid:
        quoted = f'"{tzid}"' if any(char in tzid for char in ':;,') else tzid   # RFC 5545 quoted parameter
        return f"{name};TZID={quoted}:{value}"
    return f"{name}:{value}"


def booking_ics(events: Sequence[CalendarEvent], *, method: str | None = None,
                timezones: Sequence[str] = ()) -> bytes:
    """An iCalendar file (CRLF lines, folded) with the events; ``timezones`` are VTIMEZONE
    blocks written as given."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//forensic-triage//demo travel//EN"]
    if method:
        lines.append(f"METHOD:{method}")
    for block in timezones:
        lines.extend(block.strip().splitlines())
    for event in events:
        lines += ["BEGIN:VEVENT", f"UID:{event.uid}", "DTSTAMP:20260220T174500Z",
                  f"SUMMARY:{_ics_escape(event.summary)}", _dt_line("DTSTART", event.start, event.tzid)]
        if event.end:
            lines.append(_dt_line("DTEND", event.end, event.end_tzid or event.tzid))
        if event.location:
            lines.append(f"LOCATION:{_ics_escape(event.location)}")
        if event.geo:
            lines.append(f"GEO:{event.geo[0]:.6f};{event.geo[1]:.6f}")
        if event.description:
            lines.append(f"DESCRIPTION:{_ics_escape(event.description)}")
        if event.status:
            lines.append(f"STATUS:{event.status}")
        if event.rrule:
            lines.append(f"RRULE:{event.rrule}")
        if event.schema_org:
            lines.append("X-KDE-KITINERARY-RESERVATION:" + _ics_escape(json.dumps(list(event.schema_org),
                                                                                   separators=(",", ":"))))
        lines.extend(event.extra_lines)
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")


def flight_event(booking: FlightBooking = FlightBooking(), *, with_schema_org: bool = True,
                 departure_zone: str = "Europe/Berlin", arrival_zone: str = "America/New_York",
                 **changes) -> CalendarEvent:
    """The flight as KDE Itinerary puts it in a calendar."""
    return CalendarEvent(
        summary=f"Flight {booking.trip_number} from {booking.departure} to {booking.arrival}",
        start=_ics_local(booking.departure_time), tzid=departure_zone,
        end=_ics_local(booking.arrival_time), end_tzid=arrival_zone,
        description=f"{booking.passenger}\nSeat: {booking.seat}\nBooking reference: {booking.reservation_number}",
        location=booking.departure, schema_org=(flight_jsonld(booking),) if with_schema_org else (),
        uid=f"KIT-{booking.reservation_number}-flight@example.test", **changes)


# --- Apple Wallet --------------------------------------------------------------------------------

def boarding_pass_json(booking: FlightBooking = FlightBooking(), *, bcbp: str | None = None,
                       relevant_date: str | None = None, semantics: bool = True) -> dict:
    """pass.json of a boarding pass (PassKit package format)."""
    data: dict = {
        "formatVersion": 1,
        "passTypeIdentifier": "pass.test.example.boarding",
        "serialNumber": f"{booking.reservation_number}-{booking.flight_number}",
        "teamIdentifier": "DEMO123456",
        "organizationName": booking.airline_name,
        "description": f"Boarding pass {booking.trip_number}",
        "relevantDate": relevant_date or booking.departure_time,
        "boardingPass": {
            "transitType": "PKTransitTypeAir",
            "headerFields": [{"key": "seat", "label": "SEAT", "value": booking.seat}],
            "primaryFields": [{"key": "origin", "label": "Frankfurt", "value": booking.departure},
                              {"key": "destination", "label": "New York", "value": booking.arrival}],
            "secondaryFields": [{"key": "passenger", "label": "PASSENGER",
                                 "value": f"{booking.passenger_family}, {booking.passenger_given}"}],
            "auxiliaryFields": [{"key": "flight", "label": "FLIGHT",
                                 "value": f"{booking.airline_code}{booking.flight_number}"}],
            "backFields": [{"key": "pnr", "label": "Booking reference", "value": booking.reservation_number}],
        },
    }
    if bcbp:
        data["barcodes"] = [{"format": "PKBarcodeFormatAztec", "message": bcbp, "messageEncoding": "iso-8859-1"}]
    if semantics:
        data["semantics"] = {
            "airlineCode": booking.airline_code, "flightNumber": int(booking.flight_number),
            "departureAirportCode": booking.departure, "destinationAirportCode": booking.arrival,
            "originalDepartureDate": booking.departure_time, "originalArrivalDate": booking.arrival_time,
            "passengerName": {"givenName": booking.passenger_given, "familyName": booking.passenger_family},
            "seats": [{"seatNumber": booking.seat}], "confirmationNumber": booking.reservation_number,
        }
    return data


def event_pass_json(*, name: str = "Harbour Jazz Night", venue: str = "Pier 17",
                    start: str = "2026-03-15T20:00:00-04:00", end: str = "2026-03-15T23:00:00-04:00",
                    seat: str = "12", barcode: str = "TICKET-0012") -> dict:
    return {
        "formatVersion": 1, "passTypeIdentifier": "pass.test.example.event", "serialNumber": barcode,
        "teamIdentifier": "DEMO123456", "organizationName": "Example Tickets", "description": name,
        "barcodes": [{"format": "PKBarcodeFormatQR", "message": barcode, "messageEncoding": "iso-8859-1"}],
        "eventTicket": {"primaryFields": [{"key": "event", "label": "EVENT", "value": name}]},
        "semantics": {"eventName": name, "venueName": venue, "eventStartDate": start, "eventEndDate": end,
                      "seats": [{"seatNumber": seat, "seatRow": "C"}]},
    }


def _zip_info(name: str, compress: int = zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = compress
    info.external_attr = 0o644 << 16
    return info


def pkpass(pass_json: dict | bytes, *, images: dict[str, bytes] | None = None, manifest: bool = True,
           signature: bool = True, tamper: str | None = None, extra_members: Sequence[tuple[str, bytes]] = (),
           bomb_bytes: int = 0) -> bytes:
    """A .pkpass: pass.json, images, manifest.json (SHA-1 of each member) and a signature member
    (placeholder bytes: never verified). ``tamper`` names a member whose content changes after
    the manifest is written; ``extra_members`` are added as given (e.g. "../evil.txt");
    ``bomb_bytes`` adds "background@2x.png" inflating from zeros to that many bytes."""
    data = pass_json if isinstance(pass_json, bytes) else json.dumps(pass_json, indent=2).encode("utf-8")
    members: dict[str, bytes] = {"pass.json": data}
    members.update(images if images is not None else {"icon.png": _tiny_png(), "logo.png": _tiny_png()})
    digests = {name: hashlib.sha1(content).hexdigest() for name, content in members.items()}
    if tamper:
        members[tamper] = members[tamper] + b" "
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(_zip_info(name), content)
        if manifest:
            archive.writestr(_zip_info("manifest.json"), json.dumps(digests, indent=2, sort_keys=True).encode())
        if signature:
            archive.writestr(_zip_info("signature"), b"0\x82\x01\x00" + hashlib.sha256(data).digest())
        for name, content in extra_members:
            archive.writestr(_zip_info(name), content)
        if bomb_bytes:
            with archive.open(_zip_info("background@2x.png"), "w") as handle:
                chunk = bytes(1 << 20)
                left = bomb_bytes
                while left > 0:
                    handle.write(chunk[:min(left, len(chunk))])
                    left -= len(chunk)
    return out.getvalue()


def pkpasses(passes: Sequence[tuple[str, bytes]]) -> bytes:
    """A .pkpasses bundle: a zip of .pkpass archives, stored as they are."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in passes:
            archive.writestr(_zip_info(name, zipfile.ZIP_STORED), content)
    return out.getvalue()


def _tiny_png() -> bytes:
    """A 1x1 grey PNG."""
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return len(payload).to_bytes(4, "big") + kind + payload + zlib.crc32(kind + payload).to_bytes(4, "big")

    header = (1).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + \
        chunk(b"IEND", b"")


def demo_bcbp(booking: FlightBooking = FlightBooking(), *, julian_day: int = 73) -> str:
    """The mandatory items of an IATA BCBP string for the booking (one leg, no conditional items)."""
    name = f"{booking.passenger_family.upper()}/{booking.passenger_given.upper()}"[:20].ljust(20)
    seat = booking.seat.rjust(4, "0")
    return (f"M1{name}E{booking.reservation_number:<7}{booking.departure}{booking.arrival}"
            f"{booking.airline_code:<3}{booking.flight_number:0>4} {julian_day:03d}Y{seat}0001 100")
