"""The built-in demo evidence: a small FAT32 disk laid out like a phone's storage, with
databases, photos, a disguised database and deleted files, all made by the project's own code.

Everything is deterministic (fixed times, fixed content), so the demo case's file and
artifact digests are the same on every machine.
"""

from __future__ import annotations

import sqlite3
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from forensic_triage.demo.fat_image import FatEntry, write_fat_image

BASE_TIME = datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc)


def _sqlite_bytes(script: str, rows: dict[str, list[tuple]]) -> bytes:
    """A small SQLite database built from DDL and rows, returned as bytes."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "db.sqlite"
        conn = sqlite3.connect(path)
        conn.executescript(script)
        for table, values in rows.items():
            if values:
                marks = ", ".join("?" * len(values[0]))
                conn.executemany(f"INSERT INTO {table} VALUES ({marks})", values)
        conn.commit()
        conn.execute("VACUUM")
        conn.close()
        return path.read_bytes()


def _jpeg(width: int = 8, height: int = 8) -> bytes:
    """A tiny baseline JPEG (grey), enough for signature detection and image viewers."""
    # SOI, APP0/JFIF, one quantisation table, SOF0, one Huffman table pair, SOS with all-zero
    # DC/AC (a flat grey picture), EOI.
    quant = bytes([0xFF, 0xDB, 0x00, 0x43, 0x00]) + bytes([1] * 64)
    sof = bytes([0xFF, 0xC0, 0x00, 0x0B, 0x08]) + height.to_bytes(2, "big") + width.to_bytes(2, "big") + \
        bytes([0x01, 0x01, 0x11, 0x00])
    dc = bytes([0xFF, 0xC4, 0x00, 0x14, 0x00, 0x01] + [0] * 15 + [0x00])
    ac = bytes([0xFF, 0xC4, 0x00, 0x14, 0x10, 0x01] + [0] * 15 + [0x00])
    sos = bytes([0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00])
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    scan = bytes([0x00] * max(1, blocks // 4 + 1))
    jfif = bytes([0xFF, 0xE0, 0x00, 0x10]) + b"JFIF\x00" + bytes([1, 1, 0, 0, 1, 0, 1, 0, 0])
    return b"\xff\xd8" + jfif + quant + sof + dc + ac + sos + scan + b"\xff\xd9"


def _sms_db() -> bytes:
    start = int(BASE_TIME.timestamp() * 1000)
    messages = [
        (1, 1, "+447700900123", start, start + 1000, 1, 1, "Car will pick you up at the airport at 6."),
        (2, 1, "+447700900123", start + 60_000, 0, 1, 2, "OK. Which terminal?"),
        (3, 1, "+447700900123", start + 120_000, start + 121_000, 1, 1, "Terminal 2. Bring the passports."),
        (4, 2, "+31612345678", start + 86_400_000, start + 86_401_000, 0, 1, "Room 214 is booked under Smith."),
    ]
    return _sqlite_bytes(
        "CREATE TABLE sms (_id INTEGER PRIMARY KEY, thread_id INTEGER, address TEXT, date INTEGER, "
        "date_sent INTEGER, read INTEGER, type INTEGER, body TEXT);"
        "CREATE TABLE threads (_id INTEGER PRIMARY KEY, recipient_ids TEXT, message_count INTEGER);",
        {"sms": messages, "threads": [(1, "1", 3), (2, "2", 1)]})


def _contacts_db() -> bytes:
    return _sqlite_bytes(
        "CREATE TABLE raw_contacts (_id INTEGER PRIMARY KEY, display_name TEXT);"
        "CREATE TABLE phone_lookup (raw_contact_id INTEGER, normalized_number TEXT);",
        {"raw_contacts": [(1, "Driver Mike"), (2, "Hotel Desk")],
         "phone_lookup": [(1, "+447700900123"), (2, "+31612345678")]})


def demo_entries() -> list[FatEntry]:
    at = lambda minutes: BASE_TIME + timedelta(minutes=minutes)  # noqa: E731 - a local shorthand
    photo = _jpeg()
    notes = (b"Pickup list\n- Heathrow T2, 06:00\n- Amsterdam, Room 214\n")
    return [
        FatEntry(path="data/data/com.android.providers.telephony/databases/mmssms.db", data=_sms_db(), mtime=at(5)),
        FatEntry(path="data/data/com.android.providers.contacts/databases/contacts2.db", data=_contacts_db(),
                 mtime=at(6)),
        FatEntry(path="sdcard/DCIM/Camera/IMG_20260301_101500.jpg", data=photo, mtime=at(45)),
        FatEntry(path="sdcard/DCIM/Camera/IMG_20260302_174210.jpg", data=photo + b"\x00", mtime=at(1930)),
        FatEntry(path="sdcard/Download/holiday.jpg", data=_contacts_db(), mtime=at(60)),   # a database in disguise
        FatEntry(path="sdcard/Documents/notes.txt", data=notes, mtime=at(70)),
        FatEntry(path="sdcard/Documents/Reisplan Amsterdam.txt", data=b"Trein naar Schiphol 07:12\n",
                 mtime=at(75)),
        FatEntry(path="sdcard/DCIM/Camera/IMG_20260303_081500.jpg", data=photo + b"\x01\x02", mtime=at(2800),
                 deleted=True),
        FatEntry(path="sdcard/Documents/passport_scans.txt", data=b"scan list: 4 passports\n", mtime=at(90),
                 deleted=True),
    ]


def build_demo_image(path: Path) -> Path:
    write_fat_image(path, demo_entries(), size_bytes=40 * 1024 * 1024, label="PHONE", fat_type=32)
    return path
