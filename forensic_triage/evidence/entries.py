"""FileEntry: one row of the file listing, as the walkers produce it and the store keeps it."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

# Entry types, in words. `tsk_type` keeps The Sleuth Kit's "name/meta" letters (e.g. "r/r").
REGULAR = "regular"
DIRECTORY = "directory"
SYMLINK = "symlink"
VIRTUAL = "virtual"
VIRTUAL_DIRECTORY = "virtual_directory"
OTHER = "other"
UNKNOWN = "unknown"


# Named tuples rather than frozen dataclasses: a walk makes hundreds of thousands of these,
# and a frozen dataclass's __init__ costs several times a tuple's.
class Times(NamedTuple):
    """MACB times: (seconds, nanoseconds) since the Unix epoch, UTC, or None when absent."""

    mtime: tuple[int, int] | None = None
    atime: tuple[int, int] | None = None
    ctime: tuple[int, int] | None = None
    crtime: tuple[int, int] | None = None


class FileEntry(NamedTuple):
    volume_index: int | None        # None for logical evidence
    partition_offset: int | None    # bytes; None for logical evidence
    path: str                       # "/"-separated from the root, no leading slash; ADS as path:stream
    name: str
    inode: str | None               # as fls prints it: "40-128-1" for NTFS attributes, else "40"
    meta_addr: int | None
    attr_type: int | None           # NTFS attribute type/id of the stream this row stands for
    attr_id: int | None
    type: str
    tsk_type: str | None
    size: int
    deleted: bool
    reallocated: bool = False       # name deleted but its inode now belongs to another file
    times: Times = Times()
    time_encoding: str = "unix"
    link_target: str | None = None
    member: str | None = None       # archive member name / folder-relative path, for logical evidence
    content: bool = False           # has bytes to hash (regular files, streams, virtual files)


class Name(NamedTuple):
    """One name met by a walk. Turning it into rows (``expand``) is deferred, because a worker
    that walks the whole file system expands only the names of the chunks it was given."""

    path: str
    expand: Callable[[], list[FileEntry]]
    handle: object = None     # the library's open file, reused for reading (saves a re-open per file)
