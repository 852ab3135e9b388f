"""The IATA BCBP decoder (forensic_triage.travel.bcbp): KDE Itinerary's expectations, every
field against KDE's own field dump, dates, damage, and property tests that no input makes it
fail with anything but a BcbpError."""

from __future__ import annotations

import dataclasses
import json
import string
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forensic_triage.travel import bcbp
from tests.conftest import corpus_path

# The date KDE Itinerary's own BCBP test decodes its examples against (bcbpparsertest.cpp).
KDE_CONTEXT = date(2018, 4, 2)

# IATA Resolution 792 Attachment B, multi-leg example (security data shortened as in KDE's tests).
MULTI_LEG = ("M2DESMARAIS/LUC       EAB12C3 YULFRAAC 0834 326J003A0027 167>5321WW1325BAC 0014123456002001412346700"
             "100141234789012A0141234567890 1AC AC 1234567890123    4PCYLX58ZDEF456 FRAGVALH 3664 327C012C0002 12E2A"
             "0140987654321 1AC AC 1234567890123    3PCNWQ^108ABCDEFGH")
EXAMPLE_2 = ("M1DESMARAIS/LUC       EAB12C3 YULFRAAC 0834 326J003A0027 167>5321WW1325BAC 0014123456002001412346700"
             "100141234789012A0141234567890 1AC AC 1234567890123    4PCYLX58Z^108ABCDEFGH")
MINIMAL = "M1DOE/JOHN            EXXX007 TXLBRUSN 2592 110Y"


def _token(reference: dict) -> str:
    token = reference["reservedTicket"]["ticketToken"]
    assert token.startswith("aztecCode:")
    return token[len("aztecCode:"):]


def _bcbp_cases() -> list[Path]:
    folder = corpus_path("bookings", "kitinerary", "bcbpdata")
    return sorted(folder.glob("*.json"))


def _kde_dump(path: Path) -> tuple[dict[str, str], list[dict[str, str]], dict[str, str]]:
    """KDE Itinerary's field-by-field dump (the .txt beside each .json): head, legs, security.
    Values keep their trailing blanks (the airline-use item may end in some)."""
    head: dict[str, str] = {}
    legs: list[dict[str, str]] = []
    security: dict[str, str] = {}
    current = head
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        if line.startswith("Leg "):
            legs.append({})
            current = legs[-1]
        elif line == "Security:":
            current = security
        else:
            key, _sep, value = line.removeprefix("  ").partition(": ")
            current[key.rstrip(":")] = value
    return head, legs, security


@pytest.mark.corpus
def test_corpus_strings_decode_as_kde_itinerary_expects():
    """For every bcbpdata/*.json: type, reservation number, from/to, date, traveller, seat."""
    cases = _bcbp_cases()
    assert len(cases) == 7
    for path in cases:
        [reference] = json.loads(path.read_text(encoding="utf-8"))
        message = _token(reference)
        decoded = bcbp.decode(message, strict=True)
        assert decoded.problems == ()
        assert reference["@type"] == "FlightReservation"
        [leg] = decoded.legs
        flight = reference["reservationFor"]
        assert leg.pnr == reference["reservationNumber"], path.name
        assert leg.from_airport == flight["departureAirport"]["iataCode"]
        assert leg.to_airport == flight["arrivalAirport"]["iataCode"]
        assert leg.carrier == flight["airline"]["iataCode"]
        assert leg.flight_number == flight["flightNumber"]
        issue = bcbp.resolve_issue_date(decoded, KDE_CONTEXT)
        resolved = bcbp.resolve_flight_date(leg, issue_date=issue, context=KDE_CONTEXT)
        assert resolved.date.isoformat() == flight["departureDay"], path.name
        assert decoded.family_name == reference["underName"]["familyName"]
        assert decoded.given_name == reference["underName"]["givenName"]
        assert leg.seat == reference.get("airplaneSeat")
        assert leg.checkin_sequence == reference.get("passengerSequenceNumber")
        assert leg.ticket_number == reference["reservedTicket"].get("ticketNumber")
        membership = reference.get("programMembershipUsed")
        if membership:
            assert leg.frequent_flyer_number == membership["membershipNumber"]
            assert leg.frequent_flyer_airline == membership["programName"]
        else:
            assert leg.frequent_flyer_number is None
        assert bcbp.encode(decoded) == message


@pytest.mark.corpus
def test_every_field_matches_kde_itinerarys_dump():
    """KDE's .txt dump lists every mandatory and conditional item: compare them all."""
    for path in _bcbp_cases():
        [reference] = json.loads(path.read_text(encoding="utf-8"))
        decoded = bcbp.decode(_token(reference))
        head, legs, security = _kde_dump(path.with_suffix(".txt"))
        assert head["formatCode"] == "M"
        assert int(head["numberOfLegs"]) == decoded.legs_count
        assert head["passengerName"] == decoded.passenger_name
        assert head["electronicTicketIndicator"] == (decoded.eticket_indicator or "")
        assert head["version"] == (decoded.version or "0"), path.name
        assert int(head["fieldSize"]) == (decoded.unique_size or 0)
        for key, value in (("passengerDescription", decoded.passenger_description),
                           ("sourceOfCheckin", decoded.checkin_source),
                           ("sourceOfBoardingPassIssuance", decoded.issuance_source),
                           ("documentType", decoded.document_type),
                           ("airlineDesignatorOfBoardingPassIssuer", decoded.issuer),
                           ("baggageTagLicensePlateNumber1", decoded.baggage_tag_1),
                           ("baggageTagLicensePlateNumber2", decoded.baggage_tag_2),
                           ("baggageTagLicensePlateNumber3", decoded.baggage_tag_3)):
            assert head[key] == (value or ""), (path.name, key)
        assert int(head["yearOfIssue"]) == (decoded.issue_year_digit or 0)
        assert int(head["dayOfIssue"]) == (decoded.issue_day or 0)
        issue = bcbp.resolve_issue_date(decoded, KDE_CONTEXT)
        assert head["Date of issue"] == (issue.isoformat() if issue else "")
        [expected] = legs
        [leg] = decoded.legs
        for key, value in (("operatingCarrierPNRCode", leg.pnr), ("fromCityAirportCode", leg.from_airport),
                           ("toCityAirportCode", leg.to_airport), ("operatingCarrierDesignator", leg.carrier),
                           ("flightNumber", leg.flight_number_raw), ("compartmentCode", leg.compartment),
                           ("seatNumber", leg.seat_raw), ("checkinSequenceNumber", leg.checkin_sequence_raw),
                           ("passengerStatus", leg.passenger_status), ("airlineNumericCode", leg.airline_numeric_code),
                           ("documentNumber", leg.document_number), ("selecteeIndicator", leg.selectee),
                           ("internationalDocumentVerification", leg.document_verification),
                           ("marketingCarrierDesignator", leg.marketing_carrier),
                           ("frequentFlyerAirlineDesignator", leg.frequent_flyer_airline),
                           ("frequenFlyerNumber", leg.frequent_flyer_number), ("idAdIndicator", leg.id_ad_indicator),
                           ("freeBaggageAllowance", leg.free_baggage_allowance), ("fastTrack", leg.fast_track),
                           ("Airline use section", leg.airline_use)):
            assert expected[key] == (value or ""), (path.name, key)
        assert int(expected["dayOfFlight"]) == leg.day_of_flight
        assert int(expected["variableFieldSize"]) == (leg.variable_size or 0)
        assert int(expected["conditionalFieldSize"]) == (leg.conditional_size or 0)
        if security:
            assert security["type"] == decoded.security_type
            assert int(security["size"]) == decoded.security_size
            assert security["securityData"] == decoded.security_data
        else:
            assert decoded.security_type is None


@pytest.mark.corpus
def test_corpus_pdf_expectation_string():
    """iata-bcbp-demo.pdf.json: the pass's issue date (2018-11-21) and a context in 2019 place
    day 249 on 2019-09-06, as KDE Itinerary found from the PDF."""
    path = corpus_path("bookings", "kitinerary", "synthetic", "iata-bcbp-demo.pdf.json")
    [reference] = json.loads(path.read_text(encoding="utf-8"))
    decoded = bcbp.decode(_token(reference), strict=True)
    issue = bcbp.resolve_issue_date(decoded, date(2019, 8, 19))
    assert issue == date(2018, 11, 21)
    resolved = bcbp.resolve_flight_date(decoded.legs[0], issue_date=issue)
    assert resolved.date.isoformat() == reference["reservationFor"]["departureDay"]
    assert resolved.encoding == "bcbp_julian_date:day=249;year_from=issue_date:2018-11-21"
    assert decoded.traveller == "KONQUI DRAGON"


def test_multi_leg_pass():
    decoded = bcbp.decode(MULTI_LEG, strict=True)
    assert decoded.legs_count == 2
    first, second = decoded.legs
    assert (first.pnr, first.trip_number, first.from_airport, first.to_airport, first.seat) == \
        ("AB12C3", "AC 834", "YUL", "FRA", "3A")
    assert (second.pnr, second.trip_number, second.from_airport, second.to_airport, second.seat) == \
        ("DEF456", "LH 3664", "FRA", "GVA", "12C")
    assert second.day_of_flight == 327 and second.compartment == "C" and second.checkin_sequence == "2"
    assert second.ticket_number == "014 0987654321" and second.free_baggage_allowance == "3PC"
    assert second.fast_track == "N" and second.airline_use == "WQ"
    assert first.airline_use == "LX58Z"
    assert decoded.baggage_tags == ("0014123456002", "0014123467001", "0014123478901")
    assert decoded.security_type == "1" and decoded.security_data == "ABCDEFGH"
    assert bcbp.encode(decoded) == MULTI_LEG


def test_descriptive_tables_cover_the_codes_used():
    decoded = bcbp.decode(EXAMPLE_2)
    assert bcbp.PASSENGER_STATUS[decoded.legs[0].passenger_status] == "ticket issuance/passenger checked in"
    assert bcbp.SOURCE_OF_CHECKIN[decoded.checkin_source] == "web"
    assert bcbp.DOCUMENT_TYPE[decoded.document_type] == "boarding pass"
    assert bcbp.PASSENGER_DESCRIPTION[decoded.passenger_description] == "male"


def test_traveller_name_forms():
    assert bcbp.decode(EXAMPLE_2).traveller == "LUC DESMARAIS"
    titled = "M1DOE/JOHN MR         EXXX007 TXLBRUSN 2592 110Y"
    assert bcbp.decode(titled).traveller == "JOHN DOE"
    assert bcbp.decode(titled).passenger_name == "DOE/JOHN MR"
    single = "M1MADONNA             EXXX007 TXLBRUSN 2592 110Y"
    assert bcbp.decode(single).traveller == "MADONNA" and bcbp.decode(single).given_name is None


@pytest.mark.parametrize("message, error, words", [
    ("", bcbp.BcbpTruncatedError, "too short"),
    ("M1DESMARAIS/LUC       ", bcbp.BcbpTruncatedError, "at least 47"),
    ("M2DESMARAIS/LUC       EABC123 YULFRAAC 0834 326J001A0025 100", bcbp.BcbpTruncatedError, "leg 2"),
    ("M1DOE/JOHN            EXXX007 TXLBRUSN 2592 11", bcbp.BcbpTruncatedError, "at least 47"),
    ("X1DOE/JOHN            EXXX007 TXLBRUSN 2592 110Y", bcbp.BcbpFormatError, "format code"),
    ("M0DOE/JOHN            EXXX007 TXLBRUSN 2592 110Y", bcbp.BcbpFormatError, "number of legs"),
    ("M1                    EXXX007 TXLBRUSN 2592 110Y", bcbp.BcbpFormatError, "name is blank"),
    ("M1DOE/JOHN            EXXX007 tXLBRUSN 2592 110Y", bcbp.BcbpFormatError, "from airport"),
    ("M1DOE/JOHN            EXXX007 TXLBRUSN 25X2 110Y", bcbp.BcbpFormatError, "flight number"),
    ("M1DOE/JOHN            EXXX007 TXLBRUSN 2592 400Y", bcbp.BcbpFormatError, "outside 1-366"),
    ("M1DOE/JOHN            EXXX007 TXLBRUSN 2592 1A0Y", bcbp.BcbpFormatError, "date of flight"),
    # KDE bug 407895: prose that starts like a pass.
    ("M2Mobi Lab / ML-586 [In Progress]\nSplit Fooo.Config from main Fooo\n\n=====================",
     bcbp.BcbpFormatError, "control"),
    (MULTI_LEG.replace("0027 167>", "0027 1ZZ>"), bcbp.BcbpFormatError, "leg 1: size of the variable field"),
])
def test_invalid_messages_raise_a_clear_error(message, error, words):
    with pytest.raises(error, match=words):
        bcbp.decode(message)
    assert issubclass(error, ValueError)


def test_bytes_input():
    assert bcbp.decode(MINIMAL.encode("ascii")).legs[0].pnr == "XXX007"
    with pytest.raises(bcbp.BcbpFormatError, match="not ASCII"):
        bcbp.decode(b"M1\xff")


def test_damage_after_the_mandatory_items_is_a_note_unless_strict():
    cut = EXAMPLE_2[:-4]                                   # security data cut short
    lenient = bcbp.decode(cut)
    assert lenient.problems == ("security data declares 8 characters, 4 left",)
    assert lenient.security_data == "ABCD" and lenient.legs[0].pnr == "AB12C3"
    with pytest.raises(bcbp.BcbpTruncatedError, match="security data"):
        bcbp.decode(cut, strict=True)
    short_variable = EXAMPLE_2[:80]                         # inside the first leg's variable field
    lenient = bcbp.decode(short_variable)
    assert any("variable field declares 103 characters" in note for note in lenient.problems)
    assert lenient.version == "5" and lenient.legs[0].seat == "3A"
    with pytest.raises(bcbp.BcbpTruncatedError):
        bcbp.decode(short_variable, strict=True)
    trailing = EXAMPLE_2.replace("^108ABCDEFGH", "xyz")
    assert bcbp.decode(trailing).problems == ("3 characters after the last leg do not start a security section ('^')",)
    with pytest.raises(bcbp.BcbpFormatError):
        bcbp.decode(trailing, strict=True)
    no_marker = EXAMPLE_2.replace("167>5", "167?5")
    assert "not the version marker" in bcbp.decode(no_marker).problems[0]
    assert bcbp.decode(no_marker).legs[0].airline_use.startswith("?5")


def test_short_forms_are_valid():
    decoded = bcbp.decode(MINIMAL, strict=True)
    assert decoded.legs[0].compartment == "Y" and decoded.legs[0].seat is None
    assert decoded.legs[0].variable_size is None
    assert bcbp.encode(decoded) == MINIMAL


# --- dates --------------------------------------------------------------------------------------

def _leg(day: int | None) -> bcbp.Leg:
    return bcbp.Leg(pnr="ABC123", from_airport="LHR", to_airport="JFK", carrier="BA", flight_number_raw="0117",
                    day_of_flight=day)


def _with_issue(raw: str | None) -> bcbp.BoardingPass:
    return bcbp.BoardingPass(raw="", legs_count=1, passenger_name="DOE/JANE", eticket_indicator="E",
                             legs=(_leg(1),), issue_date_raw=raw)


def test_issue_date_takes_the_latest_year_with_that_digit():
    assert bcbp.resolve_issue_date(_with_issue("1325"), date(2018, 4, 2)) == date(2011, 11, 21)
    assert bcbp.resolve_issue_date(_with_issue("8033"), date(2018, 4, 2)) == date(2018, 2, 2)
    # Not after the context date (a day's slack): 2018-11-21 is after 2018-04-02, so 2008.
    assert bcbp.resolve_issue_date(_with_issue("8325"), date(2018, 4, 2)) == date(2008, 11, 20)
    assert bcbp.resolve_issue_date(_with_issue("8325"), date(2019, 8, 19)) == date(2018, 11, 21)
    assert bcbp.resolve_issue_date(_with_issue("9365"), date(2020, 1, 1)) == date(2019, 12, 31)
    assert bcbp.resolve_issue_date(_with_issue("0366"), date(2021, 6, 1)) == date(2020, 12, 31)   # leap year
    assert bcbp.resolve_issue_date(_with_issue("1366"), date(2021, 6, 1)) is None   # no leap year ends in 1
    assert bcbp.resolve_issue_date(_with_issue(None), date(2021, 6, 1)) is None
    assert bcbp.resolve_issue_date(_with_issue("0000"), date(2021, 6, 1)) is None


def test_flight_date_from_issue_date_wraps_into_the_next_year():
    resolved = bcbp.resolve_flight_date(_leg(2), issue_date=date(2025, 12, 30))
    assert resolved.date == date(2026, 1, 2)
    assert resolved.basis == "issue_date:2025-12-30"
    assert bcbp.resolve_flight_date(_leg(364), issue_date=date(2025, 12, 30)).date == date(2025, 12, 30)
    # A day's slack for time zones: a pass issued "tomorrow" in UTC for a flight today.
    assert bcbp.resolve_flight_date(_leg(363), issue_date=date(2025, 12, 30)).date == date(2025, 12, 29)


def test_flight_date_from_a_context_date_allows_a_week_after_the_flight():
    mail = date(2024, 3, 10)
    resolved = bcbp.resolve_flight_date(_leg(65), context=mail, context_name="mail_date")   # 2024-03-05
    assert resolved.date == date(2024, 3, 5)
    assert resolved.encoding == "bcbp_julian_date:day=065;year_from=mail_date:2024-03-10"
    assert bcbp.resolve_flight_date(_leg(60), context=mail).date == date(2025, 3, 1)        # 9 days before: next year
    assert bcbp.resolve_flight_date(_leg(366), context=date(2024, 6, 1)).date == date(2024, 12, 31)
    assert bcbp.resolve_flight_date(_leg(366), context=date(2022, 6, 1)).basis.startswith("no_plausible_year")


def test_flight_date_without_anything_to_date_it():
    resolved = bcbp.resolve_flight_date(_leg(110))
    assert resolved.date is None and resolved.basis == "year_unknown"
    assert resolved.encoding == "bcbp_julian_date:day=110;year_from=year_unknown"
    assert bcbp.resolve_flight_date(_leg(None), context=date(2024, 1, 1)).basis == "no_date_of_flight"


# --- finding messages in text -------------------------------------------------------------------

def test_find_candidates_in_prose_and_markup():
    text = (f"Your boarding pass: {EXAMPLE_2} -- see you on board\n"
            f"<td>{MINIMAL}</td><td>{MULTI_LEG}</td>\n"
            "M1 is a motorway; M25 too. aztecCode:" + MINIMAL)
    found = bcbp.find_candidates(text)
    assert [decoded.raw for _offset, decoded in found] == [EXAMPLE_2, MINIMAL, MULTI_LEG, MINIMAL]
    assert all(decoded.problems == () for _offset, decoded in found)
    assert found[0][0] == text.index(EXAMPLE_2)
    assert bcbp.find_candidates("no passes here, M1DOE/JOHN lowercase") == []


# --- properties ---------------------------------------------------------------------------------

PRINTABLE = "".join(chr(code) for code in range(0x20, 0x7F))
UPPER = string.ascii_uppercase
ALNUM = string.ascii_uppercase + string.digits


def _use_everything(decoded: bcbp.BoardingPass) -> None:
    """Every derived value of a decoded pass, as the plugins read them: none may raise."""
    assert decoded.legs and 1 <= decoded.legs_count <= 9
    assert isinstance(decoded.traveller, str) and isinstance(decoded.family_name, str)
    _ = (decoded.given_name, decoded.baggage_tags, decoded.issue_year_digit, decoded.issue_day)
    for context in (date(2018, 4, 2), date.min, date.max):
        issue = bcbp.resolve_issue_date(decoded, context)
        for leg in decoded.legs:
            _ = (leg.flight_number, leg.trip_number, leg.seat, leg.checkin_sequence, leg.ticket_number)
            assert bcbp.resolve_flight_date(leg, issue_date=issue, context=context).encoding
    assert isinstance(bcbp.encode(decoded), str) if not decoded.problems else True


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_decodes_or_raises_bcbp_error(text):
    try:
        decoded = bcbp.decode(text)
    except bcbp.BcbpError:
        return
    _use_everything(decoded)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 9), st.text(alphabet=PRINTABLE + "\n\x00é", max_size=700))
def test_text_shaped_like_a_pass_decodes_or_raises_bcbp_error(legs, rest):
    try:
        _use_everything(bcbp.decode(f"M{legs}" + rest))
        _use_everything(bcbp.decode(f"M{legs}" + rest, strict=True))
    except bcbp.BcbpError:
        pass


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([EXAMPLE_2, MULTI_LEG, MINIMAL]), st.data())
def test_damaged_real_passes_decode_or_raise_bcbp_error(message, data):
    operation = data.draw(st.sampled_from(["cut", "replace", "insert", "delete"]))
    position = data.draw(st.integers(0, len(message)))
    char = data.draw(st.characters(min_codepoint=0, max_codepoint=0x2FF))
    if operation == "cut":
        damaged = message[:position]
    elif operation == "replace":
        damaged = message[:position] + char + message[position + 1:]
    elif operation == "insert":
        damaged = message[:position] + char + message[position:]
    else:
        damaged = message[:position] + message[position + 1:]
    for strict in (False, True):
        try:
            _use_everything(bcbp.decode(damaged, strict=strict))
        except bcbp.BcbpError:
            pass


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(EXAMPLE_2) - 1))
def test_every_cut_of_a_full_pass_is_rejected_when_strict(end):
    """Cutting a full pass anywhere loses part of a declared section, and strict decoding
    refuses it, except where the cut leaves a valid pass: a short form (the mandatory items up
    to 35 characters into the leg) or the pass without its optional security section."""
    cut = EXAMPLE_2[:end]
    short_form = bcbp.UNIQUE_MANDATORY + bcbp.LEG_MINIMUM <= end <= bcbp.UNIQUE_MANDATORY + bcbp.LEG_MANDATORY - 2
    if short_form or end == EXAMPLE_2.index("^"):
        assert bcbp.decode(cut, strict=True).legs[0].pnr == "AB12C3"
    else:
        with pytest.raises(bcbp.BcbpError):
            bcbp.decode(cut, strict=True)


def _item(alphabet: str, width: int, *, optional: bool = True):
    """A field value as the decoder returns it: no trailing blank, at most ``width`` long."""
    value = st.text(alphabet=alphabet, min_size=1, max_size=width).filter(lambda text: not text.endswith(" "))
    return st.one_of(st.none(), value) if optional else value


@st.composite
def _legs(draw, count: int):
    legs = []
    for index in range(count):
        conditional = draw(st.booleans()) or index < count - 1
        values = {
            "pnr": draw(_item(ALNUM, 7)), "from_airport": draw(st.text(UPPER, min_size=3, max_size=3)),
            "to_airport": draw(st.text(UPPER, min_size=3, max_size=3)),
            "carrier": draw(st.text(ALNUM, min_size=2, max_size=2)) + draw(st.sampled_from(["", "X"])),
            "flight_number_raw": f"{draw(st.integers(0, 9999)):04d}", "day_of_flight": draw(st.integers(1, 366)),
            "compartment": draw(_item(UPPER, 1)), "seat_raw": draw(_item(ALNUM, 4)),
            "checkin_sequence_raw": draw(_item(ALNUM, 5)), "passenger_status": draw(_item(ALNUM, 1))}
        if conditional:
            values.update(
                variable_size=0, airline_numeric_code=draw(_item(string.digits, 3)),
                document_number=draw(_item(string.digits, 10)), selectee=draw(_item("01", 1)),
                document_verification=draw(_item("012", 1)), marketing_carrier=draw(_item(ALNUM, 3)),
                frequent_flyer_airline=draw(_item(ALNUM, 3)), frequent_flyer_number=draw(_item(ALNUM, 16)),
                id_ad_indicator=draw(_item("0123456789", 1)), free_baggage_allowance=draw(_item(ALNUM, 3)),
                fast_track=draw(_item("YN", 1)), airline_use=draw(_item(PRINTABLE, 40)))
        legs.append(bcbp.Leg(**values))
    return legs


@st.composite
def _passes(draw):
    count = draw(st.integers(1, 3))
    legs = draw(_legs(count))
    unique = {}
    if draw(st.booleans()) or legs[0].variable_size is not None:
        unique = {"version": draw(st.sampled_from("123456789")), "passenger_description": draw(_item("01234567", 1)),
                      "checkin_source": draw(_item("WKRMOTV", 1)), "issuance_source": draw(_item("WKRMOTV", 1)),
                      "issue_date_raw": draw(st.one_of(st.none(), st.builds("{}{:03d}".format, st.integers(0, 9),
                                                                         st.integers(1, 366)))),
                      "document_type": draw(_item("BI", 1)), "issuer": draw(_item(ALNUM, 3)),
                      "baggage_tag_1": draw(_item(string.digits, 13)), "baggage_tag_2": draw(_item(string.digits, 13)),
                      "baggage_tag_3": draw(_item(string.digits, 13))}
        if legs[0].variable_size is None:
            legs[0] = dataclasses.replace(legs[0], variable_size=0)
    security = {}
    if legs[-1].variable_size is not None and draw(st.booleans()):
        security = {"security_type": draw(st.sampled_from("12")), "security_data": draw(_item(PRINTABLE, 100))}
    name = draw(st.text(PRINTABLE, min_size=1, max_size=20).map(str.strip).filter(bool))
    return bcbp.BoardingPass(raw="", legs_count=count, passenger_name=name,
                             eticket_indicator=draw(_item("E", 1)), legs=tuple(legs), **unique, **security)


_SIZES = ("variable_size", "conditional_size")


def _comparable(boarding_pass: bcbp.BoardingPass) -> bcbp.BoardingPass:
    legs = tuple(dataclasses.replace(leg, **{name: None for name in _SIZES}) for leg in boarding_pass.legs)
    return dataclasses.replace(boarding_pass, raw="", length=0, legs=legs, unique_size=None, security_size=None)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_passes())
def test_encode_then_decode_gives_every_field_back(boarding_pass):
    message = bcbp.encode(boarding_pass)
    decoded = bcbp.decode(message, strict=True)
    assert decoded.problems == ()
    assert decoded.length == len(message)
    assert _comparable(decoded) == _comparable(boarding_pass)
    assert bcbp.encode(decoded) == message


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=PRINTABLE + "\n", max_size=200), _passes(), st.text(alphabet=PRINTABLE, max_size=50))
def test_a_pass_in_prose_is_found(before, boarding_pass, after):
    message = bcbp.encode(boarding_pass)
    text = before + "\n" + message + "\n" + after
    found = bcbp.find_candidates(text)
    assert message in [decoded.raw for _offset, decoded in found]
