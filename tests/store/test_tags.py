"""Examiner tags: recorded as rows and custody entries, never erased, and checked by verify."""

from __future__ import annotations

import json

from tests.conftest import run_cli, small_fat_image


def test_tag_untag_and_list(tmp_path):
    case = tmp_path / "case"
    run_cli("case", "create", case, "--case-number", "1", "--examiner", "E")
    run_cli("add", case, small_fat_image(tmp_path / "disk.img", databases=True))
    run_cli("ingest", case, "--jobs", "1")
    assert run_cli("tag", case, "--artifact", "1", "--label", "relevant", "--note", "owner's SMS store").returncode == 0
    assert run_cli("tag", case, "--identity", "tel:+447700900123", "--victim").returncode == 0
    assert run_cli("tag", case, "--file", "2", "--label", "odd").returncode == 0
    assert run_cli("tag", case, "--file", "2", "--label", "odd", "--remove").returncode == 0
    tags = [json.loads(line) for line in run_cli("tag", case, "--list", "--json").stdout.splitlines()]
    assert [(tag["target_kind"], tag["label"]) for tag in tags] == [("artifact", "relevant"), ("identity", "victim")]
    assert tags[1]["victim"] is True and tags[0]["note"] == "owner's SMS store"
    custody = [json.loads(line) for line in run_cli("custody", case, "--json").stdout.splitlines()]
    actions = [entry["action"] for entry in custody if entry["action"].startswith("tag.")]
    assert actions == ["tag.add", "tag.add", "tag.add", "tag.remove"]
    assert all("owner's SMS store" not in json.dumps(entry) for entry in custody)   # notes stay out of custody
    assert run_cli("verify", case).returncode == 0


def test_bad_targets_are_refused(tmp_path):
    case = tmp_path / "case"
    run_cli("case", "create", case, "--case-number", "1", "--examiner", "E")
    assert "no artifact with id 99" in run_cli("tag", case, "--artifact", "99").stderr
    assert run_cli("tag", case, "--artifact", "1", "--file", "1").returncode == 2
