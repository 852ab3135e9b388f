"""Victim redaction: no byte of any output (every format, XLSX unzipped, PDF text) holds a tagged
victim's number in any spelling, name or e-mail; pseudonyms are stable; custody records the
redaction without the identities; photos of victims are withheld."""

from __future__ import annotations

import json

import pytest

from forensic_triage.graph.build import build_graph
from forensic_triage.report.model import ReportOptions, build_model
from forensic_triage.report.redact import Redactor, Victim, build_redactor, phone_forms
from forensic_triage.report.run import available_formats, run_report
from forensic_triage.store.case_store import CaseStore
from forensic_triage.store.query import custody_entries
from tests.reports.report_cases import (
    OTHER,
    VICTIM_E164,
    VICTIM_NAME,
    VICTIM_STRINGS,
    all_bytes,
    phone_case,
)


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    return phone_case(tmp_path_factory.mktemp("victim"))


@pytest.fixture(scope="module")
def redacted(case, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "redacted"
    result = run_report(case.case_dir, ReportOptions(formats=available_formats(), redact_victims=True,
                                                     verify_evidence=False), out)
    return out, result


def _leaks(root) -> list[tuple[str, str]]:
    found = []
    for name, data in all_bytes(root):
        lowered = data.lower()
        for value in VICTIM_STRINGS:
            if value.lower().encode("utf-8") in lowered:
                found.append((name, value))
    return found


def test_no_victim_string_in_any_byte_of_any_format(redacted):
    out, _result = redacted
    assert _leaks(out) == []
    page = (out / "index.html").read_text()
    assert "Victims pseudonymised" in page
    messages = "".join(p.read_text() for p in (out / "data").glob("message-*.js"))
    assert "V1" in messages and OTHER in messages          # others stay as they are
    # The victim's picture is withheld, the other person's shown.
    assert len(list((out / "attachments").glob("*.jpg"))) == 1
    assert "victim-selfie.jpg (photo withheld: victim)" in messages


def test_without_redaction_the_strings_are_there(case, tmp_path):
    out = tmp_path / "plain"
    run_report(case.case_dir, ReportOptions(formats=("html",), verify_evidence=False), out)
    leaked = {value for _name, value in _leaks(out)}
    assert {VICTIM_E164, VICTIM_NAME, "07700 900456"} <= leaked


def test_custody_records_the_redaction_without_the_identities(case, redacted):
    _out, result = redacted
    store = CaseStore.open(case.case_dir)
    try:
        entry = next(e for e in custody_entries(store) if e["action"] == "report"
                 and e["details"]["report_id"] == result.report_id)
    finally:
        store.close()
    redaction = entry["details"]["redaction"]
    assert redaction["enabled"] is True and redaction["victims"] == 1
    assert redaction["victim_tag_ids"] == [case.victim_tag_id]
    assert redaction["strings_replaced"] > 0
    text = json.dumps(entry["details"]).lower()
    assert not [value for value in VICTIM_STRINGS if value.lower() in text]


def test_victim_text_is_withheld_and_photos_not_allowed(case):
    options = ReportOptions(formats=("html",), redact_victims=True, redact_victim_text=True, verify_evidence=False)
    with build_model(case.case_dir, options) as model:
        bodies = {m.data["sender"]: m.data["body"] for m in model.records("message") if m.data.get("sender")}
        assert bodies["V1"] == "[text written by V1 withheld]"
        victim_message = next(m for m in model.records("message") if m.data.get("sender") == "V1")
        assert model.photo_allowed(victim_message) is False
        other = next(m for m in model.records("message") if m.data.get("sender") == OTHER)
        assert model.photo_allowed(other) is True
        contact = next(c for c in model.records("contact") if c.data["display_name"] == "V1")
        assert contact.data["phones"] == ["V1"] and contact.data["emails"] == ["V1"]
        assert [tag.target_id for tag in model.tags] == ["V1"]
        assert VICTIM_NAME not in (model.tags[0].note or "")
        graph = model.contact_graph()
        labels = {identity.label for identity in graph.identities}
        assert "V1" in labels and VICTIM_NAME not in labels
        assert model.display_name("07700 900456") == "V1"


def test_pseudonyms_follow_identity_id_order_and_are_stable(case):
    store = CaseStore.open(case.case_dir)
    try:
        graph = build_graph(store)
    finally:
        store.close()
    first = build_redactor(graph, [(1, VICTIM_E164), (2, OTHER)], region="GB", redact_text=False)
    second = build_redactor(graph, [(2, OTHER), (1, VICTIM_E164)], region="GB", redact_text=False)
    assert [(v.pseudonym, v.identity_id) for v in first.victims] == [(v.pseudonym, v.identity_id)
                                                                     for v in second.victims]
    assert [v.identity_id for v in first.victims] == sorted(v.identity_id for v in first.victims)


def test_phone_spellings_in_free_text():
    victim = Victim(pseudonym="V1", identity_id="id-x", keys=frozenset({f"tel:{VICTIM_E164}"}), names=(VICTIM_NAME,))
    redactor = Redactor(victims=[victim], region="GB")
    for text in ("+44 7700 900456", "07700-900-456", "(07700) 900456", "00447700900456", "447700900456@s.whatsapp.net",
                 "anna KOWALSKA"):
        assert "V1" in redactor.text(f"call {text} now"), text
    assert redactor.text("order 1477009004567 shipped") == "order 1477009004567 shipped"   # longer digit runs stay
    assert redactor.text("Tell Anna the car is ready; Kowalska knows") == "Tell V1 the car is ready; V1 knows"
    assert redactor.text("a savannah of annals") == "a savannah of annals"     # whole words in their case only
    assert set(phone_forms(VICTIM_E164)) == {"447700900456", "07700900456", "7700900456"}
