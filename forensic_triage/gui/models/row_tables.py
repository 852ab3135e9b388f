"""Tables of plain rows that are not artifacts: warnings (paged), custody entries and the
identities of the contact graph (both small enough to hold)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import QAbstractTableModel, QModelIndex, Qt

from forensic_triage.store.case_store import CaseStore
from forensic_triage.store.search import page_warnings

NO_PARENT = QModelIndex()  # the invisible root: these tables are flat

Getter = Callable[[dict[str, Any]], str]


class RowTableModel(QAbstractTableModel):
    """Rows as dicts, with (title, getter) columns."""

    def __init__(self, columns: list[tuple[str, Getter]], rows: list[dict[str, Any]] | None = None,
                 parent=None) -> None:
        super().__init__(parent)
        self._columns = columns
        self._rows: list[dict[str, Any]] = list(rows or [])

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, index: int) -> dict[str, Any] | None:
        return self._rows[index] if 0 <= index < len(self._rows) else None

    def rowCount(self, parent: QModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section][0]
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = self._columns[index.column()][1](self._rows[index.row()])
            return text if role == Qt.ItemDataRole.ToolTipRole else text.replace("\n", " ")[:400]
        return None

    def rows_as_text(self, rows: list[int]) -> list[list[str]]:
        return [[getter(self._rows[row]) for _title, getter in self._columns] for row in rows
                if 0 <= row < len(self._rows)]


def _get(name: str) -> Getter:
    return lambda row: "" if row.get(name) is None else str(row.get(name))


# The message first: it is what the examiner reads; code, plugin and path say where.
WARNING_COLUMNS: list[tuple[str, Getter]] = [
    ("#", _get("id")), ("Exhibit", _get("exhibit_id")), ("Message", _get("message")), ("Code", _get("code")),
    ("Plugin", _get("plugin")), ("Path", _get("path")),
]


class WarningTableModel(RowTableModel):
    """Warnings paged by id, like the artifact tables (a hostile image can produce millions)."""

    PAGE = 200

    def __init__(self, store: CaseStore | None, parent=None) -> None:
        super().__init__(WARNING_COLUMNS, parent=parent)
        self._store = store
        self._exhausted = store is None
        self.fetchMore()

    def canFetchMore(self, parent: QModelIndex = NO_PARENT) -> bool:
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: QModelIndex = NO_PARENT) -> None:
        if parent.isValid() or self._exhausted or self._store is None:
            return
        after = self._rows[-1]["id"] if self._rows else 0
        page = page_warnings(self._store, after_id=after, limit=self.PAGE)
        self._exhausted = len(page) < self.PAGE
        if page:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(page) - 1)
            self._rows.extend(page)
            self.endInsertRows()


def _custody_summary(row: dict[str, Any]) -> str:
    details = row.get("details") or {}
    keys = ("exhibit_id", "evidence_id", "target", "label", "ok", "totals", "artifacts_indexed", "files_indexed",
            "first_failure")
    parts = [f"{key}={details[key]}" for key in keys if key in details and details[key] is not None]
    return ", ".join(parts)


CUSTODY_COLUMNS: list[tuple[str, Getter]] = [
    ("Seq", _get("seq")), ("UTC", lambda row: str(row.get("utc", "")).replace("T", " ").replace("Z", "")),
    ("Examiner", _get("examiner")), ("Action", _get("action")), ("Details", _custody_summary),
    ("Tool", _get("tool_version")), ("Entry hash", lambda row: str(row.get("entry_hash", ""))[:16] + "…"),
]

IDENTITY_COLUMNS: list[tuple[str, Getter]] = [
    ("Identity", _get("label")), ("Identifiers", lambda row: ", ".join(row.get("identifiers", ()))),
    ("Names", lambda row: ", ".join(row.get("names", ()))), ("Apps", lambda row: ", ".join(row.get("apps", ()))),
    ("Messages", _get("messages")), ("Calls", _get("calls")), ("Owner", lambda row: "owner" if row.get("owner") else ""),
]
