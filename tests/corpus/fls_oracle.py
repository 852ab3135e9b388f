"""Reading the Sleuth Kit ground truth (`*.fls.txt`) shipped beside the corpus images."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_FLS_LINE = re.compile(r"^(?P<type>\S+) (?P<star>\* )?(?P<inode>[^\t]+?):\t(?P<path>.*)$")
_SECTION = re.compile(r"^### (?P<title>.*?)(?: offset=(?P<offset>\S+))?$")


@dataclass(frozen=True)
class FlsRow:
    partition_offset: int          # bytes
    path: str
    deleted: bool
    inode: str
    tsk_type: str


@dataclass
class Oracle:
    rows: list[FlsRow]
    sha256: dict[tuple[int, str, bool], str]   # (offset, path, deleted) -> sha256, inode-0 rows skipped
    ewf_md5: str | None = None
    ewf_sha1: str | None = None

    def listing(self) -> set[tuple[int, str, bool]]:
        return {(row.partition_offset, row.path, row.deleted) for row in self.rows}


def _offset(text: str | None) -> int:
    return 0 if text in (None, "None") else int(text) * 512


def parse(path: Path) -> Oracle:
    oracle = Oracle(rows=[], sha256={})
    section = None
    offset = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        match = _SECTION.match(line)
        if match:
            title = match["title"]
            offset = _offset(match["offset"])
            section = "fls" if title.startswith("fls -r -p") else "sha" if title.startswith("sha256") else \
                "ewf" if title.startswith("ewfinfo") else None
            continue
        if section == "fls" and line.strip():
            found = _FLS_LINE.match(line)
            if found:
                oracle.rows.append(FlsRow(partition_offset=offset, path=found["path"], deleted=bool(found["star"]),
                                          inode=found["inode"], tsk_type=found["type"]))
        elif section == "sha" and line.strip():
            parts = line.split("\t")
            if len(parts) < 4:
                continue
            inode, digest, _size, name = parts[0], parts[1], parts[2], "\t".join(parts[3:])
            deleted = name.startswith("(deleted) ")
            if deleted:
                name = name[len("(deleted) "):]
            if inode == "0":
                continue  # metadata gone: icat hashed inode 0, not this file (see shared/NOTES.md)
            oracle.sha256[(offset, name, deleted)] = digest
        elif section == "ewf":
            found = re.match(r"^\s*(MD5|SHA1):\s*([0-9a-f]+)\s*$", line)
            if found:
                if found[1] == "MD5":
                    oracle.ewf_md5 = found[2]
                else:
                    oracle.ewf_sha1 = found[2]
    return oracle
