"""`--progress-json`: the progress of a long command as one JSON object per line on stdout (what
the GUI reads from its child processes): every progress event's fields plus rate and ETA, at
most about ten a second but the first and last of each stage always, notices, and the result
last; errors stay one line on stderr with the usual exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from forensic_triage.cli_progress import drive_json
from forensic_triage.progress import Finished, Notice, Progress
from tests.conftest import small_fat_image


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "forensic_triage", "--progress-json", *map(str, args)],
                          check=False, capture_output=True, text=True, timeout=300)


@dataclass(frozen=True)
class _Report:
    ok: bool
    where: Path


def test_events_become_json_lines_throttled_by_stage():
    ticks = iter([0.0, 0.01, 0.02, 0.5, 0.51, 0.52])

    def work():
        for done in range(4):                                   # at 0.0, 0.01, 0.02, 0.5
            yield Progress(stage="hashing files", done=done * 10, total=30, unit="files", files=done * 10,
                           bytes=done * 1000, detail=f"f{done}")
        yield Notice(message="volume 1 unreadable")
        yield Progress(stage="plugins", done=1, total=2, unit="files", warnings=1, detail="mmssms.db")  # 0.51
        yield Progress(stage="plugins", done=2, total=2, unit="files", warnings=1)                    # 0.52
        yield Finished(result=_Report(ok=True, where=Path("/case")))

    out = io.StringIO()
    result = drive_json(work(), out, clock=lambda: next(ticks))
    assert result == _Report(ok=True, where=Path("/case"))
    records = _lines(out.getvalue())
    progress = [r for r in records if r["event"] == "progress"]
    # The first of a stage, one per 0.1 s, and the last one of each stage (0.02's is superseded by 0.5).
    assert [(r["stage"], r["done"]) for r in progress] == [("hashing files", 0), ("hashing files", 30),
                                                          ("plugins", 1), ("plugins", 2)]
    first = progress[0]
    assert set(first) == {"event", "stage", "done", "total", "unit", "files", "bytes", "warnings", "detail",
                          "rate", "eta_s"}
    assert progress[1]["rate"] == 60.0 and progress[1]["eta_s"] == 0.0     # 30 files in 0.5 s
    assert progress[1]["detail"] == "f3" and progress[-1]["warnings"] == 1
    assert {"event": "notice", "level": "warning", "message": "volume 1 unreadable"} in records
    assert records[-1] == {"event": "result", "result": {"ok": True, "where": "/case"}}


def test_no_result_line_when_the_work_fails():
    def work():
        yield Progress(stage="hashing evidence", done=0, total=10, unit="B")
        raise ValueError("broken")

    out = io.StringIO()
    try:
        drive_json(work(), out)
    except ValueError:
        pass
    assert [r["event"] for r in _lines(out.getvalue())] == ["progress"]


def test_add_and_ingest_stream_their_progress(tmp_path):
    image = small_fat_image(tmp_path / "disk.img", files=6, deleted=1, databases=True)
    case = tmp_path / "case"
    assert _cli("case", "create", case, "--case-number", "1", "--examiner", "E").returncode == 0
    added = _cli("add", case, image, "--exhibit-id", "EXH-1")
    assert added.returncode == 0, added.stderr
    records = _lines(added.stdout)
    assert records[0]["event"] == "progress" and records[0]["stage"] == "hashing evidence"
    assert records[0]["unit"] == "B" and records[0]["total"] == image.stat().st_size
    assert records[-1]["event"] == "result" and records[-1]["result"]["exhibit_id"] == "EXH-1"
    assert len(records[-1]["result"]["sha256"]) == 64
    assert "Added exhibit EXH-1" in added.stdout          # the human summary still follows
    assert "hashing evidence" not in added.stderr          # no bars
    ingested = _cli("ingest", case, "--jobs", "1")
    assert ingested.returncode == 0, ingested.stderr
    records = _lines(ingested.stdout)
    stages = [r["stage"] for r in records if r["event"] == "progress"]
    assert "hashing files" in stages and "plugins" in stages
    summary = records[-1]["result"]
    assert records[-1]["event"] == "result" and summary["evidence"][0]["exhibit_id"] == "EXH-1"
    assert summary["evidence"][0]["files"] >= 7 and "plugins" in summary


def test_errors_stay_one_line_on_stderr(tmp_path):
    case = tmp_path / "case"
    assert _cli("case", "create", case, "--case-number", "1", "--examiner", "E").returncode == 0
    missing = _cli("add", case, tmp_path / "nothing-here.img")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1 and missing.stderr.startswith("error: ")
    assert not any(r["event"] == "result" for r in _lines(missing.stdout))
