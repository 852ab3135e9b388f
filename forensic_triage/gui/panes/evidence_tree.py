"""The evidence tree: exhibit → partition → folders and files, each level read from the store
only when it is expanded (a volume may hold millions of names). Deleted entries are marked."""

from __future__ import annotations

from dataclasses import dataclass

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QBrush, QColor
from PyQt6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from forensic_triage.store.case_store import CaseStore
from forensic_triage.store.search import child_files

DELETED_COLOUR = QColor("#b00020")
ROLE = Qt.ItemDataRole.UserRole + 3
PLACEHOLDER = "loading…"


@dataclass(frozen=True, kw_only=True)
class TreeNode:
    evidence_id: int
    volume_idx: int | None
    folder: str                  # path of this folder ("" for a volume's root)
    file_id: int | None = None   # set for files and folders that are rows of the listing


class EvidenceTree(QTreeWidget):
    file_selected = pyqtSignal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # One column: deep paths need the width; sizes are in the tooltips and the detail pane.
        self.setHeaderHidden(True)
        self.setColumnCount(1)
        self.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.header().setStretchLastSection(False)
        self.setObjectName("evidenceTree")
        self._store: CaseStore | None = None
        self.itemExpanded.connect(self._expand)
        self.itemSelectionChanged.connect(self._selected)

    def load(self, store: CaseStore | None) -> None:
        self.clear()
        self._store = store
        if store is None:
            return
        for evidence in store.evidence():
            label = f"{evidence['exhibit_id']}" + (f" — {evidence['description']}" if evidence["description"] else "")
            exhibit = QTreeWidgetItem([label])
            exhibit.setToolTip(0, f"{evidence['path']}\n{evidence['media_size']:,} bytes\nSHA-256 {evidence['sha256']}")
            self.addTopLevelItem(exhibit)
            volumes = store.volumes(evidence["id"])
            if not volumes:
                # Logical evidence (folder, zip, tar) has no volumes: its root is the exhibit.
                exhibit.setData(0, ROLE, TreeNode(evidence_id=evidence["id"], volume_idx=None, folder=""))
                exhibit.addChild(QTreeWidgetItem([PLACEHOLDER]))
                continue
            for volume in volumes:
                text = f"Partition {volume['idx']}: {volume['fs_type'] or volume['description'] or '?'} " \
                       f"at byte {volume['offset']:,}"
                item = QTreeWidgetItem([text])
                item.setToolTip(0, f"{volume['description']}, {volume['length']:,} bytes — {volume['status']}" +
                                (f": {volume['note']}" if volume["note"] else ""))
                exhibit.addChild(item)
                if volume["status"] == "readable":
                    item.setData(0, ROLE, TreeNode(evidence_id=evidence["id"], volume_idx=volume["idx"], folder=""))
                    item.addChild(QTreeWidgetItem([PLACEHOLDER]))
                else:
                    item.setForeground(0, QBrush(QColor("#6c6c6c")))
            exhibit.setExpanded(True)

    def _expand(self, item: QTreeWidgetItem) -> None:
        node: TreeNode | None = item.data(0, ROLE)
        if node is None or self._store is None:
            return
        if item.childCount() == 1 and item.child(0).text(0) == PLACEHOLDER and item.child(0).data(0, ROLE) is None:
            item.takeChild(0)
            for child in child_files(self._store, node.evidence_id, node.volume_idx, node.folder):
                label = child.name + (" (deleted)" if child.deleted else "")
                entry = QTreeWidgetItem([label])
                entry.setToolTip(0, f"{child.path}\n{child.size:,} bytes" + ("\ndeleted: the name survives in the file "
                                                                              "system, the content may not"
                                                                              if child.deleted else ""))
                entry.setData(0, ROLE, TreeNode(evidence_id=node.evidence_id, volume_idx=node.volume_idx,
                                                folder=child.path, file_id=child.id))
                if child.deleted:
                    entry.setForeground(0, QBrush(DELETED_COLOUR))
                if child.has_children:
                    entry.addChild(QTreeWidgetItem([PLACEHOLDER]))
                item.addChild(entry)

    def _selected(self) -> None:
        items = self.selectedItems()
        if items:
            node = items[0].data(0, ROLE)
            if node is not None and node.file_id is not None:
                self.file_selected.emit(node.file_id)

    def find_path(self, path: str) -> QTreeWidgetItem | None:
        """Expand the tree down to `path` (in the first exhibit/volume holding it) and return its item."""
        parts = path.split("/")
        for index in range(self.topLevelItemCount()):
            exhibit = self.topLevelItem(index)
            roots = [exhibit] if exhibit.data(0, ROLE) is not None else \
                [exhibit.child(i) for i in range(exhibit.childCount())]
            for root in roots:
                item = root
                for depth in range(len(parts)):
                    self.expandItem(item)
                    wanted = "/".join(parts[:depth + 1])
                    item = next((item.child(i) for i in range(item.childCount())
                                 if item.child(i).data(0, ROLE) is not None
                                 and item.child(i).data(0, ROLE).folder == wanted), None)
                    if item is None:
                        break
                if item is not None:
                    return item
        return None
