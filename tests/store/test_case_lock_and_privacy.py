"""A case changed by two processes at once gets a clear error, never a mixed store; readers
are never blocked; the case folder is private to the examiner."""

from __future__ import annotations

import stat

import pytest

from forensic_triage.errors import CaseError
from forensic_triage.store.case_store import CaseStore
from tests.conftest import new_case, run_cli, small_fat_image


def test_a_second_writer_is_refused_clearly(tmp_path):
    store = new_case(tmp_path / "case")          # this process holds the write lock
    result = run_cli("add", tmp_path / "case", small_fat_image(tmp_path / "disk.img"))
    assert result.returncode == 2
    assert "the case is open in another process (pid" in result.stderr and "case create" in result.stderr
    with pytest.raises(CaseError, match="open in another process"):
        CaseStore.open(tmp_path / "case", write="ingest")
    assert run_cli("case", "info", tmp_path / "case").returncode == 0      # readers are not blocked
    store.close()
    assert run_cli("add", tmp_path / "case", tmp_path / "disk.img").returncode == 0


def test_the_lock_dies_with_its_process(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    new_case(tmp_path / "case").close()
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\n"
                               "from forensic_triage.store.case_store import CaseStore\n"
                               "store = CaseStore.open(sys.argv[1], write='test holder'); print('held', flush=True); "
                               "time.sleep(60)", str(tmp_path / "case")], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(CaseError, match="test holder"):
        CaseStore.open(tmp_path / "case", write="ingest")
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    time.sleep(0.1)
    CaseStore.open(tmp_path / "case", write="ingest").close()


def test_a_read_only_store_refuses_to_write(tmp_path):
    new_case(tmp_path / "case").close()
    reader = CaseStore.open(tmp_path / "case")
    with pytest.raises(CaseError, match="opened for reading only"):
        with reader.transaction():
            pass


def test_the_case_folder_and_store_are_private(tmp_path):
    new_case(tmp_path / "case").close()
    assert stat.S_IMODE((tmp_path / "case").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "case" / "case.sqlite").stat().st_mode) == 0o600
