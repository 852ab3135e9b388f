"""Phone normalisation and the vCard plugin on arbitrary text: never an exception, E.164 or None,
idempotent; a generated vCard's numbers come back normalised."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from forensic_triage_plugins.vcard import VCardContacts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forensic_triage.sdk.phones import to_e164
from forensic_triage.sdk.pytest_plugin import run_on_file

E164 = re.compile(r"\+[1-9]\d{6,15}")
REGIONS = st.sampled_from([None, "", "GB", "gb", "US", "NL", "DE", "ZZ", "XX", "123"])
PHONE_TEXT = st.one_of(st.text(max_size=30), st.from_regex(r"\A[+(]?[0-9 ()./-]{3,20}\Z"),
                       st.from_regex(r"\A\d{6,15}@s\.whatsapp\.net\Z"), st.from_regex(r"\A\+\d{1,20}\Z"))


@settings(max_examples=300, deadline=None)
@given(raw=st.one_of(st.none(), PHONE_TEXT), region=REGIONS)
def test_to_e164_never_raises_and_is_idempotent(raw, region):
    value = to_e164(raw, region)
    assert value is None or E164.fullmatch(value), value
    if value is not None:
        assert to_e164(value, region) == value
        assert to_e164(value) == value


VCARD_LINE = st.one_of(
    st.sampled_from(["BEGIN:VCARD", "END:VCARD", "VERSION:2.1", "VERSION:3.0", "VERSION:4.0", "FN:Anna",
                     "N:Example;Anna;;;", "TEL;TYPE=CELL:+44 7700 900123", "TEL:", "EMAIL:a@example.org",
                     "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=A9=", "PHOTO;ENCODING=b:////", "ORG:;;",
                     " folded", "\tfolded", "item1.TEL:123", "X-ANDROID-CUSTOM:vnd.android.cursor.item/nickname",
                     "TEL;VALUE=uri:tel:+1-555-555-0100", "BEGIN:VCARD\rEND:VCARD", "ADR:;;;;;;", "NOTE:a\\nb\\,c"]),
    st.text(max_size=40).map(lambda text: text.replace("\x00", "")),
    st.builds(lambda name, value: f"{name}:{value}", st.from_regex(r"\A[A-Za-z;=.-]{1,12}\Z"), st.text(max_size=20)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(VCARD_LINE, max_size=25), newline=st.sampled_from(["\r\n", "\n", "\r"]),
       encoding=st.sampled_from(["utf-8", "utf-16", "latin-1"]))
def test_vcard_plugin_never_fails(lines, newline, encoding):
    text = newline.join(["BEGIN:VCARD", *lines, "END:VCARD"])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "contacts.vcf"
        path.write_bytes(text.encode(encoding, "replace"))
        result = run_on_file(VCardContacts, path, region="GB", check=False)
    assert result.status == "ok", [warning.message for warning in result.warnings]
    for contact in result.data("contact"):
        for phone in contact.get("phones_e164") or []:
            assert E164.fullmatch(phone), phone


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(national=st.integers(min_value=7_700_900_000, max_value=7_700_900_999),
       name=st.from_regex(r"\A[A-Z][a-z]{1,10}\Z"))
def test_vcard_numbers_come_back_in_e164(national, name):
    card = f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{name}\r\nTEL;TYPE=CELL:0{national}\r\nEND:VCARD\r\n"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "one.vcf"
        path.write_text(card)
        result = run_on_file(VCardContacts, path, region="GB", check=False)
    [contact] = result.data("contact")
    assert contact["phones"] == [f"0{national}"]
    assert contact["phones_e164"] == [f"+44{national}"]
