"""Walk an APFS volume through libfsapfs (pytsk3 has no APFS pool API)."""

from __future__ import annotations

import stat
from collections.abc import Iterator

from forensic_triage.evidence import entries as E
from forensic_triage.evidence.walk_tsk import WalkIssue

_WORDS = {stat.S_IFREG: E.REGULAR, stat.S_IFDIR: E.DIRECTORY, stat.S_IFLNK: E.SYMLINK}
_LETTERS = {stat.S_IFREG: "r", stat.S_IFDIR: "d", stat.S_IFLNK: "l", stat.S_IFIFO: "p",
            stat.S_IFCHR: "c", stat.S_IFBLK: "b", stat.S_IFSOCK: "h"}


def _ns(value) -> tuple[int, int] | None:
    if not value:
        return None
    seconds, nanos = divmod(int(value), 1_000_000_000)
    return (seconds, nanos)


def _times(entry) -> E.Times:
    def get(name):
        try:
            return _ns(getattr(entry, f"get_{name}_as_integer")())
        except (OSError, AttributeError):
            return None

    return E.Times(mtime=get("modification_time"), atime=get("access_time"),
                   ctime=get("inode_change_time"), crtime=get("creation_time"))


def walk_apfs(volume, *, volume_index: int, partition_offset: int) -> Iterator[E.Name | WalkIssue]:
    try:
        root = volume.get_root_directory()
    except OSError as exc:
        yield WalkIssue(path="", inode=None, message=f"cannot open the APFS root directory: {exc}")
        return
    yield from _walk(root, "", (int(root.identifier),), volume_index, partition_offset)


def _walk(directory, prefix: str, stack: tuple[int, ...], volume_index: int,
          partition_offset: int) -> Iterator[E.Name | WalkIssue]:
    try:
        count = directory.get_number_of_sub_file_entries()
    except OSError as exc:
        yield WalkIssue(path=prefix.rstrip("/"), inode=str(directory.identifier), message=f"cannot list directory: {exc}")
        return
    for index in range(count):
        try:
            child = directory.get_sub_file_entry(index)
            name = child.name or ""
            mode = int(child.file_mode or 0)
            identifier = int(child.identifier)
            size = int(child.size or 0)
        except OSError as exc:
            yield WalkIssue(path=prefix, inode=None, message=f"cannot read directory entry {index}: {exc}")
            continue
        kind = stat.S_IFMT(mode)
        path = prefix + name
        yield E.Name(path, lambda c=child, p=path, nm=name, k=kind, i=identifier, sz=size: [
            _entry(c, p, nm, k, i, sz, volume_index, partition_offset)])
        if kind == stat.S_IFDIR:
            if identifier in stack:
                yield WalkIssue(path=path, inode=str(identifier), message="directory loop: not descended again")
                continue
            yield from _walk(child, path + "/", stack + (identifier,), volume_index, partition_offset)


def _entry(child, path: str, name: str, kind: int, identifier: int, size: int, volume_index: int,
           partition_offset: int) -> E.FileEntry:
    letter = _LETTERS.get(kind, "-")
    link = None
    if kind == stat.S_IFLNK:
        try:
            link = child.symbolic_link_target
        except OSError:
            link = None
    return E.FileEntry(volume_index=volume_index, partition_offset=partition_offset, path=path, name=name,
                       inode=str(identifier), meta_addr=identifier, attr_type=None, attr_id=None,
                       type=_WORDS.get(kind, E.OTHER), tsk_type=f"{letter}/{letter}",
                       size=0 if kind == stat.S_IFLNK else size, deleted=False,
                       times=_times(child), time_encoding="unix_ns", link_target=link,
                       content=kind == stat.S_IFREG)


def iter_apfs_content(volume, entry: E.FileEntry, chunk: int) -> Iterator[bytes]:
    file_entry = volume.get_file_entry_by_identifier(entry.meta_addr)
    offset = 0
    while offset < entry.size:
        data = file_entry.read_buffer_at_offset(min(chunk, entry.size - offset), offset)
        if not data:
            break
        yield data
        offset += len(data)


def read_apfs(volume, entry: E.FileEntry, offset: int, length: int) -> bytes:
    file_entry = volume.get_file_entry_by_identifier(entry.meta_addr)
    return file_entry.read_buffer_at_offset(max(0, min(length, entry.size - offset)), offset)
