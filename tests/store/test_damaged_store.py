"""A case store damaged on disk (flipped bytes in case.sqlite): `verify` names it in one clear line
and exits 1, never with a traceback, whether the damage is in the header, a table's data page or
an index page, in a plain store or an encrypted one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from forensic_triage.store.case_store import CaseStore
from forensic_triage.verify import check_header
from tests.conftest import add_and_ingest, new_case, run_cli, small_fat_image


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("damaged")
    image = small_fat_image(folder / "disk.img", files=40, deleted=2)
    store = new_case(folder / "case")
    add_and_ingest(store, image)
    store.close()                    # the last connection checkpoints the WAL into the file
    return folder / "case"


def copy_case(source: Path, target: Path) -> Path:
    target.mkdir(mode=0o700)
    for path in source.iterdir():
        if path.is_file():
            (target / path.name).write_bytes(path.read_bytes())
    assert not (target / "case.sqlite-wal").exists() or (target / "case.sqlite-wal").stat().st_size == 0
    return target


def page_of(case: Path, name: str, page_type: str) -> tuple[int, int]:
    """(page number, page size) of one page of table or index ``name`` (from SQLite's dbstat)."""
    conn = sqlite3.connect(f"file:{case / 'case.sqlite'}?mode=ro", uri=True)
    try:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        row = conn.execute("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = ? ORDER BY pageno LIMIT 1",
                           (name, page_type)).fetchone()
    finally:
        conn.close()
    assert row, f"no {page_type} page for {name}"
    return row[0], page_size


def flip(path: Path, offset: int, mask: int = 0x10) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= mask
    path.write_bytes(bytes(data))


def cell_content(case: Path, page: int, page_size: int) -> int:
    """The file offset of the first cell's bytes in a b-tree page (the page header says where)."""
    data = (case / "case.sqlite").read_bytes()
    start = (page - 1) * page_size
    header = start + (100 if page == 1 else 0)
    return start + int.from_bytes(data[header + 5:header + 7], "big")


def assert_detected(case: Path, *words: str) -> str:
    result = run_cli("verify", case)
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    text = result.stdout + result.stderr
    assert "damaged" in text and all(word in text for word in words), text
    return text


def test_the_pristine_copy_verifies(pristine, tmp_path):
    case = copy_case(pristine, tmp_path / "case")
    result = run_cli("verify", case)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "case store file: header fields and SQLite integrity check hold" in result.stdout


def test_flipped_byte_in_a_data_page(pristine, tmp_path):
    case = copy_case(pristine, tmp_path / "case")
    page, page_size = page_of(case, "files", "leaf")
    flip(case / "case.sqlite", cell_content(case, page, page_size) + 40)
    text = assert_detected(case)
    assert "restore the case folder from a backup" in text


def test_flipped_byte_in_an_index_page(pristine, tmp_path):
    case = copy_case(pristine, tmp_path / "case")
    page, page_size = page_of(case, "files_path", "leaf")
    # A byte of a key: the table's rows are intact, the index no longer matches them.
    flip(case / "case.sqlite", cell_content(case, page, page_size) + 8)
    assert_detected(case, "integrity check")


@pytest.mark.parametrize(("offset", "words"), [
    (72, ["reserved bytes"]),          # ignored by SQLite itself, caught by the header check
    (16, []),                          # the page size: SQLite cannot open the file
    (0, []),                           # the magic string
])
def test_flipped_byte_in_the_header(pristine, tmp_path, offset, words):
    case = copy_case(pristine, tmp_path / "case")
    flip(case / "case.sqlite", offset, 0x01)
    assert_detected(case, *words)


def test_header_check_fields():
    good = bytearray(100)
    good[:16] = b"SQLite format 3\x00"
    good[16:18] = (4096).to_bytes(2, "big")
    good[18:24] = bytes([2, 2, 0, 64, 32, 32])
    good[24:28] = good[92:96] = (7).to_bytes(4, "big")
    good[28:32] = (3).to_bytes(4, "big")
    good[44:48] = (4).to_bytes(4, "big")
    good[56:60] = (1).to_bytes(4, "big")
    assert check_header(bytes(good), 3 * 4096) is None
    assert "3 pages" in check_header(bytes(good), 4 * 4096)
    bad = bytearray(good)
    bad[95] ^= 1
    assert "change counter" in check_header(bytes(bad), 3 * 4096)
    bad = bytearray(good)
    bad[17] = 1
    assert "page size" in check_header(bytes(bad), 3 * 4096)


def test_flipped_byte_in_an_encrypted_store(tmp_path, monkeypatch):
    pytest.importorskip("sqlcipher3", reason="the SQLCipher wheel (sqlcipher3-wheels) is not installed")
    from forensic_triage.store import crypto

    passphrase = "a passphrase for the test"
    case = tmp_path / "case"
    store = CaseStore.create(case, case_number="1", examiner="E", encrypt=True, passphrase=passphrase,
                             kdf_cost=(1 << 14, 8, 1))
    with store.transaction():
        for index in range(200):
            store.add_warning(code="test", message=f"warning {index} " + "x" * 200)
        store.append_custody("test", {"rows": 200})
    store.close()
    monkeypatch.setenv(crypto.PASSPHRASE_ENV, passphrase)
    assert run_cli("verify", case).returncode == 0
    size = (case / "case.sqlite").stat().st_size
    flip(case / "case.sqlite", size // 2)          # a page in the middle: its HMAC no longer matches
    text = assert_detected(case)
    assert "Traceback" not in text
