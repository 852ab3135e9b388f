"""Artifact categories with counts: messages by app, calls, contacts, locations, reservations,
accounts, identities, warnings, and every other kind the plugins produced. Choosing one tells
the window what to show in the centre."""

from __future__ import annotations

from dataclasses import dataclass

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from forensic_triage.store.case_store import CaseStore
from forensic_triage.store.query import app_counts, kind_counts

# (kind, label, split by app) in the order an examiner reads them.
MAIN_KINDS = (("message", "Messages", True), ("call", "Calls", True), ("contact", "Contacts", False),
              ("geo_point", "Locations", False), ("reservation", "Reservations", False),
              ("account", "Accounts", False))
OTHER_LABELS = {"sqlite_database": "SQLite databases", "signature_mismatch": "Signature mismatches"}


@dataclass(frozen=True, kw_only=True)
class Category:
    """What the centre shows: artifacts of a kind (optionally one app), all artifacts,
    the identities of the contact graph, or the warnings."""
    view: str                 # "artifacts", "identities", "warnings"
    kind: str | None = None
    app: str | None = None
    label: str = ""


ROLE = Qt.ItemDataRole.UserRole + 2


class CategoriesPane(QTreeWidget):
    category_chosen = pyqtSignal(object)   # Category

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderLabels(["Category", "Count"])
        self.header().setStretchLastSection(False)
        self.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.setObjectName("categories")
        self.itemSelectionChanged.connect(self._chosen)
        self._identities_item: QTreeWidgetItem | None = None

    def load(self, store: CaseStore | None) -> None:
        self.clear()
        self._identities_item = None
        if store is None:
            return
        counts = kind_counts(store)
        total = sum(counts.values())
        self._add(None, "All artifacts", total, Category(view="artifacts", label="All artifacts"))
        for kind, label, by_app in MAIN_KINDS:
            item = self._add(None, label, counts.get(kind, 0), Category(view="artifacts", kind=kind, label=label))
            if by_app and counts.get(kind):
                for app, count in app_counts(store, kind).items():
                    self._add(item, app, count, Category(view="artifacts", kind=kind, app=app, label=f"{label}: {app}"))
                item.setExpanded(True)
        self._identities_item = self._add(None, "Identities", None, Category(view="identities", label="Identities"))
        self._identities_item.setText(1, "…")
        self._identities_item.setToolTip(1, "computed from messages, calls and contacts in the background")
        self._add(None, "Warnings", store.count("warnings"), Category(view="warnings", label="Warnings"))
        others = [kind for kind in counts if kind not in {k for k, _l, _a in MAIN_KINDS}]
        if others:
            parent = self._add(None, "Other artifacts", sum(counts[kind] for kind in others), None)
            for kind in others:
                label = OTHER_LABELS.get(kind, kind.replace("_", " "))
                self._add(parent, label, counts[kind], Category(view="artifacts", kind=kind, label=label))
            parent.setExpanded(True)

    def set_identity_count(self, count: int) -> None:
        if self._identities_item is not None:
            self._identities_item.setText(1, f"{count:,}")

    def _add(self, parent: QTreeWidgetItem | None, label: str, count: int | None,
             category: Category | None) -> QTreeWidgetItem:
        item = QTreeWidgetItem([label, "" if count is None else f"{count:,}"])
        item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        item.setData(0, ROLE, category)
        if count == 0:
            # An honest empty state: the category exists, nothing of it was found (yet).
            item.setForeground(0, self.palette().placeholderText())
            item.setToolTip(0, "nothing of this kind in the case (yet)")
        if parent is None:
            self.addTopLevelItem(item)
        else:
            parent.addChild(item)
        return item

    def _chosen(self) -> None:
        items = self.selectedItems()
        if items:
            category = items[0].data(0, ROLE)
            if category is not None:
                self.category_chosen.emit(category)

    def select_label(self, label: str) -> bool:
        """Select the category with this label (tests and keyboard users)."""
        for item in self._all_items():
            category = item.data(0, ROLE)
            if category is not None and category.label == label:
                self.setCurrentItem(item)
                return True
        return False

    def categories(self) -> list[Category]:
        return [item.data(0, ROLE) for item in self._all_items() if item.data(0, ROLE) is not None]

    def _all_items(self):
        stack = [self.topLevelItem(index) for index in range(self.topLevelItemCount())]
        while stack:
            item = stack.pop(0)
            yield item
            stack.extend(item.child(index) for index in range(item.childCount()))
