"""One plain-language line per artifact, for summaries a non-technician can read."""

from __future__ import annotations

from typing import Any


_TYPE_WORDS = {"sqlite": "an SQLite database", "jpeg": "a JPEG picture", "png": "a PNG picture",
               "gif": "a GIF picture", "pdf": "a PDF document", "bplist": "an Apple binary property list"}


def _when(value: dict | None) -> str:
    return value["utc"] if value and value.get("utc") else "time unknown"


def describe_artifact(kind: str, data: dict[str, Any], provenance: dict[str, Any]) -> str:
    where = provenance.get("path", "?")
    if provenance.get("deleted"):
        where += " (deleted)"
    if kind == "sqlite_database":
        tables = ", ".join(f"{table['name']} ({table['rows'] if table['rows'] is not None else '?'} rows)"
                           for table in data.get("tables", [])[:6])
        more = len(data.get("tables", [])) - 6
        return f"SQLite database {where}: {tables}" + (f" and {more} more tables" if more > 0 else "")
    if kind == "signature_mismatch":
        what = _TYPE_WORDS.get(data["detected_type"], f"{data['detected_type']} file")
        return f"{where} is really {what} behind the extension .{data['extension']}"
    if kind == "message":
        return f"{data.get('app')} message {_when(data.get('sent') or data.get('received'))} from " \
               f"{data.get('sender') or '?'}: {(data.get('body') or '')[:80]}"
    if kind == "call":
        return f"{data.get('app')} call {_when(data.get('start'))} with {', '.join(data.get('parties') or []) or '?'}"
    if kind == "contact":
        return f"{data.get('app')} contact {data.get('display_name') or '?'} {', '.join(data.get('phones') or [])}"
    if kind == "geo_point":
        return f"location {data['latitude']:.5f}, {data['longitude']:.5f} ({data.get('origin')}) from {where}"
    if kind == "reservation":
        return f"{data.get('type')} reservation {data.get('reservation_number') or ''} {_when(data.get('start'))}"
    return f"{kind} from {where}"
