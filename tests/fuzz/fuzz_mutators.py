"""Deterministic mutators for fuzzing evidence: generic byte damage plus format-aware damage to the
length, count and pointer fields that parsers trust (SQLite header, FAT BPB and cluster chains,
ext superblock and directory entries, EXIF IFDs, zip headers), and line-level damage for text.

Shared by the quick tests (tests/fuzz/) and the long campaign (benchmarks/fuzz_campaign.py).
Everything is driven by a ``random.Random`` the caller seeds, so ``(seed bytes, rng seed)`` names
one mutated input exactly: a finding is reproduced by re-running that pair.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Callable
from dataclasses import dataclass

SECTOR = 512
HUGE_32 = (0x7FFFFFFF, 0xFFFFFFFF, 0x80000000, 0x10000000, 0xFFFF)
HUGE_16 = (0xFFFF, 0x7FFF, 0x8000, 0x0000, 0x0001)
INTERESTING_BYTES = (0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE)


@dataclass(frozen=True)
class Seed:
    """One input to mutate: its bytes, a name for reports, and the 512-byte sectors that are not all
    zero (damage aimed there hits structures, not the empty space of a disk image)."""

    name: str
    data: bytes
    hot: tuple[int, ...]

    @classmethod
    def of(cls, name: str, data: bytes) -> Seed:
        zero = bytes(SECTOR)
        hot = tuple(index for index in range((len(data) + SECTOR - 1) // SECTOR)
                    if data[index * SECTOR:(index + 1) * SECTOR] != zero[:len(data[index * SECTOR:(index + 1) * SECTOR])])
        return cls(name, data, hot or (0,))


@dataclass(frozen=True)
class Mutation:
    data: bytes
    how: str          # what was done, for the report (e.g. "fat.bpb sectors_per_cluster=0xff")


def _offset(seed: Seed, rng: random.Random) -> int:
    """An offset inside a non-empty sector (or anywhere, one time in eight)."""
    if not seed.data:
        return 0
    if rng.random() < 0.125:
        return rng.randrange(len(seed.data))
    sector = rng.choice(seed.hot)
    return min(len(seed.data) - 1, sector * SECTOR + rng.randrange(SECTOR))


def _put(data: bytearray, offset: int, fmt: str, value: int) -> bool:
    size = struct.calcsize(fmt)
    if offset < 0 or offset + size > len(data):
        return False
    data[offset:offset + size] = struct.pack(fmt, value & ((1 << (8 * size)) - 1))
    return True


# --- generic damage -------------------------------------------------------------------------------

def bit_flips(seed: Seed, rng: random.Random) -> Mutation:
    data = bytearray(seed.data)
    count = rng.choice((1, 1, 2, 4, 8, 32))
    for _ in range(count):
        if data:
            data[_offset(seed, rng)] ^= 1 << rng.randrange(8)
    return Mutation(bytes(data), f"bitflip x{count}")


def interesting_bytes(seed: Seed, rng: random.Random) -> Mutation:
    data = bytearray(seed.data)
    count = rng.choice((1, 2, 8))
    for _ in range(count):
        if data:
            data[_offset(seed, rng)] = rng.choice(INTERESTING_BYTES)
    return Mutation(bytes(data), f"bytes x{count}")


def truncate(seed: Seed, rng: random.Random) -> Mutation:
    if len(seed.data) < 2:
        return Mutation(b"", "truncate to 0")
    choice = rng.random()
    if choice < 0.3:
        keep = len(seed.data) // 2
    elif choice < 0.5:
        keep = max(1, (_offset(seed, rng) // SECTOR) * SECTOR)
    else:
        keep = rng.randrange(1, len(seed.data))
    return Mutation(seed.data[:keep], f"truncate to {keep}")


def zero_block(seed: Seed, rng: random.Random) -> Mutation:
    data = bytearray(seed.data)
    size = rng.choice((16, 64, SECTOR, 4096))
    start = _offset(seed, rng)
    if size >= SECTOR:
        start -= start % SECTOR
    end = min(len(data), start + size)
    data[start:end] = bytes(end - start)
    return Mutation(bytes(data), f"zero {start}+{end - start}")


def duplicate_block(seed: Seed, rng: random.Random) -> Mutation:
    """Copy one block over another (a sector written twice) or insert a copy (a repeated record)."""
    data = bytearray(seed.data)
    size = rng.choice((8, 64, SECTOR, 4096))
    source = _offset(seed, rng)
    block = bytes(data[source:source + size])
    target = _offset(seed, rng)
    if rng.random() < 0.5:
        data[target:target + len(block)] = block
        return Mutation(bytes(data)[:len(seed.data)], f"overwrite {target} with copy of {source}+{len(block)}")
    return Mutation(bytes(data[:target]) + block + bytes(data[target:]), f"insert copy of {source}+{len(block)} at {target}")


def inflate_integer(seed: Seed, rng: random.Random) -> Mutation:
    """Find a small aligned little- or big-endian integer (a likely length, count or offset) and make
    it huge, zero or negative."""
    data = bytearray(seed.data)
    fmt = rng.choice(("<I", ">I", "<H", ">H"))
    size = struct.calcsize(fmt)
    for _ in range(64):
        offset = _offset(seed, rng)
        offset -= offset % size
        if offset + size > len(data):
            continue
        value = struct.unpack_from(fmt, data, offset)[0]
        if 0 < value < 0x10000:
            new = rng.choice(HUGE_32 if size == 4 else HUGE_16)
            _put(data, offset, fmt, new)
            return Mutation(bytes(data), f"inflate {fmt}@{offset} {value}->{new:#x}")
    return bit_flips(seed, rng)


def swap_fields(seed: Seed, rng: random.Random) -> Mutation:
    """Swap two nearby 2- or 4-byte fields (e.g. a size and an offset)."""
    data = bytearray(seed.data)
    size = rng.choice((2, 4))
    first = _offset(seed, rng)
    first -= first % size
    second = first + size * rng.randrange(1, 8)
    if second + size > len(data):
        return bit_flips(seed, rng)
    a, b = bytes(data[first:first + size]), bytes(data[second:second + size])
    data[first:first + size], data[second:second + size] = b, a
    return Mutation(bytes(data), f"swap {first}<->{second} ({size} bytes)")


# --- format-aware damage --------------------------------------------------------------------------

SQLITE_MAGIC = b"SQLite format 3\x00"


def sqlite_header(seed: Seed, rng: random.Random) -> Mutation | None:
    """Page size, page count, freelist, schema cookie, or a b-tree page's cell count / first cell offset."""
    data = bytearray(seed.data)
    start = seed.data.find(SQLITE_MAGIC)
    if start < 0 or len(data) < start + 100:
        return None
    page_size = struct.unpack_from(">H", data, start + 16)[0]
    page_size = 65536 if page_size == 1 else (page_size or 4096)
    choice = rng.randrange(6)
    if choice == 0:
        value = rng.choice((0, 1, 3, 512, 1024, 65535, 32768))
        _put(data, start + 16, ">H", value)
        return Mutation(bytes(data), f"sqlite page_size={value}")
    if choice == 1:
        value = rng.choice(HUGE_32 + (0, 1))
        _put(data, start + 28, ">I", value)
        return Mutation(bytes(data), f"sqlite page_count={value:#x}")
    if choice == 2:
        field = rng.choice((32, 36))     # first freelist trunk page, freelist page count
        value = rng.choice(HUGE_32 + (1, 2))
        _put(data, start + field, ">I", value)
        return Mutation(bytes(data), f"sqlite header@{field}={value:#x}")
    # A b-tree page header: page 1's starts at 100, page N's at (N-1)*page_size.
    pages = max(1, (len(data) - start) // page_size)
    page = rng.randrange(pages)
    header = start + (100 if page == 0 else page * page_size)
    if header + 12 > len(data):
        return None
    if choice == 3:
        value = rng.choice((0xFFFF, 0x7FFF, 0, 1000))
        _put(data, header + 3, ">H", value)
        return Mutation(bytes(data), f"sqlite page {page + 1} cell_count={value}")
    if choice == 4:
        value = rng.choice((0, 1, 0xFFFF, page_size - 1))
        _put(data, header + 5, ">H", value)
        return Mutation(bytes(data), f"sqlite page {page + 1} cell_content={value}")
    # Right-most child pointer (interior pages) pointing back at the page itself: a b-tree loop.
    if data[header] in (2, 5):
        _put(data, header + 8, ">I", page + 1)
        return Mutation(bytes(data), f"sqlite page {page + 1} right child -> itself")
    value = rng.choice(HUGE_32)
    _put(data, header + 1, ">H", value)
    return Mutation(bytes(data), f"sqlite page {page + 1} first_freeblock={value:#x}")


def _fat_start(data: bytes) -> int | None:
    """Byte offset of a FAT boot sector: at 0, or in the first MBR partition."""
    for start in (0, *_mbr_starts(data)):
        if len(data) >= start + SECTOR and data[start + 510:start + 512] == b"\x55\xaa" \
                and (data[start + 54:start + 59] == b"FAT16" or data[start + 82:start + 87] == b"FAT32"
                     or data[start + 54:start + 59] == b"FAT12"):
            return start
    return None


def _mbr_starts(data: bytes) -> list[int]:
    if len(data) < SECTOR or data[510:512] != b"\x55\xaa":
        return []
    starts = []
    for slot in range(4):
        entry = 446 + 16 * slot
        lba = struct.unpack_from("<I", data, entry + 8)[0]
        if data[entry + 4] and 0 < lba * SECTOR < len(data):
            starts.append(lba * SECTOR)
    return starts


def fat_bpb(seed: Seed, rng: random.Random) -> Mutation | None:
    """A BPB field (bytes per sector, sectors per cluster, reserved sectors, FAT count, root entries,
    total sectors, FAT size) set to zero, one, or huge."""
    start = _fat_start(seed.data)
    if start is None:
        return None
    data = bytearray(seed.data)
    fields = [(11, "<H", "bytes_per_sector"), (13, "<B", "sectors_per_cluster"), (14, "<H", "reserved"),
              (16, "<B", "fat_count"), (17, "<H", "root_entries"), (19, "<H", "total16"),
              (22, "<H", "fat_size16"), (32, "<I", "total32"), (36, "<I", "fat_size32"), (44, "<I", "root_cluster32")]
    offset, fmt, name = rng.choice(fields)
    value = rng.choice((0, 1, 3, 0xFF, 0xFFFF, 0xFFFFFFFF, 0x8000))
    _put(data, start + offset, fmt, value)
    return Mutation(bytes(data), f"fat.bpb {name}={value:#x}")


def _fat_geometry(data: bytes, start: int) -> tuple[int, int, int, int, int] | None:
    """(first FAT byte offset, FAT bytes, entry width, cluster bytes, data region offset)."""
    bps, spc, reserved, fats, root_entries = struct.unpack_from("<HBHBH", data, start + 11)
    fat16 = struct.unpack_from("<H", data, start + 22)[0]
    fat_size = fat16 or struct.unpack_from("<I", data, start + 36)[0]
    if not bps or not spc or not fat_size:
        return None
    width = 4 if not fat16 else 2
    root_bytes = ((root_entries * 32 + bps - 1) // bps) * bps
    first_fat = start + reserved * bps
    data_offset = first_fat + fats * fat_size * bps + root_bytes
    return first_fat, fat_size * bps, width, spc * bps, data_offset


def fat_loop(seed: Seed, rng: random.Random) -> Mutation | None:
    """A cluster chain that points back at itself or an earlier cluster, or a subdirectory whose
    start cluster is its parent's (a directory loop)."""
    start = _fat_start(seed.data)
    if start is None:
        return None
    geometry = _fat_geometry(seed.data, start)
    if geometry is None:
        return None
    first_fat, fat_bytes, width, cluster_bytes, data_offset = geometry
    data = bytearray(seed.data)
    fmt = "<I" if width == 4 else "<H"
    used = [index for index in range(2, min(fat_bytes // width, 65536))
            if first_fat + (index + 1) * width <= len(data) and struct.unpack_from(fmt, data, first_fat + index * width)[0]]
    if rng.random() < 0.5 and used:
        cluster = rng.choice(used)
        target = rng.choice((cluster, max(2, cluster - 1), 2))
        _put(data, first_fat + cluster * width, fmt, target)
        return Mutation(bytes(data), f"fat chain {cluster}->{target}")
    # Directory loop: a subdirectory entry (attribute 0x10, not "." / "..") gets the start cluster of
    # the directory holding it (read from that directory's "." entry), or 0 (FAT16's root).
    entries = []
    for offset in range(data_offset, min(len(data), data_offset + 64 * cluster_bytes), 32):
        name = data[offset:offset + 11]
        if data[offset + 11] == 0x10 and name[:1] not in (b".", b"\x00", b"\xe5"):
            entries.append(offset)
    if not entries:
        return None
    offset = rng.choice(entries)
    home = offset - (offset - data_offset) % cluster_bytes
    parent_cluster = struct.unpack_from("<H", data, home + 26)[0] if data[home:home + 2] == b". " else 0
    _put(data, offset + 26, "<H", parent_cluster)
    _put(data, offset + 20, "<H", 0)
    return Mutation(bytes(data), f"fat dir loop entry@{offset} -> cluster {parent_cluster}")


EXT_SUPERBLOCK = 1024


def _ext_start(data: bytes) -> int | None:
    for start in (0, *_mbr_starts(data)):
        if len(data) >= start + EXT_SUPERBLOCK + 90 and data[start + EXT_SUPERBLOCK + 56:start + EXT_SUPERBLOCK + 58] \
                == b"\x53\xef":
            return start
    return None


def ext_superblock(seed: Seed, rng: random.Random) -> Mutation | None:
    """Inode/block counts, blocks or inodes per group, block size, inode size, first data block."""
    start = _ext_start(seed.data)
    if start is None:
        return None
    data = bytearray(seed.data)
    fields = [(0, "<I", "inodes_count"), (4, "<I", "blocks_count"), (20, "<I", "first_data_block"),
              (24, "<I", "log_block_size"), (32, "<I", "blocks_per_group"), (40, "<I", "inodes_per_group"),
              (88, "<H", "inode_size"), (12, "<I", "free_blocks"), (16, "<I", "free_inodes")]
    offset, fmt, name = rng.choice(fields)
    value = rng.choice((0, 1, 7, 0xFFFF, 0xFFFFFFFF, 0x7FFFFFFF))
    _put(data, start + EXT_SUPERBLOCK + offset, fmt, value)
    return Mutation(bytes(data), f"ext.superblock {name}={value:#x}")


def ext_dir_loop(seed: Seed, rng: random.Random) -> Mutation | None:
    """A directory entry naming a subdirectory rewritten to point at the parent's inode (taken from
    the block's ".." entry), or at the directory itself, or given a huge rec_len / name_len."""
    if _ext_start(seed.data) is None:
        return None
    data = bytearray(seed.data)
    blocks = []
    position = seed.data.find(b"\x0c\x00\x01\x02.\x00\x00\x00")
    while position >= 4 and len(blocks) < 256:
        blocks.append(position - 4)
        position = seed.data.find(b"\x0c\x00\x01\x02.\x00\x00\x00", position + 1)
    if not blocks:
        return None
    block = rng.choice(blocks)
    own = struct.unpack_from("<I", data, block)[0]
    parent = struct.unpack_from("<I", data, block + 12)[0]
    offset = block + 12 + struct.unpack_from("<H", data, block + 16)[0]   # the entry after ".."
    if offset + 8 > len(data):
        return None
    choice = rng.randrange(3)
    if choice == 0:
        target = rng.choice((parent, own, 2))
        _put(data, offset, "<I", target)
        _put(data, offset + 7, "<B", 2)
        return Mutation(bytes(data), f"ext dir loop entry@{offset} -> inode {target}")
    if choice == 1:
        value = rng.choice((0, 8, 0xFFFF, 4))
        _put(data, offset + 4, "<H", value)
        return Mutation(bytes(data), f"ext dir entry@{offset} rec_len={value}")
    _put(data, offset + 6, "<B", 0xFF)
    return Mutation(bytes(data), f"ext dir entry@{offset} name_len=255")


def exif_ifd(seed: Seed, rng: random.Random) -> Mutation | None:
    """An IFD's entry count, an entry's count or value offset, or the next-IFD pointer made huge or
    pointed back at the IFD itself."""
    tiff = seed.data.find(b"Exif\x00\x00")
    tiff = tiff + 6 if tiff >= 0 else (0 if seed.data[:4] in (b"II*\x00", b"MM\x00*") else -1)
    if tiff < 0 or len(seed.data) < tiff + 8:
        return None
    data = bytearray(seed.data)
    endian = "<" if data[tiff:tiff + 2] == b"II" else ">"
    ifd = struct.unpack_from(endian + "I", data, tiff + 4)[0]
    if tiff + ifd + 2 > len(data):
        return None
    count = struct.unpack_from(endian + "H", data, tiff + ifd)[0]
    choice = rng.randrange(4)
    if choice == 0 or count == 0:
        value = rng.choice((0xFFFF, 0x7FFF, 0, count + 1))
        _put(data, tiff + ifd, endian + "H", value)
        return Mutation(bytes(data), f"exif ifd0 count={value}")
    entry = tiff + ifd + 2 + 12 * rng.randrange(count)
    if entry + 12 > len(data):
        return None
    if choice == 1:
        value = rng.choice(HUGE_32)
        _put(data, entry + 4, endian + "I", value)
        return Mutation(bytes(data), f"exif entry@{entry} count={value:#x}")
    if choice == 2:
        value = rng.choice(HUGE_32 + (ifd, 0))
        _put(data, entry + 8, endian + "I", value)
        return Mutation(bytes(data), f"exif entry@{entry} offset={value:#x}")
    nxt = tiff + ifd + 2 + 12 * count
    _put(data, nxt, endian + "I", ifd)
    return Mutation(bytes(data), "exif next-IFD -> itself")


def zip_headers(seed: Seed, rng: random.Random) -> Mutation | None:
    """A local or central header's sizes or name length, or the end record's counts and offsets."""
    signatures = {b"PK\x03\x04": [(18, "csize"), (22, "usize"), (26, "name_len"), (28, "extra_len")],
                  b"PK\x01\x02": [(20, "csize"), (24, "usize"), (28, "name_len"), (42, "local_offset")],
                  b"PK\x05\x06": [(8, "entries_disk"), (10, "entries"), (12, "cd_size"), (16, "cd_offset")]}
    found = [(position, signature) for signature in signatures
             for position in _all(seed.data, signature)]
    if not found:
        return None
    data = bytearray(seed.data)
    position, signature = rng.choice(found)
    offset, name = rng.choice(signatures[signature])
    fmt = "<H" if name in ("name_len", "extra_len", "entries_disk", "entries") else "<I"
    value = rng.choice(HUGE_16 if fmt == "<H" else HUGE_32 + (0,))
    _put(data, position + offset, fmt, value)
    return Mutation(bytes(data), f"zip {signature[2:4].hex()}@{position} {name}={value:#x}")


def _all(data: bytes, needle: bytes, limit: int = 64) -> list[int]:
    found, position = [], data.find(needle)
    while position >= 0 and len(found) < limit:
        found.append(position)
        position = data.find(needle, position + 1)
    return found


def text_lines(seed: Seed, rng: random.Random) -> Mutation | None:
    """For text formats: drop, repeat or swap lines, cut a line in half, or splice in a huge number,
    an unbalanced bracket, a stray separator or odd Unicode."""
    if b"\x00" in seed.data[:4096] or not seed.data:
        return None
    lines = seed.data.split(b"\n")
    index = rng.randrange(len(lines))
    choice = rng.randrange(6)
    if choice == 0:
        del lines[index]
        how = "drop line"
    elif choice == 1:
        lines[index:index] = [lines[index]] * rng.choice((2, 50))
        how = "repeat line"
    elif choice == 2:
        other = rng.randrange(len(lines))
        lines[index], lines[other] = lines[other], lines[index]
        how = "swap lines"
    elif choice == 3:
        lines[index] = lines[index][:len(lines[index]) // 2]
        how = "cut line"
    else:
        junk = rng.choice((b"99999999999999999999999", b"-1", b"{", b"}", b"[", b"<", b"\"", b":", b";", b"=",
                           b"\xff\xfe", "\u202e\u0000\ud7ff".encode("utf-8", "surrogatepass"), b"\r", b"%",
                           b"0000-00-00T00:00:00Z", b"+", b"9" * 400))
        line = lines[index]
        cut = rng.randrange(len(line) + 1)
        lines[index] = line[:cut] + junk + line[cut:]
        how = f"splice {junk[:12]!r}"
    return Mutation(b"\n".join(lines), f"text {how} at line {index}")


Mutator = Callable[[Seed, random.Random], "Mutation | None"]

GENERIC: tuple[tuple[Mutator, int], ...] = (
    (bit_flips, 5), (interesting_bytes, 3), (truncate, 3), (zero_block, 3), (duplicate_block, 2),
    (inflate_integer, 4), (swap_fields, 2))
STRUCTURED: tuple[tuple[Mutator, int], ...] = (
    (sqlite_header, 6), (fat_bpb, 4), (fat_loop, 5), (ext_superblock, 4), (ext_dir_loop, 5), (exif_ifd, 6),
    (zip_headers, 6), (text_lines, 6))


def mutate(seed: Seed, rng: random.Random, *, rounds: int | None = None) -> Mutation:
    """One to three stacked mutations; format-aware ones are tried first when they apply."""
    rounds = rounds or rng.choice((1, 1, 1, 2, 3))
    current, hows = seed, []
    for _ in range(rounds):
        result = None
        if rng.random() < 0.6:
            applicable = [(mutator, weight) for mutator, weight in STRUCTURED]
            rng.shuffle(applicable)
            for mutator, _weight in sorted(applicable, key=lambda pair: -pair[1] * rng.random()):
                result = mutator(current, rng)
                if result is not None:
                    break
        if result is None:
            mutators, weights = zip(*GENERIC)
            result = rng.choices(mutators, weights)[0](current, rng)
        hows.append(result.how)
        current = Seed(current.name, result.data, current.hot) if len(result.data) == len(current.data) \
            else Seed.of(current.name, result.data)
    return Mutation(current.data, "; ".join(hows))
