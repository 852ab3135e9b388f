"""The demo case: one deterministic phone image whose apps tell one story, ingested by every
built-in plugin, with a summary that names the people, places and trips."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from forensic_triage.demo.evidence import IMAGE_SIZE, LABEL, VOLUME_ID, demo_entries
from forensic_triage.demo.fat_image import build_fat_image
from forensic_triage.demo.story import (
    ARABIC_BODY,
    CJK_BODY,
    CYRILLIC_BODY,
    SCRIPT_BODY,
    VIKTOR,
)
from forensic_triage.graph.build import build_graph
from forensic_triage.store.case_store import CaseStore
from forensic_triage.store.query import Scope, app_counts, iter_artifacts, kind_counts
from forensic_triage.travel.dedupe import trips
from tests.conftest import run_cli

SMS, WHATSAPP, TELEGRAM = "Android SMS/MMS", "WhatsApp", "Telegram"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("demo") / "demo-case"
    result = run_cli("demo", folder)
    assert result.returncode == 0, result.stderr
    return folder, result.stdout


@pytest.fixture(scope="module")
def store(demo: tuple[Path, str]):
    opened = CaseStore.open(demo[0] / "case")
    yield opened
    opened.close()


def _digests(case_dir: Path) -> list[tuple[str, str, str]]:
    opened = CaseStore.open(case_dir)
    try:
        return [(row[0], row[1], row[2]) for row in opened.conn.execute(
            "SELECT kind, plugin, digest FROM artifacts ORDER BY id")]
    finally:
        opened.close()


def test_the_image_is_the_same_in_process_and_in_the_demo(demo: tuple[Path, str]) -> None:
    first = build_fat_image(demo_entries(), size_bytes=IMAGE_SIZE, label=LABEL, fat_type=32, volume_id=VOLUME_ID)
    second = build_fat_image(demo_entries(), size_bytes=IMAGE_SIZE, label=LABEL, fat_type=32, volume_id=VOLUME_ID)
    assert first == second
    image = demo[0] / "evidence" / "phone.img"
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(image.read_bytes()).hexdigest()


@pytest.mark.slow
def test_a_second_run_in_another_time_zone_and_locale_gives_the_same_image_and_artifacts(
        demo: tuple[Path, str], tmp_path: Path) -> None:
    env = dict(os.environ, TZ="Pacific/Auckland", LC_ALL="C.UTF-8", LANG="de_DE.UTF-8")
    other = tmp_path / "again"
    result = subprocess.run([sys.executable, "-m", "forensic_triage", "-q", "demo", str(other)], env=env,
                            check=False, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    ours, theirs = demo[0] / "evidence" / "phone.img", other / "evidence" / "phone.img"
    assert hashlib.sha256(ours.read_bytes()).digest() == hashlib.sha256(theirs.read_bytes()).digest()
    mine, again = _digests(demo[0] / "case"), _digests(other / "case")
    assert len(mine) > 50
    assert mine == again


def test_messages_from_sms_whatsapp_and_telegram_with_calls_and_contacts(store: CaseStore) -> None:
    messages = app_counts(store, "message")
    assert messages[SMS] >= 10 and messages[WHATSAPP] >= 10 and messages[TELEGRAM] >= 8
    calls = app_counts(store, "call")
    assert {"Android Phone", WHATSAPP, TELEGRAM} <= set(calls)
    assert kind_counts(store)["contact"] >= 10
    bodies = [record.data.get("body") or "" for record in iter_artifacts(store, Scope(kinds=("message",)))]
    # Kept as text, byte for byte: reports must escape the script and render the scripts' fonts.
    for special in (SCRIPT_BODY, CYRILLIC_BODY, ARABIC_BODY, CJK_BODY):
        assert special in bodies
    times = [record.time for record in iter_artifacts(store, Scope(kinds=("message",)))]
    assert all(times) and len(set(times)) == len(times)   # every message dated, no two at the same instant


def test_geo_points_have_place_names_along_the_trip(store: CaseStore) -> None:
    points = list(iter_artifacts(store, Scope(kinds=("geo_point",))))
    assert len(points) >= 5
    assert all(point.data.get("place_name") for point in points)
    places = " ".join(point.data["place_name"] for point in sorted(points, key=lambda point: point.time or ""))
    assert "United Kingdom" in places and "Amsterdam" in places and "Rotterdam" in places
    assert any(point.provenance.get("deleted") for point in points)     # the deleted photo is still read


def test_reservations_merge_into_a_travel_timeline(store: CaseStore) -> None:
    found = trips(store)
    kinds = [trip.reservation["type"] for trip in found]
    assert kinds.count("flight") == 2 and "lodging" in kinds and "train" in kinds
    by_number = {trip.reservation["reservation_number"]: trip for trip in found}
    outbound = by_number["7KQ2XR"]
    assert {"json-ld", "ics"} <= {source.origin for source in outbound.sources}
    assert set(outbound.reservation["travellers"]) == {"Ana Marin", "Sam Carter"}
    assert {source.origin for source in by_number["R8M4TZ"].sources} == {"pkpass", "bcbp"}
    starts = [trip.reservation["start"]["utc"] for trip in found]
    assert starts == sorted(starts)


def test_the_contact_graph_merges_one_person_across_three_apps(store: CaseStore) -> None:
    graph = build_graph(store)
    viktor = graph.identity(graph.key_to_id[f"tel:{VIKTOR.e164}"])
    assert {SMS, WHATSAPP, TELEGRAM} <= set(viktor.apps)
    assert {f"tel:{VIKTOR.e164}", f"handle:telegram:{VIKTOR.telegram_id}"} <= set(viktor.identifiers)
    assert VIKTOR.name in viktor.names
    assert len(graph.owners()) == 1
    again = build_graph(store)
    assert again.digest == graph.digest


def test_deleted_files_and_the_disguised_database(store: CaseStore) -> None:
    deleted = {row[0] for row in store.conn.execute("SELECT path FROM files WHERE deleted = 1 AND type != 'directory'")}
    assert {"sdcard/DCIM/Camera/IMG_20260307_093000.jpg", "sdcard/Documents/documents_kept.txt"} <= deleted
    mismatches = list(iter_artifacts(store, Scope(kinds=("signature_mismatch",))))
    assert [record.provenance["path"] for record in mismatches] == ["sdcard/Pictures/backup_0308.jpg"]


def test_the_printed_summary_names_people_places_trips_and_next_steps(demo: tuple[Path, str]) -> None:
    out = demo[1]
    for heading in ("Exhibit PHONE-01", "SHA-256", "Deleted files", "People", "Places", "Travel timeline",
                    "Warnings", "Custody log", "Next, try"):
        assert heading in out, heading
    assert "Viktor" in out and "Ana Marin" in out and "Telegram" in out and "WhatsApp" in out
    assert "447700900456@s.whatsapp.net" in out                      # the same person, as WhatsApp writes him
    people = out.split("\nPeople")[1].split("\nPlaces")[0].splitlines()
    viktor = next(index for index, line in enumerate(people) if line.startswith("  Viktor"))
    assert all(app in people[viktor + 1] for app in (SMS, WHATSAPP, TELEGRAM))   # one person, three apps
    assert "Rotterdam" in out and "7KQ2XR" in out and "R8M4TZ" in out
    assert "forensic-triage graph" in out and "forensic-triage verify" in out
    # The summary's own lines fit a terminal (the CLI's closing lines repeat long paths).
    summary = out.split("\nThe demo case is in")[0]
    assert max(len(line) for line in summary.splitlines() if "/" not in line) <= 120


def test_verify_with_the_image_passes(demo: tuple[Path, str]) -> None:
    result = run_cli("verify", demo[0] / "case", "--image")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Verification passed." in result.stdout and "re-hash" in result.stdout


def test_case_info_json_stays_cheap_and_plain(demo: tuple[Path, str]) -> None:
    info = json.loads(run_cli("case", "info", demo[0] / "case", "--json").stdout)
    assert info["counts"]["artifacts_by_kind"]["message"] > 0
    assert "people" not in info     # the contact graph is built for the demo, not for every `case info`
