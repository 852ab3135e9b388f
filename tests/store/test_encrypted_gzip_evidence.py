"""gzip raw evidence in an encrypted case: its decompressed working copy (gzip cannot seek) is
written encrypted under a key derived for that one file, and read back through the decrypting
reader by `add`'s probe and by the Sleuth Kit in the ingest workers (forked or spawned). No byte
of the case folder holds a file's content or name; a plain case keeps its plain copy as before."""

from __future__ import annotations

import gzip
import json
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("sqlcipher3", reason="the SQLCipher wheel (sqlcipher3-wheels) is not installed")

from forensic_triage.evidence.access import EvidenceAccess
from forensic_triage.evidence.add import add_evidence
from forensic_triage.evidence.media import EncryptedWorkingCopyReader
from forensic_triage.ingest import pool
from forensic_triage.ingest.run import evidence_location
from forensic_triage.store import case_store, crypto
from forensic_triage.store.case_store import CaseStore
from tests.conftest import add_and_ingest, small_fat_image

PASSPHRASE = "correct horse battery staple"
# What must never appear in clear in the case folder: a file's content, a deleted file's content,
# a file's name as the store records it, and part of its long name as it lies in the image (UTF-16).
CONTENT = b"content 3\ncontent 3\ncontent 3\ncontent 3\n"
SECRETS = (CONTENT, b"deleted 0\n", "003.tx".encode("utf-16-le"), b"file0003.txt")


def gzip_image(folder: Path) -> tuple[Path, bytes]:
    raw = small_fat_image(folder / "disk.img", files=6, databases=True)
    image = raw.read_bytes()
    target = folder / "disk.img.gz"
    target.write_bytes(gzip.compress(image, compresslevel=1))
    raw.unlink()
    return target, image


@pytest.fixture
def cli(monkeypatch, capsys):
    """The CLI in this process, as one command per call (its write lock released at the end)."""
    from forensic_triage.cli import main

    def invoke(*args: str, passphrase: str | None = PASSPHRASE) -> subprocess.CompletedProcess:
        if passphrase is None:
            monkeypatch.delenv(crypto.PASSPHRASE_ENV, raising=False)
        else:
            monkeypatch.setenv(crypto.PASSPHRASE_ENV, passphrase)
        try:
            main(["-q", *map(str, args)])
            code = 0
        except SystemExit as exc:
            code = exc.code
        finally:
            for lock in list(case_store._HELD):
                lock.release()
        captured = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, captured.out, captured.err)

    return invoke


def encrypted_case(case: Path) -> CaseStore:
    return CaseStore.create(case, case_number="1", examiner="E", encrypt=True, passphrase=PASSPHRASE,
                            kdf_cost=(1 << 14, 8, 1))


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_encrypted_case_keeps_no_plaintext_of_gzip_evidence(tmp_path, cli, monkeypatch, start):
    # spawn: the workers get the working copy's key through multiprocessing's pipe, not by inheritance.
    monkeypatch.setattr(pool, "_start_method", lambda: start)
    evidence, image = gzip_image(tmp_path / "evidence")
    assert all(secret in image for secret in SECRETS[:3])
    case = tmp_path / "case"
    store = encrypted_case(case)
    row = add_and_ingest(store, evidence, plugins=True, jobs=2)

    # The copy is encrypted, named for what it is, read-only, and decrypts to the image itself.
    assert row["working_copy"] == "scratch/E001.raw.enc"
    copy = case / row["working_copy"]
    assert copy.stat().st_mode & 0o777 == 0o400 | 0o040 | 0o004
    assert copy.read_bytes()[:8] == crypto.WORKING_MAGIC
    reader = EncryptedWorkingCopyReader(copy, store.working_file_key(row["working_copy"]))
    assert reader.size == len(image) and reader.read(0, len(image)) == image
    assert reader.read(4093, 77) == image[4093:4170]
    reader.close()
    location = evidence_location(store, store.evidence()[0])
    assert location.working_key and location.working_key.hex() not in repr(location)

    # Every file was listed and hashed through the decrypting reader, the plugins read them too.
    paths = dict(store.conn.execute("SELECT path, sha256 FROM files"))
    assert "dir0/file0003.txt" in paths and "gone/deleted0.txt" in paths
    import hashlib

    assert paths["dir0/file0003.txt"] == hashlib.sha256(CONTENT).hexdigest()
    access = EvidenceAccess(location)
    assert any(item.path == "dir0/file0003.txt" for item in access.walk())
    access.close()
    store.close()

    for path in sorted(case.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            leaked = [secret for secret in SECRETS if secret in data]
            assert not leaked, f"{path.relative_to(case)} holds {leaked} in clear"

    listed = cli("files", case, "--json")
    assert listed.returncode == 0, listed.stderr
    assert any(json.loads(line)["path"] == "dir0/file0003.txt" for line in listed.stdout.splitlines())
    verified = cli("verify", case, "--image")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    wrong = cli("files", case, passphrase="not the passphrase")
    assert wrong.returncode == 2 and "wrong passphrase" in wrong.stderr


def test_plain_case_keeps_its_plain_working_copy(tmp_path, cli):
    evidence, image = gzip_image(tmp_path / "evidence")
    case = tmp_path / "case"
    store = CaseStore.create(case, case_number="1", examiner="E")
    assert store.working_file_key("scratch/E001.raw") is None
    row = add_and_ingest(store, evidence, jobs=1)
    assert row["working_copy"] == "scratch/E001.raw"
    assert (case / "scratch" / "E001.raw").read_bytes() == image
    assert evidence_location(store, store.evidence()[0]).working_key is None
    assert store.count("files", "WHERE path = ?", ("dir0/file0003.txt",)) == 1
    store.close()
    verified = cli("verify", case, "--image", passphrase=None)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_keyless_copy_in_an_encrypted_case_is_still_encrypted(tmp_path):
    """A re-hash that wants only the digests (the report's) asks for a copy without a key: inside an
    encrypted case it is written under a throwaway key all the same."""
    import hashlib

    from forensic_triage.evidence.detect import detect_container
    from forensic_triage.evidence.evidence_hash import decompress_gzip
    from forensic_triage.progress import Finished, run_silently
    from forensic_triage.report.model import _rehash

    evidence, image = gzip_image(tmp_path / "evidence")
    case = tmp_path / "case"
    store = encrypted_case(case)
    row = run_silently(add_evidence(store, evidence))
    target = case / "scratch" / "rehash.raw"

    def work():
        digests, _meta = yield from decompress_gzip(detect_container(evidence), target)
        yield Finished(result=digests)

    digests = run_silently(work())
    assert digests.sha256 == hashlib.sha256(image).hexdigest() == row["sha256"]
    copy = target.read_bytes()
    assert copy[:8] == crypto.WORKING_MAGIC and not any(secret in copy for secret in SECRETS[:3])
    target.chmod(0o600)
    target.unlink()

    hashes, problem = _rehash(store, store.evidence()[0], lambda event: None)
    assert problem is None and hashes["sha256"] == row["sha256"]
    assert not (case / "scratch" / "report-E001.raw").exists()
    store.close()
