"""Recognise what the examiner handed us: which container, which segments, or why not.

Detection is by content (magic bytes), with the file name used only to find split segments.
Every refusal is an EvidenceError with a one-line reason an examiner can act on.
"""

from __future__ import annotations

import os
import re
import string
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from forensic_triage.errors import EvidenceError

LOGICAL_KINDS = frozenset({"folder", "zip", "tar"})


@dataclass(frozen=True, kw_only=True, slots=True)
class ContainerSpec:
    kind: str                      # raw, split_raw, ewf, vhdi, vmdk, qcow, gzip_raw, folder, zip, tar
    path: Path                     # what the examiner gave (the first segment)
    segments: tuple[Path, ...]     # every file that makes up the evidence, in order

    @property
    def logical(self) -> bool:
        return self.kind in LOGICAL_KINDS


_EWF_MAGIC = (b"EVF\x09\x0d\x0a\xff\x00", b"EVF2\x0d\x0a\x81\x00")
_LEF_MAGIC = (b"LVF\x09\x0d\x0a\xff\x00", b"LEF2\x0d\x0a\x81\x00")


def detect_container(path: Path) -> ContainerSpec:
    path = Path(os.path.abspath(path))
    if not path.exists() and not path.is_symlink():
        raise EvidenceError(f"evidence not found: {path}")
    if path.is_dir():
        if not os.access(path, os.R_OK | os.X_OK):
            raise EvidenceError(f"cannot read folder {path}: permission denied")
        return ContainerSpec(kind="folder", path=path, segments=())
    if not path.is_file():
        raise EvidenceError(f"not a regular file or folder: {path}")
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
            size = handle.seek(0, os.SEEK_END)
            tail = b""
            if size >= 512:
                handle.seek(size - 512)
                tail = handle.read(512)
    except PermissionError:
        raise EvidenceError(f"cannot read {path}: permission denied") from None
    except OSError as exc:
        raise EvidenceError(f"cannot read {path}: {exc.strerror or exc}") from None
    if size == 0:
        raise EvidenceError(f"evidence file is empty (0 bytes): {path}")

    if head.startswith(_EWF_MAGIC):
        return ContainerSpec(kind="ewf", path=path, segments=_ewf_segments(path))
    if head.startswith(_LEF_MAGIC):
        raise EvidenceError(f"EnCase logical evidence file (L01/Lx01) is not supported: {path.name}")
    if head.startswith(b"conectix") or head.startswith(b"vhdxfile") or tail.startswith(b"conectix"):
        return ContainerSpec(kind="vhdi", path=path, segments=(path,))
    if head.startswith(b"KDMV") or head.startswith(b"COWD") or head.lstrip().startswith(b"# Disk DescriptorFile"):
        return ContainerSpec(kind="vmdk", path=path, segments=(path,))
    if head.startswith(b"QFI\xfb"):
        return ContainerSpec(kind="qcow", path=path, segments=(path,))
    if tail.startswith(b"koly"):
        raise EvidenceError(f"Apple disk image (.dmg) is not supported: {path.name}; convert it to raw "
                            "(e.g. dmg2img or hdiutil convert -format UDTO) and add the result")
    if head.startswith(b"encrcdsa") or head.startswith(b"cdsaencr"):
        raise EvidenceError(f"encrypted Apple disk image (.dmg): password needed: {path.name}")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        if not zipfile.is_zipfile(path):
            raise EvidenceError(f"corrupt zip archive: {path.name}")
        return ContainerSpec(kind="zip", path=path, segments=(path,))
    if head.startswith(b"\x1f\x8b"):
        return ContainerSpec(kind=_gzip_kind(path), path=path, segments=(path,))
    if len(head) >= 262 and head[257:262] == b"ustar":
        return ContainerSpec(kind="tar", path=path, segments=(path,))
    if head.startswith(b"BZh") or head.startswith(b"\xfd7zXZ\x00"):
        if _is_tar(path):
            return ContainerSpec(kind="tar", path=path, segments=(path,))
        raise EvidenceError(f"compressed file that is not a tar archive ({path.name}): decompress it first")
    if head.startswith(b"7z\xbc\xaf\x27\x1c") or head.startswith(b"Rar!"):
        raise EvidenceError(f"7-Zip/RAR archives are not supported: {path.name}; extract it and add the folder")

    segments = split_raw_segments(path)
    kind = "split_raw" if len(segments) > 1 else "raw"
    return ContainerSpec(kind=kind, path=path, segments=segments)


def _is_tar(path: Path) -> bool:
    try:
        with tarfile.open(path, "r:*") as archive:
            archive.next()
        return True
    except (tarfile.TarError, OSError, EOFError):
        return False


def _gzip_kind(path: Path) -> str:
    # A .tar.gz is a logical acquisition; any other gzip holds a compressed raw image.
    if _is_tar(path):
        return "tar"
    return "gzip_raw"


def _ewf_segments(path: Path) -> tuple[Path, ...]:
    import pyewf

    if not re.search(r"\.[EeLs]x?01$", path.name):
        raise EvidenceError(f"give the first EWF segment (.E01), not {path.name}")
    try:
        names = pyewf.glob(str(path))
    except OSError as exc:
        raise EvidenceError(f"cannot list the EWF segments of {path.name}: {exc}") from None
    return tuple(Path(name) for name in names)


# Split raw naming schemes: numeric (.000/.001 or .001/.002, any width) and alphabetic (.aa/.ab).
_NUMERIC = re.compile(r"^(?P<stem>.+)\.(?P<num>\d{3,})$")
_ALPHA = re.compile(r"^(?P<stem>.+)\.(?P<letters>[a-z]{2,3})$")


def split_raw_segments(path: Path) -> tuple[Path, ...]:
    """The ordered segments of a split raw image whose first segment is ``path``.

    Refuses a path that is not the first segment, and a set with a gap in the numbering,
    because either would silently give a different disk than the one acquired."""
    numeric = _NUMERIC.match(path.name)
    if numeric:
        stem, digits = numeric["stem"], numeric["num"]
        width, first = len(digits), int(digits)
        present = _numbered_siblings(path.parent, stem, width)
        earlier = [index for index in present if index < first]
        if earlier:
            raise EvidenceError(f"give the first split segment ({stem}.{min(earlier):0{width}d}), not {path.name}")
        if len(present) <= 1:
            return (path,)
        expected = range(first, max(present) + 1)
        missing = [index for index in expected if index not in present]
        if missing:
            raise EvidenceError(f"missing split segment {stem}.{missing[0]:0{width}d} "
                                f"(found {len(present)} of {len(expected)} segments)")
        return tuple(path.parent / f"{stem}.{index:0{width}d}" for index in expected)
    alpha = _ALPHA.match(path.name)
    if alpha and set(alpha["letters"]) <= set("abcdefghijklmnopqrstuvwxyz"):
        stem, letters = alpha["stem"], alpha["letters"]
        sequence = _alpha_sequence(len(letters))
        names = {p.name for p in path.parent.iterdir()}
        present = [name for name in sequence if f"{stem}.{name}" in names]
        if letters != sequence[0]:
            if sequence[0] in present:
                raise EvidenceError(f"give the first split segment ({stem}.{sequence[0]}), not {path.name}")
            return (path,)
        if len(present) <= 1:
            return (path,)
        last = sequence.index(present[-1])
        missing = [name for name in sequence[: last + 1] if name not in present]
        if missing:
            raise EvidenceError(f"missing split segment {stem}.{missing[0]} "
                                f"(found {len(present)} of {last + 1} segments)")
        return tuple(path.parent / f"{stem}.{name}" for name in sequence[: last + 1])
    return (path,)


def _numbered_siblings(folder: Path, stem: str, width: int) -> set[int]:
    pattern = re.compile(re.escape(stem) + r"\.(\d{%d})$" % width)
    found = set()
    for entry in folder.iterdir():
        match = pattern.match(entry.name)
        if match and entry.is_file():
            found.add(int(match.group(1)))
    return found


def _alpha_sequence(width: int) -> list[str]:
    letters = string.ascii_lowercase
    if width == 2:
        return [a + b for a in letters for b in letters]
    return [a + b + c for a in letters for b in letters for c in letters]
