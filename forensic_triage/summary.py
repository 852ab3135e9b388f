"""What `case info` and the demo print: the case, its evidence with hashes, and counts; for the
demo also the highlights a first-time user should see (people merged across apps, places, the
travel timeline) and the commands to try next.

``case_summary`` returns plain data (``case info --json`` prints it); ``render_summary`` turns it
into text. Times are shown in UTC with the zone named, never in the machine's local time.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from forensic_triage.describe import describe_artifact, short_time
from forensic_triage.store.case_store import CaseStore
from forensic_triage.store.query import (
    Scope,
    app_counts,
    iter_artifacts,
    kind_counts,
    warning_rows,
)

# Kinds with an app worth breaking down, and a reader's word for every kind.
_BY_APP = ("message", "call", "contact", "account")
KIND_WORDS = {"message": "messages", "call": "calls", "contact": "contacts", "account": "accounts (device owner)",
              "geo_point": "locations", "reservation": "bookings", "sqlite_database": "SQLite databases listed",
              "signature_mismatch": "files whose content does not match their name"}
TOP_PEOPLE = 8
MAX_LISTED = 20


def case_summary(store: CaseStore, *, highlights: bool = False) -> dict[str, Any]:
    """The case in plain data. ``highlights`` adds people, places and trips (they build the
    contact graph, so `case info` on a large case leaves them out)."""
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
    kinds = kind_counts(store)
    last = store.last_custody()
    deleted = [row["path"] for row in store.conn.execute(
        "SELECT path FROM files WHERE deleted = 1 AND type != 'directory' ORDER BY id LIMIT ?", (MAX_LISTED,))]
    findings = [describe_artifact(row["kind"], json.loads(row["data"]), json.loads(row["provenance"]))
                for row in store.conn.execute("SELECT kind, data, provenance FROM artifacts ORDER BY id LIMIT 20")]
    summary: dict[str, Any] = {
        "case": {key: case.get(key) for key in ("case_number", "case_uuid", "title", "agency", "examiner",
                                                 "region", "display_tz", "created_utc")},
        "case_dir": str(store.case_dir),
        "store": str(store.store_path(store.case_dir)),
        "encryption": encryption_summary(store),
        "evidence": evidence,
        "counts": {"files": store.count("files"), "artifacts": store.count("artifacts"), "artifacts_by_kind": kinds,
                   "warnings": store.count("warnings"), "custody_entries": last["seq"] if last else 0},
        "artifacts_by_app": {kind: app_counts(store, kind) for kind in _BY_APP if kind in kinds},
        "custody_head": last["entry_hash"] if last else None,
        "deleted_sample": deleted,
        "mismatches": [describe_artifact(record.kind, record.data, record.provenance)
                       for record in iter_artifacts(store, Scope(kinds=("signature_mismatch",)))][:MAX_LISTED],
        "warnings_sample": [{"path": row["path"], "plugin": row["plugin"], "code": row["code"],
                             "message": row["message"]} for _, row in zip(range(MAX_LISTED), warning_rows(store))],
        "findings_sample": findings,
    }
    if highlights:
        summary["people"] = people(store)
        summary["places"] = places(store)
        summary["travel"] = travel(store)
    return summary


def encryption_summary(store: CaseStore) -> dict[str, Any]:
    """Whether the store is encrypted at rest, and how (from the clear header: never a key)."""
    if store.encryption is None:
        return {"encrypted": False}
    return {"encrypted": True, **store.encryption.describe()}


# --- highlights --------------------------------------------------------------------------------------

def people(store: CaseStore, top: int = TOP_PEOPLE) -> list[dict[str, Any]]:
    """The owner and the busiest other identities of the contact graph, each with its apps and
    the forms its addresses take in the stores (E.164, national, JID, Telegram id...)."""
    from forensic_triage.graph.build import build_graph
    from forensic_triage.graph.identities import app_namespace, describe, identifier_key

    graph = build_graph(store)
    region = store.case_info().get("region")
    written: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for record in iter_artifacts(store, Scope(kinds=("message", "call", "contact"))):
        app = record.data.get("app") or "?"
        raws = [record.data.get("sender"), *(record.data.get("recipients") or []),
                *(record.data.get("parties") or []), *(record.data.get("phones") or [])]
        for raw in raws:
            key = identifier_key(raw, app_namespace(app), region) if raw else None
            identity = graph.key_to_id.get(key) if key else None
            if identity:
                written[identity][str(raw)].add(app)
    ranked = sorted(graph.identities, key=lambda ident: (not ident.owner, -(ident.messages + ident.calls),
                                                         ident.label, ident.id))
    out = []
    for identity in ranked[:top]:
        forms = written.get(identity.id, {})
        out.append({
            "id": identity.id, "label": identity.label, "owner": identity.owner,
            "names": list(identity.names), "apps": list(identity.apps),
            "identifiers": [describe(key) for key in identity.identifiers if not key.startswith("owner:")],
            "written_as": {raw: sorted(apps) for raw, apps in sorted(forms.items())},
            "messages": identity.messages, "calls": identity.calls,
        })
    return out


def places(store: CaseStore) -> dict[str, Any]:
    """Located artifacts in time order: place names with first and last time seen."""
    points = []
    for record in iter_artifacts(store, Scope(kinds=("geo_point",))):
        data = record.data
        name = data.get("place_name") or f"{data['latitude']:.4f}, {data['longitude']:.4f}"
        points.append({"time": record.time, "place": name, "latitude": data["latitude"],
                       "longitude": data["longitude"], "path": record.provenance.get("path"),
                       "deleted": bool(record.provenance.get("deleted")), "origin": data.get("origin")})
    points.sort(key=lambda point: (point["time"] is None, point["time"] or "", point["path"] or ""))
    visits: list[dict[str, Any]] = []
    for point in points:
        if visits and visits[-1]["place"] == point["place"]:
            visits[-1]["last"] = point["time"]
            visits[-1]["points"] += 1
        else:
            visits.append({"place": point["place"], "first": point["time"], "last": point["time"], "points": 1,
                           "example": point["path"], "deleted": point["deleted"]})
    return {"points": points, "visits": visits, "distinct_places": len({point["place"] for point in points})}


def travel(store: CaseStore) -> list[dict[str, Any]]:
    """Reservations merged into trips (mail, calendar, wallet pass, boarding pass), in time order."""
    from forensic_triage.travel.dedupe import trips

    out = []
    for trip in trips(store):
        data = trip.reservation
        out.append({
            "type": data.get("type"), "reservation_number": data.get("reservation_number"),
            "trip_number": data.get("trip_number"), "name": data.get("name"), "provider": data.get("provider"),
            "from": _place(data.get("departure")), "to": _place(data.get("arrival")),
            "start": (data.get("start") or {}).get("utc"), "end": (data.get("end") or {}).get("utc"),
            "start_time_zone": data.get("start_time_zone"), "end_time_zone": data.get("end_time_zone"),
            "travellers": list(data.get("travellers") or []), "status": data.get("status"),
            "sources": sorted({_SOURCE_WORDS.get(source.origin, source.origin) for source in trip.sources}),
        })
    return out


_APP_WORDS = {"com.google": "Google account"}
_SOURCE_WORDS = {"json-ld": "mail", "microdata": "mail", "ics": "calendar", "pkpass": "wallet pass",
                 "bcbp": "boarding pass"}


def _place(place: Any) -> str | None:
    if not isinstance(place, dict):
        return None
    return place.get("code") or place.get("name")


# --- text --------------------------------------------------------------------------------------------

def render_summary(summary: dict[str, Any]) -> str:
    case = summary["case"]
    lines = [f"Case {case['case_number']}" + (f": {case['title']}" if case.get("title") else ""),
             f"  examiner {case['examiner']}" + (f", {case['agency']}" if case.get("agency") else "") +
             f"; created {case['created_utc']}",
             f"  case store {summary['store']}"]
    if "encryption" in summary:
        lines += _render_encryption(summary["encryption"])
    if summary.get("about"):
        lines += ["", *summary["about"]]
    for item in summary["evidence"]:
        lines += _render_exhibit(item)
    if summary.get("deleted_sample"):
        lines.append(f"\nDeleted files recovered from free space ({len(summary['deleted_sample'])}"
                     f"{' shown' if len(summary['deleted_sample']) >= MAX_LISTED else ''})")
        lines += [f"  {path}" for path in summary["deleted_sample"]]
    lines += _render_artifacts(summary)
    if summary.get("mismatches"):
        lines.append("\nDisguised files (content does not match the name)")
        lines += [f"  {text}" for text in summary["mismatches"]]
    if "people" in summary:
        lines += _render_people(summary["people"])
        lines += _render_places(summary["places"])
        lines += _render_travel(summary["travel"])
    else:
        if summary.get("findings_sample"):
            lines.append("\nFirst findings")
            lines += [f"  {line}" for line in summary["findings_sample"]]
    counts = summary["counts"]
    lines.append(f"\nWarnings ({counts['warnings']:,})" + (": none" if not counts["warnings"] else ""))
    lines += [f"  {row['path'] or '-'}: {row['message']} [{row['plugin']}]" for row in summary["warnings_sample"]]
    if summary["custody_head"]:
        lines.append(f"\nCustody log: {counts['custody_entries']} entries, head {summary['custody_head']}")
    if "people" in summary:
        lines += _render_next(summary)
    return "\n".join(lines)


def _render_encryption(encryption: dict[str, Any]) -> list[str]:
    if not encryption.get("encrypted"):
        return ["  not encrypted at rest (created without --encrypt)"]
    cost = encryption.get("kdf_parameters") or {}
    n = cost.get("n", 0)
    n_text = f"2^{n.bit_length() - 1}" if n and n & (n - 1) == 0 else str(n)
    kdf = (f"    key from the passphrase by {encryption['kdf']} (N={n_text}, r={cost.get('r')}, p={cost.get('p')}, "
           f"{cost.get('salt_bytes', 16) * 8}-bit salt); library {encryption['library']}")
    return [f"  encrypted at rest: {encryption['cipher']}", kdf,
            "    working copies of gzip evidence: AES-256-CTR under a key derived per file"]


def _render_exhibit(item: dict[str, Any]) -> list[str]:
    lines = [f"\nExhibit {item['exhibit_id']}: {item['description'] or item['path']}",
             (f"  {item['container']} image, {item['media_size']:,} bytes, {item['files']:,} files "
              f"({item['deleted_files']:,} deleted)")]
    for volume in item["volumes"]:
        lines.append(f"  volume {volume['idx']} at byte {volume['offset']:,}: {volume['fs_type'] or '-'} "
                     f"[{volume['status']}]" + (f" {volume['note']}" if volume["note"] else ""))
    names = {"md5": "MD5", "sha1": "SHA-1", "sha256": "SHA-256", "blake3": "BLAKE3"}
    for name, value in item["hashes"].items():
        lines.append(f"  {names.get(name, name.upper()):8}{value}")
    for algorithm, comparison in item["acquisition"].get("comparisons", {}).items():
        lines.append(f"  acquisition {algorithm.upper()} (stored in the image): {comparison['verdict']}")
    return lines


def _render_artifacts(summary: dict[str, Any]) -> list[str]:
    counts = summary["counts"]
    lines = [f"\nArtifacts found: {counts['artifacts']:,}"]
    by_kind = counts["artifacts_by_kind"]
    order = sorted(by_kind, key=lambda kind: (kind not in KIND_WORDS, list(KIND_WORDS).index(kind)
                                              if kind in KIND_WORDS else 0, kind))
    for kind in order:
        apps = summary.get("artifacts_by_app", {}).get(kind, {})
        detail = ", ".join(f"{app} {count}" for app, count in sorted(apps.items(), key=lambda i: (-i[1], i[0])))
        word = KIND_WORDS.get(kind, kind)
        lines.append(f"  {by_kind[kind]:>6,}  {word}" + (f"  ({detail})" if detail and kind != "account" else ""))
    return lines


def _render_people(people: list[dict[str, Any]]) -> list[str]:
    if not people:
        return []
    lines = ["\nPeople (one identity per person, merged across apps by number, e-mail or handle)"]
    for person in people:
        apps = [_APP_WORDS.get(app, app) for app in person["apps"] if app != "Android Contacts"]
        label = max(person["names"], key=lambda name: (len(name.split()), len(name)), default=person["label"]) \
            if person["owner"] else person["label"]
        head = label + (" [device owner]" if person["owner"] else "")
        numbers = [ident for ident in person["identifiers"] if ident.startswith("+") and ident != person["label"]]
        activity = f"{_plural(person['messages'], 'message')}, {_plural(person['calls'], 'call')}"
        lines.append(f"  {head}  {', '.join(numbers)}".rstrip() + f"  -  {activity}")
        lines.append(f"      apps: {', '.join(apps) or '-'}")
        other_names = [name for name in person["names"] if name != label]
        if other_names:
            lines.append(f"      also named: {', '.join(other_names)}")
        forms = [raw for raw in person["written_as"] if raw not in numbers and raw != person["label"]]
        if forms and not person["owner"]:
            lines.append(f"      also written as: {', '.join(forms[:6])}")
    return lines


def _render_places(places: dict[str, Any]) -> list[str]:
    visits = places["visits"]
    if not visits:
        return []
    lines = [(f"\nPlaces ({len(places['points'])} located photos and records at {places['distinct_places']} "
              "places, in time order; names from an offline gazetteer)")]
    for visit in visits[:MAX_LISTED]:
        source = f"{visit['points']} points" if visit["points"] > 1 else \
            (visit["example"] or "").rpartition("/")[2] + (", deleted" if visit["deleted"] else "")
        lines.append(f"  {_span(visit['first'], visit['last']):<30} {visit['place']}" + (f"  ({source})" if source
                                                                                            else ""))
    first, last = places["points"][0], places["points"][-1]
    lines.append(f"  first seen: {first['place']}, {short_time(first['time'], seconds=False)}")
    lines.append(f"  last seen:  {last['place']}, {short_time(last['time'], seconds=False)}")
    return lines


def _span(first: str | None, last: str | None) -> str:
    """"2026-03-07 08:30 to 18:03 UTC", the day written once when both times fall on it."""
    start, end = short_time(first, seconds=False), short_time(last, seconds=False)
    if not first or not last or start == end:
        return start
    if first[:10] == last[:10]:
        return f"{start[:-4]} to {end[11:]}"
    return f"{start[:-4]} to {end}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _render_travel(trips: list[dict[str, Any]]) -> list[str]:
    if not trips:
        return []
    lines = ["\nTravel timeline (bookings in time order; a booking seen in several sources is shown once)"]
    for trip in trips:
        what = trip["type"] or "booking"
        if trip["type"] == "lodging":
            what += f" {trip['name'] or trip['to'] or ''}".rstrip()
        else:
            what += f" {trip['trip_number'] or trip['name'] or ''}".rstrip()
            if trip["from"] or trip["to"]:
                what += f" {trip['from'] or '?'} -> {trip['to'] or '?'}"
        who = f", for {', '.join(trip['travellers'])}" if trip["travellers"] else ""
        number = f"ref {trip['reservation_number']}" if trip["reservation_number"] else "no reference"
        local = _local(trip["start"], trip["start_time_zone"])
        if trip["start_time_zone"] and local[:10] == (trip["start"] or "")[:10]:
            local = local[11:]          # the same day: the wall-clock time is enough
        if trip["type"] == "lodging" and trip["end"]:
            local += f", until {_local(trip['end'], trip['end_time_zone'])[:16]}"
        lines.append(f"  {short_time(trip['start'], seconds=False):<20}  {what}{who}")
        lines.append(f"  {'':<20}  " + (f"local {local}; " if trip["start_time_zone"] else "")
                     + f"{number}; seen in {', '.join(trip['sources'])}")
    return lines


def _local(utc: str | None, zone: str | None) -> str:
    """A UTC time as the wall-clock time in ``zone`` ("2026-03-06 15:00 Europe/Amsterdam"); the
    zone database decides, never the machine's own zone. Without a zone: the UTC time."""
    if not utc or not zone:
        return short_time(utc, seconds=False)
    from datetime import datetime
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        moment = datetime.fromisoformat(utc).astimezone(ZoneInfo(zone))   # 3.11 reads "Z"
    except (ValueError, ZoneInfoNotFoundError):
        return short_time(utc, seconds=False)
    return f"{moment:%Y-%m-%d %H:%M} {zone}"


def _render_next(summary: dict[str, Any]) -> list[str]:
    case_dir = _shell_path(summary["case_dir"])
    people = [person for person in summary.get("people", []) if not person["owner"]]
    target = next((ident for ident in (people[0]["identifiers"] if people else []) if ident.startswith("+")), None)
    steps = [
        (f"forensic-triage files {case_dir}", "every file with its hashes; deleted ones marked"),
        (f"forensic-triage artifacts {case_dir} --kind message", "the messages (or: call, contact, geo_point, reservation)"),
        (f"forensic-triage graph {case_dir} --out contacts.graphml", "the contact graph for Gephi"),
    ]
    if target:
        steps.append((f"forensic-triage graph {case_dir} --between owner {target}",
                      "who links the owner to a person, message by message"))
    steps.append((f"forensic-triage export {case_dir} --kind geo --format kml --out places.kml",
                   "the places for Google Earth"))
    available = _available_commands()
    if "report" in available:
        steps.append((f"forensic-triage report {case_dir}", "a PDF/HTML report"))
    if "gui" in available:
        steps.append((f"forensic-triage gui {case_dir}", "browse the case on the desktop"))
    steps.append((f"forensic-triage verify {case_dir} --image", "re-hash the image and check the custody log"))
    lines = ["\nNext, try:"]
    for command, why in steps:
        lines += [f"  {command}", f"      {why}"]
    return lines


def _available_commands() -> set[str]:
    try:
        from forensic_triage.cli import cli
    except ImportError:   # the summary is also used as a library, without the CLI
        return set()
    return set(cli.commands)


def _shell_path(path: str) -> str:
    text = str(Path(path))
    return text if all(char.isalnum() or char in "/._-+~" for char in text) else "'" + text.replace("'", "'\\''") + "'"

