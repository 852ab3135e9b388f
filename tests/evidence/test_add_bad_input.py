"""`add` on bad input: a clear one-line reason, exit code 2, nothing half-stored, evidence untouched."""

from __future__ import annotations

import builtins
import shutil
from pathlib import Path

import pytest

from forensic_triage.errors import EvidenceError
from forensic_triage.evidence.add import add_evidence
from forensic_triage.progress import run_silently
from forensic_triage.verify import verify_case
from tests.conftest import CORPUS, new_case, run_cli, sha256_file, small_fat_image


def _refused(store, path: Path, pattern: str) -> None:
    with pytest.raises(EvidenceError, match=pattern) as refused:
        run_silently(add_evidence(store, path))
    assert "\n" not in str(refused.value)
    assert store.count("evidence") == 0 and store.count("volumes") == 0
    assert not any((store.case_dir / "scratch").glob("*.raw")) if (store.case_dir / "scratch").exists() else True
    assert run_silently(verify_case(store)).ok


def _split(image: Path, parts: int, suffix) -> list[Path]:
    data = image.read_bytes()
    size = -(-len(data) // parts)
    paths = []
    for index in range(parts):
        path = image.with_name(f"split.{suffix(index)}")
        path.write_bytes(data[index * size:(index + 1) * size])
        paths.append(path)
    return paths


@pytest.fixture
def store(tmp_path):
    return new_case(tmp_path / "case")


def test_missing_path(store, tmp_path):
    _refused(store, tmp_path / "nope.dd", "evidence not found")


def test_empty_file(store, tmp_path):
    (tmp_path / "empty.dd").write_bytes(b"")
    _refused(store, tmp_path / "empty.dd", "empty")


def test_unknown_format(store, tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 400)
    _refused(store, junk, "no file system that we read")


def test_split_raw_in_every_naming_scheme_reads_as_one_disk(tmp_path):
    image = small_fat_image(tmp_path / "disk.img")
    for name, suffix in (("000", lambda i: f"{i:03d}"), ("001", lambda i: f"{i + 1:03d}"),
                         ("aa", lambda i: "a" + "abcdefgh"[i])):
        folder = tmp_path / name
        folder.mkdir()
        parts = _split(shutil.copy(image, folder / "disk.img") and folder / "disk.img", 3, suffix)
        store = new_case(folder / "case")
        row = run_silently(add_evidence(store, parts[0]))
        assert row["container"] == "split_raw"
        assert row["sha256"] == sha256_file(image)


def test_missing_split_segment(store, tmp_path):
    image = small_fat_image(tmp_path / "disk.img")
    parts = _split(image, 3, lambda i: f"{i:03d}")
    parts[1].unlink()
    _refused(store, parts[0], r"missing split segment split\.001")


def test_split_raw_must_be_given_by_its_first_segment(store, tmp_path):
    parts = _split(small_fat_image(tmp_path / "disk.img"), 3, lambda i: f"{i:03d}")
    _refused(store, parts[1], r"give the first split segment \(split\.000\)")


def test_corrupt_ewf_header(store, tmp_path):
    fake = tmp_path / "fake.E01"
    fake.write_bytes(b"EVF\x09\x0d\x0a\xff\x00" + b"\x01\x00\x00\x00" + bytes(4000))
    _refused(store, fake, "truncated, corrupt, or a segment file is missing")


@pytest.mark.corpus
def test_truncated_e01(store, tmp_path):
    source = CORPUS / "images" / "dfvfs" / "ext2.E01"
    if not source.exists():
        pytest.skip("corpus not available: ext2.E01")
    truncated = tmp_path / "truncated.E01"
    truncated.write_bytes(source.read_bytes()[:9000])
    _refused(store, truncated, "truncated")


@pytest.mark.corpus
def test_missing_e01_segment(store, tmp_path):
    source = CORPUS / "images" / "dfvfs" / "image-split.E01"
    if not source.exists():
        pytest.skip("corpus not available: image-split.E01")
    first = tmp_path / "split.E01"
    shutil.copy(source, first)            # the .E02 is left behind
    _refused(store, first, "segment file is missing")


def test_apple_dmg(store, tmp_path):
    dmg = tmp_path / "disk.dmg"
    dmg.write_bytes(bytes(4096) + b"koly" + bytes(508))
    _refused(store, dmg, r"Apple disk image \(.dmg\) is not supported")


def test_bitlocker_volume(store, tmp_path):
    volume = bytearray(1024 * 1024)
    volume[0:3] = b"\xebX\x90"
    volume[3:11] = b"-FVE-FS-"
    volume[510:512] = b"\x55\xaa"
    image = tmp_path / "bitlocker.dd"
    image.write_bytes(bytes(volume))
    _refused(store, image, "BitLocker-encrypted: recovery key needed")


def test_lvm_physical_volume(store, tmp_path):
    disk = bytearray(1024 * 1024)
    disk[512:520] = b"LABELONE"
    disk[536:544] = b"LVM2 001"
    image = tmp_path / "lvm.dd"
    image.write_bytes(bytes(disk))
    _refused(store, image, "LVM physical volume")


def test_unreadable_file(store, tmp_path, monkeypatch):
    image = small_fat_image(tmp_path / "disk.img")
    real_open = Path.open

    def deny(self, *args, **kwargs):
        if self == image:
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", deny)
    _refused(store, image, "permission denied")


def test_same_evidence_twice_is_refused_by_hash(store, tmp_path):
    image = small_fat_image(tmp_path / "disk.img")
    run_silently(add_evidence(store, image, exhibit_id="A"))
    copy = tmp_path / "renamed-copy.img"
    shutil.copy(image, copy)
    with pytest.raises(EvidenceError, match="already in the case as exhibit A"):
        run_silently(add_evidence(store, copy))
    assert store.count("evidence") == 1
    assert run_silently(verify_case(store)).ok


def test_cli_gives_one_line_and_exit_code_2(tmp_path):
    case = tmp_path / "case"
    assert run_cli("case", "create", case, "--case-number", "1", "--examiner", "E").returncode == 0
    result = run_cli("add", case, tmp_path / "missing.E01")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: evidence not found")
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_evidence_is_never_written(tmp_path):
    image = small_fat_image(tmp_path / "disk.img")
    before = sha256_file(image)
    case = tmp_path / "case"
    for args in (("case", "create", case, "--case-number", "1", "--examiner", "E"), ("add", case, image),
                 ("ingest", case, "--jobs", "1"), ("files", case, "--json"), ("verify", case, "--image"),
                 ("case", "info", case)):
        result = run_cli(*args)
        assert result.returncode == 0, result.stderr
        assert sha256_file(image) == before, f"evidence changed after {args[0]}"


def test_add_does_not_open_evidence_for_writing(tmp_path, monkeypatch):
    image = small_fat_image(tmp_path / "disk.img")
    store = new_case(tmp_path / "case")
    real_open = builtins.open
    modes = []

    def spy(file, mode="r", *args, **kwargs):
        if Path(str(file)) == image:
            modes.append(mode)
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy)
    run_silently(add_evidence(store, image))
    assert modes and all(set(mode) <= set("rb") for mode in modes)
