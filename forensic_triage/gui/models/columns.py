"""Which columns an artifact table shows for each kind, how each cell reads, and what it sorts
and filters on. Plain data and functions (no Qt), so they are easy to test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from forensic_triage.store.query import ArtifactRecord


@dataclass(frozen=True, kw_only=True)
class Column:
    title: str
    sort: str                    # "id", "time" or a data field (search.TableQuery.sort)
    value: Callable[[ArtifactRecord], str]
    width: int = 120
    filter_field: str | None = None   # data field a column filter applies to (None: not filterable)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, dict):
        if "utc" in value:
            return display_time(value)
        return ", ".join(f"{key}: {_text(item)}" for key, item in value.items() if item not in (None, "", [], {}))
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(item) for item in value)
    return str(value)


def display_time(value: Any) -> str:
    """A stored time as the examiner reads it: UTC without the T and Z; an unreadable one says why."""
    if not isinstance(value, dict):
        return _text(value)
    if value.get("utc"):
        return value["utc"].replace("T", " ").replace("Z", "")
    status = value.get("status")
    return f"({status})" if status and status != "ok" else ""


def field(name: str) -> Callable[[ArtifactRecord], str]:
    return lambda record: _text(record.data.get(name))


def _time(record: ArtifactRecord) -> str:
    return (record.time or "").replace("T", " ").replace("Z", "")


def flags(record: ArtifactRecord) -> str:
    marks = []
    if record.data.get("deleted"):
        marks.append("deleted")
    if record.data.get("recovered"):
        marks.append("recovered")
    if record.provenance.get("deleted"):
        marks.append("deleted file")
    if record.data.get("attachments"):
        marks.append(f"{len(record.data['attachments'])} attachment(s)")
    return ", ".join(marks)


def _place(name: str) -> Callable[[ArtifactRecord], str]:
    def value(record: ArtifactRecord) -> str:
        place = record.data.get(name) or {}
        return " ".join(part for part in (place.get("code"), place.get("name")) if part)
    return value


def _duration(record: ArtifactRecord) -> str:
    seconds = record.data.get("duration_s")
    if seconds is None:
        return ""
    seconds = round(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


def summary(record: ArtifactRecord) -> str:
    """One line for any kind (the "all artifacts" table and the timeline's tooltips)."""
    data = record.data
    if record.kind == "message":
        return f"{data.get('sender') or 'me'}: {data.get('body') or data.get('subject') or ''}"
    if record.kind == "call":
        return f"{data.get('direction', '')} call with {_text(data.get('parties'))}"
    if record.kind == "contact":
        return f"{data.get('display_name') or ''} {_text(data.get('phones'))}".strip()
    if record.kind == "geo_point":
        return f"{data.get('latitude')}, {data.get('longitude')} {data.get('place_name') or ''}".strip()
    if record.kind == "reservation":
        return " ".join(_text(data.get(name)) for name in ("type", "trip_number", "name", "reservation_number")
                        if data.get(name))
    if record.kind == "sqlite_database":
        return ", ".join(f"{table['name']} ({table.get('rows')})" for table in data.get("tables", [])[:6])
    if record.kind == "signature_mismatch":
        return f".{data.get('extension')} is really {data.get('detected_type')}"
    return _text({key: value for key, value in data.items() if not isinstance(value, (dict, list))})[:200]


ID = Column(title="#", sort="id", value=lambda record: str(record.id), width=44)
TIME = Column(title="Time (UTC)", sort="time", value=_time, width=150)
SOURCE = Column(title="Source", sort="id", value=lambda record: record.provenance.get("path", ""), width=260)

COLUMNS: dict[str | None, tuple[Column, ...]] = {
    # Who said what first (a chat log's order); the rest after the body.
    "message": (ID, TIME,
                Column(title="App", sort="app", value=field("app"), width=122, filter_field="app"),
                Column(title="Sender", sort="sender", value=lambda r: _text(r.data.get("sender")) or
                       ("me" if r.data.get("direction") == "outgoing" else ""), width=120, filter_field="sender"),
                Column(title="Body", sort="body", value=field("body"), width=350, filter_field="body"),
                Column(title="Recipients", sort="recipients", value=field("recipients"), width=130,
                       filter_field="recipients"),
                Column(title="Dir.", sort="direction", value=field("direction"), width=70,
                       filter_field="direction"),
                Column(title="Thread", sort="thread_name", value=lambda r: _text(r.data.get("thread_name")
                                                                                 or r.data.get("thread_id")),
                       width=110, filter_field="thread_name"),
                Column(title="Flags", sort="deleted", value=flags, width=110)),
    "call": (ID, TIME,
             Column(title="App", sort="app", value=field("app"), filter_field="app"),
             Column(title="Direction", sort="direction", value=field("direction"), width=80, filter_field="direction"),
             Column(title="Parties", sort="parties", value=field("parties"), width=200, filter_field="parties"),
             Column(title="Duration", sort="duration_s", value=_duration, width=70),
             Column(title="Video", sort="video", value=field("video"), width=50),
             Column(title="Missed", sort="missed", value=field("missed"), width=60),
             Column(title="Flags", sort="deleted", value=flags, width=110)),
    "contact": (ID,
                Column(title="Name", sort="display_name", value=field("display_name"), width=180,
                       filter_field="display_name"),
                Column(title="Phones", sort="phones", value=field("phones"), width=160, filter_field="phones"),
                Column(title="E-mails", sort="emails", value=field("emails"), width=180, filter_field="emails"),
                Column(title="Handles", sort="handles", value=field("handles"), width=160, filter_field="handles"),
                Column(title="Organisation", sort="organisation", value=field("organisation"),
                       filter_field="organisation"),
                Column(title="App", sort="app", value=field("app"), filter_field="app"),
                Column(title="Flags", sort="deleted", value=flags, width=90)),
    "account": (ID,
                Column(title="App", sort="app", value=field("app"), filter_field="app"),
                Column(title="Identifier", sort="identifier", value=field("identifier"), width=200,
                       filter_field="identifier"),
                Column(title="Name", sort="display_name", value=field("display_name"), width=160,
                       filter_field="display_name"),
                Column(title="Phone", sort="phone", value=field("phone"), filter_field="phone"),
                Column(title="E-mail", sort="email", value=field("email"), width=180, filter_field="email")),
    "geo_point": (ID, TIME,
                  Column(title="Latitude", sort="latitude", value=field("latitude"), width=90),
                  Column(title="Longitude", sort="longitude", value=field("longitude"), width=90),
                  Column(title="Place", sort="place_name", value=field("place_name"), width=160,
                         filter_field="place_name"),
                  Column(title="Origin", sort="origin", value=field("origin"), width=100, filter_field="origin"),
                  Column(title="Camera", sort="camera_model", value=field("camera_model"), filter_field="camera_model"),
                  SOURCE),
    "reservation": (ID, TIME,
                    Column(title="Type", sort="type", value=field("type"), width=80, filter_field="type"),
                    Column(title="Name", sort="name", value=field("name"), width=160, filter_field="name"),
                    Column(title="Trip", sort="trip_number", value=field("trip_number"), width=80,
                           filter_field="trip_number"),
                    Column(title="Booking ref.", sort="reservation_number", value=field("reservation_number"),
                           width=100, filter_field="reservation_number"),
                    Column(title="Status", sort="status", value=field("status"), width=80, filter_field="status"),
                    Column(title="From", sort="departure.code", value=_place("departure"), width=140),
                    Column(title="To", sort="arrival.code", value=_place("arrival"), width=140),
                    Column(title="Origin", sort="origin", value=field("origin"), width=90, filter_field="origin")),
    None: (ID,
           Column(title="Kind", sort="id", value=lambda record: record.kind, width=110),
           TIME,
           Column(title="Summary", sort="id", value=summary, width=380),
           SOURCE,
           Column(title="Plugin", sort="id", value=lambda record: f"{record.plugin}@{record.plugin_version}", width=160)),
}


def columns_for(kind: str | None) -> tuple[Column, ...]:
    return COLUMNS.get(kind, COLUMNS[None])
