"""IATA Bar Coded Boarding Pass (BCBP, Resolution 792, format "M"): decoder, encoder, flight dates.

A BCBP message is fixed-width text. Its layout (item numbers are Resolution 792's):

    unique mandatory (23)      M | legs(1) | passenger name(20) | e-ticket indicator(1)
    per leg, mandatory (37)    PNR(7) from(3) to(3) carrier(3) flight(5) julian date(3)
                               compartment(1) seat(4) check-in sequence(5) passenger status(1)
                               size of the variable field that follows, in hex(2)
    variable field of leg 1    '>' version(1) | size of unique conditional part, hex(2) |
                               passenger description(1) source of check-in(1) source of issuance(1)
                               date of issue(4: last digit of the year + julian day)
                               document type(1) issuer airline(3) baggage tags(13, 13, 13)
    variable field, every leg  size of repeated conditional part, hex(2) | airline numeric code(3)
                               document serial number(10) selectee(1) international document
                               verification(1) marketing carrier(3) frequent-flyer airline(3)
                               frequent-flyer number(16) ID/AD indicator(1) free baggage
                               allowance(3) fast track(1) | for individual airline use (the rest)
    security (optional)        '^' type(1) | length, hex(2) | security data

Conditional parts are as long as their size says: older versions stop after fewer items, so an
item beyond the declared size is absent, not an error.

The flight date is a day of the year without a year; :func:`resolve_flight_date` places it
using the date of issue (whose year is itself only a last digit) or a context date such as a
mail's Date header, and says which.

Damage never surfaces as IndexError or a bare ValueError: every failure is a
:class:`BcbpError` (a ValueError) saying what is wrong and where. With ``strict=False`` (the
default) damage after the mandatory sections of the last leg is kept as a note in
``BoardingPass.problems`` and the readable items are returned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

__all__ = [
    "DOCUMENT_TYPE",
    "PASSENGER_DESCRIPTION",
    "PASSENGER_STATUS",
    "SOURCE_OF_CHECKIN",
    "BcbpError",
    "BcbpFormatError",
    "BcbpTruncatedError",
    "BoardingPass",
    "FlightDate",
    "Leg",
    "decode",
    "encode",
    "find_candidates",
    "resolve_flight_date",
    "resolve_issue_date",
]


class BcbpError(ValueError):
    """The text is not a readable IATA BCBP message."""


class BcbpFormatError(BcbpError):
    """A field holds what its definition does not allow (wrong format code, an airport code with
    digits, a size that is not hexadecimal, control characters ...)."""


class BcbpTruncatedError(BcbpError):
    """The message ends before a section its own header promises."""


# Item 113
PASSENGER_STATUS = {
    "0": "ticket issuance/passenger not checked in", "1": "ticket issuance/passenger checked in",
    "2": "baggage checked/passenger not checked in", "3": "baggage checked/passenger checked in",
    "4": "passenger passed security check", "5": "passenger passed gate exit (coupon used)",
    "6": "transit", "7": "standby", "8": "boarding data revalidation done",
    "9": "original boarding line used at time of ticket issuance", "A": "up- or downgrading required",
}
# Items 12 and 14
SOURCE_OF_CHECKIN = {
    "W": "web", "K": "airport kiosk", "R": "remote or off-site kiosk", "M": "mobile device",
    "O": "airport agent", "T": "town agent", "V": "third-party vendor", " ": "unspecified",
}
# Item 16
DOCUMENT_TYPE = {"B": "boarding pass", "I": "itinerary receipt"}
# Item 15
PASSENGER_DESCRIPTION = {
    "0": "adult", "1": "male", "2": "female", "3": "child", "4": "infant", "5": "no passenger (cabin baggage)",
    "6": "adult travelling with infant", "7": "unaccompanied minor",
}

UNIQUE_MANDATORY = 23
LEG_MANDATORY = 37
LEG_MINIMUM = 24         # through the date of flight: the short form some booking mails carry

# (attribute, width) in order, for the conditional parts.
UNIQUE_CONDITIONAL = (("passenger_description", 1), ("checkin_source", 1), ("issuance_source", 1),
                      ("issue_date_raw", 4), ("document_type", 1), ("issuer", 3), ("baggage_tag_1", 13),
                      ("baggage_tag_2", 13), ("baggage_tag_3", 13))
REPEATED_CONDITIONAL = (("airline_numeric_code", 3), ("document_number", 10), ("selectee", 1),
                        ("document_verification", 1), ("marketing_carrier", 3), ("frequent_flyer_airline", 3),
                        ("frequent_flyer_number", 16), ("id_ad_indicator", 1), ("free_baggage_allowance", 3),
                        ("fast_track", 1))
UNIQUE_CONDITIONAL_SIZE = sum(width for _name, width in UNIQUE_CONDITIONAL)      # 50
REPEATED_CONDITIONAL_SIZE = sum(width for _name, width in REPEATED_CONDITIONAL)  # 42

_PRINTABLE = re.compile(r"[\x20-\x7e]*\Z")
_AIRPORT = re.compile(r"[A-Z]{3}\Z")
_CARRIER = re.compile(r"[A-Z0-9]{2}[A-Z0-9 ]\Z")
# Four digits (leading zeros or blanks) and an optional operational suffix letter.
_FLIGHT = re.compile(r"(?=[0-9 ]{4})[ ]*[0-9]{1,4}[ ]*[A-Z0-9 ]\Z")
_DAY = re.compile(r"[0-9 ]{3}\Z")
_HEX2 = re.compile(r"[0-9A-Fa-f]{2}\Z")
_TITLES = {"MR", "MRS", "MS", "MISS", "MSTR", "MSTER", "DR", "PROF", "REV", "SIR", "CHD", "INF"}
_SEAT = re.compile(r"0*([0-9]+)([A-Z])\Z")


def _blank(value: str) -> str | None:
    value = value.rstrip()
    return value or None


@dataclass(frozen=True, kw_only=True, slots=True)
class Leg:
    """One flight segment. Text items are as printed, trailing blanks removed (None when blank)."""

    pnr: str | None
    from_airport: str
    to_airport: str
    carrier: str
    flight_number_raw: str
    day_of_flight: int | None            # 1..366, None when blank
    compartment: str | None = None
    seat_raw: str | None = None
    checkin_sequence_raw: str | None = None
    passenger_status: str | None = None
    variable_size: int | None = None     # item 6, as declared
    conditional_size: int | None = None  # item 17, as declared; None when the leg has no such part
    airline_numeric_code: str | None = None
    document_number: str | None = None
    selectee: str | None = None
    document_verification: str | None = None
    marketing_carrier: str | None = None
    frequent_flyer_airline: str | None = None
    frequent_flyer_number: str | None = None
    id_ad_indicator: str | None = None
    free_baggage_allowance: str | None = None
    fast_track: str | None = None
    unknown_conditional_items: str | None = None   # beyond the 42 characters this decoder knows
    airline_use: str | None = None       # item 4, kept as is (may hold meaningful trailing blanks)

    @property
    def flight_number(self) -> str:
        """"0834 " -> "834"; an operational suffix stays ("0012A" -> "12A")."""
        text = self.flight_number_raw.strip()
        digits = text.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ").lstrip("0") or "0"
        return digits + text[len(text.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")):]

    @property
    def trip_number(self) -> str:
        return f"{self.carrier.strip()} {self.flight_number}"

    @property
    def seat(self) -> str | None:
        """"001A" -> "1A"; anything else (e.g. "INF", "GATE") as printed."""
        if self.seat_raw is None:
            return None
        match = _SEAT.match(self.seat_raw)
        return f"{int(match.group(1))}{match.group(2)}" if match else self.seat_raw.strip() or None

    @property
    def checkin_sequence(self) -> str | None:
        """"0025 " -> "25" (a letter suffix such as "0025A" stays)."""
        if self.checkin_sequence_raw is None:
            return None
        text = self.checkin_sequence_raw.strip()
        stripped = text.lstrip("0")
        return stripped if stripped and stripped[0].isdigit() else (text or None)

    @property
    def ticket_number(self) -> str | None:
        """"014 1234567890"; None when the document number is blank or the all-zero placeholder
        some carriers print."""
        if self.airline_numeric_code and self.document_number and self.document_number.strip("0"):
            return f"{self.airline_numeric_code} {self.document_number}"
        return None


@dataclass(frozen=True, kw_only=True, slots=True)
class BoardingPass:
    raw: str
    legs_count: int
    passenger_name: str
    eticket_indicator: str | None        # "E" for an electronic ticket; some carriers leave it blank
    legs: tuple[Leg, ...]
    version: str | None = None           # item 9
    unique_size: int | None = None       # item 10, as declared
    passenger_description: str | None = None
    checkin_source: str | None = None
    issuance_source: str | None = None
    issue_date_raw: str | None = None    # item 22: last digit of the year + julian day, e.g. "1325"
    document_type: str | None = None
    issuer: str | None = None
    baggage_tag_1: str | None = None
    baggage_tag_2: str | None = None
    baggage_tag_3: str | None = None
    unknown_unique_items: str | None = None        # beyond the 50 characters this decoder knows
    security_type: str | None = None
    security_size: int | None = None
    security_data: str | None = None
    length: int = 0                      # characters of ``raw`` the structure accounts for
    problems: tuple[str, ...] = field(default=())   # damage tolerated with strict=False

    @property
    def family_name(self) -> str:
        return self.passenger_name.partition("/")[0].strip()

    @property
    def given_name(self) -> str | None:
        given = self.passenger_name.partition("/")[2].strip()
        return given or None

    @property
    def traveller(self) -> str:
        """The name as a reader writes it: "LUC DESMARAIS" for "DESMARAIS/LUC MR" (a title
        after a blank is dropped; the printed form stays in ``passenger_name``)."""
        given = self.given_name or ""
        words = given.split()
        while len(words) > 1 and words[-1] in _TITLES:
            words.pop()
        return " ".join(part for part in (" ".join(words), self.family_name) if part)

    @property
    def baggage_tags(self) -> tuple[str, ...]:
        return tuple(tag for tag in (self.baggage_tag_1, self.baggage_tag_2, self.baggage_tag_3) if tag)

    def _issue(self) -> tuple[int, int] | None:
        raw = self.issue_date_raw
        if raw is None or len(raw) != 4 or not raw.isascii() or not raw.isdigit() or not 1 <= int(raw[1:]) <= 366:
            return None
        return int(raw[0]), int(raw[1:])

    @property
    def issue_year_digit(self) -> int | None:
        issue = self._issue()
        return issue[0] if issue else None

    @property
    def issue_day(self) -> int | None:
        issue = self._issue()
        return issue[1] if issue else None


# --- decoding ------------------------------------------------------------------------------------

def _hex(text: str, what: str) -> int:
    if not _HEX2.match(text):
        raise BcbpFormatError(f"{what}: {text!r} is not a two-digit hexadecimal size")
    return int(text, 16)


def _fields(data: str, layout, declared: int) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    position = 0
    for name, width in layout:
        if position >= declared:
            break
        values[name] = _blank(data[position:position + min(width, declared - position)])
        position += width
    return values


class _Notes:
    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.items: list[str] = []

    def damage(self, error: BcbpError) -> None:
        """Damage that does not hide the mandatory items: an error when strict, a note otherwise."""
        if self.strict:
            raise error
        self.items.append(str(error))


def decode(message: str | bytes, *, strict: bool = False) -> BoardingPass:
    """Decode one BCBP message (format M). Raises BcbpError (a ValueError) when it is not one."""
    if isinstance(message, (bytes, bytearray)):
        try:
            message = bytes(message).decode("ascii")
        except UnicodeDecodeError as exc:
            raise BcbpFormatError(f"not ASCII text (byte {exc.start})") from None
    if not isinstance(message, str):
        raise BcbpFormatError(f"expected text, got {type(message).__name__}")
    text = message.rstrip("\r\n")
    notes = _Notes(strict)
    if len(text) < 2:
        raise BcbpTruncatedError(f"{len(text)} characters: too short for a boarding pass")
    if text[0] != "M":
        raise BcbpFormatError(f"format code {text[0]!r}: only 'M' (IATA BCBP) is defined")
    if not "1" <= text[1] <= "9":
        raise BcbpFormatError(f"number of legs {text[1]!r} is not a digit 1-9")
    legs_count = int(text[1])
    if len(text) < UNIQUE_MANDATORY + LEG_MINIMUM:
        raise BcbpTruncatedError(f"{len(text)} characters: the mandatory items need at least "
                                 f"{UNIQUE_MANDATORY + LEG_MINIMUM}")
    head = text[:UNIQUE_MANDATORY]
    if not _PRINTABLE.match(head):
        raise BcbpFormatError("control or non-ASCII characters in the passenger name")
    name = head[2:22].strip()
    if not name:
        raise BcbpFormatError("passenger name is blank")
    unique: dict[str, str | None] = {}
    legs: list[Leg] = []
    position = UNIQUE_MANDATORY
    for index in range(legs_count):
        last = index == legs_count - 1
        where = f"leg {index + 1}"
        left = len(text) - position
        if left < (LEG_MINIMUM if last else LEG_MANDATORY):
            raise BcbpTruncatedError(f"{where}: mandatory items need {LEG_MANDATORY} characters, {left} left "
                                     f"(the header announces {legs_count} legs)")
        block = text[position:position + LEG_MANDATORY]
        if not _PRINTABLE.match(block):
            raise BcbpFormatError(f"{where}: control or non-ASCII characters in the mandatory items")
        for span, pattern, what in (((7, 10), _AIRPORT, "from airport"), ((10, 13), _AIRPORT, "to airport"),
                                    ((13, 16), _CARRIER, "operating carrier"), ((16, 21), _FLIGHT, "flight number"),
                                    ((21, 24), _DAY, "date of flight")):
            value = block[span[0]:span[1]]
            if not pattern.match(value):
                raise BcbpFormatError(f"{where}: {what} {value!r} is not valid")
        day_text = block[21:24].strip()
        if day_text and not day_text.isdigit():
            raise BcbpFormatError(f"{where}: date of flight {block[21:24]!r} is not a number")
        day = int(day_text) if day_text else None
        if day is not None and not 1 <= day <= 366:
            raise BcbpFormatError(f"{where}: day of year {day} is outside 1-366")
        values: dict[str, object] = {
            "pnr": _blank(block[0:7]), "from_airport": block[7:10], "to_airport": block[10:13],
            "carrier": block[13:16].strip(), "flight_number_raw": block[16:21].strip(), "day_of_flight": day,
            "compartment": _blank(block[24:25]), "seat_raw": _blank(block[25:29]),
            "checkin_sequence_raw": _blank(block[29:34]), "passenger_status": _blank(block[34:35]),
        }
        position += len(block)
        if len(block) < LEG_MANDATORY:
            # The short form ends inside the mandatory items: what is there is all there is.
            if len(block) == LEG_MANDATORY - 1:
                notes.damage(BcbpTruncatedError(f"{where}: the size of the variable field is cut off"))
            legs.append(Leg(**values))
            break
        try:
            size = _hex(block[35:37], f"{where}: size of the variable field")
        except BcbpFormatError as exc:
            if not last:
                raise
            notes.damage(exc)
            legs.append(Leg(**values))
            break
        values["variable_size"] = size
        variable = text[position:position + size]
        if len(variable) < size:
            error = BcbpTruncatedError(f"{where}: the variable field declares {size} characters, "
                                       f"{len(variable)} left")
            if not last:
                raise error
            notes.damage(error)
        position += len(variable)
        if not _PRINTABLE.match(variable):
            notes.damage(BcbpFormatError(f"{where}: control or non-ASCII characters in the conditional items"))
        cursor = 0
        if index == 0 and variable:
            if variable[0] != ">":
                notes.damage(BcbpFormatError(f"{where}: the variable field starts with {variable[0]!r}, "
                                             f"not the version marker '>'"))
                cursor = len(variable)          # kept whole as airline use
                values["airline_use"] = variable
            else:
                unique["version"] = _blank(variable[1:2])
                try:
                    unique_size = _hex(variable[2:4], "size of the unique conditional items")
                except BcbpFormatError as exc:
                    notes.damage(exc)
                    unique_size = None
                if unique_size is None:
                    cursor = len(variable)
                else:
                    unique["unique_size"] = unique_size
                    data = variable[4:4 + unique_size]
                    if len(data) < unique_size:
                        notes.damage(BcbpTruncatedError(f"unique conditional items declare {unique_size} "
                                                        f"characters, {len(data)} left"))
                    unique.update(_fields(data, UNIQUE_CONDITIONAL, len(data)))
                    if len(data) > UNIQUE_CONDITIONAL_SIZE:
                        unique["unknown_unique_items"] = data[UNIQUE_CONDITIONAL_SIZE:]
                    cursor = 4 + len(data)
        if cursor < len(variable):
            try:
                repeated_size = _hex(variable[cursor:cursor + 2], f"{where}: size of the repeated conditional items")
            except BcbpFormatError as exc:
                notes.damage(exc)
                values["airline_use"] = variable[cursor:]
                cursor = len(variable)
            else:
                data = variable[cursor + 2:cursor + 2 + repeated_size]
                if len(data) < repeated_size:
                    notes.damage(BcbpTruncatedError(f"{where}: repeated conditional items declare {repeated_size} "
                                                    f"characters, {len(data)} left"))
                values["conditional_size"] = repeated_size
                values.update(_fields(data, REPEATED_CONDITIONAL, len(data)))
                if len(data) > REPEATED_CONDITIONAL_SIZE:
                    values["unknown_conditional_items"] = data[REPEATED_CONDITIONAL_SIZE:]
                cursor += 2 + len(data)
                if cursor < len(variable):
                    values["airline_use"] = variable[cursor:]
        legs.append(Leg(**values))
    issue = unique.get("issue_date_raw")
    if issue is not None and not (len(issue) == 4 and issue.isdigit() and int(issue[1:]) <= 366):
        notes.damage(BcbpFormatError(f"date of issue {issue!r} is not a year digit and a day of the year"))
    security: dict[str, object] = {}
    rest = text[position:]
    if rest and len(legs) == legs_count:
        if rest[0] != "^":
            notes.damage(BcbpFormatError(f"{len(rest)} characters after the last leg do not start a "
                                         f"security section ('^')"))
        else:
            security["security_type"] = _blank(rest[1:2])
            try:
                security_size = _hex(rest[2:4], "length of the security data")
            except BcbpFormatError as exc:
                notes.damage(exc)
                security["security_data"] = rest[2:] or None
                position = len(text)
            else:
                data = rest[4:4 + security_size]
                security["security_size"] = security_size
                security["security_data"] = data or None
                if len(data) < security_size:
                    notes.damage(BcbpTruncatedError(f"security data declares {security_size} characters, "
                                                    f"{len(data)} left"))
                position += 4 + len(data)
                if position < len(text):
                    notes.damage(BcbpFormatError(f"{len(text) - position} characters after the security data"))
            if not _PRINTABLE.match(rest):
                notes.damage(BcbpFormatError("control or non-ASCII characters in the security section"))
    return BoardingPass(raw=text, legs_count=legs_count, passenger_name=name,
                        eticket_indicator=_blank(head[22]), legs=tuple(legs), length=position,
                        problems=tuple(notes.items), **unique, **security)


# --- finding messages in text --------------------------------------------------------------------

# "M" + legs + 20 name characters + e-ticket + PNR, then the first leg's airports, carrier,
# flight number and date: enough structure that prose does not match by accident.
# The rest of the line is bounded by the longest possible message (9 legs of 37 + 255, security
# 4 + 255), so a hostile single-line text cannot make each candidate scan to its far end.
MAX_MESSAGE = UNIQUE_MANDATORY + 9 * (LEG_MANDATORY + 255) + 4 + 255
_CANDIDATE = re.compile(r"(?<![A-Za-z0-9])M[1-9][\x20-\x7e]{21}[\x20-\x7e]{7}[A-Z]{3}[A-Z]{3}[A-Z0-9]{2}[A-Z0-9 ]"
                        r"[0-9 ]{3}[0-9][A-Z0-9 ][0-9 ]{3}[\x20-\x7e]{0,"
                        + str(MAX_MESSAGE - UNIQUE_MANDATORY - LEG_MINIMUM) + "}")


_SHORT_SEAT = re.compile(r"(?:[0-9]{1,3}[A-Z]|INF|GATE|STBY)\Z")
_SHORT_SEQUENCE = re.compile(r"[0-9]{1,5}[A-Z]?\Z")


def _clean_short_form(leg: Leg) -> bool:
    """Whether the optional items of a short-form leg look like items, not the prose after it."""
    return (leg.variable_size is None
            and (leg.compartment is None or leg.compartment.isalpha())
            and (leg.seat_raw is None or bool(_SHORT_SEAT.match(leg.seat_raw.strip())))
            and (leg.checkin_sequence_raw is None or bool(_SHORT_SEQUENCE.match(leg.checkin_sequence_raw.strip())))
            and (leg.passenger_status is None or leg.passenger_status.isalnum()))


def _best_reading(candidate: str) -> BoardingPass | None:
    """The message at the start of ``candidate`` (which runs on to the end of its line)."""
    try:
        whole = decode(candidate)
    except BcbpError:
        whole = None
    if whole is not None and not whole.problems:
        return whole
    if whole is not None and whole.length < len(candidate):
        try:
            trimmed = decode(candidate[:whole.length])
        except BcbpError:
            trimmed = None
        if trimmed is not None and not trimmed.problems:
            return trimmed
    # A short-form message (mandatory items only) followed by other text on the same line: its
    # last leg ends 24 to 35 characters after that leg starts; the longest clean reading wins.
    if whole is None:
        return None
    last_start = UNIQUE_MANDATORY + sum(LEG_MANDATORY + (leg.variable_size or 0) for leg in whole.legs[:-1])
    for end in range(min(len(candidate), last_start + LEG_MANDATORY - 2), last_start + LEG_MINIMUM - 1, -1):
        try:
            reading = decode(candidate[:end])
        except BcbpError:
            continue
        if not reading.problems and _clean_short_form(reading.legs[-1]):
            return reading
    return whole


def find_candidates(text: str) -> list[tuple[int, BoardingPass]]:
    """Every BCBP message in free text, as (character offset, decoded pass). A message runs at
    most to the end of its line; text after the structure it declares is not part of it."""
    found: list[tuple[int, BoardingPass]] = []
    position = 0
    while True:
        match = _CANDIDATE.search(text, position)
        if match is None:
            return found
        decoded = _best_reading(match.group(0))
        if decoded is None:
            position = match.start() + 1
            continue
        found.append((match.start(), decoded))
        # A second message may follow on the same line (HTML often has one long line).
        position = match.start() + max(decoded.length, 1)


# --- encoding (test passes, demo evidence) -------------------------------------------------------

def _fixed(value: str | None, width: int, *, right: bool = False, fill: str = " ") -> str:
    value = "" if value is None else str(value)
    if len(value) > width:
        raise ValueError(f"{value!r} is longer than {width} characters")
    return value.rjust(width, fill) if right else value.ljust(width, fill)


def _conditional(values: dict[str, str | None], layout, unknown: str | None, declared: int | None) -> str:
    body = "".join(_fixed(values[name], width) for name, width in layout) + (unknown or "")
    if declared is not None:
        body = body[:declared].ljust(declared)
    return body


def encode(boarding_pass: BoardingPass) -> str:
    """The BCBP message for a BoardingPass (``raw``, ``length`` and ``problems`` are ignored), so
    that ``decode(encode(p))`` gives ``p`` back. Declared sizes (``unique_size``,
    ``conditional_size``) are honoured, which reproduces older versions' shorter parts; without
    them a part is written whole (version 6 layout) when any of its items is set. A last leg with
    no ``variable_size`` is written in the short form, ending after its last non-blank item."""
    bp = boarding_pass
    out = ["M", str(len(bp.legs)), _fixed(bp.passenger_name, 20), _fixed(bp.eticket_indicator, 1)]
    unique_items = {name: getattr(bp, name) for name, _width in UNIQUE_CONDITIONAL}
    has_unique = bp.version is not None or bp.unique_size is not None or any(unique_items.values())
    for index, leg in enumerate(bp.legs):
        last = index == len(bp.legs) - 1
        flight = leg.flight_number_raw
        mandatory = "".join([
            _fixed(leg.pnr, 7), _fixed(leg.from_airport, 3), _fixed(leg.to_airport, 3), _fixed(leg.carrier, 3),
            _fixed(flight, 4, right=True, fill="0") + " " if flight.isdigit() and len(flight) <= 4 else _fixed(flight, 5),
            _fixed(None if leg.day_of_flight is None else f"{leg.day_of_flight:03d}", 3),
            _fixed(leg.compartment, 1), _fixed(leg.seat_raw, 4), _fixed(leg.checkin_sequence_raw, 5),
            _fixed(leg.passenger_status, 1)])
        repeated_items = {name: getattr(leg, name) for name, _width in REPEATED_CONDITIONAL}
        # Airline use follows the repeated conditional items, so it needs their size field too.
        has_repeated = (leg.conditional_size is not None or any(repeated_items.values())
                        or leg.unknown_conditional_items is not None or bool(leg.airline_use))
        if last and leg.variable_size is None and not has_repeated and not leg.airline_use \
                and not (index == 0 and has_unique):
            out.append(mandatory[:max(LEG_MINIMUM, len(mandatory.rstrip()))])
            break
        variable = ""
        if index == 0 and (has_unique or has_repeated):
            # The version marker opens the first leg's conditional items, even with no unique ones.
            unique = _conditional(unique_items, UNIQUE_CONDITIONAL, bp.unknown_unique_items, bp.unique_size)
            variable += ">" + _fixed(bp.version or "6", 1) + f"{len(unique):02X}" + unique
        if has_repeated:
            repeated = _conditional(repeated_items, REPEATED_CONDITIONAL, leg.unknown_conditional_items,
                                    leg.conditional_size)
            variable += f"{len(repeated):02X}" + repeated
        variable += leg.airline_use or ""
        if len(variable) > 255:
            raise ValueError(f"leg {index + 1}: the variable field would be {len(variable)} characters (max 255)")
        out += [mandatory, f"{len(variable):02X}", variable]
    if bp.security_type is not None or bp.security_data is not None:
        data = bp.security_data or ""
        if len(data) > 255:
            raise ValueError("security data longer than 255 characters")
        out += ["^", _fixed(bp.security_type, 1), f"{len(data):02X}", data]
    return "".join(out)


# --- dates ---------------------------------------------------------------------------------------

# A boarding pass is issued before its flight. A context date (a mail's Date, a document's
# creation date) comes from when the pass was seen, normally before the flight too; the slack
# keeps a mail forwarded, or a file saved, a few days after the flight in the right year.
ISSUE_SLACK_DAYS = 1
CONTEXT_SLACK_DAYS = 7


def _day_in_year(year: int, day: int) -> date | None:
    if not 1 <= day <= 366 or (day == 366 and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0))):
        return None
    if not 1 <= year <= 9998:
        return None
    return date(year, 1, 1) + timedelta(days=day - 1)


def _shift(day: date, days: int) -> date:
    """``day`` moved by ``days``, held inside the calendar (a context date may be absurd)."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def resolve_issue_date(boarding_pass: BoardingPass, context: date) -> date | None:
    """Item 22 carries the year's last digit: the latest such year whose date is not after the
    context date (plus a day for time zones). None when the pass has no issue date."""
    digit, day = boarding_pass.issue_year_digit, boarding_pass.issue_day
    if digit is None or day is None:
        return None
    limit = _shift(context, ISSUE_SLACK_DAYS)
    year = context.year + 1 - ((context.year + 1 - digit) % 10)
    for candidate_year in range(year, year - 50, -10):
        candidate = _day_in_year(candidate_year, day)
        if candidate is not None and candidate <= limit:
            return candidate
    return None


@dataclass(frozen=True, kw_only=True, slots=True)
class FlightDate:
    date: date | None
    day_of_year: int | None
    basis: str               # e.g. "issue_date:2011-11-21", "mail_date:2021-09-14", "year_unknown"

    @property
    def encoding(self) -> str:
        """How the date was obtained, for a TimeValue's encoding."""
        day = "blank" if self.day_of_year is None else f"{self.day_of_year:03d}"
        return f"bcbp_julian_date:day={day};year_from={self.basis}"


def resolve_flight_date(leg: Leg, *, issue_date: date | None = None, context: date | None = None,
                        context_name: str = "context_date") -> FlightDate:
    """Place a leg's day of the year in a year: the first such date on or after the issue date
    (less a day) or, without one, on or after the context date less a week."""
    day = leg.day_of_flight
    if day is None:
        return FlightDate(date=None, day_of_year=None, basis="no_date_of_flight")
    if issue_date is not None:
        anchor, basis = _shift(issue_date, -ISSUE_SLACK_DAYS), f"issue_date:{issue_date.isoformat()}"
    elif context is not None:
        anchor, basis = _shift(context, -CONTEXT_SLACK_DAYS), f"{context_name}:{context.isoformat()}"
    else:
        return FlightDate(date=None, day_of_year=day, basis="year_unknown")
    for year in range(anchor.year, anchor.year + 9):
        candidate = _day_in_year(year, day)
        if candidate is not None and candidate >= anchor:
            if (candidate - anchor).days > 366:
                break      # day 366 with no leap year near: not a plausible date
            return FlightDate(date=candidate, day_of_year=day, basis=basis)
    return FlightDate(date=None, day_of_year=day, basis=f"no_plausible_year({basis})")
