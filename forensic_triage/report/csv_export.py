"""CSV export: one file per kind of finding in scope (messages.csv, calls.csv, ...) with the same
columns as the XLSX sheets (provenance columns included), plus summary.csv, exhibits.csv,
custody.csv, warnings.csv and tags.csv, in a csv/ folder of the report.

Encoding: UTF-8 with a byte-order mark. Without the BOM, Excel on Windows opens a CSV in the
machine's ANSI code page and turns Cyrillic, Arabic or CJK message text into mojibake; with it,
Excel, LibreOffice, Python (encoding "utf-8-sig") and pandas all read the text as written.
RFC 4180 quoting, CRLF line ends, every row streamed (bounded memory).

Formula injection: a spreadsheet program evaluates a CSV cell that starts with = + - @ (or a tab
or carriage return before one). Such a text cell is written with a leading apostrophe ('), the
OWASP-recommended neutraliser, which makes Excel and LibreOffice treat it as text; the apostrophe
is the only change. A cell that is only a phone number or a signed number (e.g. "+44 7700 900123",
"-12.5") cannot run anything and is left as it is, so numbers stay searchable. Numbers and
booleans written by the tool itself are never prefixed.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from forensic_triage.progress import Progress
from forensic_triage.report.model import ProgressCallback, ReportModel
from forensic_triage.report.xlsx import fixed_sheets, ordered_kinds, table_for

FOLDER = "csv"
ENCODING = "utf-8-sig"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Only digits, spaces, brackets, dots, dashes and one leading sign: a number or a phone number.
_NUMBER_LIKE = re.compile(r"^[+-]?[0-9][0-9 ().\-]*$")
FILE_NAMES = {"message": "messages", "call": "calls", "contact": "contacts", "account": "accounts",
              "geo_point": "locations", "reservation": "reservations"}


def safe_text(value: Any) -> Any:
    """A cell value made safe for spreadsheet programs (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    if text.startswith(TRIGGERS) and not _NUMBER_LIKE.match(text):
        return "'" + text
    return text


def write_csv(model: ReportModel, out: Path, *, progress: ProgressCallback | None = None) -> list[Path]:
    """Write the CSV files into ``out``/csv/ (``out`` is the report folder); return their paths."""
    folder = Path(out) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for title, columns, rows in fixed_sheets(model):
        written.append(_write(folder / f"{title.lower()}.csv", columns, rows))
    total = sum(model.counts.get(kind, 0) for kind in model.kinds())
    done = 0
    for kind in ordered_kinds(model):
        table = table_for(kind)

        def rows(kind: str = kind, table=table) -> Iterator[list[Any]]:
            nonlocal done
            for record in model.records(kind):
                yield table.row(model, record)
                done += 1
                if progress is not None and done % 5000 == 0:
                    progress(Progress(stage="CSV", done=done, total=total, unit="artifacts"))
        written.append(_write(folder / f"{FILE_NAMES.get(kind, kind)}.csv", table.columns, rows()))
    if progress is not None:
        progress(Progress(stage="CSV", done=total, total=total, unit="artifacts"))
    return written


def _write(path: Path, columns: tuple[str, ...], rows: Iterator[list[Any]]) -> Path:
    with path.open("w", encoding=ENCODING, newline="") as handle:
        writer = csv.writer(handle, dialect="excel", lineterminator="\r\n")
        writer.writerow(columns)
        for values in rows:
            writer.writerow([safe_text(value) for value in values])
    return path
