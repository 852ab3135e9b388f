"""The Sleuth Kit (pytsk3) over any MediaReader."""

from __future__ import annotations

import os
import time

import pytsk3

from forensic_triage.evidence.media import MediaReader, RawReader

# The Sleuth Kit turns FAT's zone-less local times into epoch seconds with mktime(), i.e. in
# the process's time zone. Pinning the process to UTC makes every listing independent of the
# workstation's zone: FAT times are then recorded as the wall-clock written on the disk.
os.environ["TZ"] = "UTC"
time.tzset()

FS_TYPE_NAMES = {
    pytsk3.TSK_FS_TYPE_NTFS: "NTFS",
    pytsk3.TSK_FS_TYPE_FAT12: "FAT12",
    pytsk3.TSK_FS_TYPE_FAT16: "FAT16",
    pytsk3.TSK_FS_TYPE_FAT32: "FAT32",
    pytsk3.TSK_FS_TYPE_EXFAT: "exFAT",
    pytsk3.TSK_FS_TYPE_EXT2: "ext2",
    pytsk3.TSK_FS_TYPE_EXT3: "ext3",
    pytsk3.TSK_FS_TYPE_EXT4: "ext4",
    pytsk3.TSK_FS_TYPE_HFS: "HFS+",
    pytsk3.TSK_FS_TYPE_ISO9660: "ISO9660",
    pytsk3.TSK_FS_TYPE_FFS1: "UFS1",
    pytsk3.TSK_FS_TYPE_FFS1B: "UFS1b",
    pytsk3.TSK_FS_TYPE_FFS2: "UFS2",
    pytsk3.TSK_FS_TYPE_YAFFS2: "YAFFS2",
    pytsk3.TSK_FS_TYPE_APFS: "APFS",
}


def fs_type_name(fs_info) -> str:
    value = int(fs_info.info.ftype)
    return FS_TYPE_NAMES.get(value, f"tsk-type-{value:#x}")


class ExternalImage(pytsk3.Img_Info):
    """Hands a MediaReader to the Sleuth Kit (the pattern pytsk3 documents for libyal images)."""

    def __init__(self, reader: MediaReader) -> None:
        self._reader = reader
        super().__init__(url="", type=pytsk3.TSK_IMG_TYPE_EXTERNAL)

    def read(self, offset: int, size: int) -> bytes:  # called by TSK
        return self._reader.read(offset, size)

    def get_size(self) -> int:  # called by TSK
        return self._reader.size

    def close(self) -> None:
        pass


def tsk_image(reader: MediaReader) -> pytsk3.Img_Info:
    # A single plain file goes straight to the Sleuth Kit's own raw reader: no Python call per
    # read, which matters when walking 100,000 files.
    if isinstance(reader, RawReader) and len(reader.paths) == 1:
        return pytsk3.Img_Info(url=str(reader.paths[0]))
    return ExternalImage(reader)
