"""travel.html: schema.org reservations (JSON-LD, microdata) in HTML pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from forensic_triage.demo.apps.travel import booking_html, flight_jsonld, hotel_jsonld
from forensic_triage.plugin_host.registry import check_plugin
from forensic_triage_plugins.html_reservations import HtmlReservations

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def run(run_extractor, tmp_path: Path, text: str | bytes, name: str = "confirmation.html"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return run_extractor(HtmlReservations, path)


def test_plugin_passes_host_checks():
    assert check_plugin(HtmlReservations) == []


def test_json_ld_page(run_extractor, tmp_path):
    result = run(run_extractor, tmp_path, booking_html([flight_jsonld(), hotel_jsonld()]))
    assert result.status == "ok" and result.warnings == []
    flight, hotel = result.data("reservation")
    assert (flight["type"], flight["origin"], flight["trip_number"]) == ("flight", "json-ld", "LH 400")
    assert flight["start"]["utc"] == "2026-03-14T09:15:00Z"
    assert (hotel["type"], hotel["name"]) == ("lodging", "Harbour View Hotel")
    assert [item.locator for item in result.artifacts] == [{"pointer": "/json-ld/0"}, {"pointer": "/json-ld/1"}]


def test_microdata_page(run_extractor, tmp_path):
    result = run(run_extractor, tmp_path, booking_html([flight_jsonld()], microdata=True))
    assert result.warnings == []
    [found] = result.data("reservation")
    assert (found["origin"], found["reservation_number"], found["status"]) == ("microdata", "DEMO42", "confirmed")
    assert (found["departure"]["code"], found["arrival"]["code"]) == ("FRA", "JFK")
    assert found["end"]["utc"] == "2026-03-14T17:05:00Z"


def test_invalid_json_ld_block_is_a_warning_the_others_are_read(run_extractor, tmp_path):
    page = booking_html([flight_jsonld()], extra_head='<script type="application/ld+json">{"@type": oops</script>')
    result = run(run_extractor, tmp_path, page)
    assert [warning.code for warning in result.warnings] == ["html.bad_jsonld"]
    assert result.warnings[0].locator == {"pointer": "/json-ld/1"}
    assert len(result.artifacts) == 1


def test_scripts_are_data_never_run(run_extractor, tmp_path):
    hostile = ('<script>document.write("<script type=\\"application/ld+json\\">{}</scr"+"ipt>")</script>'
               '<script src="http://attacker.test/x.js"></script><img src="http://attacker.test/p.png" '
               'onerror="alert(1)"><iframe src="file:///etc/passwd"></iframe>'
               '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><p>&e;</p>')
    result = run(run_extractor, tmp_path, booking_html([flight_jsonld()], extra_head=hostile))
    assert result.status == "ok" and len(result.artifacts) == 1
    assert "root:" not in str(result.artifacts[0].data)


def test_pages_without_structured_data_are_skipped(run_extractor, tmp_path):
    result = run(run_extractor, tmp_path, "<html><body><p>Flight LH 400 booked, ref DEMO42</p></body></html>")
    assert result.artifacts == [] and result.warnings == []
    empty = run(run_extractor, tmp_path, b"", name="empty.html")
    assert empty.artifacts == [] and empty.warnings == []


def test_advertised_events_on_web_pages_are_not_bookings(run_extractor, tmp_path):
    concert = {"@context": "http://schema.org", "@type": "MusicEvent", "name": "Gig",
               "startDate": "2026-05-01T20:00:00+02:00", "location": {"@type": "Place", "name": "Hall"}}
    result = run(run_extractor, tmp_path, booking_html([concert, flight_jsonld()]))
    assert [item["type"] for item in result.data("reservation")] == ["flight"]


def test_declared_charset_is_honoured(run_extractor, tmp_path):
    data = flight_jsonld()
    data["underName"]["name"] = "Zoë Müller"
    page = booking_html([data]).replace('<meta charset="utf-8">', '<meta charset="iso-8859-1">')
    result = run(run_extractor, tmp_path, page.encode("iso-8859-1"))
    assert result.data("reservation")[0]["travellers"] == ["Zoë Müller"]


def test_renamed_page_is_recognised_by_content(run_extractor, tmp_path):
    page = booking_html([flight_jsonld()]).encode()
    assert any(select.matches_path("Cache/f_00001a") and select.matches_head(page[:64])
               for select in HtmlReservations.selects)
    assert len(run(run_extractor, tmp_path, page, name="f_00001a").artifacts) == 1


def test_corpus_pages(run_extractor):
    folder = CORPUS / "bookings" / "kitinerary" / "structureddata"
    if not folder.is_dir():
        pytest.skip(f"corpus not available: {folder}")
    fallback = run_extractor(HtmlReservations, folder / "hotel-json-ld-fallback.html")
    # A real confirmation with an unquoted "&" and broken markup: still read.
    [hotel] = fallback.data("reservation")
    assert (hotel["reservation_number"], hotel["name"]) == ("KDEKDEKDE", "Parser & Breaking Hotels")
    assert hotel["start"]["utc"] == "2017-06-15T14:00:00Z"
    jsonld = run_extractor(HtmlReservations, folder / "google-flight-reservation-json-ld.html").data("reservation")
    microdata = run_extractor(HtmlReservations, folder / "google-flight-reservation-microdata.html").data("reservation")
    # The same booking in both syntaxes: 20:15 at -08:00 is 04:15 UTC the next day.
    assert [(item["trip_number"], item["start"]["utc"]) for item in jsonld + microdata] == \
        [("UA 110", "2027-03-05T04:15:00Z")] * 2
