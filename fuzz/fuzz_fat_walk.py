#!/usr/bin/env python3
"""atheris harness: a disk image (seed it with FAT16/ext2 images from fuzz/make_seeds.py) through
detection, volume probing and the Sleuth Kit walk, reading every file's bytes, in this process.
Allowed outcomes for bad input: TriageError (refused evidence), WalkIssue records, and OSError from a
file read of a damaged image. A segfault or abort inside The Sleuth Kit ends atheris with the input
saved: that is the finding (ingest survives it in a worker; the library should still be told).

    .venv/bin/python fuzz/fuzz_fat_walk.py fuzz/corpus/images -max_total_time=1800 -max_len=4194304
"""

import tempfile
from pathlib import Path

import harness

MODULES = ("forensic_triage.evidence.probe", "forensic_triage.evidence.walk_tsk", "forensic_triage.evidence.access")
MAX_FILES = 2000


def test_one_input(data: bytes) -> None:
    from forensic_triage.errors import TriageError
    from forensic_triage.evidence import entries
    from forensic_triage.evidence.access import EvidenceAccess, EvidenceLocation
    from forensic_triage.evidence.detect import detect_container
    from forensic_triage.evidence.media import open_media
    from forensic_triage.evidence.probe import probe_media

    with tempfile.TemporaryDirectory(prefix="ft-atheris-") as folder:
        path = Path(folder) / "disk.img"
        path.write_bytes(data)
        try:
            spec = detect_container(path)
            probe = probe_media(open_media(spec))
        except TriageError:
            return
        access = EvidenceAccess(EvidenceLocation(spec=spec, working_copy=None, volumes=probe.volumes))
        try:
            for count, item in enumerate(access.walk()):
                if count >= MAX_FILES:
                    break
                if isinstance(item, entries.FileEntry) and item.size:
                    try:
                        access.read(item, 0, min(item.size, 1 << 16))
                    except OSError:
                        pass
        except TriageError:
            pass
        finally:
            access.close()


if __name__ == "__main__":
    harness.main(test_one_input, MODULES)
