"""The command line as an examiner uses it: cases, evidence, listings, exit codes."""

from __future__ import annotations

import json

from tests.conftest import run_cli, small_fat_image


def test_case_create_refuses_to_overwrite(tmp_path):
    case = tmp_path / "case"
    first = run_cli("case", "create", case, "--case-number", "2026-1", "--examiner", "A. Examiner", "--region", "gb",
                    "--display-tz", "Europe/London", "--agency", "Lab", "--title", "Op Test")
    assert first.returncode == 0, first.stderr
    again = run_cli("case", "create", case, "--case-number", "2026-2", "--examiner", "B")
    assert again.returncode == 2 and "refusing to overwrite" in again.stderr
    info = json.loads(run_cli("case", "info", case, "--json").stdout)
    assert info["case"]["case_number"] == "2026-1" and info["case"]["region"] == "GB"
    assert info["counts"]["custody_entries"] == 1


def test_bad_options_are_usage_errors(tmp_path):
    assert run_cli("case", "create", tmp_path / "c", "--case-number", "1", "--examiner", "E",
                   "--display-tz", "Mars/Olympus").returncode == 2
    assert run_cli("case", "create", tmp_path / "d", "--case-number", "1").returncode == 2     # --examiner missing
    assert run_cli("files", tmp_path / "no-case").returncode == 2
    assert "no case in" in run_cli("files", tmp_path / "no-case").stderr


def test_full_round_trip_and_machine_readable_contract(tmp_path):
    image = small_fat_image(tmp_path / "disk.img", files=6, deleted=1, databases=True)
    case = tmp_path / "case"
    assert run_cli("case", "create", case, "--case-number", "1", "--examiner", "E").returncode == 0
    added = run_cli("add", case, image, "--exhibit-id", "EXH-1", "--description", "USB stick",
                    "--received-from", "DC Smith", "--received-at", "2026-01-05T09:00:00+01:00")
    assert added.returncode == 0, added.stderr
    assert "SHA256" in added.stdout and "FAT16" in added.stdout
    assert run_cli("ingest", case, "--jobs", "1").returncode == 0
    files = [json.loads(line) for line in run_cli("files", case, "--json").stdout.splitlines()]
    keys = {"evidence", "partition_offset", "path", "inode", "type", "size", "deleted", "md5", "sha1", "sha256",
            "blake3", "mtime", "atime", "ctime", "crtime"}
    assert all(keys <= set(item) for item in files)
    deleted = [item for item in files if item["deleted"]]
    assert [item["path"] for item in deleted] == ["gone/deleted0.txt"]
    assert deleted[0]["sha256"] and deleted[0]["partition_offset"] == 1024 * 1024
    assert all(item["evidence"] == "EXH-1" for item in files)
    assert next(item for item in files if item["path"] == "dir0/file0000.txt")["mtime"] == "2025-06-01T12:00:00Z"
    artifacts = [json.loads(line) for line in run_cli("artifacts", case, "--json").stdout.splitlines()]
    assert {item["kind"] for item in artifacts} == {"sqlite_database", "signature_mismatch"}
    for item in artifacts:
        assert set(item["provenance"]) == {"evidence", "partition_offset", "path", "inode", "deleted", "sha256",
                                           "plugin", "plugin_version", "locator"}
        assert len(item["digest"]) == 64
    warnings = [json.loads(line) for line in run_cli("warnings", case, "--json").stdout.splitlines()]
    assert any(item["path"] == "apps/com.example/databases/broken.db" for item in warnings)
    info = json.loads(run_cli("case", "info", case, "--json").stdout)
    exhibit = info["evidence"][0]
    assert exhibit["received_at"] == "2026-01-05T08:00:00Z" and exhibit["received_from"] == "DC Smith"
    custody = [json.loads(line) for line in run_cli("custody", case, "--json").stdout.splitlines()]
    assert [entry["action"] for entry in custody if entry["action"] != "ingest.checkpoint"] == [
        "case.create", "evidence.add", "ingest.start", "ingest.files_done", "ingest.finish", "search.index"]
    assert {"files", "plugins"} == {entry["details"]["stage"] for entry in custody
                                    if entry["action"] == "ingest.checkpoint"}


def test_ingest_twice_adds_nothing_and_digests_are_repeatable(tmp_path):
    image = small_fat_image(tmp_path / "disk.img", databases=True)
    digests = []
    for name in ("one", "two"):
        case = tmp_path / name
        run_cli("case", "create", case, "--case-number", "1", "--examiner", "E")
        run_cli("add", case, image, "--exhibit-id", "X")
        assert run_cli("ingest", case).returncode == 0
        assert run_cli("ingest", case).returncode == 0           # resumes: nothing left to do
        digests.append(sorted(json.loads(line)["digest"] for line in run_cli("artifacts", case, "--json").stdout.splitlines()))
    assert digests[0] == digests[1] and digests[0]


def test_plugins_lists_builtins_with_selectors():
    listing = json.loads(run_cli("plugins", "--json").stdout)
    names = {plugin["name"]: plugin for plugin in listing["plugins"]}
    assert names["sqlite.inventory"]["origin"] == "built-in"
    assert names["sqlite.inventory"]["selects"] and names["sqlite.inventory"]["kinds"] == ["sqlite_database"]


def test_drop_in_plugin_that_crashes_becomes_a_warning(tmp_path):
    plugin_dir = tmp_path / "plugins"
    plugin_dir.mkdir()
    (plugin_dir / "crashy.py").write_text('''
from forensic_triage.sdk import Extractor, Select, Message

class Crashy(Extractor):
    name = "test.crashy"
    version = "0.1.0"
    selects = [Select(glob="**/*.txt")]
    kinds = [Message]

    def extract(self, ctx, source):
        if source.name.endswith("0000.txt"):
            import os
            os.kill(os.getpid(), 9)          # a segfault-like death of the worker
        yield Message(app="test", body=ctx.read_bytes().decode())
''')
    (plugin_dir / "broken.py").write_text("this is not python")
    image = small_fat_image(tmp_path / "disk.img", files=4)
    case = tmp_path / "case"
    run_cli("case", "create", case, "--case-number", "1", "--examiner", "E")
    run_cli("add", case, image)
    result = run_cli("--plugin-dir", plugin_dir, "ingest", case, "--jobs", "1")
    assert result.returncode == 0, result.stderr
    assert "broken.py" in result.stderr
    warnings = [json.loads(line) for line in run_cli("warnings", case, "--json").stdout.splitlines()]
    crashed = [item for item in warnings if item["code"] == "plugin.crashed"]
    assert [item["path"] for item in crashed] == ["dir0/file0000.txt"]
    messages = [json.loads(line) for line in run_cli("artifacts", case, "--kind", "message", "--json").stdout.splitlines()]
    assert len(messages) == 4          # five .txt files (one deleted), one killed its worker
    assert run_cli("verify", case).returncode == 0


def test_fat_times_do_not_depend_on_the_workstation_time_zone(tmp_path):
    import os
    import subprocess
    import sys

    image = small_fat_image(tmp_path / "disk.img", files=2)
    listings = []
    for zone in ("UTC", "Asia/Kolkata", "America/Los_Angeles"):
        case = tmp_path / zone.replace("/", "-")
        env = {**os.environ, "TZ": zone}
        for args in (("case", "create", case, "--case-number", "1", "--examiner", "E"), ("add", case, image),
                     ("ingest", case, "--jobs", "1")):
            subprocess.run([sys.executable, "-m", "forensic_triage", "-q", *map(str, args)], env=env, check=True,
                           capture_output=True)
        out = subprocess.run([sys.executable, "-m", "forensic_triage", "files", str(case), "--json"], env=env,
                             check=True, capture_output=True, text=True).stdout
        listings.append({item["path"]: (item["mtime"], item["times_raw"]["encoding"])
                         for item in map(json.loads, out.splitlines())})
    assert listings[0] == listings[1] == listings[2]
    assert listings[0]["dir0/file0000.txt"] == ("2025-06-01T12:00:00Z", "fat_wallclock_no_zone")
