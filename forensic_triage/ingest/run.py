"""`ingest`: for each evidence item, list and hash every file, then run the plugins.
Each step is resumable; custody entries mark the start and the end of every run."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from forensic_triage import netguard
from forensic_triage.errors import EvidenceError
from forensic_triage.evidence.access import EvidenceLocation
from forensic_triage.evidence.detect import ContainerSpec
from forensic_triage.evidence.probe import VolumeInfo
from forensic_triage.ingest.hash_stage import hash_files
from forensic_triage.ingest.plugin_stage import run_plugins
from forensic_triage.plugin_host.registry import Registry, discover
from forensic_triage.progress import Finished, Notice, Work
from forensic_triage.store.case_store import CaseStore
from forensic_triage.versions import library_versions, reader_versions


def default_jobs() -> int:
    return max(1, os.cpu_count() or 1)


def evidence_location(store: CaseStore, evidence: dict[str, Any]) -> EvidenceLocation:
    """Rebuild how to open an evidence item, and refuse if its files changed since `add`."""
    path = Path(evidence["path"])
    recorded = json.loads(evidence["segments"])
    segments = tuple(path.parent / item["name"] for item in recorded)
    for item, segment in zip(recorded, segments):
        if not segment.exists():
            raise EvidenceError(f"evidence file missing: {segment} (exhibit {evidence['exhibit_id']})")
        if segment.stat().st_size != item["size"]:
            raise EvidenceError(f"evidence file {segment} changed size since it was added "
                                f"(exhibit {evidence['exhibit_id']}): run `verify --image`")
    if evidence["logical"] and not path.exists():
        raise EvidenceError(f"evidence missing: {path} (exhibit {evidence['exhibit_id']})")
    spec = ContainerSpec(kind=evidence["container"], path=path, segments=segments)
    volumes = tuple(VolumeInfo(index=row["idx"], offset=row["offset"], length=row["length"],
                               description=row["description"], fs_type=row["fs_type"], status=row["status"],
                               reader=row["reader"], note=row["note"], apfs_volume=row["apfs_volume"])
                    for row in store.volumes(evidence["id"]))
    working_copy = store.case_dir / evidence["working_copy"] if evidence["working_copy"] else None
    if working_copy is not None and not working_copy.exists():
        raise EvidenceError(f"the decompressed working copy {working_copy} is missing; "
                            f"remove nothing from the case folder's scratch/ while the case is open")
    working_key = store.working_file_key(evidence["working_copy"]) if working_copy is not None else None
    return EvidenceLocation(spec=spec, working_copy=working_copy, volumes=volumes, working_key=working_key)


def _listing_complete(store: CaseStore, evidence_id: int) -> bool:
    """True when an earlier run finished listing and hashing this evidence (so only plugins
    that have not yet run on its files are left to do)."""
    for (action, details) in store.conn.execute(
            "SELECT action, details FROM custody WHERE action IN ('ingest.start', 'ingest.files_done') "
            "ORDER BY seq DESC"):
        if json.loads(details).get("evidence_id") == evidence_id:
            return action == "ingest.files_done"
    return False


def _drop_in_hashes(plugins) -> dict[str, str]:
    """SHA-256 of each drop-in plugin file used, so a changed plugin shows in the custody log."""
    import hashlib

    hashes = {}
    for info in plugins:
        if info.origin == "drop-in" and info.spec.startswith("file:"):
            path = Path(info.spec[len("file:"):].rpartition(":")[0])
            try:
                hashes[info.name] = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError as exc:
                hashes[info.name] = f"unreadable: {exc.strerror or exc}"
    return hashes


def _check_same_readers(store: CaseStore, evidence: dict[str, Any]) -> None:
    """A listing is resumed by walking again from the start, so it must be the same walk."""
    for (details,) in store.conn.execute("SELECT details FROM custody WHERE action = 'ingest.start' ORDER BY seq"):
        started = json.loads(details)
        if started.get("evidence_id") != evidence["id"]:
            continue
        recorded = {name: started.get("libraries", {}).get(name) for name in reader_versions()}
        if recorded != reader_versions():
            raise EvidenceError(f"the listing of exhibit {evidence['exhibit_id']} was started with {recorded} and "
                                f"this installation has {reader_versions()}: resuming would mix two walks; "
                                f"finish it with the original versions")
        return


def ingest(store: CaseStore, *, evidence_keys: list[str] | None = None, plugin_names: list[str] | None = None,
           no_plugins: bool = False, jobs: int | None = None, registry: Registry | None = None,
           plugin_dirs: list[Path] | None = None, recover_deleted: bool = False) -> Work:
    jobs = jobs or default_jobs()
    registry = registry or discover(plugin_dirs=plugin_dirs)
    plugins = [] if no_plugins else registry.select(plugin_names)
    versions = {info.name: info.version for info in plugins}
    items = [store.find_evidence(key) for key in evidence_keys] if evidence_keys else store.evidence()
    if not items:
        raise EvidenceError("the case holds no evidence yet: add some with `forensic-triage add`")
    for problem in registry.problems:
        yield Notice(message=f"plugin not loaded ({problem.origin}: {problem.spec}): {problem.message}")
    summary: dict[str, Any] = {"evidence": [], "plugins": versions}
    for evidence in items:
        location = evidence_location(store, evidence)
        already = store.count("files", "WHERE evidence_id = ?", (evidence["id"],))
        complete = _listing_complete(store, evidence["id"])
        if already and not complete:
            _check_same_readers(store, evidence)
        with store.transaction():
            for problem in registry.problems:
                store.add_warning(code="plugin.load_failed", message=problem.message, evidence_id=evidence["id"],
                                  context={"origin": problem.origin, "spec": problem.spec})
            store.append_custody("ingest.start", {"evidence_id": evidence["id"], "exhibit_id": evidence["exhibit_id"],
                                                  "jobs": jobs, "files_already_stored": already,
                                                  "listing_complete": complete, "plugins": versions,
                                                  "recover_deleted": recover_deleted,
                                                  "drop_in_plugins": _drop_in_hashes(plugins),
                                                  "libraries": library_versions()}, plugin_versions=versions)
        if complete:
            files = {"files": already, "bytes": 0, "warnings": 0, "skipped": "listing already complete"}
        else:
            files = yield from hash_files(store, evidence["id"], location, jobs)
        with store.transaction():
            store.append_custody("ingest.files_done", {"evidence_id": evidence["id"], "hashed_this_run": files})
        store.ensure_file_indexes()   # an interrupted listing may have left them out
        results = yield from run_plugins(store, evidence["id"], location, plugins, jobs,
                                         recover_deleted=recover_deleted)
        counts = {"files": store.count("files", "WHERE evidence_id = ?", (evidence["id"],)),
                  "artifacts": store.count("artifacts", "WHERE evidence_id = ?", (evidence["id"],)),
                  "warnings": store.count("warnings", "WHERE evidence_id = ?", (evidence["id"],))}
        refused = results.get("network_refused", []) + list(netguard.refused) if isinstance(results, dict) else []
        if refused:
            with store.transaction():
                store.append_custody("network.refused", {"evidence_id": evidence["id"], "attempts": refused[:100],
                                                         "count": len(refused)})
            yield Notice(message=f"{len(refused)} network access attempt(s) refused and logged: {refused[0]}")
            netguard.refused.clear()
        with store.transaction():
            store.append_custody("ingest.finish", {"evidence_id": evidence["id"], "exhibit_id": evidence["exhibit_id"],
                                                   "plugin_runs_this_run": results,
                                                   "totals": counts}, plugin_versions=versions)
        summary["evidence"].append({"exhibit_id": evidence["exhibit_id"], **counts})
    # The full-text index (derived, rebuildable, not sealed) is brought up to date here, so that
    # opening the case later (GUI) only reads.
    from forensic_triage.store.search import build_search_index

    build_search_index(store)
    yield Finished(result=summary)
