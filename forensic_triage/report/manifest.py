"""The report manifest: every file of a report with its size, SHA-256 and BLAKE3, the report id,
scope and options. `verify-report` re-hashes against it; `--sign` signs its exact bytes.

The manifest does not list itself or its signature (manifest.sig): those two names are the only
files in a report folder that the manifest does not cover.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import blake3

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
UNLISTED = frozenset({MANIFEST, SIGNATURE})
FORMAT = "forensic-triage-report-manifest"
FORMAT_VERSION = 1
CHUNK = 1 << 20


@dataclass(frozen=True, kw_only=True)
class FileEntry:
    path: str                 # relative to the report folder, "/"-separated
    size: int
    sha256: str
    blake3: str

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "size": self.size, "sha256": self.sha256, "blake3": self.blake3}


def hash_file(path: Path) -> tuple[int, str, str]:
    """(size, sha256, blake3) of a file, read in 1 MiB pieces."""
    sha, b3, size = hashlib.sha256(), blake3.blake3(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            sha.update(chunk)
            b3.update(chunk)
            size += len(chunk)
    return size, sha.hexdigest(), b3.hexdigest()


def report_files(root: Path) -> list[Path]:
    """Every regular file under ``root`` except the manifest and its signature, sorted."""
    return sorted((path for path in root.rglob("*") if path.is_file() and path.relative_to(root).as_posix()
                   not in UNLISTED), key=lambda path: path.relative_to(root).as_posix())


def entries(root: Path, files: list[Path] | None = None) -> list[FileEntry]:
    out = []
    for path in files if files is not None else report_files(root):
        size, sha, b3 = hash_file(path)
        out.append(FileEntry(path=path.relative_to(root).as_posix(), size=size, sha256=sha, blake3=b3))
    return out


def build_manifest(*, report_id: str, generated_utc: str, case: dict[str, Any], tool_version: str,
                   options: dict[str, Any], redaction: dict[str, Any], files: list[FileEntry],
                   signer: dict[str, Any] | None = None) -> bytes:
    """The manifest's bytes: canonical JSON (sorted keys, two-space indent, UTF-8, final newline),
    so that the same content always gives the same hash."""
    document = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "report_id": report_id, "generated_utc": generated_utc,
        "tool": {"name": "forensic-triage", "version": tool_version},
        "case": {"case_number": case.get("case_number"), "case_uuid": case.get("case_uuid"),
                 "agency": case.get("agency")},
        "scope": {key: options.get(key) for key in ("kinds", "from", "to", "tagged_only")},
        "options": options,
        # Counts and flags only: the pseudonym key is never part of a report.
        "redaction": {key: redaction.get(key) for key in ("enabled", "victims", "victim_text_withheld")},
        "hash_algorithms": ["sha256", "blake3"],
        "files": [entry.as_dict() for entry in files],
    }
    if signer:
        document["signer"] = signer
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def write_manifest(root: Path, data: bytes) -> tuple[Path, str, str]:
    """Write manifest.json; return its path, SHA-256 and BLAKE3."""
    path = root / MANIFEST
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest(), blake3.blake3(data).hexdigest()


def report_reference(report_id: str, manifest_sha256: str) -> str:
    """The report's full reference: its uuid and the manifest hash prefix (known only once written)."""
    return f"{report_id}.{manifest_sha256[:16]}"


def read_manifest(root: Path) -> tuple[bytes, dict[str, Any]]:
    data = (root / MANIFEST).read_bytes()
    document = json.loads(data)
    if document.get("format") != FORMAT:
        raise ValueError(f"{root / MANIFEST} is not a forensic-triage report manifest")
    return data, document
