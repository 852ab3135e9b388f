"""An open case as the window sees it: a read-only store connection (no lock, so the CLI and
the GUI's own workers can write meanwhile) and the bytes of source files read through the
evidence access layer. No Qt here: the same object serves tests and the headless paths."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forensic_triage.errors import TriageError
from forensic_triage.store.case_store import CaseStore
from forensic_triage.store.query import file_row

MAX_SOURCE_BYTES = 64 * 1024
MAX_IMAGE_BYTES = 32 * 1024 * 1024
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM")


@dataclass(frozen=True, kw_only=True)
class SourceBytes:
    """A window of a source file's bytes, or why they cannot be shown."""
    offset: int
    data: bytes
    size: int
    problem: str | None = None


class CaseSession:
    def __init__(self, case_dir: Path) -> None:
        self.case_dir = Path(case_dir)
        self.store = CaseStore.open(self.case_dir)
        self._access: dict[int, Any] = {}

    def reopen(self) -> None:
        """A fresh connection, so rows written by a worker or another process are visible."""
        self.close()
        self.store = CaseStore.open(self.case_dir)

    def close(self) -> None:
        for access in self._access.values():
            access.close()
        self._access.clear()
        self.store.close()

    @property
    def title(self) -> str:
        info = self.store.case_info()
        title = info.get("title") or ""
        return f"{info.get('case_number', '?')}" + (f": {title}" if title else "")

    def _evidence_access(self, evidence_id: int):
        if evidence_id not in self._access:
            from forensic_triage.evidence.access import EvidenceAccess
            from forensic_triage.ingest.run import evidence_location

            evidence = self.store.evidence(evidence_id)
            if not evidence:
                raise TriageError(f"no evidence {evidence_id} in this case")
            self._access[evidence_id] = EvidenceAccess(evidence_location(self.store, evidence[0]))
        return self._access[evidence_id]

    def read_source(self, file_id: int, offset: int = 0, length: int = MAX_SOURCE_BYTES) -> SourceBytes:
        """Bytes of a stored file, read again from the evidence (read-only, like the plugins)."""
        from forensic_triage.ingest.file_rows import entry_from_row

        row = file_row(self.store, file_id)
        if row is None:
            return SourceBytes(offset=0, data=b"", size=0, problem=f"file {file_id} is not in this case")
        size = row["size"] or 0
        if row["type"].endswith("directory"):
            return SourceBytes(offset=0, data=b"", size=size, problem="a folder has no content of its own")
        offset = max(0, min(offset, max(0, size - 1)))
        try:
            access = self._evidence_access(row["evidence_id"])
            data = access.read(entry_from_row(row), offset, min(length, max(0, size - offset)))
        except (TriageError, OSError, RuntimeError, ValueError) as exc:
            return SourceBytes(offset=offset, data=b"", size=size, problem=f"the source cannot be read: {exc}")
        return SourceBytes(offset=offset, data=data, size=size)

    def read_image(self, file_id: int) -> bytes | None:
        """The whole content when the file is a picture small enough to preview, else None."""
        head = self.read_source(file_id, 0, 16)
        if head.problem or not head.data.startswith(IMAGE_MAGIC) or head.size > MAX_IMAGE_BYTES:
            return None
        whole = self.read_source(file_id, 0, head.size)
        return None if whole.problem else whole.data


def hex_dump(data: bytes, offset: int = 0, width: int = 16) -> str:
    """Classic offset / hex / text lines; non-printable bytes as dots."""
    lines = []
    for start in range(0, len(data), width):
        chunk = data[start:start + width]
        hex_part = " ".join(f"{byte:02x}" for byte in chunk).ljust(width * 3 - 1)
        text = "".join(chr(byte) if 32 <= byte < 127 else "." for byte in chunk)
        lines.append(f"{offset + start:08x}  {hex_part}  {text}")
    return "\n".join(lines)
