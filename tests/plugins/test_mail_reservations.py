"""travel.mail: booking confirmations in .eml, mbox, .emlx and PST, made by the project's builder
and from the corpus."""

from __future__ import annotations

import re
import sys
import tracemalloc
import types
from pathlib import Path

import pytest

from forensic_triage.demo.apps.travel import (FlightBooking, boarding_pass_json, booking_email, booking_ics, demo_bcbp,
                                              emlx, flight_event, flight_jsonld, hotel_jsonld, mbox, pkpass)
from forensic_triage.plugin_host.registry import check_plugin
from forensic_triage_plugins import mail_reservations
from forensic_triage_plugins.mail_reservations import MailReservations, count_messages, mbox_messages

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
BOOKING = FlightBooking()
MESSAGE_ID = "<demo-booking-1@example-travel.test>"


def full_mail() -> bytes:
    return booking_email([flight_jsonld(), hotel_jsonld()], attachments=[
        ("flight.ics", "text/calendar", booking_ics([flight_event()])),
        ("boarding.pkpass", "application/vnd.apple.pkpass", pkpass(boarding_pass_json(BOOKING, bcbp=demo_bcbp()))),
        ("boarding.pdf", "application/pdf", b"%PDF-1.4 not for this plugin"),
    ])


def run(run_extractor, tmp_path: Path, data: bytes, name: str = "booking.eml"):
    path = tmp_path / name
    path.write_bytes(data)
    return run_extractor(MailReservations, path)


def codes(result) -> list[str]:
    return [warning.code for warning in result.warnings]


def test_plugin_passes_host_checks():
    assert check_plugin(MailReservations) == []
    assert MailReservations.name == "travel.mail"


def test_confirmation_mail_with_json_ld_ics_and_pkpass(run_extractor, tmp_path):
    result = run(run_extractor, tmp_path, full_mail())
    assert result.status == "ok"
    assert codes(result) == ["pkpass.signature_not_verified"]
    found = result.data("reservation")
    assert [(item["origin"], item["type"]) for item in found] == [
        ("json-ld", "flight"), ("json-ld", "lodging"), ("ics", "flight"), ("pkpass", "flight")]
    assert {item["reservation_number"] for item in found if item["type"] == "flight"} == {"DEMO42"}
    assert {item["start"]["utc"] for item in found if item["type"] == "flight"} == {"2026-03-14T09:15:00Z"}
    locators = [item.locator for item in result.artifacts]
    # Parts are numbered in message.walk() order, containers included: 0 mixed, 1 alternative,
    # 2 text, 3 HTML, 4 ICS, 5 pkpass, 6 PDF.
    assert locators[0] == {"member": f"message 0 {MESSAGE_ID}", "pointer": "/part/3/json-ld/0"}
    assert locators[2]["pointer"] == "/part/4/VEVENT/0/X-KDE-KITINERARY-RESERVATION/0"
    assert locators[3] == {"member": f"message 0 {MESSAGE_ID}/part 5/pass.json", "pointer": "/boardingPass"}


def test_microdata_mail_and_json_ld_attachment(run_extractor, tmp_path):
    mail = booking_email([flight_jsonld()], microdata=True,
                         attachments=[("booking.jsonld", "application/ld+json", b'{"@type":"LodgingReservation",'
                                       b'"reservationNumber":"X1","reservationFor":{"@type":"Hotel","name":"Inn"}}')])
    found = run(run_extractor, tmp_path, mail).data("reservation")
    assert [(item["origin"], item["reservation_number"]) for item in found] == [("microdata", "DEMO42"),
                                                                                 ("json-ld", "X1")]


def test_encoded_bodies_are_decoded(run_extractor, tmp_path):
    import base64
    import json

    html = f'<html><head><script type="application/ld+json">{json.dumps(flight_jsonld())}</script></head></html>'
    encoded = base64.encodebytes(html.encode()).decode()
    b64 = ("From: a@example.test\nTo: b@example.test\nSubject: b64\nMIME-Version: 1.0\n"
           "Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n\n" + encoded).encode()
    # Quoted-printable with a soft line break inside "ld+json": the byte pre-check must still see it.
    qp = ("From: a@example.test\nTo: b@example.test\nSubject: qp\nMIME-Version: 1.0\n"
          "Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
          + html.replace("ld+json", "ld+js=\non").replace('="', '=3D"')).encode()
    for name, data in (("b64.eml", b64), ("qp.eml", qp)):
        result = run(run_extractor, tmp_path, data, name=name)
        assert [item["trip_number"] for item in result.data("reservation")] == ["LH 400"], name


def test_event_markup_in_a_mail_counts(run_extractor, tmp_path):
    ticket = {"@context": "http://schema.org", "@type": "Event", "name": "Gig",
              "startDate": "2026-05-01T20:00:00+02:00", "location": {"@type": "Place", "name": "Hall"}}
    [found] = run(run_extractor, tmp_path, booking_email([ticket])).data("reservation")
    assert (found["type"], found["name"], found["start"]["utc"]) == ("event", "Gig", "2026-05-01T18:00:00Z")


def test_bad_parts_are_warnings(run_extractor, tmp_path):
    html = '<html><head><script type="application/ld+json">{"@type": "FlightReservation", </script></head></html>'
    mail = booking_email(html=html, attachments=[("a.jsonld", "application/ld+json", b"{nope"),
                                                 ("p.pkpass", "application/vnd.apple.pkpass", b"PK\x03\x04broken")])
    result = run(run_extractor, tmp_path, mail)
    assert result.status == "ok" and result.artifacts == []
    assert codes(result) == ["html.bad_jsonld", "mail.bad_jsonld", "pkpass.bad_zip"]


def test_mbox_is_streamed_message_by_message(run_extractor, tmp_path):
    plain = (b"From: a@example.test\nTo: b@example.test\nSubject: hi\n\nFrom here on, a line that looks like a "
             b"separator.\n>From quoted.\n")
    data = mbox([plain, full_mail(), plain])
    path = tmp_path / "Inbox"
    path.write_bytes(data)
    with open(path, "rb") as handle:
        messages = list(mbox_messages(handle))
    assert [message.index for message in messages] == [0, 1, 2]
    assert b"\nFrom here on" in messages[0].data and b"\n>From quoted." in messages[0].data
    for message in messages:
        assert data[message.offset:message.offset + message.length].startswith(b"From MAILER-DAEMON ")
    assert count_messages(path) == 3
    result = run_extractor(MailReservations, path)
    assert len(result.artifacts) == 4
    assert {item.locator["offset"] for item in result.artifacts} == {messages[1].offset}
    assert all(item.locator["member"].startswith("message 1 ") for item in result.artifacts)


def test_a_large_mbox_stays_in_bounded_memory(tmp_path, monkeypatch):
    """A mailbox far larger than one message cap is read with memory bounded by that cap; an
    over-long message is cut and flagged."""
    monkeypatch.setattr(mail_reservations, "MAX_MESSAGE", 256 << 10)
    path = tmp_path / "big.mbox"
    body = (b"x" * 1000 + b"\n") * 200
    with open(path, "wb") as handle:
        for index in range(150):
            handle.write(b"From sender@example.test Fri Feb 20 17:45:00 2026\nSubject: %d\n\n" % index + body)
        handle.write(b"From sender@example.test Fri Feb 20 17:45:00 2026\nSubject: huge\n\n" + body * 10)
    assert path.stat().st_size > 30 << 20
    tracemalloc.start()
    with open(path, "rb") as handle:
        sizes = [(len(message.data), message.truncated) for message in mbox_messages(handle)]
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(sizes) == 151 and not any(cut for _size, cut in sizes[:-1])
    assert sizes[-1][1] and (256 << 10) - 2000 < sizes[-1][0] <= 256 << 10
    assert peak < 4 << 20, f"peak {peak} bytes"


def test_truncated_message_warning(run_extractor, tmp_path, monkeypatch):
    monkeypatch.setattr(mail_reservations, "MAX_MESSAGE", 4096)
    result = run(run_extractor, tmp_path, mbox([b"Subject: long\n\n" + b"y" * 10_000]), name="m.mbox")
    assert codes(result) == ["mail.message_truncated"]


def test_apple_mail_emlx(run_extractor, tmp_path):
    result = run(run_extractor, tmp_path, emlx(booking_email([flight_jsonld()])), name="12345.emlx")
    assert result.warnings == [] and [item["trip_number"] for item in result.data("reservation")] == ["LH 400"]
    cut = emlx(booking_email([flight_jsonld()]))
    result = run(run_extractor, tmp_path, b"99999" + cut[cut.index(b"\n"):], name="cut.emlx")
    assert codes(result) == ["mail.emlx"] and "truncated" in result.warnings[0].message


def test_renamed_message_is_recognised_by_content(run_extractor, tmp_path):
    mail = booking_email([flight_jsonld()])
    assert any(select.matches_path("Users/x/Downloads/msg_0001") and select.matches_head(mail[:64])
               for select in MailReservations.selects)
    assert len(run(run_extractor, tmp_path, mail, name="msg_0001").artifacts) == 1


def test_files_that_are_not_mail(run_extractor, tmp_path):
    result = run(run_extractor, tmp_path, b"Date: tomorrow, and other notes\nnot a header line\n", name="notes.txt")
    assert result.artifacts == [] and result.warnings == []
    wrong = run(run_extractor, tmp_path, b"\x00\x01binary", name="x.eml")
    assert codes(wrong) == ["mail.not_mail"]
    garbage_pst = run(run_extractor, tmp_path, b"!BDN" + b"\x00" * 600, name="broken.pst")
    assert codes(garbage_pst) == ["mail.pst_unreadable"] and garbage_pst.status == "ok"


def test_password_protected_pst_is_reported(run_extractor, tmp_path, monkeypatch):
    """libpff reads a password-protected PST (the password is only a CRC-32 in the message store,
    PidTagPstPassword 0x67FF); a stand-in for libpff gives that property a value."""

    class Entry:
        def get_data_as_integer(self):
            return 0x1234ABCD

    class RecordSet:
        def get_entry_by_type(self, entry_type):
            return Entry() if entry_type == 0x67FF else None

    class Store:
        number_of_record_sets = 1

        def get_record_set(self, index):
            return RecordSet()

    class Folder:
        number_of_sub_messages = 0
        number_of_sub_folders = 0

    class File:
        def open_file_object(self, handle):
            pass

        def get_message_store(self):
            return Store()

        def get_root_folder(self):
            return Folder()

        def close(self):
            pass

    monkeypatch.setitem(sys.modules, "pypff", types.SimpleNamespace(file=File))
    result = run(run_extractor, tmp_path, b"!BDN" + b"\x00" * 600, name="locked.pst")
    assert codes(result) == ["mail.pst_password"]
    message = result.warnings[0].message
    assert "password-protected: cannot open" in message and "0x1234abcd" in message


# --- corpus --------------------------------------------------------------------------------------

def corpus_mail() -> list[Path]:
    folder = CORPUS / "email"
    found = sorted(path for path in folder.glob("**/*") if path.suffix in (".eml", ".mbox", ".pst")) \
        if folder.is_dir() else []
    return found or [pytest.param(None, marks=pytest.mark.skip(reason=f"corpus not available: {folder}"))]


@pytest.mark.parametrize("path", corpus_mail(), ids=lambda path: path.name if path else "")
def test_corpus_message_counts(run_extractor, path: Path):
    summary = path.with_name(path.name + ".summary.txt").read_text(encoding="utf-8", errors="replace")
    result = run_extractor(MailReservations, path)
    assert result.status == "ok" and result.warnings == []
    assert result.artifacts == []          # bounces, attachments tests, charsets: no bookings
    if path.suffix == ".eml":
        assert "RFC822 message" in summary and count_messages(path) == 1
    elif path.suffix == ".mbox":
        expected = int(re.search(r"mbox with (\d+) messages", summary).group(1))
        assert count_messages(path) == expected
    else:
        import pypff

        # readpst: Calendar 1 item, Contacts 1 done + 1 skipped (a distribution list); no e-mail.
        items = {folder: int(count) for folder, count, _skipped in
                 re.findall(r'"(\w[\w ]*)" - (\d+) items done, (\d+) items skipped', summary)}
        skipped = {folder: int(count) for folder, _done, count in
                   re.findall(r'"(\w[\w ]*)" - (\d+) items done, (\d+) items skipped', summary)}
        pst = pypff.file()
        with open(path, "rb") as handle:
            pst.open_file_object(handle)
            found: dict[str, int] = {}
            for folder, _index, _message in mail_reservations.pst_messages(pst.root_folder):
                name = folder.rsplit("/", 1)[-1]
                found[name] = found.get(name, 0) + 1
            pst.close()
        assert found["Calendar"] == items["Calendar"] + skipped["Calendar"] == 1
        assert found["Contacts"] == items["Contacts"] + skipped["Contacts"] == 2


def test_corpus_booking_mail(run_extractor):
    path = CORPUS / "bookings" / "kitinerary" / "synthetic" / "flight-booking.eml"
    if not path.exists():
        pytest.skip(f"corpus not available: {path}")
    result = run_extractor(MailReservations, path)
    [found] = result.data("reservation")
    assert (found["trip_number"], found["seat"], found["ticket_token"]) == ("UA 110", "9A", "123456789")
    # bookingTime 13:05 at -05:00 is 18:05 UTC.
    assert found["booked"]["utc"] == "2027-01-14T18:05:00Z"
    assert result.artifacts[0].locator["member"] == "message 0 <2218054.ElGaqSPkdT@vlocalhost>"
