"""The boarding-pass plugins (travel.bcbp.text / .image / .pdf) on passes made by the project's
own builders (forensic_triage.demo.apps.boarding) and on the KDE Itinerary corpus."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import forensic_triage_plugins.boarding_passes as plugin
import pytest
from forensic_triage_plugins.boarding_passes import (
    BoardingPassImage,
    BoardingPassPdf,
    BoardingPassText,
)

from forensic_triage.demo.apps import boarding as build
from forensic_triage.plugin_host.registry import check_plugin
from forensic_triage.travel import bcbp
from tests.conftest import CORPUS, corpus_path

TWO_LEGS = build.sample_pass("DOE/JANE MRS", [
    build.Flight(pnr="ABC123", origin="LHR", destination="JFK", carrier="BA", number=117, day=date(2026, 3, 14),
                 seat="012A"),
    build.Flight(pnr="ABC123", origin="JFK", destination="LAX", carrier="AA", number=1, day=date(2026, 3, 15),
                 seat="003C", sequence=42)], issued=date(2026, 3, 13), frequent_flyer="BA123456")
# Mandatory items only: nothing in the pass says which year day 73 belongs to.
SHORT = "M1DOE/JANE            EABC123 LHRJFKBA 0117 073Y012A0001 100"
MAIL_DATE = datetime(2026, 3, 12, 18, 30, tzinfo=timezone(timedelta(hours=1)))


def codes(result) -> list[str]:
    return [warning.code for warning in result.warnings]


def test_plugins_pass_host_checks():
    for cls in (BoardingPassText, BoardingPassImage, BoardingPassPdf):
        assert check_plugin(cls) == [], cls


def test_selection_by_content_and_name():
    assert any(s.matches_head(build.png_bytes(build.barcode_pixels(SHORT))[:64]) for s in BoardingPassImage.selects)
    assert any(s.matches_head(b"\xff\xd8\xff\xe0\x00\x10JFIF") for s in BoardingPassImage.selects)
    assert not any(s.matches_head(b"%PDF-1.4") for s in BoardingPassImage.selects)
    assert any(s.matches_head(b"%PDF-1.7\n") for s in BoardingPassPdf.selects)

    def text_selected(path: str, head: bytes) -> bool:
        return any(s.matches_path(path) and s.matches_head(head) for s in BoardingPassText.selects)

    assert text_selected("Users/jane/Desktop/pass.TXT", b"anything")
    assert text_selected("mail/Inbox.mbox", b"x")
    assert text_selected("home/jane/.thunderbird/x.default/Mail/Local Folders/Inbox", b"From - Tue Mar 10")
    assert text_selected("home/jane/Maildir/cur/1700000000.M1P2.host:2,S", b"Return-Path: <a@b>\n")
    assert text_selected("Library/Mail/V10/x.mbox/Messages/12.emlx", b"1234\n")
    assert not text_selected("photos/IMG_0001.JPG", b"\xff\xd8\xff")


# --- images ---------------------------------------------------------------------------------------

def _pass_data(result) -> list[dict]:
    return sorted(result.data("reservation"), key=lambda data: data["trip_number"])


def test_png_two_leg_pass_every_field(run_extractor, tmp_path):
    # The pass's issue date holds only the year's last digit: the screenshot's PNG time places it.
    path = build.boarding_pass_png(tmp_path / "Screenshot 2026-03-13.png", TWO_LEGS,
                                   png_time=datetime(2026, 3, 13, 19, 5, tzinfo=UTC))
    result = run_extractor(BoardingPassImage, path)
    assert result.status == "ok" and result.warnings == []
    first, second = _pass_data(result)[1], _pass_data(result)[0]
    assert first == {
        "type": "flight", "origin": "bcbp", "name": None, "trip_number": "BA 117", "reservation_number": "ABC123",
        "status": "confirmed", "travellers": ["JANE DOE"], "provider": "BA",
        "departure": {"name": "London Heathrow Airport", "code": "LHR", "address": "London, GB",
                      "latitude": 51.4706, "longitude": -0.46194},
        "arrival": {"name": "John F Kennedy International Airport", "code": "JFK", "address": "New York, US",
                    "latitude": 40.639928, "longitude": -73.778692},
        "start": {"utc": None, "raw": "2026-03-14", "encoding": "bcbp_julian_date:day=073;year_from=issue_date:2026-03-13",
                  "status": "ok"},
        "end": None, "start_time_zone": "Europe/London", "end_time_zone": "America/New_York", "booked": None,
        "seat": "12A", "ticket_token": TWO_LEGS, "price": None, "currency": None, "url": None}
    assert (second["trip_number"], second["departure"]["code"], second["arrival"]["code"], second["seat"]) == \
        ("AA 1", "JFK", "LAX", "3C")
    assert second["start"]["raw"] == "2026-03-15" and second["end_time_zone"] == "America/Los_Angeles"
    assert sorted(item.locator["pointer"] for item in result.artifacts) == ["/barcodes/0/legs/0", "/barcodes/0/legs/1"]
    undated = build.boarding_pass_png(tmp_path / "undated.png", TWO_LEGS)
    assert [data["start"]["encoding"] for data in _pass_data(run_extractor(BoardingPassImage, undated))] == [
        "bcbp_julian_date:day=074;year_from=year_unknown", "bcbp_julian_date:day=073;year_from=year_unknown"]


@pytest.mark.parametrize("mode", ["gray", "rgb", "rgba", "gray16", "palette", "gray1"])
@pytest.mark.parametrize("interlace", [False, True])
def test_png_colour_types_filters_and_interlace(run_extractor, tmp_path, mode, interlace):
    path = build.boarding_pass_png(tmp_path / "pass.png", SHORT, mode=mode, interlace=interlace, filter_type=4)
    result = run_extractor(BoardingPassImage, path)
    assert result.warnings == []
    [data] = result.data("reservation")
    assert data["ticket_token"] == SHORT and data["trip_number"] == "BA 117"


@pytest.mark.parametrize("symbology", ["pdf417", "aztec", "qr", "datamatrix"])
def test_every_bcbp_symbology_in_png_and_jpeg(run_extractor, tmp_path, symbology):
    png = build.boarding_pass_png(tmp_path / f"{symbology}.png", SHORT, symbology=symbology)
    jpeg = build.boarding_pass_jpeg(tmp_path / f"{symbology}.jpg", SHORT, symbology=symbology)
    for path in (png, jpeg):
        result = run_extractor(BoardingPassImage, path)
        assert result.warnings == [] and [data["ticket_token"] for data in result.data()] == [SHORT], path.name


def test_year_comes_from_the_picture_when_the_pass_has_no_issue_date(run_extractor, tmp_path):
    photo = build.boarding_pass_jpeg(tmp_path / "IMG_0420.JPG", SHORT, taken="2026:03:10 08:00:00")
    [data] = run_extractor(BoardingPassImage, photo).data()
    assert data["start"] == {"utc": None, "raw": "2026-03-14", "status": "ok",
                             "encoding": "bcbp_julian_date:day=073;year_from=exif_date:2026-03-10"}
    screenshot = build.boarding_pass_png(tmp_path / "shot.png", SHORT,
                                         png_time=datetime(2025, 12, 30, 23, 0, tzinfo=UTC))
    [data] = run_extractor(BoardingPassImage, screenshot).data()
    assert data["start"]["raw"] == "2026-03-14"          # the next 14 March after 2025-12-30
    assert data["start"]["encoding"].endswith("year_from=png_time:2025-12-30")
    undated = build.boarding_pass_png(tmp_path / "undated.png", SHORT)
    [data] = run_extractor(BoardingPassImage, undated).data()
    assert data["start"] == {"utc": None, "raw": "073", "status": "unparsable",
                             "encoding": "bcbp_julian_date:day=073;year_from=year_unknown"}


def test_other_barcodes_and_broken_passes(run_extractor, tmp_path):
    link = build.boarding_pass_png(tmp_path / "link.png", "https://example.test/checkin", symbology="qr")
    assert run_extractor(BoardingPassImage, link).artifacts == []
    assert run_extractor(BoardingPassImage, link).warnings == []
    fake = build.boarding_pass_png(tmp_path / "fake.png", "M1 this is not a boarding pass at all, sorry", symbology="qr")
    result = run_extractor(BoardingPassImage, fake)
    assert result.artifacts == [] and codes(result) == ["bcbp.unreadable"]
    assert "starts like a boarding pass but is not one" in result.warnings[0].message
    cut = build.boarding_pass_png(tmp_path / "cut.png", TWO_LEGS[:-3], symbology="aztec")
    result = run_extractor(BoardingPassImage, cut)
    assert result.kinds() == {"reservation": 2} and codes(result) == ["bcbp.damaged"]
    assert "security data declares 8 characters, 5 left" in result.warnings[0].message


def test_image_bombs_and_damage(run_extractor, tmp_path):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(build.png_header_only(100_000, 100_000))
    result = run_extractor(BoardingPassImage, bomb)
    assert result.artifacts == [] and codes(result) == ["image.too_large"]
    assert "100000 x 100000 pixels" in result.warnings[0].message
    jpeg_bomb = tmp_path / "bomb.jpg"
    jpeg_bomb.write_bytes(build.jpeg_header_only(65_000, 65_000))
    assert codes(run_extractor(BoardingPassImage, jpeg_bomb)) == ["image.too_large"]
    full = build.png_bytes(build.barcode_pixels(SHORT))
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(full[:len(full) // 2])
    result = run_extractor(BoardingPassImage, truncated)
    assert result.status == "ok" and codes(result) == ["image.damaged"]
    assert "ends early" in result.warnings[0].message
    headless = tmp_path / "headless.png"
    headless.write_bytes(full[:20])
    assert codes(run_extractor(BoardingPassImage, headless)) == ["image.unreadable"]
    garbage_jpeg = tmp_path / "garbage.jpg"
    garbage_jpeg.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4)
    result = run_extractor(BoardingPassImage, garbage_jpeg)
    assert result.status == "ok" and codes(result) == ["image.unreadable"]


def test_png_dimensions_are_checked_before_inflating(monkeypatch, run_extractor, tmp_path):
    path = build.boarding_pass_png(tmp_path / "pass.png", SHORT)
    monkeypatch.setattr(plugin, "MAX_PIXELS", 1000)
    result = run_extractor(BoardingPassImage, path)
    assert result.artifacts == [] and codes(result) == ["image.too_large"]


@pytest.mark.corpus
def test_corpus_photos_hold_no_boarding_pass(run_extractor):
    folder = corpus_path("exif")
    photos = [path for path in sorted(folder.rglob("*")) if path.is_file()
              and path.read_bytes()[:3] in (b"\xff\xd8\xff", b"\x89PN")]
    assert len(photos) >= 15
    for path in photos:
        result = run_extractor(BoardingPassImage, path)
        assert result.status == "ok" and result.artifacts == [], path.name
        assert set(codes(result)) <= {"image.unreadable", "image.damaged"}, path.name


# --- PDF ------------------------------------------------------------------------------------------

def test_pdf_boarding_pass(run_extractor, tmp_path):
    path = build.boarding_pass_pdf(tmp_path / "boarding-pass.pdf", TWO_LEGS,
                                   created=datetime(2026, 3, 13, 9, 0, tzinfo=UTC))
    result = run_extractor(BoardingPassPdf, path)
    assert result.status == "ok" and result.warnings == []
    assert [data["trip_number"] for data in result.data()] == ["BA 117", "AA 1"]
    assert [item.locator["pointer"] for item in result.artifacts] == ["/pages/0/barcodes/0/legs/0",
                                                                       "/pages/0/barcodes/0/legs/1"]


def test_pdf_dates_a_short_pass_by_its_creation_date(run_extractor, tmp_path):
    path = build.boarding_pass_pdf(tmp_path / "pass.pdf", SHORT,
                                   created=datetime(2026, 3, 11, 23, 30, tzinfo=timezone(timedelta(hours=-5))))
    [data] = run_extractor(BoardingPassPdf, path).data()
    assert data["start"]["raw"] == "2026-03-14"
    assert data["start"]["encoding"] == "bcbp_julian_date:day=073;year_from=pdf_creation_date:2026-03-11"


def test_pdf_page_limit(monkeypatch, run_extractor, tmp_path):
    monkeypatch.setattr(plugin, "MAX_PDF_PAGES", 2)
    long = build.boarding_pass_pdf(tmp_path / "long.pdf", SHORT, extra_blank_pages=3)
    result = run_extractor(BoardingPassPdf, long)
    assert codes(result) == ["pdf.page_limit"] and result.warnings[0].context == {"pages": 4}
    assert result.kinds() == {"reservation": 1}


def test_pdf_text_is_not_searched(run_extractor, tmp_path):
    """pdfium's text extraction turns the blanks of "DOE/JANE            E" into one: a printed
    message cannot be read back reliably, so only symbols count."""
    printed = tmp_path / "printed.pdf"
    printed.write_bytes(build.pdf_bytes([(None, ["Boarding pass", SHORT])]))
    result = run_extractor(BoardingPassPdf, printed)
    assert result.status == "ok" and result.artifacts == [] and result.warnings == []


def test_pdf_damage(monkeypatch, run_extractor, tmp_path):
    monkeypatch.setattr(plugin, "MAX_PIXELS", 4_000_000)
    huge = tmp_path / "huge.pdf"
    huge.write_bytes(build.pdf_bytes([(build.barcode_pixels(SHORT, "aztec", scale=4), ["pass"])],
                                     page_size=(14_000, 14_000)))
    result = run_extractor(BoardingPassPdf, huge)
    assert codes(result) == ["pdf.page_too_large"]
    locked = tmp_path / "locked.pdf"
    plain = build.pdf_bytes([(None, [SHORT])])
    locked.write_bytes(plain.replace(b"trailer\n<< ", b"trailer\n<< /Encrypt << /Filter /Standard /V 1 /R 2 "
                                     b"/O (0123456789abcdef0123456789abcdef) /U (0123456789abcdef0123456789abcdef) "
                                     b"/P -4 >> "))
    result = run_extractor(BoardingPassPdf, locked)
    assert result.status == "ok" and result.artifacts == [] and codes(result) == ["pdf.encrypted"]
    assert result.warnings[0].message == "password-protected PDF: cannot open"
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 100)
    result = run_extractor(BoardingPassPdf, broken)
    assert result.status == "ok" and codes(result) == ["pdf.unreadable"]


@pytest.mark.corpus
def test_corpus_pdf_matches_kde_itinerary(run_extractor, tmp_path):
    path = corpus_path("bookings", "kitinerary", "synthetic", "iata-bcbp-demo.pdf")
    [expected] = json.loads(Path(str(path) + ".json").read_text(encoding="utf-8"))
    for candidate in (path, tmp_path / "scan0001.bin"):          # renamed: picked by its magic
        if candidate != path:
            shutil.copyfile(path, candidate)
            assert any(s.matches_head(candidate.read_bytes()[:64]) for s in BoardingPassPdf.selects)
        result = run_extractor(BoardingPassPdf, candidate)
        assert result.status == "ok" and result.warnings == []
        [data] = result.data()
        _assert_matches_kde(data, expected)
        # The pass's own issue date (year digit 8, day 325) is placed through the PDF's CreationDate.
        assert data["start"]["encoding"] == "bcbp_julian_date:day=249;year_from=issue_date:2018-11-21"
        assert data["start_time_zone"] == "Europe/Vienna" and data["end_time_zone"] == "Europe/Rome"


def _assert_matches_kde(data: dict, expected: dict) -> None:
    """type, reservation number, from/to, start day, traveller and seat as KDE Itinerary found them."""
    assert expected["@type"] == "FlightReservation" and data["type"] == "flight"
    flight = expected["reservationFor"]
    assert data["reservation_number"] == expected["reservationNumber"]
    assert data["departure"]["code"] == flight["departureAirport"]["iataCode"]
    assert data["arrival"]["code"] == flight["arrivalAirport"]["iataCode"]
    assert data["trip_number"] == f"{flight['airline']['iataCode']} {flight['flightNumber']}"
    assert data["start"]["raw"] == flight["departureDay"] and data["start"]["utc"] is None
    person = expected["underName"]
    assert [name.casefold() for name in data["travellers"]] == \
        [f"{person['givenName']} {person['familyName']}".casefold()]
    assert data["seat"] == expected.get("airplaneSeat")
    assert data["ticket_token"] == expected["reservedTicket"]["ticketToken"].removeprefix("aztecCode:")


# --- text and mail --------------------------------------------------------------------------------

@pytest.mark.corpus
def test_corpus_bcbp_strings_in_a_mail_match_kde_itinerary(run_extractor, tmp_path):
    """Each bcbpdata string (the input itself) in a mail dated as KDE's test dates them (2018-04-02)."""
    cases = sorted(corpus_path("bookings", "kitinerary", "bcbpdata").glob("*.json"))
    assert len(cases) == 7
    for case in cases:
        [expected] = json.loads(case.read_text(encoding="utf-8"))
        message = expected["reservedTicket"]["ticketToken"].removeprefix("aztecCode:")
        mail = tmp_path / f"{case.stem}.eml"
        mail.write_bytes(build.boarding_pass_mail(sent=datetime(2018, 4, 2, 12, 0, tzinfo=UTC),
                                                  text=f"Your boarding pass:\n{message}\n"))
        result = run_extractor(BoardingPassText, mail)
        assert result.status == "ok" and result.warnings == [], case.name
        [data] = result.data()
        _assert_matches_kde(data, expected)
        basis = data["start"]["encoding"].partition("year_from=")[2]
        assert basis == "mail_date:2018-04-02" or basis.startswith("issue_date:"), case.name


def test_text_file_with_passes_and_their_lines(run_extractor, tmp_path):
    path = tmp_path / "notes.txt"
    data = b"trip notes \xe9\n\nmy pass: " + SHORT.encode() + b" (printed)\n" + TWO_LEGS.encode() + b"\n"
    path.write_bytes(data)
    result = run_extractor(BoardingPassText, path)
    assert result.status == "ok" and result.warnings == []
    short_at, legs_at = 23, 23 + len(SHORT) + len(" (printed)\n")
    assert data[short_at:].startswith(SHORT.encode()) and data[legs_at:].startswith(TWO_LEGS.encode())
    assert [item.locator for item in result.artifacts] == [
        {"offset": short_at, "length": len(SHORT), "pointer": "/legs/0", "line": 3},
        {"offset": legs_at, "length": len(TWO_LEGS), "pointer": "/legs/0", "line": 4},
        {"offset": legs_at, "length": len(TWO_LEGS), "pointer": "/legs/1", "line": 4}]
    # A text file says nothing about the year: the day of the year stays a day of the year.
    assert [data["start"]["status"] for data in result.data()] == ["unparsable"] * 3


def test_text_file_read_in_chunks(monkeypatch, run_extractor, tmp_path):
    monkeypatch.setattr(plugin, "TEXT_CHUNK", 100)
    path = tmp_path / "long.txt"
    lines = [f"line {index}" for index in range(40)]
    lines[7] = SHORT                                        # across the first chunk boundary (offset 100)
    lines[30] = TWO_LEGS
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    result = run_extractor(BoardingPassText, path)
    assert [(item.locator["line"], item.locator["pointer"]) for item in result.artifacts] == \
        [(8, "/legs/0"), (31, "/legs/0"), (31, "/legs/1")]
    text = path.read_text(encoding="ascii")
    assert [item.locator["offset"] for item in result.artifacts] == \
        [text.index(SHORT), text.index(TWO_LEGS), text.index(TWO_LEGS)]


def test_utf16_text_file(run_extractor, tmp_path):
    path = tmp_path / "pass.txt"
    path.write_bytes(("hello\r\n" + SHORT + "\r\n").encode("utf-16"))
    result = run_extractor(BoardingPassText, path)
    [item] = result.artifacts
    assert item.data["ticket_token"] == SHORT and item.locator["offset"] == 2 + 2 * 7 and item.locator["line"] == 2


def _checkin_mail(**kwargs) -> bytes:
    html = f"<html><body><p>Flight BA 117</p><pre>{SHORT}</pre><script>alert('x')</script></body></html>"
    return build.boarding_pass_mail(sent=MAIL_DATE, text=f"Dear passenger,\nyour pass: {SHORT}\n", html=html, **kwargs)


def test_mail_body_and_attachments(run_extractor, tmp_path):
    png = build.png_bytes(build.barcode_pixels(TWO_LEGS))
    pdf = build.pdf_bytes([(build.barcode_pixels(SHORT, "aztec", scale=4), ["duplicate of the text pass"])])
    mail = tmp_path / "checkin.eml"
    mail.write_bytes(_checkin_mail(attachments=[("pass.png", "image/png", png), ("pass.pdf", "application/pdf", pdf)]))
    result = run_extractor(BoardingPassText, mail)
    assert result.status == "ok" and result.warnings == []
    tokens = [data["ticket_token"] for data in result.data()]
    assert tokens == [SHORT, TWO_LEGS, TWO_LEGS]            # the text, the HTML and the PDF repeat one pass
    short = result.data()[0]
    assert short["start"]["raw"] == "2026-03-14"
    assert short["start"]["encoding"] == "bcbp_julian_date:day=073;year_from=mail_date:2026-03-12"
    assert result.artifacts[0].locator["pointer"].startswith("/parts/2/text/")      # mixed, alternative, plain
    assert result.artifacts[1].locator["member"] == "pass.png"
    assert result.artifacts[1].locator["pointer"] == "/parts/4/barcodes/0/legs/0"


def test_mail_with_only_html(run_extractor, tmp_path):
    mail = tmp_path / "1700000000.M1P2.host:2,S"              # a Maildir file: no extension, picked by its head
    mail.write_bytes(b"Return-Path: <checkin@example-air.test>\n" + build.boarding_pass_mail(
        sent=MAIL_DATE, html=f"<table><tr><td>{SHORT}</td><td>{TWO_LEGS}</td></tr></table>"))
    result = run_extractor(BoardingPassText, mail)
    assert [data["trip_number"] for data in result.data()] == ["BA 117", "BA 117", "AA 1"]


def test_mbox_and_emlx(monkeypatch, run_extractor, tmp_path):
    quiet = build.boarding_pass_mail(sent=MAIL_DATE, subject="Lunch", text="From the office: see you at noon.\n")
    mbox = tmp_path / "Inbox"
    data = build.mbox_bytes([quiet, _checkin_mail(), quiet])
    mbox.write_bytes(data)
    result = run_extractor(BoardingPassText, mbox)
    assert result.status == "ok" and result.warnings == [] and result.kinds() == {"reservation": 1}
    locator = result.artifacts[0].locator
    second = data.index(b"From MAILER-DAEMON", 10)
    assert locator["offset"] == second and data[second + locator["length"]:].startswith(b"From MAILER-DAEMON")
    emlx = tmp_path / "123.emlx"
    emlx.write_bytes(build.emlx_bytes(_checkin_mail()))
    assert run_extractor(BoardingPassText, emlx).kinds() == {"reservation": 1}
    monkeypatch.setattr(plugin, "MAX_MESSAGE_BYTES", 600)
    result = run_extractor(BoardingPassText, mbox)
    assert "mail.too_large" in codes(result)


def test_mail_attachment_budget(monkeypatch, run_extractor, tmp_path):
    monkeypatch.setattr(plugin, "MAX_ATTACHMENT_DECODES", 1)
    png = build.png_bytes(build.barcode_pixels(SHORT))
    mail = tmp_path / "many.eml"
    mail.write_bytes(build.boarding_pass_mail(sent=MAIL_DATE, text="passes attached",
                                              attachments=[(f"p{index}.png", "image/png", png) for index in range(3)]))
    result = run_extractor(BoardingPassText, mail)
    assert result.kinds() == {"reservation": 1} and codes(result) == ["mail.attachment_limit"]


def test_hostile_mail_does_not_crash(run_extractor, tmp_path):
    mail = tmp_path / "hostile.eml"
    mail.write_bytes(b"From: x\nDate: not a date\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\n"
                     b"Content-Type: text/plain; charset=no-such-charset\nContent-Transfer-Encoding: base64\n\n"
                     b"!!!not base64!!!\n--b\nContent-Type: image/png; name*=bogus''%ZZ\n"
                     b"Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--b--\n")
    result = run_extractor(BoardingPassText, mail)
    assert result.status == "ok" and result.artifacts == []
    nested = tmp_path / "nested.eml"
    depth = 5000
    nested.write_bytes(b"From: x\nDate: Thu, 12 Mar 2026 10:00:00 +0000\n" + b"".join(
        b"Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n" % (level, level) for level in range(depth))
        + b"Content-Type: text/plain\n\n" + SHORT.encode() + b"\n")
    result = run_extractor(BoardingPassText, nested)
    assert result.status == "ok" and codes(result) == ["mail.unreadable"]
def test_corpus_mail_and_text_hold_no_boarding_pass(run_extractor):
    """The mail corpus has no BCBP; its broken attachments (broken.pdf, truncated.png) are warnings."""
    files = [path for path in sorted((CORPUS / "email").rglob("*.eml")) + sorted((CORPUS / "email").rglob("*.mbox"))]
    files.append(CORPUS / "bookings" / "kitinerary" / "synthetic" / "flight-booking.eml")
    files = [path for path in files if path.exists()]
    if not files:
        pytest.skip(f"corpus not available: {CORPUS / 'email'}")
    warned = {}
    for path in files:
        result = run_extractor(BoardingPassText, path)
        assert result.status == "ok" and result.artifacts == [], path.name
        if result.warnings:
            warned[path.name] = codes(result)
    assert warned == {"attachment_emails_attachment_message_rfc822.eml": ["pdf.unreadable"],
                      "attachment_emails_attachment_pdf.eml": ["pdf.unreadable"],
                      "mime_emails_raw_email_with_nested_attachment.eml": ["image.damaged"]}


def test_bcbp_module_is_what_the_plugins_use():
    assert plugin.bcbp is bcbp


def test_builders_are_deterministic_and_the_demo_evidence_is_found(run_extractor, tmp_path):
    first = build.write_demo_boarding(tmp_path / "one")
    second = build.write_demo_boarding(tmp_path / "two")
    assert [path.read_bytes() for path in first] == [path.read_bytes() for path in second]
    screenshot, pdf, mail, history = first
    for path, cls in ((screenshot, BoardingPassImage), (pdf, BoardingPassPdf), (mail, BoardingPassText)):
        result = run_extractor(cls, path)
        assert result.warnings == [], path.name
        [data] = result.data()
        assert (data["reservation_number"], data["trip_number"], data["start"]["raw"], data["travellers"]) == \
            ("DEMO42", "LH 400", "2026-03-14", ["ALEX EXAMPLE"]), path.name
    assert history.name == "History"
