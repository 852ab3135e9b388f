"""One plain-language line per artifact, for summaries a non-technician can read."""

from __future__ import annotations

from typing import Any

_TYPE_WORDS = {"sqlite": "an SQLite database", "jpeg": "a JPEG picture", "png": "a PNG picture",
               "gif": "a GIF picture", "pdf": "a PDF document", "bplist": "an Apple binary property list"}


def short_time(utc: str | None, *, seconds: bool = True) -> str:
    """"2026-03-06T07:55:00Z" -> "2026-03-06 07:55 UTC" (seconds only when they are not zero and
    ``seconds`` is true)."""
    if not utc:
        return "time unknown"
    text = utc.rstrip("Z").replace("T", " ")
    day, _, clock = text.partition(" ")
    clock = clock.split(".")[0]
    if clock.endswith(":00") or not seconds:
        clock = clock[:5]
    return f"{day} {clock} UTC" if clock else day


def _when(*values: dict | None) -> str:
    """The first of ``values`` that holds a UTC time (a time field may be present but undecoded)."""
    for value in values:
        if isinstance(value, dict) and value.get("utc"):
            return short_time(value["utc"])
    return "time unknown"


def _one_line(text: str | None, width: int = 80) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


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
        sender = data.get("sender") or ("device owner" if data.get("direction") == "outgoing" else "?")
        return f"{data.get('app')} message {_when(data.get('sent'), data.get('received'))} from " \
               f"{sender}: {_one_line(data.get('body'))}"
    if kind == "call":
        return f"{data.get('app')} call {_when(data.get('start'))} with {', '.join(data.get('parties') or []) or '?'}"
    if kind == "contact":
        return f"{data.get('app')} contact {data.get('display_name') or '?'} {', '.join(data.get('phones') or [])}"
    if kind == "geo_point":
        place = f" ({data['place_name']})" if data.get("place_name") else ""
        return f"location {data['latitude']:.5f}, {data['longitude']:.5f}{place} from {where}"
    if kind == "reservation":
        return f"{data.get('type')} reservation {data.get('reservation_number') or ''} {_when(data.get('start'))}"
    if kind == "account":
        return f"{data.get('app')} account {data.get('identifier') or '?'} from {where}"
    return f"{kind} from {where}"
