"""travel.ics: bookings in iCalendar files, on calendars written by the project's builder and on the corpus."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from forensic_triage.demo.apps.travel import CalendarEvent, booking_ics, flight_event
from forensic_triage.plugin_host.registry import check_plugin
from forensic_triage_plugins.calendar_reservations import CalendarReservations, count_components

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"

CUSTOM_ZONE = """BEGIN:VTIMEZONE
TZID:Custom Central European
BEGIN:STANDARD
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE"""


def run(run_extractor, tmp_path: Path, data: bytes, name: str = "calendar.ics"):
    path = tmp_path / name
    path.write_bytes(data)
    return run_extractor(CalendarReservations, path)


def codes(result) -> list[str]:
    return [warning.code for warning in result.warnings]


def test_plugin_passes_host_checks():
    assert check_plugin(CalendarReservations) == []
    assert CalendarReservations.name == "travel.ics"


def test_kde_itinerary_schema_org_event(run_extractor, tmp_path):
    result = run(run_extractor, tmp_path, booking_ics([flight_event()]))
    assert result.status == "ok" and result.warnings == []
    [found] = result.data("reservation")
    assert (found["type"], found["origin"], found["reservation_number"], found["trip_number"]) == \
        ("flight", "ics", "DEMO42", "LH 400")
    assert (found["departure"]["code"], found["arrival"]["code"], found["seat"]) == ("FRA", "JFK", "23A")
    assert found["start"]["utc"] == "2026-03-14T09:15:00Z" and found["travellers"] == ["Alex Example"]
    [produced] = result.artifacts
    assert produced.locator == {"line": 4, "pointer": "/VEVENT/0/X-KDE-KITINERARY-RESERVATION/0"}


def test_summary_conventions_without_schema_org(run_extractor, tmp_path):
    result = run(run_extractor, tmp_path, booking_ics([flight_event(with_schema_org=False)]))
    assert result.warnings == []
    [found] = result.data("reservation")
    assert (found["trip_number"], found["reservation_number"], found["seat"]) == ("LH 400", "DEMO42", "23A")
    assert (found["departure"]["code"], found["arrival"]["code"]) == ("FRA", "JFK")
    assert found["departure"]["name"] == "Frankfurt am Main International Airport"
    # DTSTART;TZID=Europe/Berlin:20260314T101500 is CET (+01:00): 09:15 UTC.
    # DTEND;TZID=America/New_York:20260314T130500 is EDT (-04:00, DST since 8 March): 17:05 UTC.
    assert found["start"] == {"utc": "2026-03-14T09:15:00Z", "raw": "TZID=Europe/Berlin:20260314T101500",
                              "encoding": "ics_local:Europe/Berlin", "status": "ok"}
    assert found["end"]["utc"] == "2026-03-14T17:05:00Z" and found["end_time_zone"] == "America/New_York"


def test_other_travel_summaries(run_extractor, tmp_path):
    events = [
        CalendarEvent(summary="Hotel reservation: Harbour View Hotel", start="20260314", end="20260317",
                      location="1 Pier Road, New York", geo=(40.7033, -74.017), uid="h",
                      description="Alex Example\nBooking reference: H-778812"),
        CalendarEvent(summary="Train ICE 597 from Berlin Hbf to München Hbf", start="20260401T080000Z",
                      end="20260401T120000Z", uid="t", description="Seat: 44\nUnder name: Alex Example"),
        CalendarEvent(summary="Rental car reservation: Economy", start="20260314T160000", tzid="America/New_York",
                      uid="c", description="Confirmation number: C-99"),
        CalendarEvent(summary="Flight to Paris (AF 1234)", start="20260501T070000Z", uid="g"),
        CalendarEvent(summary="Dentist", start="20260402T090000Z", uid="d", description="Booking reference: NOPE1"),
    ]
    result = run(run_extractor, tmp_path, booking_ics(events))
    assert result.warnings == []
    found = {item["type"]: item for item in result.data("reservation")}
    assert set(found) == {"lodging", "train", "rental_car", "flight"}
    hotel = found["lodging"]
    assert (hotel["name"], hotel["reservation_number"]) == ("Harbour View Hotel", "H-778812")
    assert hotel["start"] == {"utc": None, "raw": "VALUE=DATE:20260314", "encoding": "ics_date",
                              "status": "not_applicable"}
    assert hotel["departure"]["latitude"] == pytest.approx(40.7033)
    train = found["train"]
    assert (train["trip_number"], train["seat"], train["travellers"]) == ("ICE 597", "44", ["Alex Example"])
    assert train["departure"]["name"] == "Berlin Hbf" and train["start"]["utc"] == "2026-04-01T08:00:00Z"
    # 16:00 in New York on 14 March 2026 (EDT, -04:00) is 20:00 UTC.
    assert found["rental_car"]["start"]["utc"] == "2026-03-14T20:00:00Z"
    assert found["rental_car"]["reservation_number"] == "C-99"
    assert (found["flight"]["trip_number"], found["flight"]["arrival"]["name"]) == ("AF 1234", "Paris")


def test_cancelled_by_status_and_by_method(run_extractor, tmp_path):
    cancelled = run(run_extractor, tmp_path, booking_ics([flight_event(status="CANCELLED")]))
    assert [item["status"] for item in cancelled.data("reservation")] == ["cancelled"]
    method = run(run_extractor, tmp_path, booking_ics([flight_event(with_schema_org=False)], method="CANCEL"),
                 name="cancel.ics")
    assert [item["status"] for item in method.data("reservation")] == ["cancelled"]


def test_unknown_tzid_keeps_the_wall_clock(run_extractor, tmp_path):
    event = flight_event(with_schema_org=False, departure_zone="Mars/Olympus_Mons", arrival_zone="Mars/Olympus_Mons")
    result = run(run_extractor, tmp_path, booking_ics([event]))
    assert codes(result) == ["ics.time", "ics.time"]
    assert "unknown TZID 'Mars/Olympus_Mons'" in result.warnings[0].message
    [found] = result.data("reservation")
    assert found["start"] == {"utc": None, "raw": "TZID=Mars/Olympus_Mons:20260314T101500",
                              "encoding": "ics_wallclock_no_zone", "status": "unparsable"}


def test_custom_vtimezone_windows_names_and_fixed_offsets(run_extractor, tmp_path):
    events = [
        CalendarEvent(summary="Flight LH 1 from FRA to MUC", start="20260701T120000", tzid="Custom Central European",
                      uid="a"),
        CalendarEvent(summary="Flight LH 2 from FRA to MUC", start="20260701T120000", tzid="W. Europe Standard Time",
                      uid="b"),
        CalendarEvent(summary="Flight LH 3 from FRA to MUC", start="20260701T120000", tzid="UTC-07:00", uid="c"),
    ]
    result = run(run_extractor, tmp_path, booking_ics(events, timezones=[CUSTOM_ZONE]))
    assert result.warnings == []
    starts = {item["trip_number"]: item["start"]["utc"] for item in result.data("reservation")}
    # July: the custom zone's DAYLIGHT rule (+02:00) and Europe/Berlin (CEST) both give 10:00 UTC.
    assert starts == {"LH 1": "2026-07-01T10:00:00Z", "LH 2": "2026-07-01T10:00:00Z", "LH 3": "2026-07-01T19:00:00Z"}


def test_the_same_custom_tzid_is_resolved_per_file(run_extractor, tmp_path):
    other = CUSTOM_ZONE.replace("TZOFFSETTO:+0200", "TZOFFSETTO:+0300")   # summer three hours ahead
    event = CalendarEvent(summary="Flight LH 1 from FRA to MUC", start="20260701T120000",
                          tzid="Custom Central European")
    first = run(run_extractor, tmp_path, booking_ics([event], timezones=[CUSTOM_ZONE]), name="a.ics")
    second = run(run_extractor, tmp_path, booking_ics([event], timezones=[other]), name="b.ics")
    assert first.data("reservation")[0]["start"]["utc"] == "2026-07-01T10:00:00Z"
    assert second.data("reservation")[0]["start"]["utc"] == "2026-07-01T09:00:00Z"


def test_recurrence_noted_and_broken_rrule_warned(run_extractor, tmp_path):
    weekly = run(run_extractor, tmp_path, booking_ics([flight_event(rrule="FREQ=WEEKLY;COUNT=4")]))
    assert codes(weekly) == ["ics.rrule_ignored"] and len(weekly.artifacts) == 1
    broken = run(run_extractor, tmp_path, booking_ics([flight_event(rrule="FREQ=SOMETIMES;COUNT=x"),
                                                       CalendarEvent(summary="Gym", start="20260301T100000Z",
                                                                     rrule="BYDAY=ZZ", uid="g")]), name="b.ics")
    assert codes(broken) == ["ics.broken_rrule", "ics.broken_rrule"] and len(broken.artifacts) == 1


def test_damaged_calendars(run_extractor, tmp_path):
    good = booking_ics([flight_event()])
    truncated = run(run_extractor, tmp_path, good[: good.index(b"END:VEVENT")], name="t.ics")
    assert "ics.truncated" in codes(truncated) and truncated.status == "ok"
    latin = run(run_extractor, tmp_path, booking_ics([flight_event(with_schema_org=False)]).replace(
        b"Alex Example", b"Al\xe9x Example"), name="l.ics")
    assert codes(latin) == ["ics.encoding"] and len(latin.artifacts) == 1
    bad_json = good.replace(b'[{"@context"', b'[{"@context" oops', 1)
    result = run(run_extractor, tmp_path, bad_json, name="j.ics")
    assert codes(result) == ["ics.bad_schema_org"] and result.data("reservation")[0]["trip_number"] == "LH 400"
    not_ics = run(run_extractor, tmp_path, b"hello", name="n.ics")
    assert codes(not_ics) == ["ics.not_calendar"] and not_ics.artifacts == []
    unbalanced = run(run_extractor, tmp_path, b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VALARM\r\nDTSTART:x\r\n"
                                              b"SUMMARY:Flight LH 1 from FRA to MUC\r\nEND:VEVENT\r\n", name="u.ics")
    assert unbalanced.status == "ok"


def test_renamed_calendar_is_recognised_by_content(run_extractor, tmp_path):
    data = booking_ics([flight_event()])
    assert any(select.matches_path("export/calendar_backup.dat") and select.matches_head(data[:64])
               for select in CalendarReservations.selects)
    assert len(run(run_extractor, tmp_path, data, name="calendar_backup.dat").artifacts) == 1


def test_non_booking_events_give_nothing(run_extractor, tmp_path):
    result = run(run_extractor, tmp_path, booking_ics([CalendarEvent(summary="Team meeting", start="20260301T100000Z"),
                                                       CalendarEvent(summary="Hotel", start="20260301", uid="x")]))
    assert result.artifacts == [] and result.warnings == []


# --- corpus --------------------------------------------------------------------------------------

def corpus_calendars() -> list[Path]:
    found = sorted((CORPUS / "bookings").glob("**/*.ics")) if (CORPUS / "bookings").is_dir() else []
    return found or [pytest.param(None, marks=pytest.mark.skip(reason=f"corpus not available: {CORPUS}"))]


@pytest.mark.parametrize("path", corpus_calendars(), ids=lambda path: path.name if path else "")
def test_corpus_component_counts_match_the_summary(run_extractor, path: Path):
    summary = path.with_name(path.name + ".summary.txt").read_text(encoding="utf-8")
    expected = int(re.search(r": (\d+) VEVENT/VTODO component", summary).group(1))
    with open(path, "rb") as handle:
        counts = count_components(handle)
    assert counts["VEVENT"] + counts["VTODO"] == expected
    result = run_extractor(CalendarReservations, path)
    assert result.status == "ok" and result.warnings == []
    if "vobject" in path.parts:   # meetings, dance classes, tax returns: no bookings
        assert result.artifacts == []


def test_corpus_flight_without_its_schema_org_data(run_extractor, tmp_path):
    """KDE's flight.ics read only through SUMMARY/DESCRIPTION (its X-KDE property removed in memory)."""
    source = CORPUS / "bookings" / "kitinerary" / "calendarhandlerdata" / "flight.ics"
    if not source.exists():
        pytest.skip(f"corpus not available: {source}")
    lines = source.read_bytes().replace(b"\r\n", b"\n").split(b"\n")
    kept, skipping = [], False
    for line in lines:
        if line.startswith(b"X-KDE-KITINERARY-RESERVATION"):
            skipping = True
            continue
        if skipping and line.startswith((b" ", b"\t")):
            continue
        skipping = False
        kept.append(line)
    result = run(run_extractor, tmp_path, b"\r\n".join(kept), name="flight.ics")
    [found] = result.data("reservation")
    assert (found["trip_number"], found["reservation_number"], found["seat"]) == ("AB 8075", "XXX007", "16E")
    assert (found["departure"]["code"], found["arrival"]["code"]) == ("HEL", "TXL")
    # 15:05 in Helsinki (EEST, +03:00) is 12:05 UTC; 16:00 in Berlin (CEST, +02:00) is 14:00 UTC.
    assert (found["start"]["utc"], found["end"]["utc"]) == ("2017-09-20T12:05:00Z", "2017-09-20T14:00:00Z")
