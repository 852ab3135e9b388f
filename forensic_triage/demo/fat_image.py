"""Build small FAT16/FAT32 disk images in pure Python, for demos and tests.

The project needs evidence it can make itself: no mkfs, no root, no downloads. The images are
read back by The Sleuth Kit (pytsk3, fls), so the layout follows Microsoft's FAT specification
(fatgen103) closely enough for TSK and for Windows/Linux to accept it:

* optional MBR with one partition at sector 2048 (1 MiB), as modern partitioning tools do;
* boot sector with BPB, two FAT copies, FSInfo and backup boot sector (FAT32);
* VFAT long names with generated unique 8.3 aliases ("IMG_00~1.JPG");
* deleted files the way an undelete tool expects them: entries marked 0xE5, clusters freed in
  both FATs, content left contiguous in the data area so it can be carved back.

Output is a pure function of the arguments: no clock, no randomness, so test images are
byte-identical between runs and machines.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

SECTOR_SIZE = 512
PARTITION_START_SECTOR = 2048  # 1 MiB alignment, what fdisk/parted/Windows use
DEFAULT_SIZE_BYTES = 32 * 1024 * 1024

_DIR_ENTRY_SIZE = 32
_FAT16_MIN_CLUSTERS = 4085  # below this every FAT driver (and TSK) reads the volume as FAT12
_FAT16_MAX_CLUSTERS = 65524
_FAT32_MIN_CLUSTERS = 65525
_FAT32_MAX_CLUSTERS = 0x0FFFFFF5 - 2
_FAT16_ROOT_ENTRIES = 512  # the conventional fixed root directory size for FAT16
_MAX_SECTORS_PER_CLUSTER = 64  # 32 KiB clusters: larger ones are not portable
_MEDIA_FIXED_DISK = 0xF8

_ATTR_VOLUME_ID = 0x08
_ATTR_DIRECTORY = 0x10
_ATTR_ARCHIVE = 0x20
_ATTR_LFN = 0x0F
_DELETED_MARK = 0xE5
_LFN_LAST_FLAG = 0x40
_LFN_CHARS_PER_ENTRY = 13
_LFN_MAX_UNITS = 255

# Characters allowed in an 8.3 name besides A-Z and 0-9 (fatgen103, "Directory Structure").
_SHORT_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'()-@^_`{}~")
# Characters Windows refuses in long names; control characters are refused separately.
_LONG_NAME_FORBIDDEN = frozenset('"*/:<>?\\|')

_FAT_EPOCH = datetime(1980, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True, kw_only=True, slots=True)
class FatEntry:
    """One file or directory to put into the image.

    ``path`` is "/"-separated without a leading slash; parents are created as needed.
    ``data=None`` makes a directory. ``mtime`` must be timezone-aware; it is stored as FAT
    local time taken to be UTC, with FAT's 2-second resolution (odd seconds round down).
    ``deleted=True`` leaves a recoverable deleted file (entry marked 0xE5, clusters freed).
    """

    path: str
    data: bytes | None = None
    mtime: datetime
    deleted: bool = False

    def __post_init__(self) -> None:
        if self.data is not None and not isinstance(self.data, bytes):
            raise TypeError(f"{self.path!r}: data must be bytes or None, not {type(self.data).__name__}")
        if self.mtime.tzinfo is None or self.mtime.utcoffset() is None:
            raise ValueError(f"{self.path!r}: mtime must be timezone-aware")
        if self.deleted and self.data is None:
            raise ValueError(f"{self.path!r}: only files can be deleted, not directories")

    @property
    def is_dir(self) -> bool:
        return self.data is None


def build_fat_image(
    entries: Sequence[FatEntry],
    *,
    size_bytes: int = DEFAULT_SIZE_BYTES,
    label: str = "DEMO",
    partitioned: bool = True,
    fat_type: int = 16,
    volume_id: int = 0x1234ABCD,
) -> bytes:
    """Return a complete disk image (``size_bytes`` long) holding ``entries``.

    With ``partitioned=True`` the image starts with an MBR and the file system fills the
    single partition from sector 2048 to the end; otherwise the file system starts at byte 0.
    Raises ValueError when the arguments are invalid or the content does not fit.
    """
    if fat_type not in (16, 32):
        raise ValueError(f"fat_type must be 16 or 32, not {fat_type!r}")
    if size_bytes <= 0 or size_bytes % SECTOR_SIZE:
        raise ValueError(f"size_bytes must be a positive multiple of {SECTOR_SIZE}, not {size_bytes}")
    if not 0 <= volume_id <= 0xFFFFFFFF:
        raise ValueError(f"volume_id must fit in 32 bits, not {volume_id:#x}")
    label_bytes = _encode_label(label)

    disk_sectors = size_bytes // SECTOR_SIZE
    fs_start = PARTITION_START_SECTOR if partitioned else 0
    fs_sectors = disk_sectors - fs_start
    if fs_sectors <= 0 or fs_sectors > 0xFFFFFFFF:
        raise ValueError(f"size_bytes={size_bytes} leaves no room for a file system")

    geometry = _choose_geometry(fat_type, fs_sectors)
    root = _build_tree(entries)
    _assign_short_names(root)
    fat = _allocate_clusters(root, geometry, has_label=label_bytes is not None)

    # One buffer for the whole disk: images can be large, so avoid concatenating copies.
    disk = bytearray(size_bytes)
    if partitioned:
        disk[:SECTOR_SIZE] = _master_boot_record(fat_type, fs_sectors, disk_signature=volume_id)
    volume = _FatVolume(geometry, hidden_sectors=fs_start, volume_id=volume_id, label=label_bytes)
    with memoryview(disk) as whole, whole[fs_start * SECTOR_SIZE :] as volume_view:
        volume.render(volume_view, root, fat, label_mtime=_latest_mtime(root))
    return bytes(disk)


def write_fat_image(
    path: Path,
    entries: Sequence[FatEntry],
    *,
    size_bytes: int = DEFAULT_SIZE_BYTES,
    label: str = "DEMO",
    partitioned: bool = True,
    fat_type: int = 16,
    volume_id: int = 0x1234ABCD,
) -> None:
    """Write :func:`build_fat_image` output to ``path``."""
    image = build_fat_image(
        entries,
        size_bytes=size_bytes,
        label=label,
        partitioned=partitioned,
        fat_type=fat_type,
        volume_id=volume_id,
    )
    Path(path).write_bytes(image)


# --- geometry ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Geometry:
    fat_type: int
    total_sectors: int
    sectors_per_cluster: int
    reserved_sectors: int
    fat_sectors: int
    root_entries: int
    cluster_count: int

    @property
    def cluster_bytes(self) -> int:
        return self.sectors_per_cluster * SECTOR_SIZE

    @property
    def root_dir_sectors(self) -> int:
        return self.root_entries * _DIR_ENTRY_SIZE // SECTOR_SIZE

    @property
    def first_root_dir_sector(self) -> int:
        return self.reserved_sectors + 2 * self.fat_sectors

    @property
    def first_data_sector(self) -> int:
        return self.first_root_dir_sector + self.root_dir_sectors

    @property
    def end_of_chain(self) -> int:
        return 0xFFFF if self.fat_type == 16 else 0x0FFFFFFF

    def cluster_offset(self, cluster: int) -> int:
        """Byte offset of ``cluster`` from the start of the file system (clusters start at 2)."""
        return (self.first_data_sector + (cluster - 2) * self.sectors_per_cluster) * SECTOR_SIZE


def _choose_geometry(fat_type: int, fs_sectors: int) -> _Geometry:
    """Pick the cluster size closest to Microsoft's recommendation that gives a legal count.

    The FAT type is decided by the cluster count alone (every driver, TSK included, ignores
    the "FAT16"/"FAT32" text), so the count must land in the type's range.
    """
    preferred = _recommended_sectors_per_cluster(fat_type, fs_sectors)
    sizes = [1 << shift for shift in range(_MAX_SECTORS_PER_CLUSTER.bit_length())]
    sizes.sort(key=lambda spc: (abs(spc.bit_length() - preferred.bit_length()), spc))
    low, high = _cluster_count_range(fat_type)
    for spc in sizes:
        geometry = _geometry_for(fat_type, fs_sectors, spc)
        if geometry is not None and low <= geometry.cluster_count <= high:
            return geometry
    size_mib = fs_sectors * SECTOR_SIZE / (1024 * 1024)
    raise ValueError(
        f"a {size_mib:.1f} MiB file system cannot be FAT{fat_type}: it needs between {low} and "
        f"{high} clusters of 512 B to 32 KiB (FAT32 needs roughly 33 MiB or more)"
    )


def _cluster_count_range(fat_type: int) -> tuple[int, int]:
    if fat_type == 16:
        return _FAT16_MIN_CLUSTERS, _FAT16_MAX_CLUSTERS
    return _FAT32_MIN_CLUSTERS, _FAT32_MAX_CLUSTERS


def _recommended_sectors_per_cluster(fat_type: int, fs_sectors: int) -> int:
    # Tables from fatgen103 ("FAT Type Determination"), keyed by volume size in sectors.
    if fat_type == 16:
        table = [(32680, 2), (262144, 4), (524288, 8), (1048576, 16), (2097152, 32)]
    else:
        table = [(532480, 1), (16777216, 8), (33554432, 16), (67108864, 32)]
    for limit, spc in table:
        if fs_sectors <= limit:
            return spc
    return _MAX_SECTORS_PER_CLUSTER


def _geometry_for(fat_type: int, fs_sectors: int, spc: int) -> _Geometry | None:
    reserved = 1 if fat_type == 16 else 32  # FAT32 needs room for FSInfo and the backup boot sector
    root_entries = _FAT16_ROOT_ENTRIES if fat_type == 16 else 0
    root_dir_sectors = root_entries * _DIR_ENTRY_SIZE // SECTOR_SIZE
    entry_bytes = 2 if fat_type == 16 else 4
    # The FAT size and the cluster count depend on each other; growing the FAT only shrinks
    # the data area, so this converges in a few rounds.
    fat_sectors = 1
    while True:
        data_sectors = fs_sectors - reserved - 2 * fat_sectors - root_dir_sectors
        if data_sectors < spc:
            return None
        clusters = data_sectors // spc
        needed = math.ceil((clusters + 2) * entry_bytes / SECTOR_SIZE)
        if needed <= fat_sectors:
            return _Geometry(fat_type, fs_sectors, spc, reserved, fat_sectors, root_entries, clusters)
        fat_sectors = needed


# --- directory tree ---------------------------------------------------------------------


@dataclass(eq=False, slots=True)
class _Node:
    name: str
    is_dir: bool
    data: bytes = b""
    mtime: datetime | None = None  # None until known: implied directories take it from children
    deleted: bool = False
    explicit: bool = False
    children: list[_Node] = field(default_factory=list)
    by_folded_name: dict[str, _Node] = field(default_factory=dict)
    short_name: bytes = b""
    needs_lfn: bool = False
    first_cluster: int = 0
    cluster_count: int = 0

    def add(self, child: _Node) -> None:
        self.children.append(child)
        self.by_folded_name[child.name.casefold()] = child

    def walk(self) -> Iterator[_Node]:
        """This node and all descendants, parents before children, in insertion order."""
        yield self
        for child in self.children:
            yield from child.walk()


def _build_tree(entries: Sequence[FatEntry]) -> _Node:
    root = _Node(name="", is_dir=True, explicit=True)
    for entry in entries:
        parts = _split_path(entry.path)
        parent = root
        for part in parts[:-1]:
            parent = _child_directory(parent, part, entry.path)
        _add_leaf(parent, parts[-1], entry)
    _fill_directory_mtimes(root)
    return root


def _split_path(path: str) -> list[str]:
    parts = path.split("/")
    for part in parts:
        _check_long_name(part, path)
    return parts


def _check_long_name(name: str, path: str) -> None:
    if not name:
        raise ValueError(f"{path!r}: empty path component (use 'a/b', no leading or doubled '/')")
    if name in (".", ".."):
        raise ValueError(f"{path!r}: '.' and '..' are not allowed as names")
    if name[-1] in ". ":
        raise ValueError(f"{path!r}: FAT names cannot end with a dot or a space")
    bad = [ch for ch in name if ch in _LONG_NAME_FORBIDDEN or ord(ch) < 0x20]
    if bad:
        raise ValueError(f"{path!r}: characters not allowed in FAT names: {''.join(sorted(set(bad)))!r}")
    if len(name.encode("utf-16-le")) // 2 > _LFN_MAX_UNITS:
        raise ValueError(f"{path!r}: name {name[:20]!r}... is longer than {_LFN_MAX_UNITS} UTF-16 units")


def _child_directory(parent: _Node, name: str, path: str) -> _Node:
    existing = parent.by_folded_name.get(name.casefold())
    if existing is None:
        directory = _Node(name=name, is_dir=True)
        parent.add(directory)
        return directory
    if not existing.is_dir:
        raise ValueError(f"{path!r}: {existing.name!r} is a file, not a directory")
    return existing


def _add_leaf(parent: _Node, name: str, entry: FatEntry) -> None:
    existing = parent.by_folded_name.get(name.casefold())
    if existing is None:
        node = _Node(name=name, is_dir=entry.is_dir, data=entry.data or b"", mtime=entry.mtime,
                     deleted=entry.deleted, explicit=True)
        if len(node.data) > 0xFFFFFFFF:
            raise ValueError(f"{entry.path!r}: FAT files are limited to 4 GiB - 1 bytes")
        parent.add(node)
        return
    # A directory may be listed explicitly after a deeper path already implied it.
    if existing.is_dir and entry.is_dir and not existing.explicit:
        existing.mtime = entry.mtime
        existing.explicit = True
        return
    # FAT compares names case-insensitively, so "a.txt" and "A.TXT" would collide.
    raise ValueError(f"{entry.path!r}: duplicate path (FAT names are case-insensitive)")


def _fill_directory_mtimes(node: _Node) -> None:
    """Give implied directories the newest time of their content, as a real writer would."""
    for child in node.children:
        _fill_directory_mtimes(child)
    if node.mtime is None and node.children:
        node.mtime = max(child.mtime for child in node.children if child.mtime is not None)


def _latest_mtime(root: _Node) -> datetime:
    times = [node.mtime for node in root.walk() if node.mtime is not None]
    return max(times, default=_FAT_EPOCH)


# --- names ------------------------------------------------------------------------------


def _assign_short_names(directory: _Node) -> None:
    """Give every child an 8.3 name unique within its directory.

    Names that are already valid upper-case 8.3 names are kept as they are (and need no long
    name entries); they are reserved first so generated aliases never collide with them.
    """
    used: set[bytes] = set()
    needs_alias: list[_Node] = []
    for child in directory.children:
        if _is_plain_short_name(child.name):
            child.short_name = _pack_short_name(*_split_extension(child.name))
            used.add(child.short_name)
        else:
            needs_alias.append(child)
    aliases = _AliasGenerator(used)
    for child in needs_alias:
        child.short_name = aliases.alias_for(child.name)
        child.needs_lfn = True
    for child in directory.children:
        if child.is_dir:
            _assign_short_names(child)


def _is_plain_short_name(name: str) -> bool:
    if name.count(".") > 1:
        return False
    base, dot, ext = name.partition(".")
    if not 1 <= len(base) <= 8 or len(ext) > 3 or (dot and not ext):
        return False
    return all(ch in _SHORT_NAME_CHARS for ch in base + ext)


def _split_extension(name: str) -> tuple[str, str]:
    base, dot, ext = name.rpartition(".")
    return (base, ext) if dot else (name, "")


def _pack_short_name(base: str, ext: str) -> bytes:
    return base.ljust(8).encode("ascii") + ext.ljust(3).encode("ascii")


class _AliasGenerator:
    """Windows-style numeric-tail aliases: "IMG_0001.jpeg" -> "IMG_00~1.JPE", then "~2", ...

    Every candidate is a function of the first 6 base characters, the extension and the
    number, so remembering the last number per (prefix, extension) lets a directory of many
    similar names ("msg_0001.txt", "msg_0002.txt", ...) cost linear rather than quadratic time.
    """

    def __init__(self, used: set[bytes]) -> None:
        self.used = used
        self.last_tail: dict[tuple[str, str], int] = {}

    def alias_for(self, name: str) -> bytes:
        base, ext = _alias_stem(name)
        key = (base[:6], ext)
        for number in range(self.last_tail.get(key, 0) + 1, 1_000_000):
            tail = f"~{number}"
            candidate = _pack_short_name(base[: 8 - len(tail)] + tail, ext)
            if candidate not in self.used:
                self.used.add(candidate)
                self.last_tail[key] = number
                return candidate
        raise ValueError(f"{name!r}: no free 8.3 alias left in its directory")


def _alias_stem(name: str) -> tuple[str, str]:
    """Base (up to 8) and extension (up to 3) characters an alias is built from."""
    # Windows drops spaces and leading dots, and keeps only the last dot as the separator.
    base, ext = _split_extension(name.lstrip(".").replace(" ", ""))
    return (_short_name_chars(base.replace(".", ""))[:8] or "_"), _short_name_chars(ext)[:3]


def _short_name_chars(text: str) -> str:
    # Characters an 8.3 name cannot hold (including non-ASCII) become "_", as Windows does.
    return "".join(ch if ch in _SHORT_NAME_CHARS else "_" for ch in text.upper())


def _lfn_checksum(short_name: bytes) -> int:
    total = 0
    for byte in short_name:
        total = (((total & 1) << 7) + (total >> 1) + byte) & 0xFF
    return total


def _lfn_entries(name: str, short_name: bytes) -> list[bytes]:
    """Long-name entries in on-disk order (last part first), each 13 UTF-16 units."""
    units = name.encode("utf-16-le")
    chunk_bytes = _LFN_CHARS_PER_ENTRY * 2
    if len(units) % chunk_bytes:
        # A name that does not fill its last entry is NUL-terminated, then padded with 0xFFFF.
        units += b"\x00\x00"
        units += b"\xff" * (-len(units) % chunk_bytes)
    chunks = [units[i : i + chunk_bytes] for i in range(0, len(units), chunk_bytes)]
    checksum = _lfn_checksum(short_name)
    entries = []
    for sequence, chunk in enumerate(chunks, start=1):
        order = sequence | (_LFN_LAST_FLAG if sequence == len(chunks) else 0)
        entries.append(
            struct.pack("<B10sBBB12sH4s", order, chunk[:10], _ATTR_LFN, 0, checksum, chunk[10:22], 0, chunk[22:])
        )
    return entries[::-1]


def _lfn_entry_count(node: _Node) -> int:
    if not node.needs_lfn:
        return 0
    return math.ceil(len(node.name.encode("utf-16-le")) / (2 * _LFN_CHARS_PER_ENTRY))


def _encode_label(label: str) -> bytes | None:
    """The 11-byte volume label, or None for no label."""
    if not label:
        return None
    text = label.upper()
    if len(text) > 11 or any(ch not in _SHORT_NAME_CHARS and ch != " " for ch in text):
        raise ValueError(f"label {label!r}: at most 11 characters from A-Z, 0-9, space and !#$%&'()-@^_`{{}}~")
    return text.ljust(11).encode("ascii")


# --- cluster allocation -----------------------------------------------------------------


def _directory_slots(directory: _Node, *, is_root: bool, has_label: bool) -> int:
    own = (1 if has_label else 0) if is_root else 2  # volume label entry, or "." and ".."
    return own + sum(1 + _lfn_entry_count(child) for child in directory.children)


def _allocate_clusters(root: _Node, geometry: _Geometry, *, has_label: bool) -> list[int]:
    """Place every directory and file in the data area and return the FAT.

    Live content is packed from cluster 2 upwards in tree order, each item contiguous.
    Deleted files are packed at the very end of the volume: their clusters are free in the
    FAT, so keeping them away from live data is what guarantees nothing overwrote them, and
    keeping each one contiguous is what lets TSK recover it (it reads consecutive clusters
    from the start cluster because the chain is gone).
    """
    cluster_bytes = geometry.cluster_bytes
    live: list[_Node] = []
    deleted: list[_Node] = []
    for node in root.walk():
        is_root = node is root
        if node.is_dir:
            slots = _directory_slots(node, is_root=is_root, has_label=has_label)
            if is_root and geometry.fat_type == 16:
                _check_fixed_root(slots, geometry)
                continue
            node.cluster_count = max(1, math.ceil(slots * _DIR_ENTRY_SIZE / cluster_bytes))
        else:
            node.cluster_count = math.ceil(len(node.data) / cluster_bytes)
        if node.cluster_count:
            (deleted if node.deleted else live).append(node)

    _check_fits(live, deleted, geometry)
    fat = [0] * (geometry.cluster_count + 2)
    # Entry 0 repeats the media byte, entry 1 is end-of-chain with the "clean" bits set.
    fat[0] = geometry.end_of_chain & ~0xFF | _MEDIA_FIXED_DISK
    fat[1] = geometry.end_of_chain
    cursor = 2  # FAT32's root directory lands on cluster 2, the conventional root cluster
    for node in live:
        node.first_cluster = cursor
        _link_chain(fat, cursor, node.cluster_count, geometry.end_of_chain)
        cursor += node.cluster_count
    cursor = geometry.cluster_count + 2 - sum(node.cluster_count for node in deleted)
    for node in deleted:
        node.first_cluster = cursor  # recorded in the 0xE5 entry, but left 0 (free) in the FAT
        cursor += node.cluster_count
    return fat


def _check_fixed_root(slots: int, geometry: _Geometry) -> None:
    if slots > geometry.root_entries:
        raise ValueError(
            f"the FAT16 root directory holds {geometry.root_entries} entries but {slots} are needed "
            "(each long name takes extra entries); put files in subdirectories"
        )


def _check_fits(live: list[_Node], deleted: list[_Node], geometry: _Geometry) -> None:
    needed = sum(node.cluster_count for node in live) + sum(node.cluster_count for node in deleted)
    if needed > geometry.cluster_count:
        raise ValueError(
            f"content needs {needed} clusters of {geometry.cluster_bytes} B but the "
            f"FAT{geometry.fat_type} volume has {geometry.cluster_count} "
            f"({geometry.cluster_count * geometry.cluster_bytes} B); increase size_bytes"
        )


def _link_chain(fat: list[int], first: int, count: int, end_of_chain: int) -> None:
    for cluster in range(first, first + count - 1):
        fat[cluster] = cluster + 1
    fat[first + count - 1] = end_of_chain


# --- on-disk structures -----------------------------------------------------------------


def _dos_date_time(moment: datetime) -> tuple[int, int]:
    """FAT (date, time) words for ``moment`` in UTC; seconds are stored halved."""
    utc = moment.astimezone(timezone.utc)
    if not 1980 <= utc.year <= 2107:
        raise ValueError(f"{moment.isoformat()} is outside FAT's date range 1980-2107")
    date = (utc.year - 1980) << 9 | utc.month << 5 | utc.day
    time = utc.hour << 11 | utc.minute << 5 | utc.second // 2
    return date, time


def _short_entry(short_name: bytes, attributes: int, cluster: int, size: int, mtime: datetime) -> bytes:
    date, time = _dos_date_time(mtime)
    # Creation and access stamps get the same moment so every tool shows consistent times.
    return struct.pack(
        "<11sBBBHHHHHHHI",
        short_name,
        attributes,
        0,  # NT reserved (case flags): unused because every mixed-case name has a long name
        0,  # creation time, 10 ms units: 0 so creation equals modification exactly
        time,  # creation time
        date,  # creation date
        date,  # last access date
        cluster >> 16,
        time,
        date,
        cluster & 0xFFFF,
        size,
    )


def _mark_deleted(entry: bytes) -> bytes:
    return bytes([_DELETED_MARK]) + entry[1:]


def _child_entries(child: _Node) -> list[bytes]:
    assert child.mtime is not None  # every node has a time once the tree is built
    attributes = _ATTR_DIRECTORY if child.is_dir else _ATTR_ARCHIVE
    size = 0 if child.is_dir else len(child.data)
    cluster = child.first_cluster if child.cluster_count else 0
    entries = _lfn_entries(child.name, child.short_name) if child.needs_lfn else []
    entries.append(_short_entry(child.short_name, attributes, cluster, size, child.mtime))
    if child.deleted:
        # Windows marks the long-name entries too; undelete tools then see only the 0xE5 alias.
        entries = [_mark_deleted(entry) for entry in entries]
    return entries


def _directory_bytes(directory: _Node, *, parent_cluster: int | None, label: bytes | None,
                     label_mtime: datetime) -> bytes:
    """Serialized entries of ``directory``; ``parent_cluster`` is None for the root."""
    records: list[bytes] = []
    if parent_cluster is None:
        if label is not None:
            records.append(_short_entry(label, _ATTR_VOLUME_ID, 0, 0, label_mtime))
    else:
        assert directory.mtime is not None
        records.append(_short_entry(b".".ljust(11), _ATTR_DIRECTORY, directory.first_cluster, 0, directory.mtime))
        records.append(_short_entry(b"..".ljust(11), _ATTR_DIRECTORY, parent_cluster, 0, directory.mtime))
    for child in directory.children:
        records.extend(_child_entries(child))
    return b"".join(records)


class _FatVolume:
    """Writes one FAT file system (no partition table) into a zero-filled buffer."""

    def __init__(self, geometry: _Geometry, *, hidden_sectors: int, volume_id: int, label: bytes | None) -> None:
        self.geometry = geometry
        self.hidden_sectors = hidden_sectors
        self.volume_id = volume_id
        self.label = label

    def render(self, image: memoryview, root: _Node, fat: list[int], *, label_mtime: datetime) -> None:
        """Write the file system into ``image``, a zero-filled view starting at its first sector."""
        geometry = self.geometry
        boot = self._boot_sector()
        image[0:SECTOR_SIZE] = boot
        if geometry.fat_type == 32:
            fsinfo = self._fsinfo_sector(fat)
            image[SECTOR_SIZE : 2 * SECTOR_SIZE] = fsinfo
            # Backup copies at sectors 6 and 7, where BPB_BkBootSec points.
            image[6 * SECTOR_SIZE : 7 * SECTOR_SIZE] = boot
            image[7 * SECTOR_SIZE : 8 * SECTOR_SIZE] = fsinfo
        self._write_fats(image, fat)
        self._write_directory(image, root, parent_cluster=None, label_mtime=label_mtime)
        for node in root.walk():
            if not node.is_dir and node.cluster_count:
                self._write_clusters(image, node, node.data)

    def _boot_sector(self) -> bytes:
        g = self.geometry
        fat16 = g.fat_type == 16
        small = fat16 and g.total_sectors < 0x10000  # only then does the 16-bit count hold it
        sector = bytearray(SECTOR_SIZE)
        # The jump skips the BPB to a stub doing "int 18h" (boot failed, try the next device),
        # so a BIOS that tries to boot this volume gives up gracefully.
        jump_target = 0x3E if fat16 else 0x5A
        sector[0:3] = bytes([0xEB, jump_target - 2, 0x90])
        sector[jump_target : jump_target + 4] = b"\xcd\x18\xeb\xfe"
        struct.pack_into(
            "<8sHBHBHHBHHHII",
            sector,
            3,
            b"MSWIN4.1",  # the OEM name fatgen103 recommends for compatibility
            SECTOR_SIZE,
            g.sectors_per_cluster,
            g.reserved_sectors,
            2,  # number of FATs
            g.root_entries,
            g.total_sectors if small else 0,
            _MEDIA_FIXED_DISK,
            g.fat_sectors if fat16 else 0,
            63,  # sectors per track and heads: the usual LBA-translation values
            255,
            self.hidden_sectors,  # sectors before the volume: the partition start
            0 if small else g.total_sectors,
        )
        if fat16:
            self._pack_extended_bpb(sector, 36, b"FAT16   ")
        else:
            # FAT size, flags (both FATs mirrored), version 0.0, root cluster, FSInfo, backup.
            struct.pack_into("<IHHIHH", sector, 36, g.fat_sectors, 0, 0, 2, 1, 6)
            self._pack_extended_bpb(sector, 64, b"FAT32   ")
        sector[510:512] = b"\x55\xaa"
        return bytes(sector)

    def _pack_extended_bpb(self, sector: bytearray, offset: int, fs_type: bytes) -> None:
        label = self.label if self.label is not None else b"NO NAME    "
        # Drive 0x80 (hard disk), reserved, extended boot signature 0x29, serial, label, type.
        struct.pack_into("<BBBI11s8s", sector, offset, 0x80, 0, 0x29, self.volume_id, label, fs_type)

    @staticmethod
    def _fsinfo_sector(fat: list[int]) -> bytes:
        # Entries 0 and 1 are never 0, so every zero entry is a free cluster (deleted ones too).
        free = fat.count(0)
        next_free = next((i for i in range(2, len(fat)) if fat[i] == 0), 0xFFFFFFFF)
        sector = bytearray(SECTOR_SIZE)
        struct.pack_into("<I", sector, 0, 0x41615252)
        struct.pack_into("<IIII", sector, 484, 0x61417272, free, next_free, 0)
        struct.pack_into("<I", sector, 508, 0xAA550000)
        return bytes(sector)

    def _write_fats(self, image: memoryview, fat: list[int]) -> None:
        g = self.geometry
        table = struct.pack(f"<{len(fat)}{'H' if g.fat_type == 16 else 'I'}", *fat)
        for copy in range(2):
            offset = (g.reserved_sectors + copy * g.fat_sectors) * SECTOR_SIZE
            image[offset : offset + len(table)] = table

    def _write_directory(self, image: memoryview, directory: _Node, *, parent_cluster: int | None,
                         label_mtime: datetime) -> None:
        """Write ``directory`` and, recursively, its subdirectories (root: parent_cluster=None)."""
        is_root = parent_cluster is None
        content = _directory_bytes(directory, parent_cluster=parent_cluster,
                                   label=self.label if is_root else None, label_mtime=label_mtime)
        if is_root and self.geometry.fat_type == 16:
            offset = self.geometry.first_root_dir_sector * SECTOR_SIZE  # fixed region, no clusters
            image[offset : offset + len(content)] = content
        else:
            self._write_clusters(image, directory, content)
        # ".." holds 0 when the parent is the root, on FAT32 too (fatgen103).
        own_cluster = 0 if is_root else directory.first_cluster
        for child in directory.children:
            if child.is_dir:
                self._write_directory(image, child, parent_cluster=own_cluster, label_mtime=label_mtime)

    def _write_clusters(self, image: memoryview, node: _Node, content: bytes) -> None:
        # Allocation sized every node to hold its content; this guards the arithmetic.
        assert len(content) <= node.cluster_count * self.geometry.cluster_bytes
        offset = self.geometry.cluster_offset(node.first_cluster)
        image[offset : offset + len(content)] = content


def _master_boot_record(fat_type: int, fs_sectors: int, *, disk_signature: int) -> bytes:
    partition_type = 0x06 if fat_type == 16 else 0x0C  # FAT16 >32 MiB (CHS), FAT32 with LBA
    start = PARTITION_START_SECTOR
    mbr = bytearray(SECTOR_SIZE)
    struct.pack_into("<I", mbr, 440, disk_signature)
    struct.pack_into(
        "<B3sB3sII", mbr, 446, 0x00, _chs(start), partition_type, _chs(start + fs_sectors - 1), start, fs_sectors
    )
    mbr[510:512] = b"\x55\xaa"
    return bytes(mbr)


def _chs(lba: int) -> bytes:
    """CHS address for an MBR entry (255 heads, 63 sectors), saturating past cylinder 1023."""
    heads, sectors = 255, 63
    cylinder = lba // (heads * sectors)
    if cylinder > 1023:
        return b"\xfe\xff\xff"
    head = (lba // sectors) % heads
    sector = lba % sectors + 1
    return bytes([head, sector | (cylinder >> 2) & 0xC0, cylinder & 0xFF])
