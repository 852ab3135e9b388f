"""Apple Wallet passes: ``.pkpass`` (a zip), ``.pkpasses`` (a zip of passes) and the unpacked
``<id>.pkpass/pass.json`` folders iOS keeps under ``Library/Passes``.

From ``pass.json`` (Apple's PassKit package format): the style (``boardingPass`` with its
``transitType``, ``eventTicket``), the semantic tags (``semantics``: airlineCode, flightNumber,
departureAirportCode, destinationAirportCode, departure/arrival dates, passengerName, seats,
confirmationNumber, eventName, venueName, event dates ...), ``relevantDate``, the barcode
messages (kept as the ticket token) and the visible fields. A boarding pass whose barcode holds
an IATA BCBP string (Resolution 792) also gives the booking reference, passenger, route, flight
and seat from its mandatory items.

Soundness: the archive is read in memory, never extracted. Member names that climb out of the
pass (``../``, absolute, drive letters) are flagged and skipped; member count, member size,
total size and compression ratio are capped (a zip bomb is refused before it is inflated, and a
member whose header lies is cut off at the cap). ``manifest.json`` is checked against every
member's SHA-1; the PKCS #7 ``signature`` is not verified (no trust store on an air-gapped
workstation), and every pass says so in a warning.

Start time: a flight's departure date from the semantic tags when the pass has one; otherwise
``relevantDate`` (when the pass becomes relevant, usually boarding), marked with the encoding
``pkpass_relevant_date`` so nobody mistakes it for the scheduled departure.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from datetime import date
from typing import Any

from forensic_triage.sdk import Context, Extractor, Place, PluginWarning, Reservation, Select, Source
from forensic_triage.sdk.times import NOT_APPLICABLE, TimeValue
from forensic_triage.travel import airports, bcbp, schema_org

ZIP_MAGIC = b"PK\x03\x04"
MAX_MEMBERS = 500
MAX_MEMBER_BYTES = 16 << 20
MAX_TOTAL_BYTES = 64 << 20
MAX_RATIO = 200                 # uncompressed / compressed, for members over RATIO_FLOOR bytes
RATIO_FLOOR = 1 << 20
MAX_NESTED_PASSES = 100

TRANSIT = {"PKTransitTypeAir": "flight", "PKTransitTypeTrain": "train", "PKTransitTypeBus": "bus",
           "PKTransitTypeBoat": "boat"}
FIELD_LISTS = ("headerFields", "primaryFields", "secondaryFields", "auxiliaryFields", "backFields")
_BOOKING_FIELD = re.compile(r"(?i)book|reserv|confirm|locator|pnr|filekey|buchung|record|dossier|referen")
_PASSENGER_FIELD = re.compile(r"(?i)passeng|travel|name|guest|holder|fahrgast|reisende")
_SEAT_FIELD = re.compile(r"(?i)\bseat|sitz|platz")
_FLIGHT_FIELD = re.compile(r"(?i)flight|flug")


class PassProblem(Exception):
    """A pass that cannot be read at all."""


# --- IATA BCBP ---------------------------------------------------------------------------------

def decode_bcbp(message: str | None) -> bcbp.BoardingPass | None:
    """The boarding pass in a barcode message, or None when it is not an IATA BCBP string."""
    if not message or not message.startswith("M"):
        return None
    try:
        found = bcbp.decode(message)
    except bcbp.BcbpError:
        return None
    return found if found.legs else None


def _passenger(boarding_pass: bcbp.BoardingPass) -> str:
    return " ".join(part for part in (boarding_pass.given_name, boarding_pass.family_name) if part)


def flight_date(boarding_pass: bcbp.BoardingPass, leg: bcbp.Leg, reference: date | None) -> bcbp.FlightDate:
    """The leg's date: its day of the year placed through the pass's date of issue, or through a
    date printed on the pass (relevant or expiry date)."""
    issue = bcbp.resolve_issue_date(boarding_pass, reference) if reference else None
    return bcbp.resolve_flight_date(leg, issue_date=issue, context=reference, context_name="pass_date")


# --- the archive ---------------------------------------------------------------------------------

# What zipfile raises on damaged archives: lying headers (ValueError: negative seek), broken deflate
# streams (zlib.error), bad CRCs (BadZipFile), unsupported methods (NotImplementedError).
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError, ValueError)


def unsafe_name(name: str) -> bool:
    parts = re.split(r"[\\/]", name)
    return (name.startswith(("/", "\\")) or ".." in parts or bool(re.match(r"^[A-Za-z]:", name))
            or "\x00" in name)


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int]) -> bytes:
    """A member's bytes, refusing bombs: declared size and ratio first, then a hard cap while
    inflating (the header may lie)."""
    if info.file_size > MAX_MEMBER_BYTES:
        raise PassProblem(f"member {info.filename!r} declares {info.file_size} bytes (limit {MAX_MEMBER_BYTES})")
    if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(1, info.compress_size):
        raise PassProblem(f"member {info.filename!r} inflates {info.compress_size} bytes to {info.file_size} "
                          f"(ratio over {MAX_RATIO}): zip bomb refused")
    limit = min(MAX_MEMBER_BYTES, budget[0])
    out = bytearray()
    with archive.open(info) as handle:
        while True:
            chunk = handle.read(min(1 << 16, limit + 1 - len(out)))
            if not chunk:
                break
            out += chunk
            if len(out) > limit:
                raise PassProblem(f"member {info.filename!r} inflates past {limit} bytes: refused")
    budget[0] -= len(out)
    return bytes(out)


def _load_json(data: bytes) -> Any:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "utf-16", "latin-1"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    try:
        return schema_org.loads_lenient(text)
    except ValueError:
        import jstyleson  # tolerates comments and trailing commas, as some issuers write them

        return jstyleson.loads(text)


def read_pass_archive(ctx: Context, data_or_file, *, member_prefix: str = "",
                      depth: int = 0) -> Iterator[Reservation | PluginWarning]:
    """Reservations in one .pkpass or .pkpasses archive (a file object or bytes)."""
    handle = io.BytesIO(data_or_file) if isinstance(data_or_file, (bytes, bytearray)) else data_or_file
    where = ctx.locate(member=member_prefix.rstrip("/") or None)
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        yield ctx.warning(f"not a readable zip: {exc}", code="pkpass.bad_zip", locator=where)
        return
    with archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        if "pass.json" not in names and not any(name.lower().endswith(".pkpass") for name in names):
            # Any other zip (an Office document, an APK, ...) is not ours: say nothing at the top level.
            if member_prefix or depth:
                yield ctx.warning("zip without pass.json: not a pass", code="pkpass.no_pass_json", locator=where)
            return
        if len(infos) > MAX_MEMBERS:
            yield ctx.warning(f"{len(infos)} members (limit {MAX_MEMBERS}): not read as a pass", code="pkpass.too_many",
                              locator=where)
            return
        safe: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            if unsafe_name(info.filename):
                yield ctx.warning(f"member name {info.filename!r} points outside the pass (path traversal): skipped",
                                  code="pkpass.path_traversal",
                                  locator=ctx.locate(member=member_prefix + info.filename))
                continue
            if info.is_dir():
                continue
            if info.filename in safe:
                yield ctx.warning(f"member {info.filename!r} appears twice: the first is used",
                                  code="pkpass.duplicate_member",
                                  locator=ctx.locate(member=member_prefix + info.filename))
                continue
            safe[info.filename] = info
        if "pass.json" not in safe:
            nested = [name for name in safe if name.lower().endswith(".pkpass")]
            if nested and depth == 0:
                budget = [MAX_TOTAL_BYTES]
                for name in nested[:MAX_NESTED_PASSES]:
                    try:
                        inner = read_member(archive, safe[name], budget)
                    except (PassProblem, *ZIP_ERRORS) as exc:
                        yield ctx.warning(f"{exc}", code="pkpass.member_refused",
                                          locator=ctx.locate(member=member_prefix + name))
                        continue
                    try:
                        yield from read_pass_archive(ctx, inner, member_prefix=f"{member_prefix}{name}/",
                                                     depth=depth + 1)
                    except Exception as exc:  # noqa: BLE001 - one damaged pass must not hide the others
                        yield ctx.warning(f"{name}: could not be read ({type(exc).__name__}: {exc})",
                                          code="pkpass.unreadable", locator=ctx.locate(member=member_prefix + name))
                if len(nested) > MAX_NESTED_PASSES:
                    yield ctx.warning(f"{len(nested)} passes in the bundle: only {MAX_NESTED_PASSES} read",
                                      code="pkpass.too_many", locator=where)
            elif member_prefix or depth:
                yield ctx.warning("zip without pass.json: not a pass", code="pkpass.no_pass_json", locator=where)
            return
        budget = [MAX_TOTAL_BYTES]
        contents: dict[str, bytes] = {}
        # Without a manifest there is nothing to check the other members against.
        needed = [name for name in safe if "manifest.json" in safe or name == "pass.json"]
        for name in needed:
            info = safe[name]
            try:
                contents[name] = read_member(archive, info, budget)
            except PassProblem as exc:
                yield ctx.warning(str(exc), code="pkpass.member_refused",
                                  locator=ctx.locate(member=member_prefix + name))
            except ZIP_ERRORS as exc:
                yield ctx.warning(f"member {name!r} unreadable: {exc}", code="pkpass.member_unreadable",
                                  locator=ctx.locate(member=member_prefix + name))
        if "pass.json" not in contents:
            return
        yield from _check_manifest(ctx, contents, set(safe), member_prefix)
        yield from read_pass_json(ctx, contents["pass.json"], member=f"{member_prefix}pass.json")


def _check_manifest(ctx: Context, contents: dict[str, bytes], names: set[str],
                    member_prefix: str) -> Iterator[PluginWarning]:
    manifest_at = ctx.locate(member=f"{member_prefix}manifest.json")
    if "manifest.json" not in names:
        yield ctx.warning("no manifest.json: the pass's contents cannot be checked; signature not verified",
                          code="pkpass.no_manifest", locator=manifest_at)
        return
    if "manifest.json" not in contents:
        return
    try:
        manifest = _load_json(contents["manifest.json"])
        if not isinstance(manifest, dict):
            raise ValueError("not a JSON object")
    except ValueError as exc:
        yield ctx.warning(f"manifest.json is not valid JSON ({exc}); signature not verified",
                          code="pkpass.bad_manifest", locator=manifest_at)
        return
    for name in sorted(names - {"manifest.json", "signature"}):
        expected = manifest.get(name)
        if name not in contents:
            continue
        actual = hashlib.sha1(contents[name]).hexdigest()
        if expected is None:
            yield ctx.warning(f"{name} is not listed in manifest.json", code="pkpass.manifest_mismatch",
                              locator=ctx.locate(member=member_prefix + name))
        elif not isinstance(expected, str) or expected.lower() != actual:
            yield ctx.warning(f"manifest.json: SHA-1 of {name} is {actual}, the manifest says {expected}",
                              code="pkpass.manifest_mismatch", locator=ctx.locate(member=member_prefix + name))
    for name in sorted(set(manifest) - names):
        yield ctx.warning(f"manifest.json lists {name!r}, which is not in the pass", code="pkpass.manifest_mismatch",
                          locator=manifest_at)
    if "signature" in names:
        yield ctx.warning("signature present, signature not verified (PKCS #7 over manifest.json)",
                          code="pkpass.signature_not_verified", locator=ctx.locate(member=f"{member_prefix}signature"))
    else:
        yield ctx.warning("unsigned pass (no signature member): signature not verified",
                          code="pkpass.signature_not_verified", locator=manifest_at)


# --- pass.json -----------------------------------------------------------------------------------

def _fields(style: dict) -> list[tuple[str, str, str, str]]:
    """(list name, key, label, value) of every visible field of a pass style."""
    out = []
    for list_name in FIELD_LISTS:
        for item in style.get(list_name) or []:
            if not isinstance(item, dict):
                continue
            value = item.get("value")
            if isinstance(value, (dict, list)) or value is None:
                continue
            out.append((list_name, str(item.get("key") or ""), str(item.get("label") or ""), str(value).strip()))
    return out


def _find_field(fields, pattern: re.Pattern, *, lists: tuple[str, ...] = FIELD_LISTS) -> str | None:
    for list_name, key, label, value in fields:
        if list_name in lists and value and (pattern.search(key) or pattern.search(label)):
            return value
    return None


def _time(value: Any, zone: str | None = None, encoding: str | None = None) -> tuple[TimeValue | None, str | None]:
    if not value:
        return None, None
    result, found_zone = schema_org.parse_time(value, schema_org.Where(None, zone=zone) if zone else None)
    if result is not None and encoding and result.encoding == "iso8601":
        result = TimeValue(utc=result.utc, raw=result.raw, encoding=encoding, status=result.status)
    return result, found_zone or zone


def _semantic_date(semantics: dict, *keys: str) -> Any:
    for key in keys:
        value = semantics.get(key)
        if isinstance(value, dict):
            value = value.get("date")
        if value:
            return value
    return None


def _person(semantics: dict, fields, boarding_pass: bcbp.BoardingPass | None) -> tuple[str, ...]:
    person = semantics.get("passengerName")
    if isinstance(person, dict):
        name = " ".join(str(person.get(key) or "").strip() for key in ("givenName", "middleName", "familyName")).split()
        if name:
            return (" ".join(name),)
    shown = _find_field(fields, _PASSENGER_FIELD, lists=("primaryFields", "secondaryFields", "auxiliaryFields",
                                                          "headerFields"))
    if shown:
        for separator in (",", "/"):
            if separator in shown:
                family, _, given = shown.partition(separator)
                shown = f"{given.strip()} {family.strip()}".strip()
                break
    passenger = _passenger(boarding_pass) if boarding_pass is not None else ""
    if passenger:
        if shown:  # the barcode's order, the pass's letter case ("DOE/JOHN" and "Doe, John": "John Doe")
            cased = {token.casefold(): token for token in shown.split()}
            tokens = passenger.split()
            if sorted(cased) == sorted(token.casefold() for token in tokens):
                return (" ".join(cased[token.casefold()] for token in tokens),)
        return (passenger,)
    return (shown,) if shown else ()


def _airport(code: str | None, name: str | None = None, location: Any = None) -> Place | None:
    if not code and not name:
        return None
    latitude = longitude = None
    if isinstance(location, dict):
        latitude = schema_org.coordinate(location.get("latitude"), 90.0)
        longitude = schema_org.coordinate(location.get("longitude"), 180.0)
        if latitude is None or longitude is None:
            latitude = longitude = None
    if code and airports.is_code(code):
        return airports.place(code.upper(), name=name, latitude=latitude, longitude=longitude)
    return Place(name=name or code, latitude=latitude, longitude=longitude)


def _reference_day(document: dict) -> date | None:
    for key in ("relevantDate", "expirationDate"):
        value, _zone = _time(document.get(key))
        if value is not None:
            found = schema_org.local_date(value, None)
            if found:
                return found
    return None


def _barcode_messages(data: dict) -> list[str]:
    messages = []
    for barcode in (data.get("barcodes") or []) + [data.get("barcode")]:
        if isinstance(barcode, dict) and isinstance(barcode.get("message"), str) and barcode["message"]:
            messages.append(barcode["message"])
    return list(dict.fromkeys(messages))


def read_pass_json(ctx: Context, data: bytes, *,
                   member: str | None = "pass.json") -> Iterator[Reservation | PluginWarning]:
    """The reservation described by one pass.json (nothing for coupons, store cards, generic passes)."""
    locator = ctx.locate(member=member, pointer="")
    try:
        document = _load_json(data)
    except ValueError as exc:
        yield ctx.warning(f"pass.json is not valid JSON: {exc}", code="pkpass.bad_json", locator=locator)
        return
    if not isinstance(document, dict):
        yield ctx.warning("pass.json is not a JSON object", code="pkpass.bad_json", locator=locator)
        return
    semantics = document.get("semantics") if isinstance(document.get("semantics"), dict) else {}
    style_name = next((name for name in ("boardingPass", "eventTicket", "coupon", "storeCard", "generic")
                       if isinstance(document.get(name), dict)), None)
    style = document.get(style_name, {}) if style_name else {}
    fields = _fields(style)
    messages = _barcode_messages(document)
    boarding_pass = next((found for found in map(decode_bcbp, messages) if found), None)
    leg = boarding_pass.legs[0] if boarding_pass is not None else None
    if style_name == "boardingPass":
        kind = TRANSIT.get(str(style.get("transitType") or ""), "flight" if leg else None)
        if kind is None:
            kind = "flight" if semantics.get("airlineCode") or semantics.get("flightNumber") else "train" \
                if str(style.get("transitType")) == "PKTransitTypeTrain" else None
        if kind is None:
            yield ctx.warning(f"boarding pass with transit type {style.get('transitType')!r}: not read",
                              code="pkpass.unknown_transit", locator=locator)
            return
    elif style_name == "eventTicket" or semantics.get("eventName") or semantics.get("eventStartDate"):
        kind = "event"
    else:
        return
    relevant = document.get("relevantDate")
    if not relevant and isinstance(document.get("relevantDates"), list) and document["relevantDates"]:
        first = document["relevantDates"][0]
        relevant = (first.get("startDate") or first.get("date")) if isinstance(first, dict) else None
    pointer = f"/{style_name}" if style_name else ""
    locator = ctx.locate(member=member, pointer=pointer)
    departure = arrival = None
    start = end = None
    start_zone = end_zone = None
    name = trip_number = None
    provider = str(document.get("organizationName") or "").strip() or None
    if kind == "flight":
        departure_code = semantics.get("departureAirportCode") or (leg.from_airport if leg else None)
        arrival_code = semantics.get("destinationAirportCode") or semantics.get("arrivalAirportCode") or \
            (leg.to_airport if leg else None)
        primaries = [item for item in fields if item[0] == "primaryFields"]
        if not departure_code and len(primaries) >= 2 and airports.is_code(primaries[0][3]):
            departure_code, arrival_code = primaries[0][3].upper(), primaries[1][3].upper()
        departure = _airport(departure_code, semantics.get("departureAirportName"), semantics.get("departureLocation"))
        arrival = _airport(arrival_code, semantics.get("destinationAirportName"), semantics.get("destinationLocation"))
        start_zone_hint = airports.time_zone(departure_code)
        end_zone_hint = airports.time_zone(arrival_code)
        carrier = semantics.get("airlineCode") or (leg.carrier.strip() if leg else None)
        number = semantics.get("flightNumber") or (leg.flight_number if leg else None)
        if semantics.get("flightCode"):
            trip_number = re.sub(r"^([A-Z0-9]{2})\s?(\d)", r"\1 \2", str(semantics["flightCode"]).strip())
        elif carrier and number:
            trip_number = f"{carrier} {number}"
        else:
            shown = _find_field(fields, _FLIGHT_FIELD)
            trip_number = re.sub(r"^([A-Z0-9]{2})\s?(\d)", r"\1 \2", shown.strip()) if shown else None
        start, start_zone = _time(_semantic_date(semantics, "currentDepartureDate", "originalDepartureDate"),
                                  start_zone_hint)
        end, end_zone = _time(_semantic_date(semantics, "currentArrivalDate", "originalArrivalDate"), end_zone_hint)
        if start is None and relevant:
            start, start_zone = _time(relevant, start_zone_hint, "pkpass_relevant_date")
        if start is None and leg is not None and leg.day_of_flight:
            # The barcode gives only the day of the year; its date of issue or the pass's dates the year.
            found = flight_date(boarding_pass, leg, _reference_day(document))
            start = TimeValue(utc=None, raw=found.date.isoformat() if found.date else f"{leg.day_of_flight:03d}",
                              encoding=found.encoding, status=NOT_APPLICABLE)
            start_zone = start_zone_hint
        provider = semantics.get("airlineName") or provider
    elif kind in ("train", "bus", "boat"):
        departure = _airport(None, semantics.get("departureStationName") or
                             semantics.get("departureLocationDescription"), semantics.get("departureLocation"))
        arrival = _airport(None, semantics.get("destinationStationName") or
                           semantics.get("destinationLocationDescription"), semantics.get("destinationLocation"))
        primaries = [item for item in fields if item[0] == "primaryFields"]
        if departure is None and len(primaries) >= 2:
            departure = Place(name=primaries[0][3] or primaries[0][2] or None)
            arrival = Place(name=primaries[1][3] or primaries[1][2] or None)
        trip_number = str(semantics.get("vehicleNumber") or semantics.get("vehicleName") or "").strip() or None
        start, start_zone = _time(_semantic_date(semantics, "currentDepartureDate", "originalDepartureDate"))
        end, end_zone = _time(_semantic_date(semantics, "currentArrivalDate", "originalArrivalDate"))
        if start is None and relevant:
            start, start_zone = _time(relevant, None, "pkpass_relevant_date")
        provider = semantics.get("transitProvider") or provider
    else:  # event
        name = semantics.get("eventName") or document.get("description") or None
        venue = semantics.get("venueName")
        location = semantics.get("venueLocation")
        if venue or isinstance(location, dict):
            departure = arrival = _airport(None, venue, location)
        start, start_zone = _time(_semantic_date(semantics, "eventStartDateInfo", "eventStartDate"))
        end, end_zone = _time(_semantic_date(semantics, "eventEndDate"))
        if start is None and relevant:
            start, start_zone = _time(relevant, None, "pkpass_relevant_date")
    seats = semantics.get("seats") if isinstance(semantics.get("seats"), list) else []
    seat = next((str(each.get("seatNumber") or each.get("seatIdentifier")) for each in seats
                 if isinstance(each, dict) and (each.get("seatNumber") or each.get("seatIdentifier"))), None)
    if seat is None and leg is not None and leg.seat:
        seat = leg.seat
    if seat is None:
        seat = _find_field(fields, _SEAT_FIELD)
    number = semantics.get("confirmationNumber") or (leg.pnr if leg else None) or \
        _find_field(fields, _BOOKING_FIELD, lists=("backFields", "auxiliaryFields", "secondaryFields", "headerFields"))
    price = currency = None
    total = semantics.get("totalPrice")
    if isinstance(total, dict) and total.get("amount") is not None:
        price, currency = schema_org.text_of(total.get("amount")), schema_org.text_of(total.get("currencyCode"))
    yield Reservation(
        type=kind, origin="pkpass", name=str(name).strip() if name else None, trip_number=trip_number,
        reservation_number=str(number).strip() if number else None, status=None,
        travellers=_person(semantics, fields, boarding_pass), provider=str(provider) if provider else None,
        departure=departure, arrival=arrival, start=start, end=end, start_time_zone=start_zone,
        end_time_zone=end_zone, seat=seat, ticket_token=messages[0] if messages else None, price=price,
        currency=currency, locator=locator)
    if leg is not None and kind == "flight" and start is not None and start.encoding == "pkpass_relevant_date":
        day = schema_org.local_date(start, start_zone)
        flight_day = flight_date(boarding_pass, leg, day).date if day else None
        if day and flight_day and flight_day != day:
            yield ctx.warning(f"relevantDate ({day}) and the boarding pass's flight date ({flight_day}) differ",
                              code="pkpass.date_mismatch", locator=locator)


class WalletPasses(Extractor):
    name = "travel.pkpass"
    version = "1.0.0"
    description = ("Apple Wallet boarding passes and event tickets (.pkpass, .pkpasses, unpacked pass.json): "
                   "semantic tags, BCBP barcodes, manifest check.")
    selects = [Select(glob="**/*.pkpass"), Select(glob="**/*.pkpasses"), Select(glob="**/*.pkpass/pass.json"),
               Select(magic=ZIP_MAGIC)]
    kinds = [Reservation]
    siblings = ["manifest.json", "signature"]
    time_limit = 60.0

    def extract(self, ctx: Context, source: Source) -> Iterator[Reservation | PluginWarning]:
        head = ctx.read_bytes(limit=4)
        if head.startswith(b"PK"):
            with ctx.open() as handle:
                yield from read_pass_archive(ctx, handle)
            return
        if source.name.lower() != "pass.json":
            yield ctx.warning("neither a zip nor pass.json: not a pass", code="pkpass.not_a_pass",
                              locator=ctx.locate(offset=0))
            return
        if source.size > MAX_MEMBER_BYTES:
            yield ctx.warning(f"pass.json of {source.size} bytes is too large (limit {MAX_MEMBER_BYTES})",
                              code="pkpass.member_refused", locator=ctx.locate(offset=0))
            return
        data = ctx.read_bytes()
        manifest = ctx.sibling("manifest.json")
        if manifest is None:
            yield ctx.warning("no manifest.json beside pass.json: contents cannot be checked; signature not verified",
                              code="pkpass.no_manifest", locator=ctx.locate(offset=0))
        elif manifest.size <= MAX_MEMBER_BYTES:
            try:
                listed = _load_json(ctx.read_bytes(manifest))
                expected = listed.get("pass.json") if isinstance(listed, dict) else None
            except ValueError:
                expected = None
            actual = hashlib.sha1(data).hexdigest()
            if not isinstance(expected, str) or expected.lower() != actual:
                yield ctx.warning(f"manifest.json: SHA-1 of pass.json is {actual}, the manifest says {expected}",
                                  code="pkpass.manifest_mismatch", locator=ctx.locate(offset=0))
            yield ctx.warning("signature not verified (PKCS #7 over manifest.json)"
                              if ctx.sibling("signature") else "unsigned pass: signature not verified",
                              code="pkpass.signature_not_verified", locator=ctx.locate(offset=0))
        yield from read_pass_json(ctx, data, member=None)
