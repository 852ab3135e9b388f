"""What `case info` and the demo print: the case, its evidence with hashes, and counts."""

from __future__ import annotations

import json
from typing import Any

from forensic_triage.describe import describe_artifact
from forensic_triage.store.case_store import CaseStore


def case_summary(store: CaseStore) -> dict[str, Any]:
    case = store.case_info()
    evidence = []
    for row in store.evidence():
        evidence.append({
            "exhibit_id": row["exhibit_id"], "description": row["description"], "path": row["path"],
            "container": row["container"], "media_size": row["media_size"], "received_from": row["received_from"],
            "received_at": row["received_at"], "added_utc": row["added_utc"],
            "hashes": {name: row[name] for name in ("md5", "sha1", "sha256", "blake3")},
            "acquisition": json.loads(row["acquisition"]),
            "volumes": [{key: volume[key] for key in ("idx", "offset", "description", "fs_type", "status", "note")}
                        for volume in store.volumes(row["id"])],
            "files": store.count("files", "WHERE evidence_id = ?", (row["id"],)),
            "deleted_files": store.count("files", "WHERE evidence_id = ? AND deleted = 1", (row["id"],)),
        })
    kinds = {kind: count for kind, count in store.conn.execute(
        "SELECT kind, COUNT(*) FROM artifacts GROUP BY kind ORDER BY kind")}
    last = store.last_custody()
    deleted = [row["path"] for row in store.conn.execute(
        "SELECT path FROM files WHERE deleted = 1 AND type != 'directory' ORDER BY id LIMIT 20")]
    findings = [describe_artifact(row["kind"], json.loads(row["data"]), json.loads(row["provenance"]))
                for row in store.conn.execute("SELECT kind, data, provenance FROM artifacts ORDER BY id LIMIT 20")]
    return {
        "case": {key: case.get(key) for key in ("case_number", "case_uuid", "title", "agency", "examiner",
                                                 "region", "display_tz", "created_utc")},
        "store": str(store.store_path(store.case_dir)),
        "evidence": evidence,
        "counts": {"files": store.count("files"), "artifacts": store.count("artifacts"), "artifacts_by_kind": kinds,
                   "warnings": store.count("warnings"), "custody_entries": last["seq"] if last else 0},
        "custody_head": last["entry_hash"] if last else None,
        "deleted_sample": deleted,
        "findings_sample": findings,
    }


def render_summary(summary: dict[str, Any]) -> str:
    case = summary["case"]
    lines = [f"Case {case['case_number']}" + (f": {case['title']}" if case.get("title") else ""),
             f"  examiner {case['examiner']}" + (f", {case['agency']}" if case.get("agency") else ""),
             f"  created {case['created_utc']}   store {summary['store']}"]
    for item in summary["evidence"]:
        lines.append(f"\nExhibit {item['exhibit_id']}: {item['description'] or item['path']}")
        lines.append(f"  {item['container']}, {item['media_size']:,} bytes, {item['files']:,} files "
                     f"({item['deleted_files']:,} deleted)")
        for name, value in item["hashes"].items():
            lines.append(f"  {name.upper():7} {value}")
        acquisition = item["acquisition"]
        for algorithm, comparison in acquisition.get("comparisons", {}).items():
            lines.append(f"  acquisition {algorithm.upper()} (stored in the image): {comparison['verdict']}")
        for volume in item["volumes"]:
            lines.append(f"  volume {volume['idx']} at byte {volume['offset']}: {volume['fs_type'] or '-'} "
                         f"[{volume['status']}]" + (f" {volume['note']}" if volume["note"] else ""))
    counts = summary["counts"]
    lines.append(f"\nFiles {counts['files']:,}   artifacts {counts['artifacts']:,}   warnings {counts['warnings']:,}   "
                 f"custody entries {counts['custody_entries']}")
    for kind, count in counts["artifacts_by_kind"].items():
        lines.append(f"  {kind}: {count:,}")
    if summary.get("deleted_sample"):
        lines.append("Deleted files recovered (first 20):")
        lines += [f"  {path}" for path in summary["deleted_sample"]]
    if summary.get("findings_sample"):
        lines.append("Findings (first 20):")
        lines += [f"  {line}" for line in summary["findings_sample"]]
    if summary["custody_head"]:
        lines.append(f"Custody log head: {summary['custody_head']}")
    return "\n".join(lines)
