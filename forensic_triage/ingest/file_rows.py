"""Between FileEntry (what a walker sees) and a files row (what the store keeps)."""

from __future__ import annotations

import json
import time
from typing import Any

from forensic_triage.evidence.entries import FileEntry, Times
from forensic_triage.canonical import digest
from forensic_triage.store.schema import COLUMNS

HEAD_BYTES = 64  # kept per file so plugins can be dispatched on magic bytes without a re-read


_SECONDS: dict[int, str] = {}


def iso_time(value: tuple[int, int] | None) -> str | None:
    """ISO 8601 UTC with nanoseconds where present. It runs four times per file and a walk's
    times cluster, so each second's text is formatted once (the cache is bounded)."""
    if value is None:
        return None
    seconds, nanos = value
    text = _SECONDS.get(seconds)
    if text is None:
        try:
            text = "%04d-%02d-%02dT%02d:%02d:%02d" % time.gmtime(seconds)[:6]
        except (OverflowError, OSError, ValueError):
            return None
        if len(_SECONDS) >= 200_000:
            _SECONDS.clear()
        _SECONDS[seconds] = text
    if nanos:
        return f"{text}.{nanos:09d}".rstrip("0") + "Z"
    return text + "Z"


# The files table's columns in schema order, without id; row_digest comes last.
FILE_COLUMNS = tuple(column for column in COLUMNS["files"] if column != "id")
_HEAD = FILE_COLUMNS.index("head")


def _raw_times(entry: FileEntry) -> str:
    """canonical_json({"encoding": ..., "mtime": [s, ns], ...}) built by hand, keys already in
    sorted order: this runs once per file and json.dumps would be the slow part."""
    times = entry.times
    parts = [f'"{name}":[{value[0]},{value[1]}]'
             for name, value in (("atime", times.atime), ("crtime", times.crtime), ("ctime", times.ctime))
             if value is not None]
    parts.append('"encoding":' + json.dumps(entry.time_encoding, ensure_ascii=False))
    if times.mtime is not None:
        parts.append(f'"mtime":[{times.mtime[0]},{times.mtime[1]}]')
    return "{" + ",".join(parts) + "}"


def file_values(evidence_id: int, seq: int, stream: int, entry: FileEntry, digests: dict[str, str] | None,
                head: bytes | None, read_error: str | None) -> tuple:
    """One files row in FILE_COLUMNS order, with its row digest."""
    times = entry.times
    digests = digests or {}
    values = (evidence_id, seq, stream, entry.volume_index, entry.partition_offset, entry.path, entry.name,
              entry.inode, entry.meta_addr, entry.attr_type, entry.attr_id, entry.type, entry.tsk_type, entry.size,
              int(entry.deleted), int(entry.reallocated), iso_time(times.mtime), iso_time(times.atime),
              iso_time(times.ctime), iso_time(times.crtime), _raw_times(entry), entry.link_target, entry.member,
              digests.get("md5"), digests.get("sha1"), digests.get("sha256"), digests.get("blake3"), head,
              read_error)
    # digest_values("files", values), without its generic per-value blob check: only the head
    # is a blob (the test suite checks both give the same digest).
    hexed = list(values)
    if head is not None:
        hexed[_HEAD] = head.hex()
    return values + (digest(["files", *hexed]),)


def file_row(*args, **kwargs) -> dict[str, Any]:
    return dict(zip(FILE_COLUMNS, file_values(*args, **kwargs)))


def entry_from_row(row) -> FileEntry:
    """Rebuild the walker's view of a stored file, so a worker can read its bytes again."""
    raw = json.loads(row["times_raw"] or "{}")
    times = Times(**{name: tuple(raw[name]) for name in ("mtime", "atime", "ctime", "crtime") if name in raw})
    return FileEntry(volume_index=row["volume_idx"], partition_offset=row["partition_offset"], path=row["path"],
                     name=row["name"], inode=row["inode"], meta_addr=row["meta_addr"], attr_type=row["attr_type"],
                     attr_id=row["attr_id"], type=row["type"], tsk_type=row["tsk_type"], size=row["size"],
                     deleted=bool(row["deleted"]), reallocated=bool(row["reallocated"]), times=times,
                     time_encoding=raw.get("encoding", "unix"), link_target=row["link_target"],
                     member=row["member"], content=row["sha256"] is not None or row["read_error"] is not None)


def public_file(row) -> dict[str, Any]:
    """The machine-readable contract of `files --json`."""
    return {"id": row["id"], "evidence": row["exhibit_id"], "partition_offset": row["partition_offset"],
            "path": row["path"], "inode": row["inode"], "type": row["type"], "tsk_type": row["tsk_type"],
            "size": row["size"], "deleted": bool(row["deleted"]), "reallocated": bool(row["reallocated"]),
            "md5": row["md5"], "sha1": row["sha1"], "sha256": row["sha256"], "blake3": row["blake3"],
            "mtime": row["mtime"], "atime": row["atime"], "ctime": row["ctime"], "crtime": row["crtime"],
            "times_raw": json.loads(row["times_raw"] or "{}"), "link_target": row["link_target"],
            "read_error": row["read_error"]}
