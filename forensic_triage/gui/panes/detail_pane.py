"""The detail pane: everything about the selected artifact or file. All fields; provenance
(exhibit, path, inode, deleted, hashes, plugin@version, locator); the source bytes as hex and
text, read again from the evidence; a picture preview with its EXIF facts; a message's
conversation as bubbles; a booking as a card; the custody entries that concern the item."""

from __future__ import annotations

import html
import json
from typing import Any

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QFont, QFontDatabase, QImage, QPixmap
from PyQt6.QtWidgets import (
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QTabWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from forensic_triage.gui.models.columns import display_time
from forensic_triage.gui.session import CaseSession, hex_dump
from forensic_triage.store.query import ArtifactRecord, custody_entries, file_row, get_artifact
from forensic_triage.store.search import artifacts_of_file, thread_around

HEX_WINDOW = 4096


def _fill(tree: QTreeWidget, parent: QTreeWidgetItem | None, key: str, value: Any) -> None:
    is_time = isinstance(value, dict) and "utc" in value and "raw" in value
    if isinstance(value, dict) and "utc" in value and "raw" in value:
        # The UTC time on the line; how it was stored one level down.
        shown = display_time(value)
        item = QTreeWidgetItem([key, f"{shown} UTC" if value.get("utc") else shown])
        for name in ("raw", "encoding", "status"):
            item.addChild(QTreeWidgetItem([name, "" if value.get(name) is None else str(value.get(name))]))
        item.setToolTip(1, f"raw {value.get('raw')} ({value.get('encoding')}, {value.get('status')})")
    elif isinstance(value, dict):
        item = QTreeWidgetItem([key, "" if value else "{}"])
        for name, inner in value.items():
            _fill(tree, item, name, inner)
    elif isinstance(value, list):
        item = QTreeWidgetItem([key, "" if value else "(none)"])
        for position, inner in enumerate(value):
            _fill(tree, item, f"[{position}]", inner)
    else:
        text = "" if value is None else ("yes" if value is True else "no" if value is False else str(value))
        item = QTreeWidgetItem([key, text])
        item.setToolTip(1, text)
    if parent is None:
        tree.addTopLevelItem(item)
    else:
        parent.addChild(item)
    item.setExpanded(not is_time)


def _tree() -> QTreeWidget:
    tree = QTreeWidget()
    tree.setHeaderLabels(["Field", "Value"])
    tree.setColumnWidth(0, 150)
    tree.setWordWrap(True)
    tree.setAlternatingRowColors(True)
    return tree


def bubbles_html(messages: list[ArtifactRecord], selected_id: int) -> str:
    """A conversation as chat bubbles: the owner's on the right in blue, others on the left in grey,
    the selected message outlined; deleted ones say so."""
    rows = []
    for record in messages:
        data = record.data
        mine = data.get("direction") == "outgoing"
        colour = "#dbeafe" if mine else "#eeeeee"
        border = "2px solid #d97706" if record.id == selected_id else "1px solid #c8c8c8"
        who = "me" if mine else (data.get("sender") or "?")
        when = display_time(data.get("sent") or data.get("received") or {})
        marks = " · deleted" if data.get("deleted") else ""
        marks += " · recovered" if data.get("recovered") else ""
        body = html.escape(data.get("body") or data.get("subject") or "").replace("\n", "<br>")
        if data.get("attachments"):
            names = ", ".join(html.escape(a.get("name") or a.get("path") or "?") for a in data["attachments"])
            body += f"<br><i>attachment: {names}</i>"
        # Qt's rich text ignores cell alignment of nested tables: an empty spacer cell on the
        # other side puts the owner's bubbles on the right.
        bubble = (f'<td width="78%" style="background-color:{colour}; border:{border}; color:#1a1a1a;">'
                  f'<span style="color:#555555; font-size:small;">{html.escape(who)} · {when} · #{record.id}{marks}'
                  f'</span><br>{body or "<i>(no text)</i>"}</td>')
        spacer = '<td width="22%"></td>'
        cells = spacer + bubble if mine else bubble + spacer
        rows.append(f'<table width="100%" cellspacing="0" cellpadding="6"><tr>{cells}</tr></table>')
    return "<body style='background-color:#ffffff;'>" + "".join(rows) + "</body>"


def booking_html(record: ArtifactRecord) -> str:
    data = record.data

    def place(name: str) -> str:
        value = data.get(name) or {}
        parts = [value.get("code"), value.get("name"), value.get("address")]
        return html.escape(" · ".join(str(part) for part in parts if part)) or "–"

    rows = [("Type", data.get("type")), ("Trip", data.get("trip_number")), ("Name", data.get("name")),
            ("Booking reference", data.get("reservation_number")), ("Status", data.get("status")),
            ("Travellers", ", ".join(data.get("travellers") or [])), ("Provider", data.get("provider")),
            ("Start", display_time(data.get("start") or {})), ("End", display_time(data.get("end") or {})),
            ("Booked", display_time(data.get("booked") or {})), ("Seat", data.get("seat")),
            ("Price", " ".join(str(v) for v in (data.get("price"), data.get("currency")) if v)),
            ("Ticket token", data.get("ticket_token")), ("Origin", data.get("origin"))]
    table = "".join(f"<tr><td style='color:#555555;'>{label}</td><td style='color:#1a1a1a;'>"
                    f"{html.escape(str(value))}</td></tr>" for label, value in rows if value)
    title = html.escape(f"{data.get('type', 'booking').title()} {data.get('trip_number') or data.get('name') or ''}")
    return (f"<body style='background-color:#ffffff;'><table cellpadding='10' width='100%' "
            f"style='background-color:#f5f9ff; border:1px solid #9db4d6;'>"
            f"<tr><td><h3 style='color:#123a6b;'>{title}</h3>"
            f"<p style='font-size:large; color:#1a1a1a;'><b>{place('departure')}</b> → <b>{place('arrival')}</b></p>"
            f"<table cellpadding='3'>{table}</table></td></tr></table></body>")


class DetailPane(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailPane")
        self.session: CaseSession | None = None
        self.current: tuple[str, int] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        self.heading = QLabel("Select an artifact or a file to see everything about it.")
        self.heading.setObjectName("detailHeading")
        self.heading.setMinimumWidth(10)
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        layout.addWidget(self.heading)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs, 1)
        self.fields = _tree()
        self.provenance = _tree()
        self.hex = QPlainTextEdit()
        self.hex.setReadOnly(True)
        self.hex.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setStyleHint(QFont.StyleHint.Monospace)
        # Small enough for 16 bytes a line in the default pane width.
        mono.setPointSize(max(7, mono.pointSize() - 2))
        self.hex.setFont(mono)
        self.preview_image = QLabel()
        self.preview_image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview_facts = _tree()
        preview = QWidget()
        preview_layout = QVBoxLayout(preview)
        scroll = QScrollArea()
        scroll.setWidget(self.preview_image)
        scroll.setWidgetResizable(True)
        preview_layout.addWidget(scroll, 2)
        preview_layout.addWidget(self.preview_facts, 1)
        self.preview = preview
        self.thread = QTextBrowser()
        self.booking = QTextBrowser()
        self.custody = _tree()
        self.custody.setHeaderLabels(["Entry", "Details"])
        self.artifacts_here = _tree()
        self.artifacts_here.setHeaderLabels(["Artifact", "Summary"])

    # --- what is shown -----------------------------------------------------------------------

    def set_session(self, session: CaseSession | None) -> None:
        self.session = session
        self.clear()

    def clear(self) -> None:
        self.current = None
        self.tabs.clear()
        self.heading.setText("Select an artifact or a file to see everything about it.")

    def _tab(self, widget: QWidget, title: str) -> None:
        self.tabs.addTab(widget, title)

    def show_artifact(self, artifact_id: int) -> None:
        if self.session is None:
            return
        record = get_artifact(self.session.store, artifact_id)
        if record is None:
            self.clear()
            return
        self.current = ("artifact", artifact_id)
        previous = self.tabs.tabText(self.tabs.currentIndex()) if self.tabs.count() else None
        self.tabs.clear()
        kind_label = record.kind.replace("_", " ")
        self.heading.setText(f"{kind_label} #{record.id} · {record.data.get('app') or record.plugin}")
        self.fields.clear()
        for key, value in record.data.items():
            _fill(self.fields, None, key, value)
        self._tab(self.fields, "Fields")
        if record.kind == "message":
            messages = thread_around(self.session.store, record)
            self.thread.setHtml(bubbles_html(messages, record.id))
            self._tab(self.thread, "Chat")
        if record.kind == "reservation":
            self.booking.setHtml(booking_html(record))
            self._tab(self.booking, "Booking")
        self._show_provenance(record)
        self._tab(self.provenance, "Provenance")
        if record.file_id is not None:
            locator = record.provenance.get("locator") or {}
            self._show_bytes(record.file_id, int(locator.get("offset") or 0))
            self._tab(self.hex, "Bytes")
            if self._show_preview(record.file_id):
                self._tab(self.preview, "Preview")
        self._show_custody(f"artifact:{record.id}", record.evidence_id, record.file_id)
        self._tab(self.custody, "Custody")
        self._restore_tab(previous)

    def show_identity(self, identity: dict[str, Any]) -> None:
        """A person of the contact graph: identifiers, names, apps, counts, and its tags' custody."""
        if self.session is None:
            return
        self.current = ("identity", identity["id"])
        self.tabs.clear()
        self.heading.setText(f"identity · {identity['label']}")
        self.fields.clear()
        for key in ("label", "identifiers", "names", "apps", "messages", "calls", "owner", "id"):
            _fill(self.fields, None, key, list(identity[key]) if isinstance(identity.get(key), tuple)
                  else identity.get(key))
        self._tab(self.fields, "Identity")
        self._show_custody(f"identity:{identity['id']}", None, None)
        self._tab(self.custody, "Custody")

    def show_file(self, file_id: int) -> None:
        if self.session is None:
            return
        row = file_row(self.session.store, file_id)
        if row is None:
            self.clear()
            return
        self.current = ("file", file_id)
        previous = self.tabs.tabText(self.tabs.currentIndex()) if self.tabs.count() else None
        self.tabs.clear()
        self.heading.setText(f"file #{file_id} · {row['name'] or row['path']}" + (" · DELETED" if row["deleted"] else ""))
        self.heading.setToolTip(row["path"])
        self.fields.clear()
        for key in ("exhibit_id", "path", "name", "type", "size", "deleted", "reallocated", "inode",
                    "partition_offset", "mtime", "atime", "ctime", "crtime", "md5", "sha1", "sha256", "blake3",
                    "link_target", "member", "read_error"):
            _fill(self.fields, None, key, row.get(key))
        self._tab(self.fields, "File")
        if not row["type"].endswith("directory"):
            self._show_bytes(file_id, 0)
            self._tab(self.hex, "Bytes")
            if self._show_preview(file_id):
                self._tab(self.preview, "Preview")
        self.artifacts_here.clear()
        from forensic_triage.gui.models.columns import summary

        for record in artifacts_of_file(self.session.store, file_id):
            item = QTreeWidgetItem([f"{record.kind} #{record.id}", summary(record)])
            self.artifacts_here.addTopLevelItem(item)
        if self.artifacts_here.topLevelItemCount():
            self._tab(self.artifacts_here, "Artifacts")
        self._show_custody(f"file:{file_id}", row["evidence_id"], file_id)
        self._tab(self.custody, "Custody")
        self._restore_tab(previous)

    def _restore_tab(self, title: str | None) -> None:
        for index in range(self.tabs.count()):
            if self.tabs.tabText(index) == title:
                self.tabs.setCurrentIndex(index)
                return

    def _show_provenance(self, record: ArtifactRecord) -> None:
        self.provenance.clear()
        provenance = dict(record.provenance)
        file = file_row(self.session.store, record.file_id) if record.file_id is not None else None
        facts = {"exhibit": provenance.pop("evidence", None), "path": provenance.pop("path", None),
                 "inode": provenance.pop("inode", None), "partition offset": provenance.pop("partition_offset", None),
                 "deleted": provenance.pop("deleted", None),
                 "plugin": f"{record.plugin}@{record.plugin_version}",
                 "locator": provenance.pop("locator", None)}
        provenance.pop("plugin", None)
        provenance.pop("plugin_version", None)
        if file is not None:
            facts["file id"] = file["id"]
            for name in ("md5", "sha1", "sha256", "blake3"):
                facts[name.upper()] = file[name]
            provenance.pop("sha256", None)
        facts.update(provenance)
        facts["artifact digest (BLAKE3)"] = record.digest
        for key, value in facts.items():
            _fill(self.provenance, None, key, value)

    def _show_bytes(self, file_id: int, offset: int) -> None:
        # Start a little before the located byte so its context shows, aligned to 16.
        start = max(0, (offset - 256) // 16 * 16) if offset else 0
        window = self.session.read_source(file_id, start, HEX_WINDOW)
        if window.problem:
            self.hex.setPlainText(window.problem)
            return
        head = f"bytes {window.offset:,}–{window.offset + len(window.data):,} of {window.size:,}"
        if offset:
            head += f" (located at byte {offset:,})"
        self.hex.setPlainText(head + "\n\n" + hex_dump(window.data, window.offset))

    def _show_preview(self, file_id: int) -> bool:
        data = self.session.read_image(file_id)
        if data is None:
            return False
        image = QImage()
        if not image.loadFromData(data) or image.isNull():
            self.preview_image.setText("This picture cannot be decoded for preview.")
        else:
            pixmap = QPixmap.fromImage(image)
            if pixmap.width() > 480 or pixmap.height() > 360:
                pixmap = pixmap.scaled(480, 360, Qt.AspectRatioMode.KeepAspectRatio,
                                       Qt.TransformationMode.SmoothTransformation)
            self.preview_image.setPixmap(pixmap)
        self.preview_facts.clear()
        _fill(self.preview_facts, None, "size", f"{image.width()} × {image.height()} px, {len(data):,} bytes")
        # EXIF facts come from the plugins' artifacts for this file (the GUI parses nothing).
        for record in artifacts_of_file(self.session.store, file_id):
            if record.kind == "geo_point":
                for key in ("time", "latitude", "longitude", "altitude", "camera_make", "camera_model", "place_name",
                            "local_time", "origin"):
                    if record.data.get(key) is not None:
                        _fill(self.preview_facts, None, key, record.data[key])
        return True

    def _show_custody(self, target: str, evidence_id: int | None, file_id: int | None) -> None:
        """Entries naming this item (its tags) and those that brought it in (its evidence's add
        and ingest runs)."""
        self.custody.clear()
        for entry in custody_entries(self.session.store):
            details = entry["details"]
            mine = details.get("target") == target or (
                evidence_id is not None and details.get("evidence_id") == evidence_id
                and entry["action"] in ("evidence.add", "ingest.start", "ingest.finish"))
            if not mine:
                continue
            shown = {key: value for key, value in details.items()
                     if key in ("target", "label", "victim", "with_note", "exhibit_id", "path", "hashes", "totals")}
            item = QTreeWidgetItem([f"#{entry['seq']} {entry['action']}",
                                    f"{entry['utc']} · {entry['examiner']} · {json.dumps(shown)[:300]}"])
            item.setToolTip(1, json.dumps(details, indent=1)[:4000])
            self.custody.addTopLevelItem(item)
