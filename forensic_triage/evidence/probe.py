"""Find the volumes of a disk and say, for each, whether and how we read it."""

from __future__ import annotations

import struct
from dataclasses import dataclass

import pytsk3

from forensic_triage.evidence.media import MediaReader
from forensic_triage.evidence.tsk import fs_type_name, tsk_image

# Volume status words, stored with each volume and shown to the examiner.
READABLE = "readable"
ENCRYPTED = "encrypted"
UNSUPPORTED = "unsupported"
EMPTY = "empty"
UNRECOGNISED = "unrecognised"

_BITLOCKER_TO_GO_GUID = bytes.fromhex("3bd66749292ed84a8399f6a339e3d001")


@dataclass(frozen=True, kw_only=True, slots=True)
class VolumeInfo:
    index: int                 # order on the disk, from 0
    offset: int                # bytes from the start of the media
    length: int                # bytes
    description: str           # partition table entry, e.g. "Linux (0x83)", or "whole disk"
    fs_type: str | None        # NTFS, FAT32, ext4, APFS, ...
    status: str                # readable / encrypted / unsupported / empty / unrecognised
    reader: str | None         # "tsk" or "apfs": which library walks it
    note: str | None = None    # plain-language reason or caveat
    apfs_volume: int | None = None  # index inside an APFS container, which holds several volumes

    def as_row(self) -> dict:
        return {"idx": self.index, "offset": self.offset, "length": self.length,
                "description": self.description, "fs_type": self.fs_type, "status": self.status,
                "reader": self.reader, "note": self.note, "apfs_volume": self.apfs_volume}


@dataclass(frozen=True, kw_only=True, slots=True)
class ProbeResult:
    partition_table: str | None     # "dos", "gpt", ... or None
    volumes: tuple[VolumeInfo, ...]

    @property
    def readable(self) -> tuple[VolumeInfo, ...]:
        return tuple(volume for volume in self.volumes if volume.status == READABLE)


_VS_TYPES = {
    pytsk3.TSK_VS_TYPE_DOS: "dos",
    pytsk3.TSK_VS_TYPE_GPT: "gpt",
    pytsk3.TSK_VS_TYPE_MAC: "mac",
    pytsk3.TSK_VS_TYPE_BSD: "bsd",
    pytsk3.TSK_VS_TYPE_SUN: "sun",
}


def probe_media(reader: MediaReader) -> ProbeResult:
    image = tsk_image(reader)
    try:
        volume_system = pytsk3.Volume_Info(image)
    except (OSError, RuntimeError):
        volume_system = None
    if volume_system is None:
        volumes = _probe_volume(image, reader, index=0, offset=0, length=reader.size, description="whole disk")
        return ProbeResult(partition_table=None, volumes=tuple(volumes))

    block = volume_system.info.block_size
    table = _VS_TYPES.get(int(volume_system.info.vstype), str(volume_system.info.vstype))
    volumes = []
    for part in volume_system:
        if not int(part.flags) & pytsk3.TSK_VS_PART_FLAG_ALLOC:
            continue  # table entries and unpartitioned gaps, not volumes
        description = part.desc.decode("utf-8", "replace") if isinstance(part.desc, bytes) else str(part.desc)
        volumes.extend(_probe_volume(image, reader, index=len(volumes), offset=part.start * block,
                                     length=part.len * block, description=description))
    if not volumes:
        volumes.extend(_probe_volume(image, reader, index=0, offset=0, length=reader.size,
                                     description="whole disk (partition table lists no partitions)"))
    return ProbeResult(partition_table=table, volumes=tuple(volumes))


def _probe_volume(image, reader: MediaReader, *, index: int, offset: int, length: int,
                  description: str) -> list[VolumeInfo]:
    """The volumes at one partition: one, or one per APFS volume in a container."""
    head = reader.read(offset, 4096)

    def make(fs_type, status, reader_name, note=None, apfs_volume=None, sub=0) -> VolumeInfo:
        return VolumeInfo(index=index + sub, offset=offset, length=length, description=description,
                          fs_type=fs_type, status=status, reader=reader_name, note=note, apfs_volume=apfs_volume)

    return [*_classify(image, reader, offset, length, head, make)]


def _classify(image, reader: MediaReader, offset: int, length: int, head: bytes, make):
    # Encrypted volumes are named before the Sleuth Kit tries them, so the examiner learns
    # what key is needed instead of "cannot determine file system type".
    if head[3:11] == b"-FVE-FS-":
        return [make("BitLocker", ENCRYPTED, None, "BitLocker-encrypted: recovery key needed")]
    if head[:6] == b"LUKS\xba\xbe":
        return [make("LUKS", ENCRYPTED, None, "LUKS-encrypted: passphrase or key needed")]
    if head[32:36] == b"NXSB":
        return _probe_apfs(reader, offset, length, make)

    try:
        fs_info = pytsk3.FS_Info(image, offset=offset)
    except (OSError, RuntimeError):
        fs_info = None
    if fs_info is not None:
        fs_type = fs_type_name(fs_info)
        if head[0x1A8:0x1B8] == _BITLOCKER_TO_GO_GUID:
            return [make(fs_type, READABLE, "tsk",
                         "BitLocker To Go volume: BitLocker-encrypted: recovery key needed for its "
                         "protected contents; only the unencrypted discovery volume (reader program) is listed")]
        return [make(fs_type, READABLE, "tsk")]

    return [_explain_unreadable(reader, offset, head, make)]


def _probe_apfs(reader: MediaReader, offset: int, length: int, make) -> list[VolumeInfo]:
    from forensic_triage.evidence.apfs import open_container

    try:
        container = open_container(reader, offset, length)
        volumes = [container.get_volume(i) for i in range(container.get_number_of_volumes())]
        found = [(volume.name or f"volume {i}", volume.is_locked()) for i, volume in enumerate(volumes)]
        container.close()
    except (OSError, ValueError) as exc:
        return [make("APFS", UNSUPPORTED, None, f"APFS container could not be read: {str(exc).splitlines()[0]}")]
    if not found:
        return [make("APFS", EMPTY, None, "APFS container holds no volumes")]
    return [make("APFS", ENCRYPTED, None, f"APFS volume '{name}' is encrypted: key needed", apfs_volume=i, sub=i)
            if locked else make("APFS", READABLE, "apfs", f"APFS volume '{name}'", apfs_volume=i, sub=i)
            for i, (name, locked) in enumerate(found)]


def _explain_unreadable(reader: MediaReader, offset: int, head: bytes, make) -> VolumeInfo:
    second = reader.read(offset + 512, 512)
    if second[:8] == b"LABELONE" and b"LVM2" in second[24:32]:
        return make("LVM2", UNSUPPORTED, None, "LVM physical volume: logical volumes are not supported")
    if head[:4] == b"\xeb\x52\x90N" and head[3:11] == b"NTFS    " and head[11:13] != b"\x00\x02":
        sector = struct.unpack_from("<H", head, 11)[0]
        return make("NTFS", UNSUPPORTED, None, f"NTFS with {sector}-byte sectors: The Sleuth Kit cannot read it")
    if head[:1] in (b"\xeb", b"\xe9") and (head[54:57] == b"FAT" or head[82:87] == b"FAT32"):
        sector = struct.unpack_from("<H", head, 11)[0]
        if sector != 512:
            return make("FAT", UNSUPPORTED, None,
                        f"FAT with {sector}-byte sectors: The Sleuth Kit reads FAT only with 512-byte sectors")
        return make("FAT", UNSUPPORTED, None, "FAT boot sector present but the file system is damaged")
    if head[3:11] == b"NTFS    ":
        return make("NTFS", UNSUPPORTED, None, "NTFS boot sector present but the file system is damaged")
    if not any(reader.read(offset, 65536)):
        return make(None, EMPTY, None, "zero-filled: no file system")
    return make(None, UNRECOGNISED, None, "no file system that The Sleuth Kit or libfsapfs recognises")
