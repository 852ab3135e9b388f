"""An encrypted case (`case create --encrypt`): no plaintext anywhere in the case folder, every
command works once the passphrase is given, a wrong one is a clear error; SQLite scratch copies of
an encrypted case are built in memory, with the -wal applied as SQLite would."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sqlcipher3", reason="the SQLCipher wheel (sqlcipher3-wheels) is not installed")

from forensic_triage.demo.evidence import build_demo_image
from forensic_triage.sdk.context import Context, Source, apply_wal
from forensic_triage.store import case_store, crypto
from forensic_triage.store.case_store import CaseStore

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def run(monkeypatch, capsys):
    """The CLI in this process (the case key is derived once and cached, as within one command), with
    the plugin stage's scratch clean-up switched off, so the grep below also sees every scratch file
    a plugin run leaves while it runs (ingest workers are forked: they inherit the patch)."""
    import forensic_triage.ingest.plugin_stage as stage
    from forensic_triage.cli import main

    monkeypatch.setattr(stage.shutil, "rmtree", lambda *args, **kwargs: None)
    monkeypatch.delenv(crypto.PASSPHRASE_ENV, raising=False)

    def invoke(*args, env: dict[str, str] | None = None, passphrase_file: Path | None = None):
        prefix = ["--passphrase-file", str(passphrase_file)] if passphrase_file else []
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        try:
            main(["-q", *prefix, *map(str, args)])
            code = 0
        except SystemExit as exc:
            code = exc.code
        finally:
            for key in env or {}:
                monkeypatch.delenv(key)
            # A command's process would end here, and with it the case's write lock.
            for lock in list(case_store._HELD):
                lock.release()
        captured = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, captured.out, captured.err)

    return invoke


def every_byte(folder: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def sensitive_strings(cli, case: Path, passphrase_file: Path) -> set[str]:
    """Message bodies, contact names and phone numbers, read back through the decrypted store."""
    found = cli("artifacts", case, "--json", passphrase_file=passphrase_file)
    assert found.returncode == 0, found.stderr
    strings: set[str] = set()
    for line in found.stdout.splitlines():
        item = json.loads(line)
        data = item["data"]
        if item["kind"] == "message" and data.get("body") and len(data["body"]) >= 8:
            strings.add(data["body"])
        if item["kind"] == "contact":
            if data.get("display_name") and len(data["display_name"]) >= 5:
                strings.add(data["display_name"])
            strings.update(number.lstrip("+") for number in data.get("phones_e164") or [])
    return strings


@pytest.mark.slow
def test_encrypted_case_holds_no_plaintext_and_every_command_works(tmp_path, run):
    cli = run
    (tmp_path / "evidence").mkdir()
    image = build_demo_image(tmp_path / "evidence" / "phone.img")
    case = tmp_path / "case"
    secret = tmp_path / "passphrase.txt"
    secret.write_text(PASSPHRASE + "\n")
    created = cli("case", "create", case, "--case-number", "ENC-1", "--examiner", "E. Xaminer", "--region", "GB",
                  "--encrypt", passphrase_file=secret)
    assert created.returncode == 0, created.stderr
    assert (case / crypto.HEADER_NAME).exists() and oct(case.stat().st_mode & 0o777) == "0o700"
    added = cli("add", case, image, "--exhibit-id", "PHONE-01", env={crypto.PASSPHRASE_ENV: PASSPHRASE})
    assert added.returncode == 0, added.stderr
    ingested = cli("ingest", case, "--jobs", "2", passphrase_file=secret)
    assert ingested.returncode == 0, ingested.stderr

    strings = sensitive_strings(cli, case, secret)
    assert any(" " in text and len(text) > 15 for text in strings), strings     # a message body
    assert any(text.isdigit() for text in strings), strings                     # a phone number
    evidence = image.read_bytes()
    # The strings are in the evidence (the grep below can find them) ...
    assert [text for text in strings if text.encode() in evidence], "none of the strings is in the evidence"
    # ... and in no byte of the case folder: store, -wal/-shm, header, lock file, scratch.
    files = every_byte(case)
    assert any(path.name == "case.sqlite" for path in files)
    for path, data in files.items():
        for text in strings:
            for encoded in {text.encode("utf-8"), text.encode("utf-16-le")}:
                assert encoded not in data, f"{text!r} in plaintext in {path.relative_to(case)}"
    # The header holds no key: only salt, parameters and the check value.
    header = json.loads((case / crypto.HEADER_NAME).read_text())
    assert set(header) == {"format", "cipher", "library", "kdf", "key_check", "note"}

    # Every command after the passphrase is given.
    for args in (["files", case], ["warnings", case], ["custody", case, "--json"], ["case", "info", case],
                 ["verify", case], ["tag", case, "--artifact", "1", "--label", "relevant"], ["tag", case, "--list"],
                 ["graph", case, "--format", "json", "--out", tmp_path / "graph.json"],
                 ["export", case, "--kind", "geo", "--format", "geojson", "--out", tmp_path / "geo.json"]):
        done = cli(*args, passphrase_file=secret)
        assert done.returncode == 0, (args, done.stderr)
        assert "Traceback" not in done.stderr
    custody = [json.loads(line) for line in cli("custody", case, "--json", passphrase_file=secret).stdout.splitlines()]
    created_entry = custody[0]["details"]["encrypted"]
    assert created_entry["kdf"] == "scrypt" and created_entry["kdf_parameters"]["n"] >= 1 << 17
    assert "SQLCipher" in created_entry["cipher"]
    dump = json.dumps(custody)
    assert header["key_check"] not in dump and PASSPHRASE not in dump

    # The store really is ciphertext: plain SQLite cannot read it.
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(case / "case.sqlite").execute("SELECT * FROM sqlite_master").fetchall()


def test_wrong_or_missing_passphrase_is_a_clear_error(tmp_path, run):
    cli = run
    case = tmp_path / "case"
    store = CaseStore.create(case, case_number="1", examiner="E", encrypt=True, passphrase=PASSPHRASE,
                             kdf_cost=(1 << 14, 8, 1))
    store.close()
    wrong = cli("files", case, env={crypto.PASSPHRASE_ENV: "not the passphrase"})
    assert wrong.returncode == 2 and wrong.stderr.strip() == "error: wrong passphrase for this case"
    missing = cli("files", case)
    assert missing.returncode == 2 and "this case is encrypted" in missing.stderr
    assert "Traceback" not in wrong.stderr + missing.stderr
    right = cli("files", case, env={crypto.PASSPHRASE_ENV: PASSPHRASE})
    assert right.returncode == 0, right.stderr
    # The command line as the examiner runs it: a wrong passphrase, exit 2, one line.
    process = subprocess.run([sys.executable, "-m", "forensic_triage", "files", str(case)], check=False,
                             capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                             env={**os.environ, crypto.PASSPHRASE_ENV: "not it either"})
    assert process.returncode == 2 and process.stderr == "error: wrong passphrase for this case\n"
    # Another process holding the write lock still gets the lock error, not a crypto one.
    with pytest.raises(Exception, match="wrong passphrase"):
        CaseStore.open(case, passphrase="also wrong!")


def test_short_passphrase_and_damaged_header_are_refused(tmp_path):
    with pytest.raises(Exception, match="too short"):
        CaseStore.create(tmp_path / "a", case_number="1", examiner="E", encrypt=True, passphrase="short")
    case = tmp_path / "b"
    CaseStore.create(case, case_number="1", examiner="E", encrypt=True, passphrase=PASSPHRASE,
                     kdf_cost=(1 << 14, 8, 1)).close()
    (case / crypto.HEADER_NAME).write_text("{not json")
    with pytest.raises(Exception, match="is damaged"):
        CaseStore.open(case, passphrase=PASSPHRASE)


def test_plain_cases_are_unchanged(tmp_path):
    store = CaseStore.create(tmp_path / "case", case_number="1", examiner="E")
    assert not store.encrypted and isinstance(store.conn, sqlite3.Connection)
    store.close()
    assert not (tmp_path / "case" / crypto.HEADER_NAME).exists()


# --- SQLite opened in memory, with the WAL applied ------------------------------------------------

def wal_database(folder: Path, *, committed: int, pending: int = 0) -> Path:
    """A WAL-mode database whose -wal holds ``committed`` committed inserts (nothing checkpointed),
    then optionally the frames of an uncommitted transaction that SQLite spilled from its cache."""
    path = folder / "app.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("CREATE TABLE message (id INTEGER PRIMARY KEY, body TEXT)")
    for index in range(committed):
        conn.execute("INSERT INTO message(body) VALUES (?)", (f"committed body {index} " + "x" * 300,))
    keep = folder / "snapshot"
    keep.mkdir()
    if pending:
        # A tiny cache makes SQLite write the open transaction's pages to the WAL before COMMIT.
        conn.execute("PRAGMA cache_size=2")
        conn.execute("BEGIN")
        for index in range(pending):
            conn.execute("INSERT INTO message(body) VALUES (?)", (f"uncommitted {index} " + "y" * 3000,))
    for name in ("app.db", "app.db-wal"):
        shutil.copy(folder / name, keep / name)
    if pending:
        conn.execute("ROLLBACK")
    conn.close()
    return keep / "app.db"


def memory_context(path: Path, scratch: Path) -> Context:
    def reader(target: Path):
        data = target.read_bytes()
        return lambda offset, size: data[offset:offset + size]

    import hashlib

    def source(target: Path) -> Source:
        data = target.read_bytes()
        return Source(path=target.name, name=target.name, size=len(data), sha256=hashlib.sha256(data).hexdigest())

    wal = Path(str(path) + "-wal")
    return Context(source=source(path), read_at=reader(path), scratch=scratch, in_memory=True,
                   siblings={wal.name: (source(wal), reader(wal))})


@pytest.mark.parametrize("pending", [0, 40])
def test_wal_frames_are_applied_in_memory_like_sqlite(tmp_path, pending):
    path = wal_database(tmp_path, committed=25, pending=pending)
    assert Path(str(path) + "-wal").stat().st_size > 25 * 300
    # SQLite's own reading of the same files (a throw-away copy; it may write a -shm).
    reference = tmp_path / "reference"
    shutil.copytree(path.parent, reference)
    expected = sqlite3.connect(reference / "app.db").execute("SELECT id, body FROM message ORDER BY id").fetchall()
    assert len(expected) == 25
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    ctx = memory_context(path, scratch)
    conn = ctx.open_sqlite()
    assert [tuple(row) for row in conn.execute("SELECT id, body FROM message ORDER BY id")] == expected
    with pytest.raises(sqlite3.OperationalError):
        conn.execute("DELETE FROM message")             # read-only like the scratch copies
    # Without the WAL: the main file alone, where nothing was checkpointed.
    bare = ctx.open_sqlite(wal=False)
    assert bare.execute("SELECT name FROM sqlite_master").fetchall() == []
    ctx.close()
    assert list(scratch.iterdir()) == []                # nothing written to disk


def test_a_torn_or_foreign_wal_is_ignored_from_the_bad_frame_on(tmp_path):
    path = wal_database(tmp_path, committed=6)
    main = bytearray(path.read_bytes())
    wal = bytearray(Path(str(path) + "-wal").read_bytes())
    full = sqlite3.connect(":memory:")
    full.deserialize(bytes(_legacy(apply_wal(bytearray(main), bytes(wal)))))
    assert full.execute("SELECT COUNT(*) FROM message").fetchone()[0] == 6
    # Damage the last frame's page: its checksum fails, so the last commit (row 6) is not applied.
    wal[-10] ^= 0xFF
    torn = sqlite3.connect(":memory:")
    torn.deserialize(bytes(_legacy(apply_wal(bytearray(main), bytes(wal)))))
    assert torn.execute("SELECT COUNT(*) FROM message").fetchone()[0] == 5
    # Another database's WAL (a bad header checksum): the main file as it is.
    wal[24] ^= 0xFF
    assert apply_wal(bytearray(main), bytes(wal)) == main
    assert apply_wal(bytearray(main), b"short") == main


def _legacy(image: bytearray) -> bytearray:
    image[18:20] = b"\x01\x01"
    return image


def test_scratch_of_an_encrypted_case_is_in_memory(tmp_path):
    store = CaseStore.create(tmp_path / "case", case_number="1", examiner="E", encrypt=True, passphrase=PASSPHRASE,
                             kdf_cost=(1 << 14, 8, 1))
    store.close()
    path = wal_database(tmp_path, committed=3)
    scratch = tmp_path / "case" / "scratch" / "plugins" / "file1-abc"
    scratch.mkdir(parents=True)
    ctx = memory_context(path, scratch)
    ctx.in_memory = None                                # decided by the case folder, as in ingest
    assert ctx.open_sqlite().execute("SELECT COUNT(*) FROM message").fetchone()[0] == 3
    assert ctx.in_memory is True and list(scratch.iterdir()) == []
    plain = memory_context(path, tmp_path / "elsewhere")
    plain.in_memory = None
    (tmp_path / "elsewhere").mkdir()
    assert plain.open_sqlite().execute("SELECT COUNT(*) FROM message").fetchone()[0] == 3
    assert plain.in_memory is False and plain.copies


def test_scratch_api_for_working_files(tmp_path):
    store = CaseStore.create(tmp_path / "case", case_number="1", examiner="E", encrypt=True, passphrase=PASSPHRASE,
                             kdf_cost=(1 << 14, 8, 1))
    folder = store.scratch_folder("report")
    assert folder.parent == tmp_path / "case" / "scratch" and oct(folder.stat().st_mode & 0o777) == "0o700"
    work = store.scratch_database(folder)
    work.execute("CREATE TABLE page (text)")
    work.execute("INSERT INTO page VALUES ('a secret working line')")
    assert work.execute("SELECT text FROM page").fetchone()[0] == "a secret working line"
    work.close()
    assert b"a secret working line" not in (folder / "work.sqlite").read_bytes()
    store.close()


def test_encrypted_working_file_reads_back_at_any_offset(tmp_path):
    store = CaseStore.create(tmp_path / "case", case_number="1", examiner="E", encrypt=True, passphrase=PASSPHRASE,
                             kdf_cost=(1 << 14, 8, 1))
    key = store.working_file_key("E001.raw")
    assert key and key != store.working_file_key("E002.raw")
    payload = bytes(range(256)) * 40 + b"a plaintext marker in the evidence" + bytes(1000)
    path = store.scratch_folder("evidence") / "E001.raw"
    with crypto.EncryptedWriter(path, key) as out:
        for start in range(0, len(payload), 777):          # written in odd-sized pieces
            out.write(payload[start:start + 777])
    assert b"a plaintext marker" not in path.read_bytes()
    reader = crypto.EncryptedReader(path, key)
    assert reader.size == len(payload)
    for offset, size in ((0, 10), (15, 17), (10241, 40), (len(payload) - 5, 100), (len(payload), 3)):
        assert reader.read_at(offset, size) == payload[offset:offset + size]
    reader.close()
    store.close()
    assert CaseStore.create(tmp_path / "plain", case_number="1", examiner="E").working_file_key("x") is None
