"""Disk full during ingest: a clear error, a consistent store, and a resume once space is freed
(on a real size-limited tmpfs; skipped where mounting is not allowed)."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from forensic_triage.demo.fat_image import FatEntry, write_fat_image
from tests.conftest import T0, run_cli


@pytest.fixture
def tiny_fs(tmp_path):
    mount = Path("/tmp") / f"ft-full-{uuid.uuid4().hex[:8]}"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1200k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        mount.rmdir()
        pytest.skip("cannot mount a size-limited tmpfs here (needs root): " + done.stderr.decode().strip())
    yield mount
    subprocess.run(["umount", str(mount)], check=False)
    mount.rmdir()


def test_disk_full_is_clear_consistent_and_resumable(tmp_path, tiny_fs):
    image = tmp_path / "disk.img"
    write_fat_image(image, [FatEntry(path=f"d{i % 20}/file-with-a-long-name-{i:05d}.txt", data=b"x" * (i % 50),
                                     mtime=T0) for i in range(6000)], size_bytes=16 * 1024 * 1024)
    case = tiny_fs / "case"
    assert run_cli("case", "create", case, "--case-number", "1", "--examiner", "E").returncode == 0
    assert run_cli("add", case, image).returncode == 0
    filler = tiny_fs / "filler"
    filler.write_bytes(b"\0" * 200_000)
    result = run_cli("ingest", case, "--no-plugins", "--jobs", "1")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "the disk holding the case is full" in result.stderr and "Traceback" not in result.stderr
    # Room again: move the case to a bigger disk (what an examiner would do) and resume.
    moved = tmp_path / "case"
    shutil.copytree(case, moved)
    resumed = run_cli("ingest", moved, "--no-plugins", "--jobs", "1")
    assert resumed.returncode == 0, resumed.stderr
    files = [json.loads(line) for line in run_cli("files", moved, "--json").stdout.splitlines()]
    assert len([item for item in files if item["type"] == "regular"]) >= 6000
    verified = run_cli("verify", moved)
    assert verified.returncode == 0, verified.stdout + verified.stderr
