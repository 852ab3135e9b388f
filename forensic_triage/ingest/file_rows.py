"""Between FileEntry (what a walker sees) and a files row (what the store keeps)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from forensic_triage.canonical import dumps
from forensic_triage.evidence.entries import FileEntry, Times

HEAD_BYTES = 64  # kept per file so plugins can be dispatched on magic bytes without a re-read


def iso_time(value: tuple[int, int] | None) -> str | None:
    if value is None:
        return None
    seconds, nanos = value
    try:
        moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if nanos:
        text += f".{nanos:09d}".rstrip("0")
    return text + "Z"


def file_row(evidence_id: int, seq: int, entry: FileEntry, digests: dict[str, str] | None,
             head: bytes | None, read_error: str | None) -> dict[str, Any]:
    times = entry.times
    raw = {"encoding": entry.time_encoding}
    for name in ("mtime", "atime", "ctime", "crtime"):
        value = getattr(times, name)
        if value is not None:
            raw[name] = list(value)
    digests = digests or {}
    return {
        "evidence_id": evidence_id, "seq": seq, "volume_idx": entry.volume_index,
        "partition_offset": entry.partition_offset, "path": entry.path, "name": entry.name,
        "inode": entry.inode, "meta_addr": entry.meta_addr, "attr_type": entry.attr_type,
        "attr_id": entry.attr_id, "type": entry.type, "tsk_type": entry.tsk_type, "size": entry.size,
        "deleted": int(entry.deleted), "reallocated": int(entry.reallocated),
        "mtime": iso_time(times.mtime), "atime": iso_time(times.atime), "ctime": iso_time(times.ctime),
        "crtime": iso_time(times.crtime), "times_raw": dumps(raw), "link_target": entry.link_target,
        "member": entry.member, "md5": digests.get("md5"), "sha1": digests.get("sha1"),
        "sha256": digests.get("sha256"), "blake3": digests.get("blake3"), "head": head,
        "read_error": read_error,
    }


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
