"""Walk logical acquisitions: a folder, a zip, a tar (how phone extractions usually arrive).

Nothing is ever extracted to disk: members are read as streams, so a hostile archive's
"../../" names or symlinks cannot touch the workstation; they are listed as found and flagged.
"""

from __future__ import annotations

import os
import stat
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from forensic_triage.evidence import entries as E
from forensic_triage.evidence.walk_tsk import WalkIssue


def _split_ns(value: int | None) -> tuple[int, int] | None:
    if not value:
        return None
    return divmod(int(value), 1_000_000_000)


def clean_member_path(raw: str) -> tuple[str, str | None]:
    """Normalise an archive member name to a root-relative path; say why if it was unsafe."""
    text = raw.replace("\\", "/")
    parts = [part for part in PurePosixPath(text).parts if part not in ("/", "", ".")]
    issue = None
    if text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        issue = "absolute member name"
    if ".." in parts:
        issue = "member name climbs out of the archive ('..')"
        parts = [part for part in parts if part != ".."]
    return "/".join(parts), issue


# --- folder -------------------------------------------------------------------------------------

def walk_folder(root: Path) -> Iterator[E.FileEntry | WalkIssue]:
    def on_error(exc: OSError) -> None:
        errors.append(exc)

    errors: list[OSError] = []
    for current, dirs, files in os.walk(root, onerror=on_error, followlinks=False):
        dirs.sort()
        files.sort()
        for exc in errors:
            yield WalkIssue(path=_relative(root, Path(exc.filename or current)), inode=None,
                            message=f"cannot list folder: {exc.strerror or exc}")
        errors.clear()
        base = Path(current)
        for name in dirs + files:
            full = base / name
            relative = _relative(root, full)
            try:
                info = full.lstat()
            except OSError as exc:
                yield WalkIssue(path=relative, inode=None, message=f"cannot stat: {exc.strerror or exc}")
                continue
            yield _folder_entry(full, relative, name, info)


def _relative(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix() if path != root else ""


def _folder_entry(full: Path, relative: str, name: str, info: os.stat_result) -> E.FileEntry:
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        kind, letter = E.DIRECTORY, "d"
    elif stat.S_ISLNK(mode):
        kind, letter = E.SYMLINK, "l"
    elif stat.S_ISREG(mode):
        kind, letter = E.REGULAR, "r"
    else:
        kind, letter = E.OTHER, "-"
    birth = getattr(info, "st_birthtime_ns", None) or (
        int(info.st_birthtime * 1e9) if hasattr(info, "st_birthtime") else None)
    times = E.Times(mtime=_split_ns(info.st_mtime_ns), atime=_split_ns(info.st_atime_ns),
                    ctime=_split_ns(info.st_ctime_ns), crtime=_split_ns(birth))
    link = os.readlink(full) if kind == E.SYMLINK else None
    return E.FileEntry(volume_index=None, partition_offset=None, path=relative, name=name, inode=None,
                       meta_addr=None, attr_type=None, attr_id=None, type=kind, tsk_type=f"{letter}/{letter}",
                       size=info.st_size if kind == E.REGULAR else 0, deleted=False, times=times,
                       time_encoding="unix_ns", link_target=link, member=relative, content=kind == E.REGULAR)


# --- zip ----------------------------------------------------------------------------------------

def _zip_mtime(info: zipfile.ZipInfo) -> tuple[tuple[int, int] | None, str]:
    """The extended-timestamp extra field (0x5455) holds UTC; the DOS date/time has no zone, so
    without the extra field the time is kept raw and not placed on the UTC line."""
    extra = info.extra
    position = 0
    while position + 4 <= len(extra):
        tag = int.from_bytes(extra[position:position + 2], "little")
        size = int.from_bytes(extra[position + 2:position + 4], "little")
        body = extra[position + 4:position + 4 + size]
        if tag == 0x5455 and len(body) >= 5 and body[0] & 1:
            return (int.from_bytes(body[1:5], "little", signed=True), 0), "unix_s"
        position += 4 + size
    return None, "dos_local_no_zone"


def walk_zip(archive: zipfile.ZipFile) -> Iterator[E.FileEntry | WalkIssue]:
    seen_dirs: set[str] = set()
    for index, info in enumerate(archive.infolist()):
        path, issue = clean_member_path(info.filename)
        if issue:
            yield WalkIssue(path=path, inode=None, message=f"zip member {info.filename!r}: {issue}")
        is_dir = info.is_dir()
        mode = (info.external_attr >> 16) & 0xFFFF
        is_link = stat.S_ISLNK(mode)
        mtime, encoding = _zip_mtime(info)
        if is_dir:
            seen_dirs.add(path)
        kind = E.DIRECTORY if is_dir else E.SYMLINK if is_link else E.REGULAR
        letter = {E.DIRECTORY: "d", E.SYMLINK: "l", E.REGULAR: "r"}[kind]
        if encoding != "unix_s":
            encoding = "dos_local_no_zone:" + "%04d-%02d-%02dT%02d:%02d:%02d" % info.date_time
        yield E.FileEntry(volume_index=None, partition_offset=None, path=path, name=PurePosixPath(path).name,
                          inode=None, meta_addr=index, attr_type=None, attr_id=None, type=kind,
                          tsk_type=f"{letter}/{letter}", size=0 if is_dir else info.file_size, deleted=False,
                          times=E.Times(mtime=mtime), time_encoding=encoding, member=info.filename,
                          content=not is_dir)


# --- tar ----------------------------------------------------------------------------------------

def tar_entry(index: int, member: tarfile.TarInfo) -> tuple[E.FileEntry, str | None]:
    path, issue = clean_member_path(member.name)
    if member.isdir():
        kind, letter = E.DIRECTORY, "d"
    elif member.issym() or member.islnk():
        kind, letter = E.SYMLINK, "l"
    elif member.isfile():
        kind, letter = E.REGULAR, "r"
    else:
        kind, letter = E.OTHER, "-"
    mtime = (int(member.mtime), 0) if member.mtime else None
    entry = E.FileEntry(volume_index=None, partition_offset=None, path=path, name=PurePosixPath(path).name,
                        inode=None, meta_addr=index, attr_type=None, attr_id=None, type=kind,
                        tsk_type=f"{letter}/{letter}", size=member.size if kind == E.REGULAR else 0,
                        deleted=False, times=E.Times(mtime=mtime), time_encoding="unix_s",
                        link_target=member.linkname or None, member=member.name, content=kind == E.REGULAR)
    return entry, issue
