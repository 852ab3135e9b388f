"""CASE/UCO JSON-LD export: valid for case_validate (case-utils ships the ontology; offline), every
finding present and traced to its file, hashes as UCO wants them, BLAKE3 beside them, victims
redacted, streamed output."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from forensic_triage.report.case_uco import FILE_NAME, write_case_uco
from forensic_triage.report.model import ReportOptions, build_model
from forensic_triage.store.case_store import CaseStore
from forensic_triage.store.query import Scope
from forensic_triage.store.tags import add_tag
from tests.conftest import run_cli
from tests.reports.report_cases import VICTIM_STRINGS, files_only_case, phone_case

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import report_scale

HAS_CASE_UTILS = importlib.util.find_spec("case_utils") is not None


def case_validate(*documents: Path) -> subprocess.CompletedProcess:
    """case_validate with its defaults (no --allow-warnings / --allow-info): a clean run."""
    script = Path(sys.executable).parent / "case_validate"
    command = [str(script)] if script.exists() else [shutil.which("case_validate") or "case_validate"]
    return subprocess.run(command + [str(document) for document in documents], capture_output=True, text=True,
                          timeout=300, check=False)


def export(case_dir: Path, out: Path, **options) -> dict:
    with build_model(case_dir, ReportOptions(formats=("case",), **options)) as model:
        (written,) = write_case_uco(model, out)
    assert written == out / FILE_NAME
    return json.loads(written.read_text(encoding="utf-8"))


def nodes_of(document: dict, type_: str) -> list[dict]:
    return [node for node in document["@graph"] if node.get("@type") == type_]


@pytest.fixture(scope="module")
def demo_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "demo"
    result = run_cli("demo", folder)
    assert result.returncode == 0, result.stderr
    return folder / "case"


@pytest.fixture(scope="module")
def generated_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every mapped kind (messages, calls, contacts, account, geo points, reservations), tiny."""
    case_dir = tmp_path_factory.mktemp("generated") / "case"
    report_scale.generate(case_dir, scale=0.0002)
    return case_dir


@pytest.mark.slow     # pySHACL re-parses SPARQL shapes per node: ~5-15 s of CPU for the demo's ~300 nodes
@pytest.mark.skipif(not HAS_CASE_UTILS, reason="case-utils (test extra) is not installed: no case_validate")
def test_the_demo_export_passes_case_validate(demo_case: Path, tmp_path: Path) -> None:
    document = export(demo_case, tmp_path)
    result = case_validate(tmp_path / FILE_NAME)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "Conforms: True" in result.stdout
    assert nodes_of(document, "observable:Message")


@pytest.mark.slow
@pytest.mark.skipif(not HAS_CASE_UTILS, reason="case-utils (test extra) is not installed: no case_validate")
def test_every_mapped_kind_passes_case_validate(generated_case: Path, tmp_path: Path) -> None:
    export(generated_case, tmp_path)
    result = case_validate(tmp_path / FILE_NAME)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def test_findings_hashes_actions_and_links(generated_case: Path, tmp_path: Path) -> None:
    document = export(generated_case, tmp_path)
    graph = document["@graph"]
    assert document["@context"]["triage"] == "urn:forensic-triage:vocab:"
    counts = {type_: len(nodes_of(document, type_)) for type_ in (
        "observable:Message", "observable:Call", "observable:Contact", "observable:ApplicationAccount",
        "core:Relationship", "core:Event", "location:Location")}
    with build_model(generated_case, ReportOptions(formats=("case",))) as model:
        expected = dict(model.counts)
        files = model.counts["files"]
    assert counts["observable:Message"] == expected["message"]
    assert counts["observable:Call"] == expected["call"]
    assert counts["observable:Contact"] == expected["contact"]
    # Every finding points at its source file, with the locator as the relationship's description.
    findings = sum(expected[kind] for kind in ("message", "call", "contact", "account", "geo_point", "reservation"))
    contained = [node for node in nodes_of(document, "core:Relationship")
                 if node["core:kindOfRelationship"] == "Contained_Within"]
    assert len(contained) == findings
    assert all(node.get("core:description", "").startswith(("table ", "line ")) for node in contained)
    # Reservations are events with their booking fields; geo points with a time get an observation event.
    reservations = [node for node in nodes_of(document, "core:Event") if node["core:eventType"] == "flight reservation"]
    assert len(reservations) == expected["reservation"]
    keys = {entry["types:key"] for entry in reservations[0]["core:eventAttribute"][0]["types:entry"]}
    assert {"trip_number", "reservation_number", "provider", "seat", "booked"} <= keys
    assert len(nodes_of(document, "location:Location")) == expected["geo_point"] + 2 * expected["reservation"]
    # Hashes: MD5/SHA1/SHA256 as types:Hash with plain string methods, BLAKE3 as triage:blake3.
    source_files = [node for node in nodes_of(document, "observable:File") if "file in exhibit" in
                    node.get("core:description", "")]
    assert 0 < len(source_files) <= files
    content = next(facet for facet in source_files[0]["core:hasFacet"]
                   if facet["@type"] == "observable:ContentDataFacet")
    assert {item["types:hashMethod"] for item in content["observable:hash"]} >= {"SHA256"}
    exhibit = next(node for node in nodes_of(document, "observable:File") if node.get("core:name") ==
                   "case-evidence")
    facet = next(facet for facet in exhibit["core:hasFacet"] if facet["@type"] == "observable:ContentDataFacet")
    assert {item["types:hashMethod"] for item in facet["observable:hash"]} == {"MD5", "SHA1", "SHA256"}
    assert len(facet["triage:blake3"]["@value"]) == 64
    # Investigative actions: the exhibit's acquisition, its re-hash, each plugin run, the store check.
    actions = [node for node in graph if node.get("@type") == "case-investigation:InvestigativeAction"]
    names = [node["core:name"] for node in actions]
    assert any(name.startswith("acquisition: exhibit PHONE-BENCH") for name in names)
    for _path, plugin, version in report_scale.STORES.values():
        assert f"plugin run: {plugin}@{version} on exhibit PHONE-BENCH" in names
    run = next(node for node in actions if node["core:name"].startswith("plugin run: android.sms@"))
    assert run["action:instrument"] and run["action:performer"] and run["action:object"] and run["action:result"]
    # The run's provenance record lists each of its findings (in merged partial nodes).
    record = run["action:result"][0]["@id"]
    listed = [ref for node in graph if node["@id"] == record for ref in node.get("core:object", [])]
    sms = sum(1 for node in nodes_of(document, "observable:Message") if "android.sms@" in node["core:description"])
    assert len(listed) == sms > 0


def test_messages_are_grouped_in_threads(generated_case: Path, tmp_path: Path) -> None:
    document = export(generated_case, tmp_path)
    graph = document["@graph"]
    threads = nodes_of(document, "observable:MessageThread")
    messages = {node["@id"] for node in nodes_of(document, "observable:Message")}
    people = report_scale.counts_for(0.0002)["identities"] - 1
    assert len(threads) == people        # the generator gives each person one thread, in one app
    members: list[str] = []
    for thread in threads:
        facet = thread["core:hasFacet"][0]
        assert facet["observable:participant"]
        bag = facet["observable:messageThread"]["@id"]
        members += [ref["@id"] for node in graph if node["@id"] == bag for ref in node.get("co:element", [])]
    assert sorted(members) == sorted(messages)


def test_iris_are_stable_across_exports(generated_case: Path, tmp_path: Path) -> None:
    first = export(generated_case, tmp_path / "one")
    second = export(generated_case, tmp_path / "two")
    ids = lambda document: {node["@id"] for node in document["@graph"]
                            if node.get("@type") == "observable:Message"}
    assert ids(first) == ids(second)


def test_scope_limits_the_kinds(generated_case: Path, tmp_path: Path) -> None:
    document = export(generated_case, tmp_path, scope=Scope(kinds=("reservation",)))
    assert not nodes_of(document, "observable:Message")
    assert nodes_of(document, "core:Event")


def test_redacted_export_names_no_victim(tmp_path: Path) -> None:
    case = phone_case(tmp_path / "phone")
    export(case.case_dir, tmp_path / "out", redact_victims=True)
    data = (tmp_path / "out" / FILE_NAME).read_bytes()
    for text in VICTIM_STRINGS:
        assert text.encode() not in data, text
    assert b"V1" in data


def test_a_case_with_only_files_still_describes_exhibit_and_actions(tmp_path: Path) -> None:
    case = files_only_case(tmp_path / "files")
    document = export(case.case_dir, tmp_path / "out")
    assert not nodes_of(document, "observable:Message")
    names = [node["core:name"] for node in nodes_of(document, "case-investigation:InvestigativeAction")]
    assert any(name.startswith("acquisition: exhibit ") for name in names)
    assert "verification of the case store at report time" in names
    assert nodes_of(document, "case-investigation:Investigation")[0]["core:object"]


def test_examiner_tags_become_annotations_on_findings_and_files(tmp_path: Path) -> None:
    case_dir = tmp_path / "case"
    report_scale.generate(case_dir, scale=0.0001)
    store = CaseStore.open(case_dir, write="tag")
    try:
        message_id, file_id = store.conn.execute(
            "SELECT id, file_id FROM artifacts WHERE kind = 'message' ORDER BY id LIMIT 1").fetchone()
        add_tag(store, target_kind="artifact", target_id=str(message_id), label="relevant", note="asks for passports")
        add_tag(store, target_kind="file", target_id=str(file_id), label="reviewed")
    finally:
        store.close()
    document = export(case_dir, tmp_path / "out")
    notes = {node["core:name"]: node for node in nodes_of(document, "core:Annotation")
             if node["core:name"].startswith("examiner tag")}
    assert set(notes) == {"examiner tag: relevant", "examiner tag: reviewed"}
    tagged = notes["examiner tag: relevant"]["core:object"][0]["@id"]
    message = next(node for node in nodes_of(document, "observable:Message") if node["@id"] == tagged)
    assert message["core:description"].startswith(f"message #{message_id}:")
    assert notes["examiner tag: relevant"]["core:statement"] == ["asks for passports"]
    # Out of scope, the tagged message is not in the document, and neither is its tag.
    document = export(case_dir, tmp_path / "calls", scope=Scope(kinds=("call",)))
    names = {node.get("core:name") for node in nodes_of(document, "core:Annotation")}
    assert "examiner tag: relevant" not in names
