"""`add`: hash the evidence in one read, find its volumes, and record it, or refuse with a reason.

Nothing is stored until every check has passed, and then everything (evidence row, volumes,
warnings, custody entry) lands in one transaction.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from forensic_triage.canonical import dumps
from forensic_triage.errors import EvidenceError
from forensic_triage.evidence.detect import ContainerSpec, detect_container
from forensic_triage.evidence.evidence_hash import decompress_gzip, hash_logical, hash_media
from forensic_triage.evidence.media import open_media
from forensic_triage.evidence.probe import READABLE, ProbeResult, probe_media
from forensic_triage.hashing import Digests
from forensic_triage.progress import Finished, Notice, Work
from forensic_triage.sdk.times import format_utc
from forensic_triage.store.case_store import CaseStore, utc_now
from forensic_triage.versions import library_versions

def parse_received_at(text: str | None, display_tz: str | None) -> str | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise EvidenceError(f"--received-at must be an ISO 8601 time such as 2026-03-01T14:30+01:00, not {text!r}") from None
    if moment.tzinfo is None:
        if not display_tz:
            raise EvidenceError("--received-at has no time zone: add one (e.g. +01:00 or Z), "
                                "or set the case's --display-tz")
        from zoneinfo import ZoneInfo

        moment = moment.replace(tzinfo=ZoneInfo(display_tz))
    return format_utc(moment.astimezone(timezone.utc))


def add_evidence(store: CaseStore, path: Path, *, exhibit_id: str | None = None, description: str | None = None,
                 received_from: str | None = None, received_at: str | None = None) -> Work:
    case = store.case_info()
    received_utc = parse_received_at(received_at, case.get("display_tz"))
    spec = detect_container(Path(path))
    exhibit_id = exhibit_id or _next_exhibit_id(store)
    if store.conn.execute("SELECT 1 FROM evidence WHERE exhibit_id = ?", (exhibit_id,)).fetchone():
        raise EvidenceError(f"exhibit id {exhibit_id} is already used in this case")
    before = _segment_facts(spec)

    working_copy = None
    working_key = None
    probe: ProbeResult | None = None
    meta: dict[str, Any] = {}
    acquisition: dict[str, Any] = {}
    if spec.logical:
        digests, meta = yield from hash_logical(spec)
        media_size = meta.pop("stream_bytes")
    else:
        if spec.kind == "gzip_raw":
            # An encrypted case keeps the copy encrypted under a key derived for this one file.
            name = f"{exhibit_id}.raw.enc" if store.encrypted else f"{exhibit_id}.raw"
            working_copy = store.case_dir / "scratch" / name
            working_key = store.working_file_key(str(working_copy.relative_to(store.case_dir)))
            digests, meta = yield from decompress_gzip(spec, working_copy, working_key)
        reader = open_media(spec, working_copy, working_key)
        try:
            if spec.kind != "gzip_raw":
                digests = yield from hash_media(reader, spec.path.name)
            media_size = reader.size
            meta |= _container_meta(spec)
            acquisition = _acquisition(spec, digests)
            probe = probe_media(reader)
        finally:
            reader.close()
        # An APFS container whose volumes are all locked is still read (its structure lists
        # them); it is kept with an "encrypted: key needed" warning row per volume.
        if not probe.readable and not any(v.fs_type == "APFS" and v.status == "encrypted" for v in probe.volumes):
            _discard(working_copy)
            reasons = "; ".join(
                f"{v.description} at byte {v.offset}: {v.note or v.status}" for v in probe.volumes)
            encrypted = [v.note for v in probe.volumes if v.status == "encrypted" and v.note]
            headline = encrypted[0] if encrypted else "no file system that we read"
            raise EvidenceError(f"{spec.path.name}: {headline} ({reasons})")

    duplicate = store.conn.execute("SELECT exhibit_id FROM evidence WHERE sha256 = ?", (digests.sha256,)).fetchone()
    if duplicate:
        _discard(working_copy)
        raise EvidenceError(f"this evidence is already in the case as exhibit {duplicate[0]} (same SHA-256)")
    if _segment_facts(spec) != before:
        _discard(working_copy)
        raise EvidenceError(f"{spec.path.name} changed while it was being hashed: refusing to record it")

    row = {"exhibit_id": exhibit_id, "description": description, "received_from": received_from,
           "received_at": received_utc, "path": str(spec.path), "segments": dumps(before),
           "container": spec.kind, "logical": int(spec.logical), "media_size": media_size, **digests.as_dict(),
           "acquisition": dumps(acquisition), "container_meta": dumps(meta),
           "working_copy": str(working_copy.relative_to(store.case_dir)) if working_copy else None,
           "partition_table": probe.partition_table if probe else None, "added_utc": utc_now()}
    with store.transaction():
        (evidence_id,) = store.insert("evidence", [row])
        notices = []
        if probe:
            store.insert("volumes", [{"evidence_id": evidence_id, **volume.as_row()} for volume in probe.volumes])
            for volume in probe.volumes:
                if volume.status != READABLE or (volume.note and "recovery key" in volume.note):
                    message = f"volume {volume.index} ({volume.description}, byte {volume.offset}): " \
                              f"{volume.note or volume.status}"
                    store.add_warning(code=f"volume.{volume.status}", message=message, evidence_id=evidence_id,
                                      volume_idx=volume.index, context=volume.as_row())
                    notices.append(message)
        if acquisition.get("verdict") == "MISMATCH":
            message = f"acquisition hash MISMATCH: {acquisition['detail']}"
            store.add_warning(code="evidence.acquisition_mismatch", message=message, evidence_id=evidence_id)
            notices.append(message)
        store.append_custody("evidence.add", {"evidence_id": evidence_id, "exhibit_id": exhibit_id,
                                              "path": str(spec.path), "container": spec.kind,
                                              "segments": before, "hashes": digests.as_dict(),
                                              "media_size": media_size, "acquisition": acquisition,
                                              "libraries": library_versions()})
    for message in notices:
        yield Notice(message=message)
    yield Finished(result=store.evidence(evidence_id)[0])


def _next_exhibit_id(store: CaseStore) -> str:
    number = store.count("evidence") + 1
    while store.conn.execute("SELECT 1 FROM evidence WHERE exhibit_id = ?", (f"E{number:03d}",)).fetchone():
        number += 1
    return f"E{number:03d}"


def _segment_facts(spec: ContainerSpec) -> list[dict[str, Any]]:
    facts = []
    for segment in spec.segments:
        info = segment.stat()
        facts.append({"name": segment.name, "size": info.st_size, "mtime_ns": info.st_mtime_ns})
    return facts


def _discard(path: Path | None) -> None:
    if path is not None and path.exists():
        path.unlink()


def _container_meta(spec: ContainerSpec) -> dict[str, Any]:
    if spec.kind != "ewf":
        return {}
    import pyewf

    handle = pyewf.handle()
    handle.open([str(p) for p in spec.segments])
    try:
        headers = {key: value for key, value in (handle.get_header_values() or {}).items() if value}
        return {"ewf_headers": headers, "bytes_per_sector": handle.get_bytes_per_sector(),
                "compression": str(handle.get_compression_method()), "media_type": str(handle.get_media_type())}
    finally:
        handle.close()


def _acquisition(spec: ContainerSpec, digests: Digests) -> dict[str, Any]:
    """Compare the hashes the acquisition tool stored in the E01 with what we computed."""
    if spec.kind != "ewf":
        return {}
    import pyewf

    handle = pyewf.handle()
    handle.open([str(p) for p in spec.segments])
    try:
        stored = {key.lower().replace("-", ""): value.lower() for key, value in (handle.get_hash_values() or {}).items()
                  if value}
    finally:
        handle.close()
    computed = digests.as_dict()
    comparisons = {}
    for algorithm in ("md5", "sha1", "sha256"):
        if algorithm in stored:
            comparisons[algorithm] = {"stored": stored[algorithm], "computed": computed[algorithm],
                                      "verdict": "match" if stored[algorithm] == computed[algorithm] else "MISMATCH"}
    if not comparisons:
        return {"stored": {}, "verdict": "none stored", "detail": "the EWF image holds no acquisition hash"}
    bad = [name for name, item in comparisons.items() if item["verdict"] != "match"]
    verdict = "MISMATCH" if bad else "match"
    detail = ", ".join(f"{name.upper()} stored {item['stored']} computed {item['computed']} ({item['verdict']})"
                       for name, item in comparisons.items())
    return {"stored": stored, "comparisons": comparisons, "verdict": verdict, "detail": detail}
