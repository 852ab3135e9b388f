"""Opening APFS containers through libfsapfs over any MediaReader."""

from __future__ import annotations

from forensic_triage.evidence.media import MediaFile, MediaReader


def open_container(reader: MediaReader, offset: int, length: int):
    import pyfsapfs

    container = pyfsapfs.container()
    container.open_file_object(MediaFile(reader, offset, length))
    return container
