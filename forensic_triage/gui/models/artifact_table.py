"""ArtifactTableModel: one kind of artifact (or all) as a table, paged from SQLite with
canFetchMore/fetchMore. Only the rows scrolled to are ever loaded; plain browsing pages through
query.page_artifacts (keyset on id), sorted or filtered views through search.page_table (keyset
on the sort value and id)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PyQt6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PyQt6.QtGui import QBrush, QColor

from forensic_triage.gui.models.columns import Column, columns_for, flags
from forensic_triage.store.case_store import CaseStore
from forensic_triage.store.query import ArtifactRecord, page_artifacts
from forensic_triage.store.search import TableQuery, count_table, page_table

NO_PARENT = QModelIndex()  # the invisible root: these tables are flat

PAGE = 200
ID_ROLE = Qt.ItemDataRole.UserRole + 1

# Light backgrounds with the default dark text stay readable on light and dark themes alike
# because the foreground is set with them.
DELETED_BACKGROUND = QColor("#f8d7da")
RECOVERED_BACKGROUND = QColor("#fff3cd")
TAGGED_BACKGROUND = QColor("#d1e7dd")
MARKED_FOREGROUND = QColor("#1a1a1a")


class ArtifactTableModel(QAbstractTableModel):
    def __init__(self, store: CaseStore | None = None, query: TableQuery | None = None, parent=None) -> None:
        super().__init__(parent)
        self._store = store
        self._query = query or TableQuery()
        self._columns: tuple[Column, ...] = columns_for(self._query.kind)
        self._rows: list[ArtifactRecord] = []
        self._cursor: Any = None
        self._exhausted = True
        self._total: int | None = None
        self.tagged: frozenset[int] = frozenset()
        if store is not None:
            self._restart()

    # --- what is shown -----------------------------------------------------------------------

    @property
    def query(self) -> TableQuery:
        return self._query

    @property
    def columns(self) -> tuple[Column, ...]:
        return self._columns

    def set_store(self, store: CaseStore | None) -> None:
        self._store = store
        self._restart()

    def set_query(self, query: TableQuery) -> None:
        self._query = query
        self._columns = columns_for(query.kind)
        self._restart()

    def update_query(self, **changes: Any) -> None:
        self.set_query(replace(self._query, **changes))

    def set_tagged(self, ids: frozenset[int]) -> None:
        self.tagged = ids
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(self._columns) - 1))

    def total(self) -> int:
        """How many rows the query matches (counted once per query, on demand)."""
        if self._total is None:
            self._total = count_table(self._store, self._query) if self._store is not None else 0
        return self._total

    def loaded(self) -> int:
        return len(self._rows)

    def _restart(self) -> None:
        self.beginResetModel()
        self._rows = []
        self._cursor = None
        self._total = None
        self._exhausted = self._store is None
        self.endResetModel()
        if not self._exhausted:
            self.fetchMore(QModelIndex())

    # --- paging ------------------------------------------------------------------------------

    def canFetchMore(self, parent: QModelIndex = NO_PARENT) -> bool:
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: QModelIndex = NO_PARENT) -> None:
        if parent.isValid() or self._exhausted or self._store is None:
            return
        if self._query.plain:
            after_id = self._rows[-1].id if self._rows else None
            page = page_artifacts(self._store, kind=self._query.kind, after_id=after_id, limit=PAGE)
            self._exhausted = len(page) < PAGE
        else:
            page, self._cursor = page_table(self._store, self._query, after=self._cursor, limit=PAGE)
            self._exhausted = self._cursor is None
        if page:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self._rows.extend(page)
            self.endInsertRows()

    def fetch_all_up_to(self, row: int) -> None:
        while len(self._rows) <= row and self.canFetchMore():
            self.fetchMore()

    # --- Qt model interface --------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def record(self, row: int) -> ArtifactRecord | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, artifact_id: int) -> int | None:
        for row, record in enumerate(self._rows):
            if record.id == artifact_id:
                return row
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].title
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        record = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            text = self._columns[index.column()].value(record)
            # A table cell shows one line; the detail pane shows the whole text.
            return text.replace("\n", " ⏎ ")[:500]
        if role == Qt.ItemDataRole.ToolTipRole:
            marks = flags(record)
            return f"artifact #{record.id} · {record.plugin}@{record.plugin_version}" + (f" · {marks}" if marks else "")
        if role == Qt.ItemDataRole.BackgroundRole:
            colour = self._mark(record)
            return QBrush(colour) if colour is not None else None
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(MARKED_FOREGROUND) if self._mark(record) is not None else None
        if role == ID_ROLE:
            return record.id
        return None

    def _mark(self, record: ArtifactRecord) -> QColor | None:
        if record.data.get("deleted") or record.provenance.get("deleted"):
            return DELETED_BACKGROUND
        if record.data.get("recovered"):
            return RECOVERED_BACKGROUND
        if record.id in self.tagged:
            return TAGGED_BACKGROUND
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self._columns):
            return
        self.update_query(sort=self._columns[column].sort, descending=order == Qt.SortOrder.DescendingOrder)

    # --- copying -------------------------------------------------------------------------------

    def rows_as_text(self, rows: list[int]) -> list[list[str]]:
        return [[column.value(self._rows[row]) for column in self._columns] for row in rows if 0 <= row < len(self._rows)]
