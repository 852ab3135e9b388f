"""XLSX export: one sheet per kind of finding in scope (Messages, Calls, Contacts, Locations,
Reservations, ...), after Summary, Exhibits, Custody, Warnings and Tags sheets.

Every finding row ends with its provenance (exhibit, path, deleted, file SHA-256,
plugin@version, locator, artifact id and digest), so a filtered spreadsheet still says where
each row came from. Headers are frozen, every sheet has an autofilter and fixed column widths
chosen per column (a message body wide, a flag narrow).

Bounded memory: XlsxWriter's constant_memory mode writes each row to disk as it comes (rows in
order, nothing kept), so 100,000 messages cost what one row costs. A kind with more rows than a
sheet holds continues on "Messages (2)", ... .

Formula injection: every text value is written with write_string, a string cell, so a message
body "=HYPERLINK(...)" or "@SUM(...)" shows as text and Excel never evaluates it; numbers and
booleans are typed cells. Text longer than a cell holds (32,767 characters) is cut with a note
saying so (the full text is in the HTML, CSV and CASE exports).

The table layout (columns and how a finding becomes a row) is shared with the CSV export.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forensic_triage.canonical import dumps
from forensic_triage.progress import Progress
from forensic_triage.report.model import ProgressCallback, ReportModel, locator_text
from forensic_triage.sdk.artifacts import KINDS, field_names
from forensic_triage.store.query import PRIMARY_TIME, ArtifactRecord

FILE_NAME = "findings.xlsx"
MAX_ROWS = 1_048_576           # rows per sheet in Excel, header included
MAX_CELL = 32_767              # characters per cell
SHEET_TITLES = {"message": "Messages", "call": "Calls", "contact": "Contacts", "account": "Accounts",
                "geo_point": "Locations", "reservation": "Reservations", "sqlite_database": "SQLite databases",
                "signature_mismatch": "Signature mismatches"}
PROVENANCE_COLUMNS = ("exhibit", "path", "file_deleted", "file_sha256", "plugin", "locator", "artifact_id",
                      "artifact_digest")
# Column widths in characters, by column name (or the name's suffix); the rest get DEFAULT_WIDTH.
WIDTHS = {"body": 70, "subject": 30, "path": 45, "file_sha256": 66, "artifact_digest": 66, "locator": 22,
          "plugin": 26, "exhibit": 14, "recipients": 30, "sender": 28, "parties": 30, "tables": 60, "data": 80,
          "details": 80, "message": 80, "entry_hash": 66, "prev_hash": 66, "value": 70, "key": 28,
          "attachments": 40, "display_name": 28, "sender_name": 26, "recipient_names": 30, "party_names": 30, "travellers": 30, "departure": 36, "arrival": 36, "url": 40}
SUFFIX_WIDTHS = {"_utc": 24, "_local": 27, "_raw": 16, "_id": 10, "id": 10, "_s": 10, "_m": 10}
DEFAULT_WIDTH = 16
# Address fields followed by a column with the names the contact graph knows for them (a reader
# recognises "Anna Marin", not "447700900123@s.whatsapp.net"); pseudonyms when redacting.
NAME_COLUMNS = {"message": {"sender": "sender_name", "recipients": "recipient_names"},
                "call": {"parties": "party_names"}}
_NAMED = {column: field for fields in NAME_COLUMNS.values() for field, column in fields.items()}


@dataclass(frozen=True)
class Table:
    """One kind's columns and how a finding becomes a row of plain values (str, int, float, bool, None)."""
    kind: str
    title: str
    columns: tuple[str, ...]

    def row(self, model: ReportModel, record: ArtifactRecord) -> list[Any]:
        data = record.data
        values: list[Any] = []
        for column in self.columns[:-len(PROVENANCE_COLUMNS)]:
            values.append(_cell(model, record, data, column))
        prov = record.provenance
        values += [prov.get("evidence"), prov.get("path"), bool(prov.get("deleted")), prov.get("sha256"),
                   f"{record.plugin}@{record.plugin_version}", locator_text(prov.get("locator")), record.id,
                   record.digest]
        return values


def table_for(kind: str) -> Table:
    """The columns of a kind: its primary time (UTC and local) first, then each field (a time
    field as <name>_utc), then the provenance columns."""
    lead: list[str] = []
    if kind in PRIMARY_TIME:
        lead = ["time_utc", "time_local"]
    if kind in KINDS:
        fields = []
        for name in field_names(kind):
            hint = KINDS[kind].__dataclass_fields__[name].type
            column = f"{name}_utc" if "TimeValue" in str(hint) else name
            if column not in lead:         # a geo point's own "time" is its primary time
                fields.append(column)
            if name in NAME_COLUMNS.get(kind, {}):
                fields.append(NAME_COLUMNS[kind][name])
    else:
        fields = ["data"]
    return Table(kind=kind, title=SHEET_TITLES.get(kind, kind.replace("_", " ").capitalize()),
                 columns=tuple(lead + fields) + PROVENANCE_COLUMNS)


def ordered_kinds(model: ReportModel) -> list[str]:
    """Kinds in scope, the familiar ones first in SHEET_TITLES order, then the rest by name."""
    order = list(SHEET_TITLES)
    return sorted(model.kinds(), key=lambda kind: (order.index(kind) if kind in order else len(order), kind))


def _cell(model: ReportModel, record: ArtifactRecord, data: dict[str, Any], column: str) -> Any:
    if column == "time_utc":
        return record.time
    if column == "time_local":
        return model.local_time(record.time)
    if column == "data":
        return dumps(data)
    if column in _NAMED:
        value = data.get(_NAMED[column])
        return "; ".join(name for item in (value if isinstance(value, list) else [value])
                         if isinstance(item, str) and item and (name := person_name(model, item))) or None
    if column.endswith("_utc") and column[:-4] in data:
        value = data[column[:-4]]
        if isinstance(value, dict):
            return value.get("utc") or stored_time(value)
        return value
    return plain(data.get(column))


def person_name(model: ReportModel, identifier: str) -> str | None:
    """The name the report gives an address, without the address itself; None when it knows none."""
    shown = model.display_name(identifier)
    if shown == identifier:
        return None
    suffix = f" ({identifier})"
    return shown.removesuffix(suffix)


def stored_time(value: dict[str, Any]) -> str | None:
    """A time that could not be placed in UTC (a date without time or zone, a damaged value):
    what the device stored and why, instead of an empty cell."""
    if value.get("raw") not in (None, ""):
        return f"{value['raw']} (as stored, {value.get('encoding') or 'unknown encoding'}; not a UTC time)"
    if value.get("status") not in (None, "ok"):
        return f"({value['status']})"
    return None


def plain(value: Any) -> Any:
    """A field's value as one cell: lists joined with "; ", places and attachments in words."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, list):
        return "; ".join(str(plain(item)) for item in value if item is not None)
    if isinstance(value, dict):
        if "utc" in value and "encoding" in value:
            return value.get("utc")
        if "latitude" in value and ("code" in value or "address" in value):       # a Place
            label = " ".join(str(part) for part in (value.get("name"), f"({value['code']})" if value.get("code")
                                                    else None, value.get("address")) if part)
            if value.get("latitude") is not None and value.get("longitude") is not None:
                label += f" [{value['latitude']}, {value['longitude']}]"
            return label.strip()
        if "mime_type" in value or "sha256" in value:                              # an Attachment
            return " ".join(str(part) for part in (value.get("name") or value.get("path"),
                                                   f"({value['mime_type']})" if value.get("mime_type") else None,
                                                   f"sha256 {value['sha256']}" if value.get("sha256") else None)
                            if part)
        if "columns" in value and "name" in value:                                 # a TableInfo
            return f"{value['name']} ({value.get('rows') if value.get('rows') is not None else '?'} rows)"
        return dumps(value)
    return str(value)


# --- the fixed sheets (shared with CSV) --------------------------------------------------------------------

def summary_rows(model: ReportModel) -> Iterator[list[Any]]:
    case = model.case
    yield ["Title", model.title]
    yield ["Case number", case.get("case_number")]
    yield ["Agency", case.get("agency")]
    yield ["Examiner", case.get("examiner")]
    for label, value in (("Reviewer", model.options.reviewer), ("Requester", model.options.requester),
                         ("Legal authority", model.options.authority)):
        if value:
            yield [label, value]
    yield ["Report id", model.report_id]
    yield ["Generated (UTC)", model.generated_utc]
    yield ["Tool", f"forensic-triage {model.tool_version}"]
    yield ["Host", model.host]
    yield ["Time zone policy", model.time_zone_policy]
    scope = model.options.scope
    yield ["Scope", "; ".join(part for part in (
        f"kinds {', '.join(scope.kinds)}" if scope.kinds else "all kinds",
        f"from {scope.since}" if scope.since else "", f"to {scope.until}" if scope.until else "",
        "tagged findings only" if scope.tagged_only else "") if part)]
    yield ["Victim redaction", "on: victims appear as pseudonyms (V1, V2, ...)" if model.redacting else "off"]
    verification = model.verification or {}
    yield ["Case store verified at report time", "passed" if verification.get("ok") else
           ("FAILED" if verification else "not run")]
    for kind, count in model.counts.items():
        yield [f"Count: {SHEET_TITLES.get(kind, kind.replace('_', ' '))}", count]
    for plugin, plugin_version in model.plugin_versions.items():
        yield [f"Plugin {plugin}", plugin_version]
    for library, library_version in model.library_versions.items():
        yield [f"Library {library}", library_version]


SUMMARY_COLUMNS = ("item", "value")
EXHIBIT_COLUMNS = ("exhibit_id", "description", "received_from", "received_at", "image", "container",
                   "partition_table", "media_size", "md5", "sha1", "sha256", "blake3", "acquisition",
                   "report_time_md5", "report_time_sha1", "report_time_sha256", "report_time_blake3", "verdict",
                   "verdict_detail", "added_utc", "container_meta")


def exhibit_rows(model: ReportModel) -> Iterator[list[Any]]:
    for exhibit in model.exhibits:
        again = exhibit.report_time_hashes or {}
        yield [exhibit.exhibit_id, exhibit.description, exhibit.received_from, exhibit.received_at,
               exhibit.path_name, exhibit.container, exhibit.partition_table, exhibit.media_size,
               *(exhibit.ingest_hashes.get(name) for name in ("md5", "sha1", "sha256", "blake3")),
               dumps(exhibit.acquisition) if exhibit.acquisition else None,
               *(again.get(name) for name in ("md5", "sha1", "sha256", "blake3")),
               exhibit.verdict, exhibit.verdict_detail, exhibit.added_utc,
               dumps(exhibit.container_meta) if exhibit.container_meta else None]


CUSTODY_COLUMNS = ("seq", "utc", "examiner", "action", "details", "tool_version", "plugin_versions", "prev_hash",
                   "entry_hash")


def custody_rows(model: ReportModel) -> Iterator[list[Any]]:
    for entry in model.custody:
        yield [entry.get("seq"), entry.get("utc"), entry.get("examiner"), entry.get("action"),
               dumps(entry.get("details") or {}), entry.get("tool_version"),
               dumps(entry.get("plugin_versions") or {}), entry.get("prev_hash"), entry.get("entry_hash")]


WARNING_COLUMNS = ("plugin", "warnings", "limitation")


def warning_rows(model: ReportModel) -> Iterator[list[Any]]:
    for plugin, count in model.warnings_by_plugin.items():
        yield [plugin, count, None]
    for note in model.limitations:
        yield [None, None, note]


TAG_COLUMNS = ("tag_id", "target_kind", "target_id", "label", "victim", "note", "examiner", "created_utc")


def tag_rows(model: ReportModel) -> Iterator[list[Any]]:
    for tag in model.tags:
        yield [tag.id, tag.target_kind, tag.target_id, tag.label, tag.victim, tag.note, tag.examiner, tag.created_utc]


def fixed_sheets(model: ReportModel) -> list[tuple[str, tuple[str, ...], Iterator[list[Any]]]]:
    return [("Summary", SUMMARY_COLUMNS, summary_rows(model)), ("Exhibits", EXHIBIT_COLUMNS, exhibit_rows(model)),
            ("Custody", CUSTODY_COLUMNS, custody_rows(model)), ("Warnings", WARNING_COLUMNS, warning_rows(model)),
            ("Tags", TAG_COLUMNS, tag_rows(model))]


def column_width(name: str) -> int:
    if name in WIDTHS:
        return WIDTHS[name]
    for suffix, width in SUFFIX_WIDTHS.items():
        if name.endswith(suffix):
            return width
    return max(DEFAULT_WIDTH, len(name) + 2)


# --- writing -------------------------------------------------------------------------------------------------

_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def write_xlsx(model: ReportModel, out: Path, *, progress: ProgressCallback | None = None) -> list[Path]:
    """Write the workbook. ``out`` is the report folder (the file is findings.xlsx in it) or a
    path ending in .xlsx."""
    import xlsxwriter

    out = Path(out)
    target = out if out.suffix == ".xlsx" else out / FILE_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(target), {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        # Row spill files go beside the report, not to /tmp: message text stays inside the report folder.
        "strings_to_numbers": False, "tmpdir": str(target.parent)})
    workbook.set_properties({"title": model.title, "subject": f"case {model.case.get('case_number')}",
                             "author": str(model.case.get("examiner") or ""),
                             "comments": f"report {model.report_id}, forensic-triage {model.tool_version}"})
    writer = _Sheets(workbook)
    try:
        for title, columns, rows in fixed_sheets(model):
            writer.sheet(title, columns, rows)
        total = sum(model.counts.get(kind, 0) for kind in model.kinds())
        done = 0
        for kind in ordered_kinds(model):
            table = table_for(kind)

            def rows(table: Table = table) -> Iterator[list[Any]]:
                nonlocal done
                for record in model.records(table.kind):
                    yield table.row(model, record)
                    done += 1
                    if progress is not None and done % 5000 == 0:
                        progress(Progress(stage="XLSX", done=done, total=total, unit="artifacts"))
            writer.sheet(table.title, table.columns, rows())
    finally:
        workbook.close()
    if progress is not None:
        progress(Progress(stage="XLSX", done=total, total=total, unit="artifacts"))
    return [target]


class _Sheets:
    def __init__(self, workbook) -> None:
        self.workbook = workbook
        self.header = workbook.add_format({"bold": True, "bg_color": "#DDE4EE", "border": 1, "text_wrap": True,
                                           "valign": "top"})
        self.names: set[str] = set()

    def _name(self, title: str) -> str:
        base = _SHEET_UNSAFE.sub(" ", title)[:31]
        name, number = base, 2
        while name.lower() in self.names:
            suffix = f" ({number})"
            name, number = base[:31 - len(suffix)] + suffix, number + 1
        self.names.add(name.lower())
        return name

    def sheet(self, title: str, columns: tuple[str, ...], rows: Iterator[list[Any]]) -> None:
        """Write one table, continuing on further sheets past Excel's row limit."""
        worksheet, row_number = self._start(title, columns), 0
        for values in rows:
            if row_number + 1 >= MAX_ROWS:
                self._finish(worksheet, columns, row_number)
                worksheet, row_number = self._start(title, columns), 0
            row_number += 1
            for column, value in enumerate(values):
                self._write(worksheet, row_number, column, value)
        self._finish(worksheet, columns, row_number)

    def _start(self, title: str, columns: tuple[str, ...]):
        worksheet = self.workbook.add_worksheet(self._name(title))
        for index, name in enumerate(columns):
            worksheet.set_column(index, index, column_width(name))
        worksheet.freeze_panes(1, 0)
        for index, name in enumerate(columns):
            worksheet.write_string(0, index, name, self.header)
        return worksheet

    def _finish(self, worksheet, columns: tuple[str, ...], last_row: int) -> None:
        worksheet.autofilter(0, 0, max(last_row, 1), len(columns) - 1)

    def _write(self, worksheet, row: int, column: int, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, bool):
            worksheet.write_boolean(row, column, value)
        elif isinstance(value, (int, float)) and abs(value) < 1e15:
            worksheet.write_number(row, column, value)
        else:
            text = str(value)
            if len(text) > MAX_CELL:
                note = f" … [cut: {len(text):,} characters in full in the HTML/CSV/CASE exports]"
                text = text[:MAX_CELL - len(note)] + note
            # write_string: always a string cell, never a formula, whatever the text starts with.
            worksheet.write_string(row, column, text)
