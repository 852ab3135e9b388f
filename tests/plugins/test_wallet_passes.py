"""travel.pkpass: Apple Wallet passes written by the project's builder, hostile archives, and the corpus."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

import pytest

from forensic_triage.demo.apps.travel import (FlightBooking, boarding_pass_json, demo_bcbp, event_pass_json, pkpass,
                                              pkpasses)
from forensic_triage.plugin_host.registry import check_plugin
from forensic_triage.plugin_host.runner import execute
from forensic_triage.sdk import Context, Source
from forensic_triage_plugins import wallet_passes
from forensic_triage_plugins.wallet_passes import WalletPasses

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
BOOKING = FlightBooking()


def run(run_extractor, tmp_path: Path, data: bytes, name: str = "boarding.pkpass"):
    path = tmp_path / name
    path.write_bytes(data)
    return run_extractor(WalletPasses, path)


def codes(result) -> list[str]:
    return [warning.code for warning in result.warnings]


def test_plugin_passes_host_checks():
    assert check_plugin(WalletPasses) == []
    assert WalletPasses.name == "travel.pkpass"


def test_signed_boarding_pass_with_semantic_tags(run_extractor, tmp_path):
    result = run(run_extractor, tmp_path, pkpass(boarding_pass_json(BOOKING, bcbp=demo_bcbp(BOOKING))))
    assert result.status == "ok"
    assert codes(result) == ["pkpass.signature_not_verified"]
    assert "signature not verified" in result.warnings[0].message
    [found] = result.data("reservation")
    assert (found["type"], found["origin"], found["reservation_number"], found["trip_number"]) == \
        ("flight", "pkpass", "DEMO42", "LH 400")
    assert (found["departure"]["code"], found["arrival"]["code"], found["seat"]) == ("FRA", "JFK", "23A")
    assert found["travellers"] == ["Alex Example"] and found["provider"] == "Lufthansa"
    # originalDepartureDate 10:15+01:00 is 09:15 UTC; originalArrivalDate 13:05-04:00 is 17:05 UTC.
    assert found["start"]["utc"] == "2026-03-14T09:15:00Z" and found["end"]["utc"] == "2026-03-14T17:05:00Z"
    assert found["start_time_zone"] == "Europe/Berlin"
    assert found["ticket_token"] == demo_bcbp(BOOKING)
    assert result.artifacts[0].locator == {"member": "pass.json", "pointer": "/boardingPass"}


def test_pass_without_semantics_reads_the_barcode_and_fields(run_extractor, tmp_path):
    data = boarding_pass_json(BOOKING, bcbp=demo_bcbp(BOOKING), semantics=False,
                              relevant_date="2026-03-14T09:30:00+01:00")
    [found] = run(run_extractor, tmp_path, pkpass(data)).data("reservation")
    assert (found["reservation_number"], found["trip_number"], found["seat"]) == ("DEMO42", "LH 400", "23A")
    # The barcode says EXAMPLE/ALEX, the pass shows "Example, Alex": given name first, the pass's letter case.
    assert found["travellers"] == ["Alex Example"]
    # relevantDate 09:30+01:00 = 08:30 UTC, marked as the pass's relevant time, not the departure.
    assert found["start"] == {"utc": "2026-03-14T08:30:00Z", "raw": "2026-03-14T09:30:00+01:00",
                              "encoding": "pkpass_relevant_date", "status": "ok"}


def test_barcode_day_of_year_without_any_pass_date(run_extractor, tmp_path):
    data = boarding_pass_json(BOOKING, bcbp=demo_bcbp(BOOKING, julian_day=73), semantics=False)
    del data["relevantDate"]
    data["expirationDate"] = "2026-03-20T00:00:00Z"
    [found] = run(run_extractor, tmp_path, pkpass(data)).data("reservation")
    # Day 73 of 2026 is 14 March.
    assert found["start"]["raw"] == "2026-03-14" and found["start"]["utc"] is None
    assert found["start"]["encoding"].startswith("bcbp_julian_date:day=073")


def test_manifest_checks(run_extractor, tmp_path):
    tampered = run(run_extractor, tmp_path, pkpass(boarding_pass_json(), tamper="pass.json"), name="t.pkpass")
    assert codes(tampered) == ["pkpass.manifest_mismatch", "pkpass.signature_not_verified"]
    assert "SHA-1 of pass.json" in tampered.warnings[0].message and len(tampered.artifacts) == 1
    unsigned = run(run_extractor, tmp_path, pkpass(boarding_pass_json(), signature=False), name="u.pkpass")
    assert codes(unsigned) == ["pkpass.signature_not_verified"] and "unsigned" in unsigned.warnings[0].message
    bare = run(run_extractor, tmp_path, pkpass(boarding_pass_json(), manifest=False, signature=False), name="b.pkpass")
    assert codes(bare) == ["pkpass.no_manifest"] and "signature not verified" in bare.warnings[0].message
    broken = run(run_extractor, tmp_path, pkpass(boarding_pass_json(), manifest=False,
                                                 extra_members=[("manifest.json", b"{broken")]), name="m.pkpass")
    assert codes(broken) == ["pkpass.bad_manifest"] and "signature not verified" in broken.warnings[0].message
    assert len(broken.artifacts) == 1
    extra = run(run_extractor, tmp_path, pkpass(boarding_pass_json(), extra_members=[("strip.png", b"x")]),
                name="e.pkpass")
    assert codes(extra) == ["pkpass.manifest_mismatch", "pkpass.signature_not_verified"]


def test_path_traversal_members_are_flagged_never_written(run_extractor, tmp_path):
    data = pkpass(boarding_pass_json(), extra_members=[("../../etc/evil.sh", b"rm -rf /"), ("/abs.txt", b"x"),
                                                       ("C:\\win.ini", b"x")])
    before = sorted(path.name for path in Path(tempfile.gettempdir()).iterdir())
    result = run(run_extractor, tmp_path, data)
    assert codes(result).count("pkpass.path_traversal") == 3 and len(result.artifacts) == 1
    assert not (tmp_path.parent.parent / "etc" / "evil.sh").exists()
    assert "evil.sh" not in before and not any(path.name == "evil.sh" for path in tmp_path.rglob("*"))


def test_zip_bombs_are_refused(run_extractor, tmp_path):
    # 8 MiB of zeros deflate to a few KiB: over the ratio limit, refused before inflating.
    ratio = run(run_extractor, tmp_path, pkpass(boarding_pass_json(), bomb_bytes=8 << 20), name="r.pkpass")
    assert "pkpass.member_refused" in codes(ratio) and "zip bomb" in " ".join(w.message for w in ratio.warnings)
    assert len(ratio.artifacts) == 1
    # A member declaring more than the member limit is refused by its declared size.
    big = run(run_extractor, tmp_path, pkpass(boarding_pass_json(), bomb_bytes=20 << 20), name="s.pkpass")
    assert "pkpass.member_refused" in codes(big) and len(big.artifacts) == 1


def test_too_many_members(run_extractor, tmp_path, monkeypatch):
    monkeypatch.setattr(wallet_passes, "MAX_MEMBERS", 5)
    data = pkpass(boarding_pass_json(), extra_members=[(f"x{index}.png", b"x") for index in range(5)])
    result = run(run_extractor, tmp_path, data)
    assert codes(result) == ["pkpass.too_many"] and result.artifacts == []


def test_event_ticket_and_bundle(run_extractor, tmp_path):
    event = pkpass(event_pass_json())
    result = run(run_extractor, tmp_path, event, name="event.pkpass")
    [found] = result.data("reservation")
    assert (found["type"], found["name"], found["seat"], found["departure"]["name"]) == \
        ("event", "Harbour Jazz Night", "12", "Pier 17")
    assert found["start"]["utc"] == "2026-03-16T00:00:00Z" and found["ticket_token"] == "TICKET-0012"
    bundle = run(run_extractor, tmp_path, pkpasses([("flight.pkpass", pkpass(boarding_pass_json())),
                                                   ("event.pkpass", event)]), name="trip.pkpasses")
    assert sorted(item["type"] for item in bundle.data("reservation")) == ["event", "flight"]
    assert {item.locator["member"] for item in bundle.artifacts} == {"flight.pkpass/pass.json",
                                                                     "event.pkpass/pass.json"}


def test_not_a_pass_and_broken_passes(run_extractor, tmp_path):
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert run(run_extractor, tmp_path, other.getvalue(), name="report.docx").warnings == []
    bad_json = run(run_extractor, tmp_path, pkpass(b"{not json", manifest=False, signature=False), name="j.pkpass")
    assert codes(bad_json) == ["pkpass.no_manifest", "pkpass.bad_json"] and bad_json.artifacts == []
    truncated = pkpass(boarding_pass_json())[:300]
    result = run(run_extractor, tmp_path, truncated, name="cut.pkpass")
    assert codes(result) == ["pkpass.bad_zip"] and result.status == "ok"
    coupon = run(run_extractor, tmp_path, pkpass({"formatVersion": 1, "coupon": {}}), name="c.pkpass")
    assert coupon.artifacts == []


def test_renamed_pass_is_recognised_by_content(run_extractor, tmp_path):
    data = pkpass(boarding_pass_json())
    assert any(select.matches_path("Downloads/attachment-1.bin") and select.matches_head(data[:64])
               for select in WalletPasses.selects)
    assert len(run(run_extractor, tmp_path, data, name="attachment-1.bin").artifacts) == 1


def test_unpacked_pass_folder_as_ios_keeps_it(tmp_path):
    """Library/Passes/Cards/<id>.pkpass/ holds pass.json, manifest.json and signature as files."""
    archive = zipfile.ZipFile(io.BytesIO(pkpass(boarding_pass_json(BOOKING, bcbp=demo_bcbp(BOOKING)))))
    folder = tmp_path / "Cards" / "abc.pkpass"
    folder.mkdir(parents=True)
    for name in ("pass.json", "manifest.json", "signature"):
        (folder / name).write_bytes(archive.read(name))

    def source(path: Path) -> tuple[Source, object]:
        data = path.read_bytes()
        return (Source(path=f"Cards/abc.pkpass/{path.name}", name=path.name, size=len(data), head=data[:64]),
                lambda offset, length: data[offset:offset + length])

    main, read_at = source(folder / "pass.json")
    siblings = {name: source(folder / name) for name in ("manifest.json", "signature")}
    assert any(select.matches_path(main.path) for select in WalletPasses.selects)
    result = execute(WalletPasses(), Context(source=main, read_at=read_at, scratch=tmp_path, siblings=siblings), main)
    assert [problem.code for problem in result.warnings] == ["pkpass.signature_not_verified"]
    assert [item.data["reservation_number"] for item in result.artifacts] == ["DEMO42"]
    (folder / "pass.json").write_bytes(archive.read("pass.json") + b"\n")
    main, read_at = source(folder / "pass.json")
    changed = execute(WalletPasses(), Context(source=main, read_at=read_at, scratch=tmp_path, siblings=siblings), main)
    assert [problem.code for problem in changed.warnings] == ["pkpass.manifest_mismatch",
                                                              "pkpass.signature_not_verified"]


# --- corpus --------------------------------------------------------------------------------------

def corpus_passes() -> list[Path]:
    found = sorted((CORPUS / "bookings").glob("**/*.pkpass")) if (CORPUS / "bookings").is_dir() else []
    return found or [pytest.param(None, marks=pytest.mark.skip(reason=f"corpus not available: {CORPUS}"))]


@pytest.mark.parametrize("path", corpus_passes(), ids=lambda path: path.name if path else "")
def test_corpus_passes_match_their_summary(run_extractor, path: Path):
    lines = path.with_name(path.name + ".summary.txt").read_text(encoding="utf-8").splitlines()
    summary = json.loads(lines[1])
    assert "zip with 1 members" in lines[0]
    result = run_extractor(WalletPasses, path)
    assert result.status == "ok"
    # These passes hold only pass.json: no manifest and no signature, and the plugin says so.
    assert codes(result) == ["pkpass.no_manifest"]
    [found] = result.data("reservation")
    assert found["ticket_token"] == summary["barcode"]
    assert found["provider"] == summary["organizationName"]
    assert found["type"] == ("flight" if summary["transitType"] == ["PKTransitTypeAir"] else "event")
    if summary["relevantDate"]:
        assert found["start"]["raw"] == summary["relevantDate"]


def test_corpus_pass_times_by_hand():
    """Two UTC conversions checked by hand: airberlin's relevantDate 2017-10-24T15:55+02:00 is
    13:55 UTC; the event ticket's eventStartDateInfo 2026-06-12T20:00+02:00 is 18:00 UTC."""
    folder = CORPUS / "bookings" / "kitinerary" / "pkpassdata"
    if not folder.is_dir():
        pytest.skip(f"corpus not available: {folder}")
    from forensic_triage.sdk.pytest_plugin import run_on_file

    airberlin = run_on_file(WalletPasses, folder / "airberlin.pkpass").data("reservation")[0]
    assert airberlin["start"]["utc"] == "2017-10-24T13:55:00Z"
    event = run_on_file(WalletPasses, folder / "apple-semantic-event-ticket-scrubbed.pkpass").data("reservation")[0]
    assert event["start"]["utc"] == "2026-06-12T18:00:00Z" and event["end"]["utc"] == "2026-06-13T18:00:00Z"
