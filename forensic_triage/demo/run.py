"""`forensic-triage demo`: build the demo evidence, make a case, add, ingest, summarise."""

from __future__ import annotations

import shutil
from pathlib import Path

from forensic_triage.demo.evidence import build_demo_image
from forensic_triage.demo.story import ABOUT
from forensic_triage.errors import CaseError
from forensic_triage.evidence.add import add_evidence
from forensic_triage.ingest.run import ingest
from forensic_triage.progress import Finished, Work
from forensic_triage.store.case_store import CaseStore
from forensic_triage.summary import case_summary

MARKER = ".forensic-triage-demo"


def run_demo(directory: Path, *, jobs: int | None = None) -> Work:
    directory = Path(directory)
    if directory.exists():
        # Only ever replace a folder this command made before.
        if not (directory / MARKER).exists():
            raise CaseError(f"{directory} exists and is not a demo folder: choose another DIR")
        shutil.rmtree(directory)
    (directory / "evidence").mkdir(parents=True)
    (directory / MARKER).write_text("made by `forensic-triage demo`; safe to delete\n")
    image = build_demo_image(directory / "evidence" / "phone.img")
    image.chmod(0o444)
    store = CaseStore.create(directory / "case", case_number="DEMO-2026-001", examiner="Demo Examiner",
                             agency="forensic-triage demo lab", title="Demo: Android phone of Sam Carter (fictional)",
                             region="GB", display_tz="Europe/London")
    try:
        for event in add_evidence(store, image, exhibit_id="PHONE-01", description="Demo Android phone storage (FAT32)",
                                  received_from="Demo Officer", received_at="2026-03-12T10:00:00Z"):
            if not isinstance(event, Finished):
                yield event
        for event in ingest(store, jobs=jobs):
            if not isinstance(event, Finished):
                yield event
        summary = case_summary(store, highlights=True)
    finally:
        store.close()   # releases the write lock, so the next command can open the case at once
    summary["about"] = list(ABOUT)
    yield Finished(result=summary)
