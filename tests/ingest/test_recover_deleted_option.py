"""Deleted-record recovery is the examiner's choice: an ingest rebuilds deleted messages from
free pages only with --recover-deleted, records the choice in custody, and keeps recovered
messages flagged apart from live ones."""

from __future__ import annotations

import json

from forensic_triage.demo.apps.android import build_mmssms
from tests.conftest import run_cli
from tests.plugins.test_android_telephony import DB_FOLDER, OWNER, delete_sms, many_sms


def _case(tmp_path, name: str):
    evidence = tmp_path / "extraction"
    if not evidence.exists():
        path = build_mmssms(evidence / DB_FOLDER / "mmssms.db", many_sms(60), owner=OWNER)
        delete_sms(path, "_id % 9 = 4").close()           # 7 of 60 deleted, their bytes left in the pages
    case = tmp_path / name
    assert run_cli("case", "create", case, "--case-number", "R-1", "--examiner", "E").returncode == 0
    assert run_cli("add", case, evidence).returncode == 0
    return case


def _messages(case) -> list[dict]:
    out = run_cli("artifacts", case, "--kind", "message", "--json").stdout
    return [json.loads(line)["data"] for line in out.splitlines()]


def _start(case) -> dict:
    custody = [json.loads(line) for line in run_cli("custody", case, "--json").stdout.splitlines()]
    return next(entry for entry in custody if entry["action"] == "ingest.start")["details"]


def test_recovery_only_when_asked(tmp_path):
    plain = _case(tmp_path, "plain")
    assert run_cli("ingest", plain, "--jobs", "1").returncode == 0
    live = _messages(plain)
    assert len(live) == 53 and not any(item["recovered"] for item in live)
    assert _start(plain)["recover_deleted"] is False

    asked = _case(tmp_path, "asked")
    assert run_cli("ingest", asked, "--jobs", "1", "--recover-deleted").returncode == 0
    everything = _messages(asked)
    recovered = [item for item in everything if item["recovered"]]
    assert len(everything) == 60 and len(recovered) == 7
    assert _start(asked)["recover_deleted"] is True
    assert run_cli("verify", asked).returncode == 0
