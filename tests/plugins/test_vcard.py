"""file.vcard: vCard 2.1/3.0/4.0 files through vobject, on files written here (including the
exporters' quirks and damage) and on every vCard in the corpus against its .summary.txt."""

from __future__ import annotations

import quopri
import re
import shutil
from pathlib import Path

import pytest

from forensic_triage.demo.apps.android import AndroidContact, build_vcf_export
from forensic_triage.plugin_host.registry import check_plugin
from forensic_triage.sdk.extractor import HEAD_BYTES
from forensic_triage_plugins.vcard import VCardContacts

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
VCF_FOLDERS = ("contacts/ez-vcard", "contacts/vobject")
SUMMARY = re.compile(r"# (?P<name>\S+): (?P<cards>\d+) vCard\(s\), versions \[[^\]]*\], (?P<tel>\d+) TEL, "
                     r"(?P<email>\d+) EMAIL properties")


def selected(path: Path, evidence_path: str) -> bool:
    head = path.read_bytes()[:HEAD_BYTES]
    return any(select.matches_path(evidence_path) and select.matches_head(head) for select in VCardContacts.selects)


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def contacts(result) -> list[dict]:
    return result.data("contact")


def test_plugin_passes_host_checks():
    assert check_plugin(VCardContacts) == []
    assert VCardContacts.name == "file.vcard"


def test_three_versions(run_extractor, tmp_path):
    text = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Smith;Alice\r\nFN:Alice Smith\r\nTEL;CELL;PREF:07700 900123\r\n"
        "TEL;WORK:+44 20 7946 0018\r\nEMAIL;INTERNET:alice@example.com\r\nORG:Acme Ltd;Sales\r\n"
        "X-SKYPE:alice.smith\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bob\\, the builder\r\nN:Builder;Bob;;;\r\n"
        "TEL;TYPE=CELL,VOICE:+31 6 1234\r\n 5678\r\nEMAIL;TYPE=INTERNET,PREF:bob@example.nl\r\n"
        "EMAIL;TYPE=WORK:b.builder@\r\n\texample.com\r\nIMPP:xmpp:bob@jabber.example\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Carol\r\nTEL;VALUE=uri;TYPE=\"cell,text\":tel:+1-418-656-9254;ext=102\r\n"
        "EMAIL:mailto:carol@example.org\r\nEND:VCARD\r\n")
    result = run_extractor(VCardContacts, write(tmp_path, "contacts.vcf", text), region="GB")
    assert result.status == "ok" and result.warnings == []
    alice, bob, carol = contacts(result)
    assert alice == {"app": "vCard", "display_name": "Alice Smith",
                     "phones": ["07700 900123", "+44 20 7946 0018"], "phones_e164": ["+447700900123", "+442079460018"],
                     "emails": ["alice@example.com"], "handles": ["skype:alice.smith"], "organisation": "Acme Ltd; Sales",
                     "deleted": False}
    assert bob["display_name"] == "Bob, the builder"
    assert bob["phones"] == ["+31 6 12345678"] and bob["phones_e164"] == ["+31612345678"]   # folded line
    assert bob["emails"] == ["bob@example.nl", "b.builder@example.com"]
    assert bob["handles"] == ["xmpp:bob@jabber.example"]
    assert carol["phones"] == ["tel:+1-418-656-9254;ext=102"] and carol["phones_e164"] == ["+14186569254"]
    assert carol["emails"] == ["carol@example.org"]
    assert [item.locator["line"] for item in result.artifacts] == [1, 11, 22]
    assert result.artifacts[0].locator["offset"] == 0
    second = result.artifacts[1].locator
    assert text.encode()[second["offset"]:second["offset"] + second["length"]].startswith(b"BEGIN:VCARD\r\nVERSION:3.0")
    assert text.encode()[second["offset"]:second["offset"] + second["length"]].endswith(b"END:VCARD\r\n")


def test_android_export_quoted_printable(run_extractor, tmp_path):
    people = [AndroidContact(name="Zoë Ñandú Øster-Łukasiewicz the Longest Named Person In The Book",
                             phones=("+49 176 12345678", "030 1234567"), emails=("zoe@example.de",),
                             organisation="Bäckerei Müller GmbH & Co. KG"),
              AndroidContact(name="Plain Name", phones=("+33 6 12 34 56 78",))]
    path = build_vcf_export(tmp_path / "sdcard" / "Download" / "contacts.vcf", people)
    assert b"=\r\n" in path.read_bytes()                    # a soft line break, as Android writes them
    result = run_extractor(VCardContacts, path, region="DE")
    assert result.warnings == []
    zoe, plain = contacts(result)
    assert zoe["display_name"] == people[0].name
    assert zoe["organisation"] == "Bäckerei Müller GmbH & Co. KG"
    assert zoe["phones_e164"] == ["+4917612345678", "+49301234567"]
    assert plain["display_name"] == "Plain Name" and plain["phones_e164"] == ["+33612345678"]


def test_charsets(run_extractor, tmp_path):
    data = (b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=ISO-8859-1:J\xfcrgen\r\nEND:VCARD\r\n"
            b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Fran\xe7oise \x80uro\r\nEND:VCARD\r\n"         # cp1252, undeclared
            b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=SHIFT_JIS:" + "山田太郎".encode("shift_jis") + b"\r\nEND:VCARD\r\n"
            b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ren\xc3\xa9e\r\nEND:VCARD\r\n"
            b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=91o=C3=B1o=FF\r\n"
            b"END:VCARD\r\n")
    result = run_extractor(VCardContacts, write(tmp_path, "c.vcf", data))
    assert [item["display_name"] for item in contacts(result)] == ["Jürgen", "Françoise €uro", "山田太郎", "Renée",
                                                                   "Ñoño\ufffd"]
    # Only the value that claims UTF-8 and is not is reported.
    assert [(warning.code, warning.locator) for warning in result.warnings] == [("vcard.text", {"line": 19})]


def test_utf16_and_bom(run_extractor, tmp_path):
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Dörte\r\nTEL:+4930123456\r\nEND:VCARD\r\n"
    utf16 = write(tmp_path, "u16.vcf", card.encode("utf-16"))
    bom = write(tmp_path, "bom.dat", b"\xef\xbb\xbf" + card.encode("utf-8"))
    for path in (utf16, bom):
        result = run_extractor(VCardContacts, path)
        assert result.warnings == []
        assert [(item["display_name"], item["phones"]) for item in contacts(result)] == [("Dörte", ["+4930123456"])]
    assert selected(utf16, "u16.vcf") and selected(bom, "bom.dat")


@pytest.mark.parametrize("newline", [b"\r\n", b"\n", b"\r", b"\r\r\n"])
def test_line_ends_and_photos(run_extractor, tmp_path, newline):
    photo = [b"PHOTO;ENCODING=BASE64;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw",
             b"8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwLDBgNDRgyIRwhMjIyMjIy",
             b"MjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjI=", b""]
    lines = ([b"BEGIN:VCARD", b"VERSION:2.1", b"FN:Photo Person"] + photo +
             [b"TEL;HOME:555-0100", b"END:VCARD", b"BEGIN:VCARD", b"VERSION:3.0", b"FN:Folded Photo",
              b"PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw",
              b" 8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwLDBgNDRgyIRwhMjIyMjIy",
              b"EMAIL:folded@example.com", b"END:VCARD"])
    result = run_extractor(VCardContacts, write(tmp_path, "p.vcf", newline.join(lines) + newline))
    assert result.warnings == []
    first, second = contacts(result)
    assert first["display_name"] == "Photo Person" and first["phones"] == ["555-0100"]
    assert second["display_name"] == "Folded Photo" and second["emails"] == ["folded@example.com"]
    assert [item.locator["line"] for item in result.artifacts] == [1, 10]


def test_malformed_cards_leave_the_others(run_extractor, tmp_path):
    text = ("junk before the first card\n"
            "BEGIN:VCARD\nVERSION:3.0\nFN:Good One\nTEL:+15555550101\nEND:VCARD\n"
            "BEGIN:VCARD\nVERSION:3.0\nFN:Has Bad Lines\nthis line has no colon\nBAD NAME WITH SPACES:x\n"
            "EMAIL:still@example.com\nEND:VCARD\n"
            "BEGIN:VCARD\nVERSION:3.0\nFN:Never Closed\nTEL:+15555550102\n"
            "BEGIN:VCARD\nVERSION:3.0\nFN:After The Broken One\nEND:VCARD\n"
            "BEGIN:VCARD\nVERSION:2.1\nFN:Agent Holder\nAGENT:\nBEGIN:VCARD\nVERSION:2.1\nFN:The Agent\nEND:VCARD\n"
            "TEL:+15555550103\nEND:VCARD\n"
            "BEGIN:VCARD\nVERSION:3.0\nFN:Truncated At The End Of The File\nTEL:+1555")
    result = run_extractor(VCardContacts, write(tmp_path, "m.vcf", text))
    assert result.status == "ok"
    names = [item["display_name"] for item in contacts(result)]
    assert names == ["Good One", "Has Bad Lines", "Never Closed", "After The Broken One", "Agent Holder",
                     "Truncated At The End Of The File"]
    assert contacts(result)[1]["emails"] == ["still@example.com"]
    assert contacts(result)[4]["phones"] == ["+15555550103"]
    codes = [(warning.code, warning.locator.get("line")) for warning in result.warnings]
    assert codes == [("vcard.bad_line", 10), ("vcard.bad_line", 11), ("vcard.unterminated", 14),
                     ("vcard.unterminated", 32), ("vcard.stray_lines", None)]
    never_closed = result.artifacts[2].locator
    assert text.encode()[never_closed["offset"]:never_closed["offset"] + never_closed["length"]] == \
        b"BEGIN:VCARD\nVERSION:3.0\nFN:Never Closed\nTEL:+15555550102\n"


def test_not_a_vcard(run_extractor, tmp_path):
    result = run_extractor(VCardContacts, write(tmp_path, "notes.vcf", b"\x00\x01binary stuff\nno cards here\n"))
    assert result.status == "ok" and result.artifacts == []
    assert [warning.code for warning in result.warnings] == ["vcard.none"]
    assert run_extractor(VCardContacts, write(tmp_path, "empty.vcf", b"")).artifacts == []


def test_selection_by_glob_and_magic(tmp_path):
    card = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:X\r\nEND:VCARD\r\n"
    assert selected(write(tmp_path, "a.vcf", b""), "sdcard/a.VCF")
    assert selected(write(tmp_path, "b.bin", card), "export/b.bin")
    assert selected(write(tmp_path, "c.txt", card.replace(b"VCARD", b"vCard")), "c.txt")
    assert selected(write(tmp_path, "e.txt", b"\r\n" + card), "e.txt")               # a blank first line
    assert not selected(write(tmp_path, "d.txt", b"hello"), "d.txt")


# --- the corpus: every vCard file against its .summary.txt ------------------------------------------

def corpus_files() -> list[Path]:
    files = []
    for folder in VCF_FOLDERS:
        files += sorted((CORPUS / folder).glob("*.vcf"))
    return files


def expected(path: Path) -> tuple[int, int, int, list[tuple[str, bool]]]:
    """Cards, TEL and EMAIL counts, and the FN lines (decoded; True where the summary shows the
    whole value, False where it shows only the first line of a quoted-printable value)."""
    text = Path(str(path) + ".summary.txt").read_text(encoding="utf-8")
    header = SUMMARY.search(text)
    names = []
    for line in text.splitlines():
        if not line.startswith("FN"):
            continue
        params, _, value = line.partition(":")
        if "QUOTED-PRINTABLE" in params.upper():
            complete = not value.endswith("=")
            value = quopri.decodestring(value.rstrip("=").encode()).decode("utf-8")
        else:
            complete = True
        names.append((value.strip(), complete))
    return int(header["cards"]), int(header["tel"]), int(header["email"]), names


def test_corpus_has_vcards():
    if not CORPUS.exists():
        pytest.skip(f"corpus not available: {CORPUS}")
    assert len(corpus_files()) == 9


@pytest.mark.parametrize("path", corpus_files(), ids=lambda path: path.name)
def test_corpus_vcard(run_extractor, path, tmp_path):
    cards, tels, emails, names = expected(path)
    result = run_extractor(VCardContacts, path)
    assert result.status == "ok"
    found = contacts(result)
    assert len(found) == cards
    assert sum(len(item["phones"]) for item in found) == tels
    assert sum(len(item["emails"]) for item in found) == emails
    display = [item["display_name"] for item in found if item["display_name"]]
    assert len(display) == len(names)
    for shown, (name, complete) in zip(display, names, strict=True):
        assert shown == name if complete else shown.startswith(name)
    # Renamed, without the .vcf extension: still picked by its content.
    renamed = tmp_path / "acquisition" / (path.stem + ".dat")
    renamed.parent.mkdir()
    shutil.copyfile(path, renamed)
    assert selected(renamed, f"acquisition/{renamed.name}")
    assert run_extractor(VCardContacts, renamed).data() == result.data()


def test_corpus_spot_checks(run_extractor):
    folder = CORPUS / "contacts" / "ez-vcard"
    if not folder.exists():
        pytest.skip(f"corpus not available: {folder}")
    android = run_extractor(VCardContacts, folder / "John_Doe_ANDROID.vcf")
    cards = contacts(android)
    # Values read from the file: card 4 has four numbers, card 5 the same number three times
    # (cell, work, work fax) and a quoted-printable e-mail; card 6 an ORG whose value holds a
    # stray 0x80 byte under CHARSET=UTF-8 (the one warning).
    assert cards[0]["emails"] == ["john.doe@company.com"] and cards[0]["display_name"] is None
    assert cards[3]["phones"] == ["123456", "234567", "3456789", "45678901"]
    assert cards[4]["phones"] == ["123456"] * 3
    assert cards[4]["emails"] == ["bob@company.com", "Ñ" * 14]
    assert cards[5]["organisation"] == "Ñ" * 44
    assert [(warning.code, warning.locator) for warning in android.warnings] == [("vcard.text", {"line": 82})]
    assert [item.locator["line"] for item in android.artifacts] == [1, 6, 11, 18, 36, 71]

    iphone = contacts(run_extractor(VCardContacts, folder / "John_Doe_IPHONE.vcf", region="US"))[0]
    assert iphone["phones"][0] == "905-555-1234" and iphone["phones_e164"][0] == "+19055551234"
    assert iphone["organisation"] == "IBM; Accounting"
    outlook = contacts(run_extractor(VCardContacts, folder / "outlook-2003.vcf"))[0]
    assert outlook["emails"] == ["jdoe@hotmail.com"] and outlook["phones_e164"] == []
    single = contacts(run_extractor(VCardContacts, folder / "gmail-single.vcf"))[0]
    assert single["handles"] == ["icq:123456789"]
