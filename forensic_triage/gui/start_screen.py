"""The start screen: open a recent case, open a case folder, or create a case."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from forensic_triage import __version__


class StartScreen(QWidget):
    open_recent = pyqtSignal(str)
    open_folder = pyqtSignal()
    create_case = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("startScreen")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 36, 48, 36)
        title = QLabel("forensic-triage")
        font = title.font()
        font.setPointSize(font.pointSize() + 10)
        font.setBold(True)
        title.setFont(font)
        outer.addWidget(title)
        outer.addWidget(QLabel(f"Digital-evidence triage workstation · version {__version__} · works offline"))
        buttons = QHBoxLayout()
        self.create_button = QPushButton("Create a case…")
        self.open_button = QPushButton("Open a case folder…")
        for button in (self.create_button, self.open_button):
            button.setMinimumHeight(36)
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.create_button.clicked.connect(self.create_case.emit)
        self.open_button.clicked.connect(self.open_folder.emit)
        outer.addSpacing(16)
        outer.addLayout(buttons)
        outer.addSpacing(16)
        outer.addWidget(QLabel("Recent cases (double-click to open):"))
        self.recent = QListWidget()
        self.recent.setObjectName("recentCases")
        self.recent.itemActivated.connect(lambda item: self.open_recent.emit(item.data(Qt.ItemDataRole.UserRole)))
        outer.addWidget(self.recent, 1)

    def set_recent(self, folders: list[str]) -> None:
        self.recent.clear()
        for folder in folders:
            exists = (Path(folder) / "case.sqlite").exists()
            item = QListWidgetItem(folder + ("" if exists else "   (missing)"))
            item.setData(Qt.ItemDataRole.UserRole, folder)
            if not exists:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.recent.addItem(item)
        if not folders:
            item = QListWidgetItem("No recent cases yet.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.recent.addItem(item)
