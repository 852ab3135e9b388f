"""Walk a file system through The Sleuth Kit the way `fls -r -p` lists it, and read content
the way `icat` returns it, so our listing can be checked against the Sleuth Kit's own."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytsk3

from forensic_triage.evidence import entries as E

_NAME_LETTERS = "-pcdbrlhswvV"   # TSK_FS_NAME_TYPE_ENUM order
_META_LETTERS = "-rdpcblshwvV"   # TSK_FS_META_TYPE_ENUM order
_NAME_WORDS = {
    pytsk3.TSK_FS_NAME_TYPE_REG: E.REGULAR, pytsk3.TSK_FS_NAME_TYPE_DIR: E.DIRECTORY,
    pytsk3.TSK_FS_NAME_TYPE_LNK: E.SYMLINK, pytsk3.TSK_FS_NAME_TYPE_VIRT: E.VIRTUAL,
    pytsk3.TSK_FS_NAME_TYPE_VIRT_DIR: E.VIRTUAL_DIRECTORY,
}
_META_WORDS = {
    pytsk3.TSK_FS_META_TYPE_REG: E.REGULAR, pytsk3.TSK_FS_META_TYPE_DIR: E.DIRECTORY,
    pytsk3.TSK_FS_META_TYPE_LNK: E.SYMLINK, pytsk3.TSK_FS_META_TYPE_VIRT: E.VIRTUAL,
    pytsk3.TSK_FS_META_TYPE_VIRT_DIR: E.VIRTUAL_DIRECTORY,
}
_DIR_META = (int(pytsk3.TSK_FS_META_TYPE_DIR), int(pytsk3.TSK_FS_META_TYPE_VIRT_DIR))
_META_LINK = int(pytsk3.TSK_FS_META_TYPE_LNK)
_NTFS_DATA = int(pytsk3.TSK_FS_ATTR_TYPE_NTFS_DATA)
_NTFS_IDXROOT = int(pytsk3.TSK_FS_ATTR_TYPE_NTFS_IDXROOT)
_UNALLOC = int(pytsk3.TSK_FS_NAME_FLAG_UNALLOC)
_META_ALLOC = int(pytsk3.TSK_FS_META_FLAG_ALLOC)


@dataclass(frozen=True, kw_only=True, slots=True)
class WalkIssue:
    """Something the walk could not do (a directory it could not open); becomes a warning row."""

    path: str
    inode: str | None
    message: str


def _text(raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bytes):
        return raw.decode("utf-8", "replace")
    return str(raw)


def _time(seconds, nanos) -> tuple[int, int] | None:
    seconds = int(seconds or 0)
    nanos = int(nanos or 0)
    if seconds == 0 and nanos == 0:
        return None  # the Sleuth Kit's "not set"
    return (seconds, nanos)


# FAT and exFAT keep local wall-clock times with no zone (exFAT's optional offset aside): the
# process runs in UTC (see tsk.py), so the values are the wall-clock written on the disk.
_WALLCLOCK_TYPES = int(pytsk3.TSK_FS_TYPE_FAT_DETECT) | int(pytsk3.TSK_FS_TYPE_EXFAT)
WALLCLOCK = "fat_wallclock_no_zone"


def walk_tsk(fs_info, *, volume_index: int, partition_offset: int) -> Iterator[E.Name | WalkIssue]:
    """Yield every name in the file system, depth first in directory order (fls -r order),
    including deleted names and orphans under $OrphanFiles. A name expands to one row, or one
    per NTFS data stream."""
    is_ntfs = int(fs_info.info.ftype) & int(pytsk3.TSK_FS_TYPE_NTFS_DETECT) != 0
    encoding = WALLCLOCK if int(fs_info.info.ftype) & _WALLCLOCK_TYPES else "unix"
    try:
        root = fs_info.open_dir(path="/")
    except (OSError, RuntimeError) as exc:
        yield WalkIssue(path="", inode=None, message=f"cannot open the root directory: {exc}")
        return
    root_addr = int(fs_info.info.root_inum)
    yield from _walk_dir(root, "", (root_addr,), is_ntfs, volume_index, partition_offset, encoding)


def _walk_dir(directory, prefix: str, stack: tuple[int, ...], is_ntfs: bool, volume_index: int,
              partition_offset: int, encoding: str) -> Iterator[E.Name | WalkIssue]:
    for tsk_file in directory:
        name_info = tsk_file.info.name
        name = _text(name_info.name)
        if name in (".", ".."):
            continue
        path = prefix + name
        meta = tsk_file.info.meta
        yield E.Name(path, lambda f=tsk_file, n=name_info, m=meta, p=path, nm=name: list(
            _entries(f, n, m, p, nm, is_ntfs, volume_index, partition_offset, encoding)), tsk_file)
        if meta is None or int(meta.type) not in _DIR_META:
            continue
        name_unalloc = int(name_info.flags) & _UNALLOC
        if name_unalloc and int(meta.flags) & _META_ALLOC:
            continue  # a deleted name whose directory inode now belongs to something else
        address = int(meta.addr)
        if address in stack:
            yield WalkIssue(path=path, inode=str(address), message="directory loop: not descended again")
            continue
        try:
            subdirectory = tsk_file.as_directory()
        except (OSError, RuntimeError) as exc:
            if not name_unalloc:
                yield WalkIssue(path=path, inode=str(address), message=f"cannot open directory: {exc}")
            continue
        yield from _walk_dir(subdirectory, path + "/", stack + (address,), is_ntfs, volume_index,
                             partition_offset, encoding)


def count_names(fs_info) -> int:
    """How many names walk_tsk will yield, from a walk that builds nothing (for progress)."""
    try:
        root = fs_info.open_dir(path="/")
    except (OSError, RuntimeError):
        return 0
    return _count_dir(root, (int(fs_info.info.root_inum),))


def _count_dir(directory, stack: tuple[int, ...]) -> int:
    count = 0
    for tsk_file in directory:
        name_info = tsk_file.info.name
        if name_info.name in (b".", b".."):
            continue
        count += 1
        meta = tsk_file.info.meta
        if meta is None or int(meta.type) not in _DIR_META:
            continue
        if int(name_info.flags) & _UNALLOC and int(meta.flags) & _META_ALLOC:
            continue
        address = int(meta.addr)
        if address in stack:
            continue
        try:
            subdirectory = tsk_file.as_directory()
        except (OSError, RuntimeError):
            subdirectory = None   # the walk records this as a warning; the count only feeds the ETA
        if subdirectory is not None:
            count += _count_dir(subdirectory, stack + (address,))
    return count


def _entries(tsk_file, name_info, meta, path: str, name: str, is_ntfs: bool, volume_index: int,
             partition_offset: int, encoding: str) -> Iterator[E.FileEntry]:
    # Built positionally (FileEntry's field order): this runs for every name in the evidence.
    name_type = int(name_info.type)
    name_unalloc = bool(int(name_info.flags) & _UNALLOC)
    meta_addr = int(name_info.meta_addr)
    if meta is None:
        letters = _NAME_LETTERS[name_type] + "/-"
        yield E.FileEntry(volume_index, partition_offset, path, name, str(meta_addr), meta_addr, None, None,
                          _NAME_WORDS.get(name_type, E.UNKNOWN), letters, 0, name_unalloc, False, E.Times(),
                          encoding)
        return
    meta_type = int(meta.type)
    letters = _NAME_LETTERS[name_type] + "/" + _META_LETTERS[meta_type]
    word = _NAME_WORDS.get(name_type) or _META_WORDS.get(meta_type, E.OTHER)
    reallocated = name_unalloc and bool(int(meta.flags) & _META_ALLOC)
    times = E.Times(_time(meta.mtime, meta.mtime_nano), _time(meta.atime, meta.atime_nano),
                    _time(meta.ctime, meta.ctime_nano), _time(meta.crtime, meta.crtime_nano))
    is_link = meta_type == _META_LINK
    link = (_text(meta.link) or None) if is_link else None
    is_dir = meta_type in _DIR_META
    if is_ntfs:
        printed = False
        for attribute in tsk_file:
            kind = int(attribute.info.type)
            if kind not in (_NTFS_DATA, _NTFS_IDXROOT):
                continue
            printed = True
            stream = _text(attribute.info.name)
            suffix = ""
            if stream and not (kind == _NTFS_IDXROOT and stream == "$I30"):
                suffix = ":" + stream
            # A directory's own $I30 index is its listing, not content; named streams are.
            content = not (is_dir and not suffix)
            attr_id = int(attribute.info.id)
            yield E.FileEntry(volume_index, partition_offset, path + suffix, name, f"{meta_addr}-{kind}-{attr_id}",
                              meta_addr, kind, attr_id, E.REGULAR if suffix and is_dir else word, letters,
                              int(attribute.info.size), name_unalloc, reallocated, times, encoding, link, None,
                              content)
        if printed:
            return
    yield E.FileEntry(volume_index, partition_offset, path, name, str(meta_addr), meta_addr, None, None, word,
                      letters, int(meta.size), name_unalloc, reallocated, times, encoding, link, None,
                      not is_dir and not is_link)


def read_tsk(fs_info, entry: E.FileEntry, offset: int, length: int, handle=None) -> bytes:
    """Bytes of one entry's content, as icat returns them (default stream, or the NTFS
    attribute the row stands for)."""
    tsk_file = handle if handle is not None else fs_info.open_meta(inode=entry.meta_addr)
    if entry.attr_type is not None:
        return tsk_file.read_random(offset, length, entry.attr_type, entry.attr_id)
    return tsk_file.read_random(offset, length)


def iter_tsk_content(fs_info, entry: E.FileEntry, chunk: int, handle=None) -> Iterator[bytes]:
    tsk_file = handle if handle is not None else fs_info.open_meta(inode=entry.meta_addr)
    offset = 0
    while offset < entry.size:
        want = min(chunk, entry.size - offset)
        if entry.attr_type is not None:
            data = tsk_file.read_random(offset, want, entry.attr_type, entry.attr_id)
        else:
            data = tsk_file.read_random(offset, want)
        if not data:
            break
        yield data
        offset += len(data)
