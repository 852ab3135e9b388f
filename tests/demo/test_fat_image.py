"""Tests for forensic_triage.demo.fat_image: the images must read back through The Sleuth Kit.

pytsk3 and the Debian ``fls`` binary are the judges here, because they are what the project
uses on real evidence; tests that need them skip when they are missing.
"""

from __future__ import annotations

import os
import random
import shutil
import struct
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from forensic_triage.demo.fat_image import FatEntry, build_fat_image, write_fat_image

MiB = 1024 * 1024
T0 = datetime(2024, 3, 5, 14, 7, 31, tzinfo=timezone.utc)  # odd second: FAT stores 14:07:30
MESSAGE_COUNT = 300
TSK_VIRTUAL_FILES = {"$MBR", "$FAT1", "$FAT2", "$OrphanFiles"}
# TSK shows a deleted entry under its long name when it has one (it gathers the 0xE5-marked
# long-name entries without checking their checksum); a bare 8.3 name loses its first byte to
# the 0xE5 mark, which TSK prints as "_".
DELETED_LISTED_AS = {"NOTES.TXT": "_OTES.TXT"}
# Non-ASCII in and beyond the BMP (the note is a UTF-16 surrogate pair); the dash is an en dash.
MUSIC_NAME = "Café del Mar – Ñandú 🎵.mp3"  # noqa: RUF001


def _at(minute: int) -> datetime:
    return T0 + timedelta(minutes=minute, seconds=minute % 7)


def _payload(seed: int, size: int) -> bytes:
    # Non-repeating bytes, so a cluster read from the wrong place cannot compare equal.
    return random.Random(seed).randbytes(size)


def sample_entries() -> list[FatEntry]:
    entries = [
        FatEntry(path="README.TXT", data=b"a plain upper-case 8.3 name\n", mtime=_at(1)),
        FatEntry(path="sdcard/DCIM/Camera/IMG_0001.jpg", data=_payload(1, 300_000), mtime=_at(2)),
        FatEntry(path="sdcard/DCIM/Camera/IMG_0002.jpg", data=_payload(2, 70_001), mtime=_at(3), deleted=True),
        FatEntry(path="sdcard/DCIM/Camera/IMG_0003.jpg", data=_payload(3, 5_000), mtime=_at(4)),
        FatEntry(
            path="sdcard/Documents/Quarterly report - final version (approved by legal).docx",
            data=_payload(4, 3_000),
            mtime=_at(5),
        ),
        FatEntry(
            path=f"sdcard/Music/{MUSIC_NAME}",
            data=_payload(5, 1_234),
            # Not UTC on purpose: the image must hold the UTC wall-clock time.
            mtime=datetime(2023, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-5))),
        ),
        FatEntry(path="sdcard/empty.txt", data=b"", mtime=_at(6)),
        FatEntry(path="sdcard/Download", mtime=_at(7)),  # explicit, empty directory
        FatEntry(path="NOTES.TXT", data=b"meet at the usual place\n", mtime=_at(8), deleted=True),
    ]
    entries += [
        FatEntry(path=f"sdcard/WhatsApp/Databases/msg_{i:04d}.txt", data=f"message {i}\n".encode(), mtime=_at(10 + i))
        for i in range(MESSAGE_COUNT)
    ]
    return entries


# --- what the image should contain ------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    is_dir: bool
    deleted: bool
    data: bytes | None
    mtime: int | None  # Unix seconds at FAT's 2-second resolution; None for implied directories


def _fat_seconds(moment: datetime) -> int:
    return int(moment.timestamp()) // 2 * 2


def expected_listing(entries: list[FatEntry]) -> dict[str, Expected]:
    """Path as TSK lists it -> what TSK should report for it."""
    expected: dict[str, Expected] = {}
    for entry in entries:
        parts = entry.path.split("/")
        for depth in range(1, len(parts)):
            expected.setdefault("/".join(parts[:depth]), Expected(True, False, None, None))
        path = DELETED_LISTED_AS.get(entry.path, entry.path) if entry.deleted else entry.path
        expected[path] = Expected(entry.is_dir, entry.deleted, entry.data, _fat_seconds(entry.mtime))
    return expected


# --- what TSK sees ----------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    is_dir: bool
    unallocated: bool
    size: int
    mtime: int
    crtime: int
    atime: int
    data: bytes | None


@pytest.fixture(scope="module")
def tsk() -> ModuleType:
    module: ModuleType = pytest.importorskip("pytsk3")
    return module


@pytest.fixture()
def utc_process() -> Iterator[None]:
    """libtsk turns FAT's local-time stamps into Unix time with mktime(), i.e. in the process's
    time zone; the images hold UTC, so read them with TZ=UTC."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if saved is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved
    time.tzset()


def fat_partition_start(tsk: ModuleType, img: Any) -> tuple[int, str]:
    """(start sector, description) of the single FAT partition in the MBR."""
    found = [
        (part.start, part.desc.decode())
        for part in tsk.Volume_Info(img)
        if part.flags == tsk.TSK_VS_PART_FLAG_ALLOC
    ]
    assert len(found) == 1, found
    return found[0]


def tsk_listing(tsk: ModuleType, fs: Any) -> dict[str, Seen]:
    listing: dict[str, Seen] = {}
    _walk(tsk, fs.open_dir(path="/"), "", listing)
    return listing


def _walk(tsk: ModuleType, directory: Any, prefix: str, listing: dict[str, Seen]) -> None:
    for f in directory:
        name = f.info.name.name.decode("utf-8")
        meta = f.info.meta
        if name in (".", "..") or meta is None:
            continue
        path = prefix + name
        is_dir = meta.type == tsk.TSK_FS_META_TYPE_DIR
        data = None if is_dir else (f.read_random(0, meta.size) if meta.size else b"")
        listing[path] = Seen(
            is_dir=is_dir,
            unallocated=bool(f.info.name.flags & tsk.TSK_FS_NAME_FLAG_UNALLOC),
            size=meta.size,
            mtime=meta.mtime,
            crtime=meta.crtime,
            atime=meta.atime,
            data=data,
        )
        if is_dir:
            _walk(tsk, f.as_directory(), path + "/", listing)


def label_entry(label: str) -> str:
    # TSK names the volume label entry after its 11 space-padded bytes, plus this note.
    return f"{label:<11} (Volume Label Entry)"


def check_image(tsk: ModuleType, image: Path, entries: list[FatEntry], *, offset: int, fs_type: int,
                label: str = "DEMO") -> dict[str, Seen]:
    """Open ``image`` with pytsk3 and compare everything it lists with ``entries``."""
    fs = tsk.FS_Info(tsk.Img_Info(str(image)), offset=offset)
    assert fs.info.ftype == fs_type
    seen = tsk_listing(tsk, fs)
    expected = expected_listing(entries)

    assert set(seen) == set(expected) | TSK_VIRTUAL_FILES | {label_entry(label)}
    for path, want in expected.items():
        got = seen[path]
        assert got.is_dir == want.is_dir, path
        assert got.unallocated == want.deleted, path
        if want.mtime is not None:
            assert got.mtime == want.mtime, path
            assert got.crtime == want.mtime, path  # creation stamp written with the same value
            assert got.atime == want.mtime - want.mtime % 86400, path  # access: date only
        if want.data is not None:
            assert got.size == len(want.data), path
            assert got.data == want.data, path  # deleted files too: recovered from free clusters
    return seen


# --- tests ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fat16_image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fat16") / "sdcard.dd"
    write_fat_image(path, sample_entries())
    return path


def test_fat16_partitioned_image_reads_back_through_pytsk3(tsk: ModuleType, utc_process: None,
                                                           fat16_image: Path) -> None:
    assert fat16_image.stat().st_size == 32 * MiB
    start, description = fat_partition_start(tsk, tsk.Img_Info(str(fat16_image)))
    assert start == 2048
    assert "0x06" in description

    seen = check_image(tsk, fat16_image, sample_entries(), offset=start * 512, fs_type=tsk.TSK_FS_TYPE_FAT16)

    assert {path for path, s in seen.items() if s.unallocated} == {"sdcard/DCIM/Camera/IMG_0002.jpg", "_OTES.TXT"}
    # 300 long-named entries take 600 slots of 32 bytes: the directory spans several clusters.
    assert seen["sdcard/WhatsApp/Databases"].size >= MESSAGE_COUNT * 2 * 32
    # An implied directory takes the newest time of its content.
    assert seen["sdcard/DCIM/Camera"].mtime == _fat_seconds(_at(4))


def _short_names(fs: Any, path: str) -> dict[str, str]:
    """Long name -> 8.3 alias as TSK reads them ("" when the name needs no alias)."""
    return {
        f.info.name.name.decode(): (f.info.name.shrt_name or b"").decode()
        for f in fs.open_dir(path=path)
        if f.info.name.name not in (b".", b"..")
    }


def test_fat16_short_names_are_generated_and_unique(tsk: ModuleType, fat16_image: Path) -> None:
    fs = tsk.FS_Info(tsk.Img_Info(str(fat16_image)), offset=2048 * 512)
    camera = _short_names(fs, "/sdcard/DCIM/Camera")
    assert camera["IMG_0001.jpg"] == "IMG_00~1.JPG"
    assert camera["IMG_0002.jpg"] == "_MG_00~2.JPG"  # deleted: first byte is the 0xE5 mark
    assert _short_names(fs, "/")["README.TXT"] == ""  # a valid 8.3 name needs no long name
    assert _short_names(fs, "/sdcard/Music")[MUSIC_NAME] == "CAF_DE~1.MP3"
    aliases = list(_short_names(fs, "/sdcard/WhatsApp/Databases").values())
    assert len(aliases) == MESSAGE_COUNT
    assert len(set(aliases)) == MESSAGE_COUNT
    assert all(len(alias) <= 12 and "~" in alias for alias in aliases)


def _reference_lfn_checksum(short_name: bytes) -> int:
    # fatgen103: rotate the running sum right by one bit, then add the next byte.
    total = 0
    for byte in short_name:
        total = (((total >> 1) | ((total & 1) << 7)) + byte) & 0xFF
    return total


@pytest.mark.parametrize("short_name, long_name", [
    (b"IMG_00~1JPG", "IMG_0001.jpg"),
    (b"CAF_DE~1MP3", MUSIC_NAME),
])
def test_long_name_entries_carry_the_checksum_of_their_alias(fat16_image: Path, short_name: bytes,
                                                              long_name: str) -> None:
    # TSK does not check LFN checksums, but Windows and Linux drop long names that do not match.
    raw = fat16_image.read_bytes()
    at = raw.find(short_name)
    assert at > 0 and at % 32 == 0
    units = b""
    for sequence in range(1, 21):
        lfn = raw[at - 32 * sequence : at - 32 * (sequence - 1)]
        assert lfn[11] == 0x0F  # long-name attribute
        assert lfn[0] & 0x1F == sequence
        assert lfn[13] == _reference_lfn_checksum(short_name)
        units += lfn[1:11] + lfn[14:26] + lfn[28:32]
        if lfn[0] & 0x40:  # the entry furthest from the alias holds the end of the name
            break
    assert units.decode("utf-16-le").split("\x00")[0] == long_name


def test_fls_lists_the_expected_paths(fat16_image: Path) -> None:
    fls = shutil.which("fls")
    if fls is None:
        pytest.skip("The Sleuth Kit's fls binary is not installed (Debian package sleuthkit)")
    result = subprocess.run(
        [fls, "-r", "-p", "-o", "2048", str(fat16_image)],
        capture_output=True, text=True, encoding="utf-8", check=True,
    )
    listed: dict[str, bool] = {}
    for line in result.stdout.splitlines():
        kind_and_inode, _, path = line.partition("\t")
        listed[path] = "*" in kind_and_inode  # fls marks deleted names with "*"

    expected = expected_listing(sample_entries())
    assert set(listed) == set(expected) | TSK_VIRTUAL_FILES | {label_entry("DEMO")}
    assert {path for path, deleted in listed.items() if deleted} == {p for p, e in expected.items() if e.deleted}


def test_fat32_image_reads_back_through_pytsk3(tsk: ModuleType, utc_process: None, tmp_path: Path) -> None:
    entries = sample_entries()
    image = tmp_path / "fat32.dd"
    write_fat_image(image, entries, fat_type=32, size_bytes=64 * MiB, label="CARD")
    start, description = fat_partition_start(tsk, tsk.Img_Info(str(image)))
    assert start == 2048
    assert "(0x0c)" in description.lower()

    fs_bytes = image.read_bytes()[start * 512 :]
    # Backup boot sector at 6, FSInfo signatures at sector 1.
    assert fs_bytes[6 * 512 : 7 * 512] == fs_bytes[:512]
    assert struct.unpack_from("<I", fs_bytes, 512)[0] == 0x41615252
    assert struct.unpack_from("<I", fs_bytes, 512 + 484)[0] == 0x61417272

    check_image(tsk, image, entries, offset=start * 512, fs_type=tsk.TSK_FS_TYPE_FAT32, label="CARD")


def test_unpartitioned_image_starts_with_the_file_system(tsk: ModuleType, utc_process: None, tmp_path: Path) -> None:
    entries = sample_entries()
    image = tmp_path / "bare.dd"
    write_fat_image(image, entries, partitioned=False, size_bytes=8 * MiB)
    raw = image.read_bytes()
    assert len(raw) == 8 * MiB
    assert raw[0] == 0xEB and raw[510:512] == b"\x55\xaa"
    assert raw[54:62] == b"FAT16   "
    check_image(tsk, image, entries, offset=0, fs_type=tsk.TSK_FS_TYPE_FAT16)


@pytest.mark.parametrize("fat_type, size", [(16, 32 * MiB), (32, 64 * MiB)])
def test_same_entries_give_identical_images(fat_type: int, size: int) -> None:
    first = build_fat_image(sample_entries(), fat_type=fat_type, size_bytes=size)
    second = build_fat_image(list(sample_entries()), fat_type=fat_type, size_bytes=size)
    assert first == second


def test_content_that_does_not_fit_raises() -> None:
    entries = [FatEntry(path="big.bin", data=bytes(40 * MiB), mtime=T0)]
    with pytest.raises(ValueError, match="increase size_bytes"):
        build_fat_image(entries, size_bytes=32 * MiB)


@pytest.mark.parametrize(
    "entries, kwargs, message",
    [
        ([FatEntry(path=f"file {i}.txt", data=b"", mtime=T0) for i in range(300)], {}, "root directory"),
        ([], {"fat_type": 32, "size_bytes": 32 * MiB}, "cannot be FAT32"),
        ([], {"fat_type": 12}, "fat_type"),
        ([], {"size_bytes": 1000}, "multiple of 512"),
        ([], {"label": "MUCH TOO LONG"}, "label"),
        ([FatEntry(path="a.txt", data=b"", mtime=T0), FatEntry(path="A.TXT", data=b"", mtime=T0)], {}, "duplicate"),
        ([FatEntry(path="a", data=b"", mtime=T0), FatEntry(path="a/b", data=b"", mtime=T0)], {}, "not a directory"),
        ([FatEntry(path="/abs.txt", data=b"", mtime=T0)], {}, "empty path component"),
        ([FatEntry(path="what?.txt", data=b"", mtime=T0)], {}, "not allowed"),
        ([FatEntry(path="old.txt", data=b"", mtime=datetime(1970, 1, 1, tzinfo=timezone.utc))], {}, "1980-2107"),
    ],
)
def test_invalid_input_raises_value_error(entries: list[FatEntry], kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_fat_image(entries, **kwargs)


def test_fat_entry_rejects_naive_times_and_deleted_directories() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        FatEntry(path="a.txt", data=b"", mtime=datetime(2024, 1, 1))
    with pytest.raises(ValueError, match="only files"):
        FatEntry(path="dir", mtime=T0, deleted=True)
