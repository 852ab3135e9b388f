"""The HTML report: one self-contained folder that opens offline from file:// in any browser.

    index.html            the report (rendered with Jinja2, autoescaping on)
    assets/report.css     styles            assets/report.js   paging, search, bubbles
    data/index.js         the tables' columns and chunk counts
    data/<table>-NNNN.js  rows, CHUNK per file, each `FT.add("table", n, [...])`
    figures/*.png         map, contact network, bookings timeline (figures.py, when present)

Browsers refuse fetch() of local files, so the data ships as scripts that the page adds with
<script src> when a table is first shown. A Content-Security-Policy meta tag allows scripts,
styles and images only from the folder itself: no inline script, so text from the evidence can
never run. Every artifact string reaches the page through Jinja2's escaping or through
`textContent` in report.js, never as HTML.

Rows are streamed from the model into chunk files, so memory stays flat for any case size.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from forensic_triage.progress import Progress
from forensic_triage.report.model import ProgressCallback, ReportModel
from forensic_triage.store.query import ArtifactRecord

CHUNK = 5000
CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:"
# Kinds with their own section; every other kind goes to "other findings".
OWN_SECTIONS = ("message", "call", "contact", "account", "geo_point", "reservation")
MAX_THUMBNAILS = 5000                 # distinct pictures per report; beyond that, names only
THUMBNAIL_PX = 240
THUMBNAIL_SOURCE_LIMIT = 32 << 20
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".heic", ".webp", ".bmp", ".tif", ".tiff")


def template_root() -> Path:
    """The forensic_triage_reports package folder (installed, or reports/ in a source tree)."""
    try:
        root = Path(str(resources.files("forensic_triage_reports")))
        if (root / "templates").is_dir():
            return root
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parents[2] / "reports" / "forensic_triage_reports"


def write_html(model: ReportModel, out: Path, *, progress: ProgressCallback | None = None) -> list[Path]:
    """Write the HTML report into the folder ``out``; return the files written."""
    progress = progress or (lambda event: None)
    out = Path(out)
    root = template_root()
    written: list[Path] = []
    for sub in ("assets", "data", "figures"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    for name in ("report.css", "report.js"):
        target = out / "assets" / name
        shutil.copyfile(root / "static" / name, target)
        written.append(target)
    tables = _Tables(out / "data", progress)
    # The provenance appendix is filled during the one pass over each kind, not by a pass of its own.
    provenance = tables.open("provenance", PROVENANCE_COLUMNS)

    def tapped(records: Iterator[ArtifactRecord]) -> Iterator[ArtifactRecord]:
        for record in records:
            provenance.add(_provenance_row(model, record))
            yield record

    thumbnails = _Thumbnails(out / "attachments")
    conversations = _write_conversations(model, tables, tapped, thumbnails)
    written.extend(thumbnails.files)
    for kind, columns, row in _KIND_TABLES:
        if kind in model.counts:
            tables.write(kind, columns, (row(model, record) for record in tapped(model.records(kind))))
    other_kinds = [kind for kind in model.kinds() if kind not in OWN_SECTIONS]
    tables.write("other", ("id", "kind", "details", "provenance"),
                 (_other_row(model, record) for kind in other_kinds for record in tapped(model.records(kind))))
    provenance.close()
    tables.write("custody", ("seq", "utc", "examiner", "action", "details", "entry_hash"),
                 ([entry["seq"], entry["utc"], entry["examiner"], entry["action"], _compact(entry["details"]),
                   entry["entry_hash"]] for entry in model.custody))
    written.extend(tables.files)
    index = out / "data" / "index.js"
    index.write_text("FT.tables = " + json.dumps(tables.meta, ensure_ascii=False, sort_keys=True) + ";\n",
                     encoding="utf-8")
    written.append(index)
    figures = _figures(model, out / "figures")
    written.extend(path for figure in figures.values() for path in (figure["png"],))
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(root / "templates"),
                                     autoescape=True, undefined=jinja2.ChainableUndefined,
                                     trim_blocks=True, lstrip_blocks=True)
    page = environment.get_template("index.html.j2").render(
        m=model, csp=CSP, tables=tables.meta, figures={key: {"src": f"figures/{value['png'].name}",
                                                               "caption": value["caption"]}
                                                         for key, value in figures.items()},
        conversations=conversations, sections=_sections(model, tables.meta, figures),
        pretty=_pretty, size=_size, json_text=_compact, max_thumbnails=MAX_THUMBNAILS)
    html_path = out / "index.html"
    html_path.write_text(page, encoding="utf-8")
    written.append(html_path)
    progress(Progress(stage="html", done=1, total=1, unit="pages"))
    return written


class _Tables:
    """Streams rows into data/<table>-NNNN.js chunk files."""

    def __init__(self, folder: Path, progress: ProgressCallback) -> None:
        self.folder = folder
        self.progress = progress
        self.meta: dict[str, dict[str, Any]] = {}
        self.files: list[Path] = []

    def write(self, name: str, columns: tuple[str, ...], rows: Iterator[list[Any]]) -> int:
        stream = self.open(name, columns)
        for row in rows:
            stream.add(row)
        return stream.close()

    def open(self, name: str, columns: tuple[str, ...]) -> _Stream:
        """A table filled row by row (several may be open at once)."""
        return _Stream(self, name, columns)

    def _flush(self, name: str, number: int, rows: list[list[Any]]) -> None:
        path = self.folder / f"{name}-{number:04d}.js"
        with path.open("w", encoding="utf-8") as handle:
            handle.write(f"FT.add({json.dumps(name)}, {number}, [\n")
            for index, row in enumerate(rows):
                handle.write(("," if index else "") + json.dumps(row, ensure_ascii=False) + "\n")
            handle.write("]);\n")
        self.files.append(path)


class _Stream:
    def __init__(self, tables: _Tables, name: str, columns: tuple[str, ...]) -> None:
        self.tables, self.name, self.columns = tables, name, columns
        self.count, self.chunk, self.batch = 0, 0, []

    def add(self, row: list[Any]) -> None:
        self.batch.append(row)
        self.count += 1
        if len(self.batch) >= CHUNK:
            self.tables._flush(self.name, self.chunk, self.batch)
            self.chunk += 1
            self.batch = []
            self.tables.progress(Progress(stage=f"html {self.name}", done=self.count, total=None, unit="rows"))

    def close(self) -> int:
        if self.batch:
            self.tables._flush(self.name, self.chunk, self.batch)
            self.chunk += 1
            self.batch = []
        self.tables.meta[self.name] = {"columns": list(self.columns), "rows": self.count, "chunks": self.chunk,
                                       "chunk": CHUNK}
        return self.count


# --- rows per kind -----------------------------------------------------------------------------------------

def _t(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("utc")
    return value if isinstance(value, str) else None


def _join(values: Any) -> str:
    if isinstance(values, (list, tuple)):
        return ", ".join(str(value) for value in values if value not in (None, ""))
    return "" if values is None else str(values)


def _attachments(model: ReportModel, record: ArtifactRecord) -> str:
    items = record.data.get("attachments") or []
    allowed = model.photo_allowed(record)
    out = []
    for item in items:
        if not isinstance(item, dict):
            continue
        name = str(item.get("name") or item.get("path") or "attachment")
        is_image = str(item.get("mime_type") or "").startswith("image/") or name.lower().endswith(IMAGE_SUFFIXES)
        if is_image and not allowed:
            out.append(f"{name} (photo withheld: victim)")
        else:
            out.append(name + (f" ({item['mime_type']})" if item.get("mime_type") else ""))
    return "; ".join(out)


class _Thumbnails:
    """Small JPEG copies of image attachments, read from the evidence through the model (which
    withholds victims' photos), written once per distinct file into attachments/."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.made: dict[str, str | None] = {}
        self.files: list[Path] = []

    def for_record(self, model: ReportModel, record: ArtifactRecord) -> list[str]:
        out = []
        for item in record.data.get("attachments") or []:
            if not isinstance(item, dict) or not _is_image(item):
                continue
            path = self._make(model, record, item)
            if path:
                out.append(path)
        return out

    def _make(self, model: ReportModel, record: ArtifactRecord, item: dict[str, Any]) -> str | None:
        if not model.photo_allowed(record) or len(self.made) >= MAX_THUMBNAILS:
            return None
        info = model.attachment_file(record, item)
        if info is None or not info.get("sha256"):
            return None
        key = info["sha256"]
        if key not in self.made:
            self.made[key] = self._write(model.attachment_bytes(record, item, limit=THUMBNAIL_SOURCE_LIMIT), key)
        return self.made[key]

    def _write(self, content: bytes | None, sha256: str) -> str | None:
        if not content:
            return None
        try:
            from PIL import Image
        except ImportError:
            return None
        import io
        import warnings

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)   # a crafted image is not drawn
                with Image.open(io.BytesIO(content)) as image:
                    image.draft("RGB", (THUMBNAIL_PX, THUMBNAIL_PX))
                    picture = image.convert("RGB")
                    picture.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
        except Exception:  # noqa: BLE001 - any undecodable or hostile image simply gets no thumbnail
            return None
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{sha256[:24]}.jpg"
        # Re-encoded without metadata: the thumbnail shows the picture, the evidence keeps the original.
        picture.save(target, "JPEG", quality=80)
        self.files.append(target)
        return f"attachments/{target.name}"


def _is_image(item: dict[str, Any]) -> bool:
    name = str(item.get("name") or item.get("path") or "")
    return str(item.get("mime_type") or "").startswith("image/") or name.lower().endswith(IMAGE_SUFFIXES)


def _message_row(model: ReportModel, record: ArtifactRecord, conversation: int,
                 thumbnails: _Thumbnails | None = None) -> list[Any]:
    data = record.data
    flags = [flag for flag in ("deleted", "recovered") if data.get(flag) or
             (flag == "deleted" and record.provenance.get("deleted"))]
    return [record.id, conversation, record.time, model.local_time(record.time), data.get("direction"),
            model.display_name(str(data["sender"]), data.get("app")) if data.get("sender") else "",
            ", ".join(model.display_name(str(one), data.get("app")) for one in data.get("recipients") or []),
            data.get("body") or "", data.get("subject") or "", _attachments(model, record), " ".join(flags),
            data.get("app") or "", model.provenance_short(record),
            thumbnails.for_record(model, record) if thumbnails and data.get("attachments") else []]


def _call_row(model: ReportModel, record: ArtifactRecord) -> list[Any]:
    data = record.data
    return [record.id, record.time, model.local_time(record.time), data.get("direction"),
            ", ".join(model.display_name(str(one), data.get("app")) for one in data.get("parties") or []),
            data.get("duration_s"),
            "video" if data.get("video") else "voice", "missed" if data.get("missed") else "",
            data.get("app") or "", "deleted" if data.get("deleted") or record.provenance.get("deleted") else "",
            model.provenance_short(record)]


def _contact_row(model: ReportModel, record: ArtifactRecord) -> list[Any]:
    data = record.data
    return [record.id, data.get("display_name") or "", _join(data.get("phones")), _join(data.get("emails")),
            _join(data.get("handles")), data.get("organisation") or "", data.get("app") or "",
            "deleted" if data.get("deleted") or record.provenance.get("deleted") else "", model.provenance_short(record)]


def _account_row(model: ReportModel, record: ArtifactRecord) -> list[Any]:
    data = record.data
    return [record.id, data.get("app") or "", data.get("identifier") or "", data.get("display_name") or "",
            data.get("phone") or "", data.get("email") or "", model.provenance_short(record)]


def _geo_row(model: ReportModel, record: ArtifactRecord) -> list[Any]:
    data = record.data
    return [record.id, record.time, data.get("local_time") or model.local_time(record.time), data.get("latitude"),
            data.get("longitude"), data.get("place_name") or "", data.get("country_code") or "",
            data.get("origin") or "", data.get("accuracy_m"), data.get("media_path") or "",
            model.provenance_short(record)]


def _place(value: Any) -> str:
    if not isinstance(value, dict):
        return ""
    parts = [value.get("name"), value.get("code") and f"({value['code']})"]
    return " ".join(str(part) for part in parts if part)


def _reservation_row(model: ReportModel, record: ArtifactRecord) -> list[Any]:
    data = record.data
    return [record.id, data.get("type") or "", _t(data.get("start")), _t(data.get("end")),
            data.get("name") or "", data.get("trip_number") or "", _place(data.get("departure")),
            _place(data.get("arrival")), _join(data.get("travellers")), data.get("provider") or "",
            data.get("status") or "", data.get("reservation_number") or "", _t(data.get("booked")),
            data.get("origin") or "", model.provenance_short(record)]


_KIND_TABLES = (
    ("call", ("id", "start_utc", "local", "direction", "parties", "duration_s", "type", "missed", "app", "deleted",
              "provenance"), _call_row),
    ("contact", ("id", "name", "phones", "emails", "handles", "organisation", "app", "deleted", "provenance"),
     _contact_row),
    ("account", ("id", "app", "identifier", "name", "phone", "email", "provenance"), _account_row),
    ("geo_point", ("id", "time_utc", "local", "latitude", "longitude", "place", "country", "origin", "accuracy_m",
                   "media", "provenance"), _geo_row),
    ("reservation", ("id", "type", "start_utc", "end_utc", "name", "trip", "from", "to", "travellers", "provider",
                     "status", "reservation_number", "booked_utc", "source", "provenance"), _reservation_row),
)
MESSAGE_COLUMNS = ("id", "conversation", "time_utc", "local", "direction", "sender", "recipients", "body",
                   "subject", "attachments", "flags", "app", "provenance", "thumbnails")
PROVENANCE_COLUMNS = ("id", "kind", "exhibit", "path", "deleted", "file_sha256", "plugin", "locator",
                      "artifact_digest")
CONVERSATION_COLUMNS = ("index", "app", "thread", "name", "participants", "messages", "first_utc", "last_utc",
                        "offset")


def _write_conversations(model: ReportModel, tables: _Tables,
                         tapped: Callable[[Iterator[ArtifactRecord]], Iterator[ArtifactRecord]],
                         thumbnails: _Thumbnails) -> int:
    """The message table in conversation order, and the conversation list pointing into it."""
    conversations: list[list[Any]] = []

    def rows() -> Iterator[list[Any]]:
        offset = 0
        for number, conversation in enumerate(model.conversations()):
            names = ", ".join(model.display_name(party, conversation.app) for party in conversation.participants[:8])
            if len(conversation.participants) > 8:
                names += f" and {len(conversation.participants) - 8} more"
            if conversation.part > 1 or conversation.continues:
                names += f" (part {conversation.part})"
            conversations.append([number, conversation.app, conversation.thread, conversation.thread_name or "",
                                  names, len(conversation.messages), conversation.first_utc, conversation.last_utc,
                                  offset])
            for record in tapped(iter(conversation.messages)):
                yield _message_row(model, record, number, thumbnails)
            offset += len(conversation.messages)

    tables.write("message", MESSAGE_COLUMNS, rows())
    # One row per conversation: small beside the messages even for large cases.
    tables.write("conversation", CONVERSATION_COLUMNS, iter(conversations))
    return len(conversations)


def _other_row(model: ReportModel, record: ArtifactRecord) -> list[Any]:
    return [record.id, record.kind, _compact(record.data), model.provenance_short(record)]


def _provenance_row(model: ReportModel, record: ArtifactRecord) -> list[Any]:
    full = model.provenance_full(record)
    return [record.id, record.kind, full["exhibit"], full["path"], "deleted" if full["deleted"] else "",
            full["file_sha256"], f"{record.plugin}@{record.plugin_version}", full["locator"], record.digest]


# --- figures ---------------------------------------------------------------------------------------------

def _figures(model: ReportModel, folder: Path) -> dict[str, dict[str, Any]]:
    """Map, network and timeline PNGs from R-pdf's figures module (absent: tables only)."""
    try:
        from forensic_triage.report import figures
    except ImportError:
        return {}
    made: dict[str, dict[str, Any]] = {}
    if model.counts.get("geo_point"):
        points = (figures.map_point(record.data) for record in model.records("geo_point"))
        figure = figures.map_figure((point for point in points if point), folder / "map", formats=("png",))
        if figure:
            made["map"] = {"png": figure.png, "caption": figure.caption}
    graph = model.contact_graph()
    if graph is not None:
        figure = figures.graph_figure(graph, folder / "network", formats=("png",))
        if figure:
            made["network"] = {"png": figure.png, "caption": figure.caption}
    if model.counts.get("reservation"):
        bars = (bar for record in model.records("reservation")
                for bar in figures.booking_bars(record.data, record.data.get("name") or f"booking {record.id}"))
        figure = figures.timeline_figure(bars, folder / "timeline", formats=("png",))
        if figure:
            made["timeline"] = {"png": figure.png, "caption": figure.caption}
    return made


# --- page helpers ------------------------------------------------------------------------------------------

def _sections(model: ReportModel, tables: dict[str, Any], figures: dict[str, Any]) -> list[tuple[str, str]]:
    """(anchor, title) for the table of contents, in page order."""
    items = [("cover", "Cover"), ("summary", "Summary"), ("exhibits", "Exhibits and hashes"),
             ("methodology", "Methodology"), ("timezone", "Time-zone policy"), ("versions", "Tool and versions")]
    if tables.get("message", {}).get("rows"):
        items += [("conversations", "Conversations"), ("messages", "All messages")]
    for anchor, kind, title in (("calls", "call", "Calls"), ("contacts", "contact", "Contacts"),
                                ("accounts", "account", "Accounts"), ("locations", "geo_point", "Locations"),
                                ("bookings", "reservation", "Bookings"), ("other", "other", "Other findings")):
        if tables.get(kind, {}).get("rows") or (anchor == "locations" and "map" in figures):
            items.append((anchor, title))
    if "network" in figures:
        items.append(("network", "Contact network"))
    items += [("tags", "Examiner tags and notes"), ("limitations", "Limitations and warnings"),
              ("custody", "Custody log"), ("verification", "Verification"), ("provenance", "Provenance appendix")]
    return items


# Words for a reader who is not a technician.
READER_NAMES = {"message": "messages", "call": "calls", "contact": "contacts", "account": "accounts",
                "geo_point": "location points", "reservation": "bookings", "sqlite_database": "SQLite databases",
                "signature_mismatch": "files whose content is not what their name says", "files": "files listed",
                "deleted_files": "deleted files", "warnings": "warnings (see Limitations)"}


def _pretty(name: str) -> str:
    return READER_NAMES.get(name, name.replace("_", " "))


def _size(value: int) -> str:
    amount = float(value)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if amount < 1024 or unit == "TiB":
            return f"{int(amount)} bytes" if unit == "bytes" else f"{amount:.1f} {unit} ({value:,} bytes)"
        amount /= 1024
    return str(value)


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))
