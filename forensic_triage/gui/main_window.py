"""The main window: categories and the evidence tree on the left, the paged table (and the map,
contact graph, timeline and custody views) in the centre, the detail pane on the right.
Everything is read through the store's query/search API; long work runs in workers."""

from __future__ import annotations

import csv
import importlib
from datetime import UTC
from pathlib import Path

from PyQt6.QtCore import QByteArray, QSettings, Qt, QTimer
from PyQt6.QtGui import QAction, QKeySequence
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from forensic_triage.errors import TriageError
from forensic_triage.gui.dialogs.error import describe_exception, show_error
from forensic_triage.gui.dialogs.passphrase import ask_passphrase, needs_passphrase
from forensic_triage.gui.models.artifact_table import ArtifactTableModel
from forensic_triage.gui.models.row_tables import IDENTITY_COLUMNS, RowTableModel, WarningTableModel
from forensic_triage.gui.panes.categories import CategoriesPane, Category
from forensic_triage.gui.panes.custody_view import CustodyView
from forensic_triage.gui.panes.detail_pane import DetailPane
from forensic_triage.gui.panes.evidence_tree import EvidenceTree
from forensic_triage.gui.session import CaseSession
from forensic_triage.gui.start_screen import StartScreen
from forensic_triage.gui.workers import WorkThread, identities_job
from forensic_triage.store.query import tagged_artifact_ids
from forensic_triage.store.search import TableQuery, index_exists, index_is_current

RECENT_KEY = "recent_cases"
MAX_RECENT = 10
# The views another module provides; each is added as a tab only when its module exists.
OPTIONAL_VIEWS = (("map_view", "MapView", "Map"), ("graph_view", "GraphView", "Contact graph"),
                  ("timeline_view", "TimelineView", "Timeline"))


def settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "forensic-triage", "workstation")


def normalise_time(text: str, *, end: bool) -> str | None:
    """A typed date or date-time as the store's UTC text ("2026-03-01" → the day's first or last
    moment). Raises ValueError for text that is not a date."""
    from datetime import datetime

    text = text.strip()
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    if len(text) <= 10:
        return moment.strftime("%Y-%m-%dT23:59:59Z" if end else "%Y-%m-%dT00:00:00Z")
    # Stored times are "...:SSZ" or "...:SS.fffZ": "Z" sorts after ".", so an end at ":SSZ"
    # keeps the fractions of its last second.
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class MainWindow(QMainWindow):
    def __init__(self, *, jobs: int | None = None) -> None:
        super().__init__()
        from forensic_triage.gui.fonts import register_fonts

        register_fonts()
        self.setWindowTitle("forensic-triage")
        self.setObjectName("mainWindow")
        self.resize(1400, 860)
        self.session: CaseSession | None = None
        self.jobs = jobs
        self.category = Category(view="artifacts", label="All artifacts")
        self.views: dict[str, QWidget] = {}
        self._identities_job: WorkThread | None = None
        self._identities: list[dict] = []
        self.dialogs: list[QWidget] = []

        self.start_screen = StartScreen()
        self.start_screen.open_recent.connect(self.open_case)
        self.start_screen.open_folder.connect(self.choose_case_folder)
        self.start_screen.create_case.connect(self.create_case)

        self.workspace = self._build_workspace()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.start_screen)
        self.stack.addWidget(self.workspace)
        self.setCentralWidget(self.stack)

        self.categories = CategoriesPane()
        self.categories.category_chosen.connect(self.show_category)
        self.evidence_tree = EvidenceTree()
        self.evidence_tree.file_selected.connect(self._file_selected)
        self.detail = DetailPane()
        # Room for category names and the detail tabs whatever the saved layout says.
        self.categories.setMinimumWidth(250)
        self.evidence_tree.setMinimumWidth(250)
        self.detail.setMinimumWidth(430)
        self.categories_dock = self._dock("Categories", "categoriesDock", self.categories, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.evidence_dock = self._dock("Evidence", "evidenceDock", self.evidence_tree, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.detail_dock = self._dock("Details", "detailDock", self.detail, Qt.DockWidgetArea.RightDockWidgetArea)
        self._build_menus()
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self.apply_filters)
        self._restore_layout()
        self._show_start()

    # --- building -------------------------------------------------------------------------------

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_workspace(self) -> QWidget:
        workspace = QWidget()
        layout = QVBoxLayout(workspace)
        layout.setContentsMargins(4, 4, 4, 4)
        filters = QHBoxLayout()
        self.search_box = QLineEdit()
        self.search_box.setObjectName("searchBox")
        self.search_box.setPlaceholderText("Search message text, names, numbers, paths (Ctrl+F)")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.textChanged.connect(lambda _text: self._search_timer.start())
        self.since_box = QLineEdit()
        self.since_box.setPlaceholderText("from (UTC) 2026-03-01")
        self.until_box = QLineEdit()
        self.until_box.setPlaceholderText("to (UTC) 2026-03-31")
        self.search_box.setMinimumWidth(280)
        for box in (self.since_box, self.until_box):
            box.setMinimumWidth(120)
            box.setMaximumWidth(150)
            box.editingFinished.connect(self.apply_filters)
        self.filter_column = QComboBox()
        self.filter_column.setMinimumWidth(110)
        self.filter_text = QLineEdit()
        self.filter_text.setPlaceholderText("column contains…")
        self.filter_text.setMinimumWidth(120)
        self.filter_text.setMaximumWidth(180)
        self.filter_text.textChanged.connect(lambda _text: self._search_timer.start())
        filters.addWidget(self.search_box, 3)
        filters.addWidget(QLabel("Time:"))
        filters.addWidget(self.since_box)
        filters.addWidget(self.until_box)
        filters.addWidget(QLabel("Filter:"))
        filters.addWidget(self.filter_column)
        filters.addWidget(self.filter_text)
        layout.addLayout(filters)
        self.notice = QLabel()
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("color: #7a4b00;")
        self.notice.hide()
        layout.addWidget(self.notice)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("centreTabs")
        self.table = QTableView()
        self.table.setObjectName("artifactTable")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSortingEnabled(False)
        self.table.horizontalHeader().setSortIndicatorShown(True)
        self.table.horizontalHeader().setSectionsClickable(True)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._sort_changed)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.artifact_model = ArtifactTableModel()
        self.warning_model: WarningTableModel | None = None
        self.identity_model = RowTableModel(IDENTITY_COLUMNS)
        self.table.setModel(self.artifact_model)
        self._connect_selection()
        self.table_title = QLabel()
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.table_title)
        table_layout.addWidget(self.table, 1)
        self.tabs.addTab(table_box, "Table")
        self.custody_view = CustodyView()
        self.custody_view.verified.connect(lambda _report: self._reload_custody())
        for module_name, class_name, title in OPTIONAL_VIEWS:
            view = self._optional_view(module_name, class_name)
            if view is not None:
                self.views[title] = view
                self.tabs.addTab(view, title)
        self.tabs.addTab(self.custody_view, "Custody")
        layout.addWidget(self.tabs, 1)
        return workspace

    def _optional_view(self, module_name: str, class_name: str) -> QWidget | None:
        try:
            module = importlib.import_module(f"forensic_triage.gui.views.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"forensic_triage.gui.views.{module_name}":
                return None
            raise
        view = getattr(module, class_name)()
        view.artifact_selected.connect(self.select_artifact)
        if hasattr(view, "load_failed"):
            view.load_failed.connect(lambda message, details: show_error(self, "View could not load", message, details))
        return view

    def _build_menus(self) -> None:
        bar = self.menuBar()
        case_menu = bar.addMenu("&Case")
        self.action_create = self._action(case_menu, "&Create a case…", self.create_case, QKeySequence.StandardKey.New)
        self.action_open = self._action(case_menu, "&Open a case folder…", self.choose_case_folder,
                                        QKeySequence.StandardKey.Open)
        self.recent_menu = case_menu.addMenu("Open &recent")
        self.action_close = self._action(case_menu, "C&lose case", self.close_case)
        case_menu.addSeparator()
        self.action_verify = self._action(case_menu, "&Verify case", self.verify_case)
        self.action_custody = self._action(case_menu, "Custody &log", lambda: self.tabs.setCurrentWidget(self.custody_view))
        self.action_index = self._action(case_menu, "Build &search index", self.build_index)
        self.action_report = self._action(case_menu, "&Report…", self.open_report)
        case_menu.addSeparator()
        self._action(case_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        evidence_menu = bar.addMenu("&Evidence")
        self.action_add = self._action(evidence_menu, "&Add evidence…", self.add_evidence)
        self.action_ingest = self._action(evidence_menu, "&Ingest…", self.ingest)
        item_menu = bar.addMenu("&Item")
        self.action_search = self._action(item_menu, "&Search", self.focus_search, QKeySequence("Ctrl+F"))
        self.action_tag = self._action(item_menu, "&Tag or note…", self.tag_selected, QKeySequence("Ctrl+T"))
        self.action_copy = self._action(item_menu, "&Copy rows", self.copy_rows, QKeySequence.StandardKey.Copy)
        self.action_export = self._action(item_menu, "&Export selection to CSV…", self.export_selection)
        view_menu = bar.addMenu("&View")
        for dock in (self.categories_dock, self.evidence_dock, self.detail_dock):
            view_menu.addAction(dock.toggleViewAction())
        self._case_actions = [self.action_close, self.action_verify, self.action_custody, self.action_index,
                              self.action_report, self.action_add, self.action_ingest, self.action_search,
                              self.action_tag, self.action_copy, self.action_export]

    def _action(self, menu, text: str, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    # --- layout and recent cases ------------------------------------------------------------------

    def _restore_layout(self) -> None:
        store = settings()
        geometry = store.value("geometry")
        state = store.value("window_state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        self._layout_restored = isinstance(state, QByteArray) and self.restoreState(state)
        self._refresh_recent()

    def _default_dock_sizes(self) -> None:
        """First run: room for the category names and the evidence tree on the left, and for
        the detail tabs on the right (later runs restore the examiner's own layout)."""
        if self._layout_restored:
            return
        self.resizeDocks([self.categories_dock, self.detail_dock], [300, 500], Qt.Orientation.Horizontal)
        self.resizeDocks([self.categories_dock, self.evidence_dock], [1, 1], Qt.Orientation.Vertical)

    def save_layout(self) -> None:
        store = settings()
        store.setValue("geometry", self.saveGeometry())
        store.setValue("window_state", self.saveState())
        store.sync()

    def recent_cases(self) -> list[str]:
        value = settings().value(RECENT_KEY, [])
        if isinstance(value, str):
            value = [value]
        return [str(item) for item in (value or [])]

    def _remember(self, case_dir: Path) -> None:
        folder = str(Path(case_dir).resolve())
        recent = [folder] + [item for item in self.recent_cases() if item != folder]
        store = settings()
        store.setValue(RECENT_KEY, recent[:MAX_RECENT])
        store.sync()
        self._refresh_recent()

    def _refresh_recent(self) -> None:
        recent = self.recent_cases()
        self.start_screen.set_recent(recent)
        self.recent_menu.clear() if hasattr(self, "recent_menu") else None
        if hasattr(self, "recent_menu"):
            for folder in recent:
                action = self.recent_menu.addAction(folder)
                action.triggered.connect(lambda _checked=False, path=folder: self.open_case(path))

    def closeEvent(self, event) -> None:
        self.save_layout()
        for job in (self._identities_job,):
            if job is not None and job.running():
                job.wait()
        # The views load on Qt's global pool; their answers must land before the views go.
        from PyQt6.QtCore import QThreadPool

        QThreadPool.globalInstance().waitForDone(30_000)
        if self.session is not None:
            self.session.close()
            self.session = None      # timers still pending must find no case, not a closed one
            self.artifact_model.set_store(None)
        super().closeEvent(event)

    # --- opening and closing cases ----------------------------------------------------------------

    def _show_start(self) -> None:
        self.stack.setCurrentWidget(self.start_screen)
        for dock in (self.categories_dock, self.evidence_dock, self.detail_dock):
            dock.hide()
        for action in self._case_actions:
            action.setEnabled(False)
        self.setWindowTitle("forensic-triage")

    def open_case(self, case_dir: str | Path) -> bool:
        try:
            if needs_passphrase(Path(case_dir)) and not ask_passphrase(self, Path(case_dir)):
                show_error(self, "Case not opened", f"{case_dir} is encrypted and was not unlocked: "
                                                    "it stays closed")
                return False
            session = CaseSession(Path(case_dir))
        except TriageError as exc:
            show_error(self, "Case not opened", str(exc))
            return False
        except Exception as exc:  # noqa: BLE001 - e.g. a store damaged beyond SQLite's own checks
            message, details = describe_exception(exc)
            show_error(self, "Case not opened", f"{case_dir} could not be opened as a case: {message}", details)
            return False
        if self.session is not None:
            self.session.close()
        self.session = session
        self._remember(session.case_dir)
        self.stack.setCurrentWidget(self.workspace)
        for dock in (self.categories_dock, self.evidence_dock, self.detail_dock):
            dock.show()
        self._default_dock_sizes()
        for action in self._case_actions:
            action.setEnabled(True)
        self.setWindowTitle(f"forensic-triage — {session.title} — {session.case_dir}")
        self.refresh()
        return True

    def close_case(self) -> None:
        if self.session is not None:
            self.session.close()
        self.session = None
        for view in self.views.values():
            view.set_case(None)
        self.detail.set_session(None)
        self.artifact_model.set_store(None)
        self.categories.load(None)
        self.evidence_tree.load(None)
        self.custody_view.load(None)
        self._show_start()

    def refresh(self) -> None:
        """Re-read the case (after evidence was added, an ingest ran, or a tag was written)."""
        if self.session is None:
            return
        self.session.reopen()
        store = self.session.store
        self.detail.set_session(self.session)
        self.categories.load(store)
        self.evidence_tree.load(store)
        self.custody_view.load(store)
        for view in self.views.values():
            view.set_case(self.session.case_dir)
        self._start_identities()
        self._tagged = tagged_artifact_ids(store)
        self.artifact_model.set_tagged(self._tagged)
        self._check_index()
        self.show_category(self.category)

    def _check_index(self) -> None:
        store = self.session.store
        if store.count("artifacts") + store.count("files") == 0:
            self.notice.hide()
        elif not index_exists(store):
            self.notice.setText("This case has no search index yet, so search finds nothing: Case → Build search index.")
            self.notice.show()
        elif not index_is_current(store):
            self.notice.setText("The search index misses the newest rows: Case → Build search index.")
            self.notice.show()
        else:
            self.notice.hide()

    def _reload_custody(self) -> None:
        if self.session is not None:
            self.session.reopen()
            # Everything that keeps the store must take the new connection.
            store = self.session.store
            self.detail.session = self.session
            self.evidence_tree._store = store
            self.artifact_model._store = store
            if self.warning_model is not None:
                self.warning_model._store = store
            self.custody_view.load(store)

    def _start_identities(self) -> None:
        if self._identities_job is not None and self._identities_job.running():
            return
        factory, cleanup = identities_job(self.session.case_dir)
        self._identities_job = WorkThread(factory, cleanup)
        self._identities_job.runner.finished.connect(self._identities_ready)
        self._identities_job.runner.failed.connect(lambda message, _details: self.categories.set_identity_count(0))
        self._identities_job.start()

    def _identities_ready(self, rows: list[dict]) -> None:
        self._identities = rows
        self.categories.set_identity_count(len(rows))
        if self.category.view == "identities":
            self.identity_model.set_rows(rows)
            self._update_title()

    # --- centre table ---------------------------------------------------------------------------

    def _connect_selection(self) -> None:
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)

    def _set_table_model(self, model) -> None:
        if self.table.model() is not model:
            self.table.setModel(model)
            self._connect_selection()

    def show_category(self, category: Category) -> None:
        self.category = category
        if self.session is None:
            return
        self.tabs.setCurrentIndex(0)
        self.detail.clear()      # the pane describes a row of what is shown, never of an earlier list
        if category.view == "warnings":
            self.warning_model = WarningTableModel(self.session.store)
            self._set_table_model(self.warning_model)
        elif category.view == "identities":
            self.identity_model.set_rows(self._identities)
            self._set_table_model(self.identity_model)
        else:
            self._set_table_model(self.artifact_model)
            self.artifact_model.set_store(None)
            self.artifact_model._store = self.session.store
            self.artifact_model.set_query(self._query_for(category))
            self.filter_column.blockSignals(True)
            self.filter_column.clear()
            self.filter_column.addItem("(column)", None)
            for column in self.artifact_model.columns:
                if column.filter_field:
                    self.filter_column.addItem(column.title, column.filter_field)
            self.filter_column.blockSignals(False)
        self._size_columns()
        self._update_title()

    def _query_for(self, category: Category) -> TableQuery:
        since, until = self._time_range()
        field_name = self.filter_column.currentData() if self.filter_column.count() else None
        filters = ((field_name, self.filter_text.text()),) if field_name and self.filter_text.text() else ()
        return TableQuery(kind=category.kind, app=category.app, text=self.search_box.text().strip() or None,
                          since=since, until=until, field_filters=filters)

    def _time_range(self) -> tuple[str | None, str | None]:
        try:
            since = normalise_time(self.since_box.text(), end=False)
            until = normalise_time(self.until_box.text(), end=True)
        except ValueError:
            self.statusBar().showMessage("Times are dates like 2026-03-01 or 2026-03-01 14:30 (UTC)", 6000)
            return None, None
        return since, until

    def apply_filters(self) -> None:
        if self.session is None or self.category.view != "artifacts":
            return
        query = self._query_for(self.category)
        current = self.artifact_model.query
        self.artifact_model.set_query(TableQuery(kind=query.kind, app=query.app, text=query.text, since=query.since,
                                                 until=query.until, field_filters=query.field_filters,
                                                 sort=current.sort, descending=current.descending))
        for view in self.views.values():
            if hasattr(view, "set_time_range") and (view.since, view.until) != (query.since, query.until):
                view.set_time_range(query.since, query.until)
        self._update_title()

    def _sort_changed(self, column: int, order: Qt.SortOrder) -> None:
        model = self.table.model()
        if model is self.artifact_model:
            model.sort(column, order)
            self._update_title()

    def _size_columns(self) -> None:
        model = self.table.model()
        if model is self.artifact_model:
            for index, column in enumerate(self.artifact_model.columns):
                self.table.setColumnWidth(index, column.width)
        else:
            self.table.resizeColumnsToContents()
            for index in range(model.columnCount()):
                self.table.setColumnWidth(index, min(self.table.columnWidth(index), 420))
        self.table.horizontalHeader().setStretchLastSection(True)

    def _update_title(self) -> None:
        """The count comes a moment after the rows: counting a million rows must not hold back
        the first page."""
        model = self.table.model()
        if model is self.artifact_model:
            self.table_title.setText(f"{self.category.label}: counting…")
            QTimer.singleShot(30, self._show_count)
            return
        if model is self.identity_model:
            text = f"Identities: {len(self._identities):,} (people merged across apps by number, e-mail or handle)"
        else:
            text = f"Warnings: {self.session.store.count('warnings'):,}" if self.session else ""
        self.table_title.setText(text)
        self.statusBar().showMessage(text)

    def _show_count(self) -> None:
        if self.session is None or self.table.model() is not self.artifact_model:
            return
        total = self.artifact_model.total()
        query = self.artifact_model.query
        filtered = bool(query.text or query.since or query.until or query.field_filters)
        text = f"{self.category.label}: {total:,} artifact(s)" + (" matching the filters" if filtered else "")
        if total == 0:
            text += " — nothing matches" if filtered else " — nothing of this kind was found in the case"
        self.table_title.setText(text)
        self.statusBar().showMessage(text)

    def _row_changed(self, current, _previous) -> None:
        model = self.table.model()
        if not current.isValid():
            return
        if model is self.artifact_model:
            record = model.record(current.row())
            if record is not None:
                self.detail.show_artifact(record.id)
        elif model is self.warning_model:
            row = model.row(current.row())
            if row and row.get("file_id"):
                self.detail.show_file(row["file_id"])
        elif model is self.identity_model:
            row = model.row(current.row())
            if row:
                self.detail.show_identity(row)

    def _file_selected(self, file_id: int) -> None:
        self.detail.show_file(file_id)

    def select_artifact(self, artifact_id: int) -> None:
        """Show an artifact chosen elsewhere (map, graph, timeline): details, and its row when loaded."""
        self.detail.show_artifact(artifact_id)
        if self.table.model() is self.artifact_model:
            row = self.artifact_model.row_of(artifact_id)
            if row is not None:
                self.table.selectRow(row)

    def selected_rows(self) -> list[int]:
        return sorted({index.row() for index in self.table.selectionModel().selectedRows()})

    # --- actions --------------------------------------------------------------------------------

    def focus_search(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.search_box.setFocus()
        self.search_box.selectAll()

    def copy_rows(self) -> None:
        model = self.table.model()
        rows = model.rows_as_text(self.selected_rows())
        QApplication.clipboard().setText("\n".join("\t".join(row) for row in rows))
        self.statusBar().showMessage(f"{len(rows)} row(s) copied", 4000)

    def export_selection(self, path: str | None = None) -> Path | None:
        model = self.table.model()
        rows = model.rows_as_text(self.selected_rows())
        if not rows:
            self.statusBar().showMessage("Select rows to export first", 4000)
            return None
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export selection", "selection.csv", "CSV (*.csv)")
            if not path:
                return None
        headers = [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(headers)
            writer.writerows(rows)
        self.statusBar().showMessage(f"{len(rows)} row(s) written to {path}", 6000)
        return Path(path)

    def choose_case_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a case folder")
        if folder:
            self.open_case(folder)

    def create_case(self):
        from forensic_triage.gui.dialogs.create_case import CreateCaseDialog

        dialog = CreateCaseDialog(self)
        dialog.accepted.connect(lambda: self._create_from(dialog))
        self.dialogs.append(dialog)
        dialog.open()
        return dialog

    def _create_from(self, dialog) -> None:
        from forensic_triage.store.case_store import CaseStore

        value = dialog.value()
        try:
            store = CaseStore.create(value.folder, case_number=value.case_number, examiner=value.examiner,
                                     agency=value.agency, title=value.title, region=value.region,
                                     display_tz=value.display_tz)
            store.close()
        except TriageError as exc:
            show_error(self, "Case not created", str(exc))
            return
        self.open_case(value.folder)

    def add_evidence(self):
        from forensic_triage.gui.dialogs.add_evidence import AddEvidenceDialog

        dialog = AddEvidenceDialog(self.session.case_dir, self)
        dialog.completed.connect(lambda _row: self.refresh())
        self.dialogs.append(dialog)
        dialog.open()
        return dialog

    def ingest(self):
        from forensic_triage.gui.dialogs.ingest import IngestDialog

        dialog = IngestDialog(self.session.case_dir, self, jobs=self.jobs)
        dialog.completed.connect(lambda _result: self.refresh())
        self.dialogs.append(dialog)
        dialog.open()
        return dialog

    def tag_selected(self):
        from forensic_triage.gui.dialogs.tag import TagDialog, TagTarget

        if self.session is None:
            return None
        target = self._tag_target()
        if target is None:
            self.statusBar().showMessage("Select an artifact, a file or an identity to tag", 4000)
            return None
        dialog = TagDialog(self.session.case_dir, TagTarget(kind=target[0], id=target[1], description=target[2]), self)
        dialog.accepted.connect(self._after_tag)
        self.dialogs.append(dialog)
        dialog.open()
        return dialog

    def _tag_target(self) -> tuple[str, str, str] | None:
        model = self.table.model()
        index = self.table.currentIndex()
        if self.tabs.currentIndex() == 0 and index.isValid():
            if model is self.artifact_model:
                from forensic_triage.gui.models.columns import summary

                record = model.record(index.row())
                return "artifact", str(record.id), f"{record.kind}: {summary(record)[:120]}"
            if model is self.identity_model:
                row = model.row(index.row())
                return "identity", row["id"], row["label"]
        if self.detail.current is not None:
            kind, item_id = self.detail.current
            return kind, str(item_id), self.detail.heading.text()
        return None

    def _after_tag(self) -> None:
        self._reload_custody()
        self._tagged = tagged_artifact_ids(self.session.store)
        self.artifact_model.set_tagged(self._tagged)
        if self.detail.current is not None:
            kind, item_id = self.detail.current
            (self.detail.show_artifact if kind == "artifact" else self.detail.show_file)(item_id)
        self.statusBar().showMessage("Tag written to the case and the custody log", 5000)

    def verify_case(self) -> None:
        self.tabs.setCurrentWidget(self.custody_view)
        self.custody_view.verify()

    def build_index(self) -> None:
        from forensic_triage.store.search import build_search_index_in

        try:
            build = build_search_index_in(self.session.case_dir)
        except TriageError as exc:
            show_error(self, "Search index not built", str(exc))
            return
        self.statusBar().showMessage(f"Search index: {build.artifacts_added:,} artifacts and {build.files_added:,} "
                                     f"files added", 6000)
        self.refresh()

    def open_report(self):
        from forensic_triage.gui.dialogs.report import ReportDialog, report_available

        if not report_available():
            show_error(self, "Reports", "This installation has no report command yet.")
            return None
        dialog = ReportDialog(self.session.case_dir, self)
        dialog.completed.connect(lambda _path: self._reload_custody())
        self.dialogs.append(dialog)
        dialog.open()
        return dialog
