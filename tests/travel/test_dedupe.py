"""One trip per booking across mail, calendar and wallet, each source keeping its provenance."""

from __future__ import annotations

from pathlib import Path

from forensic_triage.demo.apps.travel import (FlightBooking, boarding_pass_json, booking_email, booking_ics, demo_bcbp,
                                              flight_event, flight_jsonld, hotel_jsonld, pkpass)
from forensic_triage.evidence.add import add_evidence
from forensic_triage.ingest.run import ingest
from forensic_triage.progress import run_silently
from forensic_triage.sdk.pytest_plugin import run_on_file
from forensic_triage.store.case_store import CaseStore
from forensic_triage.travel.dedupe import TripSource, merge, trips
from forensic_triage_plugins.calendar_reservations import CalendarReservations
from forensic_triage_plugins.mail_reservations import MailReservations
from forensic_triage_plugins.wallet_passes import WalletPasses

BOOKING = FlightBooking()


def sources(plugin, path: Path) -> list[TripSource]:
    result = run_on_file(plugin, path)
    return [TripSource(data=item.data, plugin=plugin.name, provenance={"path": path.name, "locator": item.locator})
            for item in result.artifacts]


def write(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "mail": folder / "confirmation.eml",
        "calendar": folder / "trip.ics",
        # The pass has no semantic tags: its start is the relevant (boarding) time, 45 minutes early.
        "wallet": folder / "boarding.pkpass",
    }
    files["mail"].write_bytes(booking_email([flight_jsonld(), hotel_jsonld()]))
    files["calendar"].write_bytes(booking_ics([flight_event(with_schema_org=False)]))
    files["wallet"].write_bytes(pkpass(boarding_pass_json(BOOKING, bcbp=demo_bcbp(), semantics=False,
                                                          relevant_date="2026-03-14T09:30:00+01:00")))
    return files


def test_the_same_booking_from_three_sources_is_one_trip(tmp_path):
    files = write(tmp_path)
    found = merge(sources(MailReservations, files["mail"]) + sources(CalendarReservations, files["calendar"])
                  + sources(WalletPasses, files["wallet"]))
    assert len(found) == 2
    flight, hotel = found
    assert sorted(source.origin for source in flight.sources) == ["ics", "json-ld", "pkpass"]
    assert [source.origin for source in hotel.sources] == ["json-ld"]
    merged = flight.reservation
    # The departure time comes from the mail, not the pass's boarding time.
    assert merged["start"]["utc"] == "2026-03-14T09:15:00Z" and merged["start"]["encoding"] == "iso8601"
    assert merged["reservation_number"] == "DEMO42" and merged["trip_number"] == "LH 400"
    assert merged["ticket_token"] == demo_bcbp() and merged["price"] == "742.50"
    assert merged["travellers"] == ["Alex Example"]
    assert merged["origin"] == "json-ld, ics, pkpass"
    assert {source.provenance["path"] for source in flight.sources} == {"confirmation.eml", "trip.ics",
                                                                        "boarding.pkpass"}


def data(**fields) -> TripSource:
    base = {"type": "flight", "origin": "json-ld", "reservation_number": "ABC123", "provider": "Lufthansa",
            "trip_number": "LH 400", "travellers": ["A"], "status": "confirmed",
            "departure": {"code": "FRA"}, "start": {"utc": "2026-03-14T09:15:00Z", "raw": "x", "encoding": "iso8601",
                                                    "status": "ok"}, "start_time_zone": "Europe/Berlin"}
    base.update(fields)
    return TripSource(data=base)


def test_legs_and_other_bookings_stay_apart():
    same_day_return = data(trip_number="LH 401", departure={"code": "JFK"},
                           start={"utc": "2026-03-14T20:00:00Z", "raw": "x", "encoding": "iso8601", "status": "ok"})
    next_week = data(start={"utc": "2026-03-21T09:15:00Z", "raw": "x", "encoding": "iso8601", "status": "ok"})
    other_number = data(reservation_number="ZZZ999")
    other_airline = data(trip_number="BA 400", provider="British Airways")
    found = merge([data(), same_day_return, next_week, other_number, other_airline])
    assert len(found) == 5


def test_names_days_and_status_merge():
    mail = data(travellers=["Alex Example"])
    cancellation = data(origin="ics", status="cancelled", provider="LUFTHANSA", travellers=["ALEX EXAMPLE", "Sam Lee"])
    # 23:30 UTC on the 13th is 00:30 on the 14th in Berlin: the day is taken at the departure place.
    late = data(origin="pkpass", provider=None, trip_number=None, departure=None, travellers=[],
                start={"utc": "2026-03-13T23:30:00Z", "raw": "x", "encoding": "pkpass_relevant_date", "status": "ok"},
                start_time_zone="Europe/Berlin")
    date_only = data(origin="bcbp", provider=None, travellers=[], start={"utc": None, "raw": "2026-03-14",
                                                         "encoding": "bcbp_julian_date", "status": "not_applicable"},
                     start_time_zone=None)
    [trip] = merge([mail, cancellation, late, date_only])
    assert trip.reservation["status"] == "cancelled"
    assert trip.reservation["travellers"] == ["Alex Example", "Sam Lee"]
    assert trip.reservation["start"]["utc"] == "2026-03-14T09:15:00Z"
    assert str(trip.day) == "2026-03-14" and len(trip.sources) == 4


def test_hotel_with_date_only_calendar_entry_and_bookings_without_number():
    mail = data(type="lodging", trip_number=None, provider="Harbour View Hotel", name="Harbour View Hotel",
                departure=None, start={"utc": "2026-03-14T19:00:00Z", "raw": "x", "encoding": "iso8601",
                                       "status": "ok"}, start_time_zone="America/New_York")
    calendar = data(type="lodging", origin="ics", trip_number=None, provider=None, name="Harbour View Hotel",
                    departure=None, start={"utc": None, "raw": "VALUE=DATE:20260314", "encoding": "ics_date",
                                           "status": "not_applicable"}, start_time_zone=None)
    assert len(merge([mail, calendar])) == 1
    no_number_a = data(reservation_number=None, origin="ics")
    no_number_b = data(reservation_number=None, origin="pkpass")
    unrelated = data(reservation_number=None, trip_number=None, name=None)
    assert sorted(len(trip.sources) for trip in merge([no_number_a, no_number_b, unrelated])) == [1, 2]


def test_trips_from_a_case_store(tmp_path):
    """End to end: the three files as evidence, ingested with the three plugins, merged from the store."""
    evidence = tmp_path / "evidence"
    write(evidence / "Users" / "alex")
    store = CaseStore.create(tmp_path / "case", case_number="T-1", examiner="Test Examiner")
    try:
        row = run_silently(add_evidence(store, evidence))
        run_silently(ingest(store, evidence_keys=[row["exhibit_id"]], jobs=1,
                            plugin_names=["travel.mail", "travel.ics", "travel.pkpass"]))
        found = trips(store)
    finally:
        store.close()
    flight = next(trip for trip in found if trip.reservation["type"] == "flight")
    assert len(found) == 2 and len(flight.sources) == 3
    paths = sorted(source.provenance["path"].rsplit("/", 1)[-1] for source in flight.sources)
    assert paths == ["boarding.pkpass", "confirmation.eml", "trip.ics"]
    assert all(source.artifact_id and source.digest and source.provenance["plugin"] == source.plugin
               for source in flight.sources)
    wallet = next(source for source in flight.sources if source.plugin == "travel.pkpass")
    assert wallet.provenance["locator"] == {"member": "pass.json", "pointer": "/boardingPass"}
