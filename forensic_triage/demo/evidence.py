"""The built-in demo evidence: one FAT32 disk laid out like an Android phone's storage, holding the
fictional case of forensic_triage.demo.story at the apps' real paths and with their real schemas:
SMS/MMS, contacts and call log, WhatsApp, Telegram, geotagged photos, a booking mail, a calendar,
a Wallet pass, a boarding-pass screenshot, a disguised database and deleted files. Everything is
made by the project's own code.

Deterministic: fixed times, fixed content, no clock, no randomness, no locale or time zone, so the
image (and the case's file and artifact digests) are the same on every run. Across machines the
bytes also depend on the SQLite library (its version number is in every database header) and on
zlib (PNG and zip members), which the same Python wheels and Debian release pin.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from forensic_triage.demo import phone, trip
from forensic_triage.demo.fat_image import FatEntry, write_fat_image
from forensic_triage.demo.story import utc

IMAGE_SIZE = 48 * 1024 * 1024
LABEL = "PHONE"
VOLUME_ID = 0x20260306


def _collect(root: Path, written: list[tuple[str, datetime]]) -> list[FatEntry]:
    entries = []
    for relative, mtime in written:
        path = root / relative
        for suffix in ("-wal", "-shm", "-journal"):
            # The builders close their databases cleanly; a leftover journal would be a bug here.
            assert not Path(str(path) + suffix).exists(), f"{relative}{suffix} left behind"
        entries.append(FatEntry(path=relative, data=path.read_bytes(), mtime=mtime))
    return entries


def _media_entries() -> list[FatEntry]:
    entries = [FatEntry(path=photo.path, data=trip.photo_bytes(photo), mtime=photo.taken, deleted=photo.deleted)
               for photo in trip.PHOTOS]
    entries += [
        FatEntry(path="sdcard/Download/Booking confirmation 7KQ2XR.eml", data=trip.booking_mail(),
                 mtime=utc("2026-02-27 10:16")),
        FatEntry(path="sdcard/Download/trip-amsterdam.ics", data=trip.calendar(), mtime=utc("2026-02-27 10:30")),
        FatEntry(path="sdcard/Download/ZZ1208-R8M4TZ.pkpass", data=trip.wallet_pass(), mtime=trip.CHECKED_IN),
        FatEntry(path="sdcard/Pictures/Screenshots/Screenshot_20260308-201500.png", data=trip.boarding_pass_png(),
                 mtime=trip.CHECKED_IN),
        # A database saved with a picture's name: the extension does not match the content.
        FatEntry(path="sdcard/Pictures/backup_0308.jpg", data=trip.disguised_database(),
                 mtime=utc("2026-03-08 21:00")),
        FatEntry(path="sdcard/Documents/Reisplan Amsterdam.txt",
                 data="Vrijdag 6 maart: LHR 07:55 → AMS 10:20\nZondag: trein naar Rotterdam 10:00\n".encode(),
                 mtime=utc("2026-03-01 09:00")),
        FatEntry(path="sdcard/Documents/documents_kept.txt", data=trip.NOTES, mtime=utc("2026-03-06 06:00"),
                 deleted=True),
    ]
    return entries


def demo_entries() -> list[FatEntry]:
    """Every file of the demo phone, in the order they are laid out on the disk."""
    with tempfile.TemporaryDirectory(prefix="forensic-triage-demo-") as folder:
        root = Path(folder)
        written = phone.write_sms(root, trip.picture)
        written += phone.write_contacts_and_calls(root)
        written += phone.write_whatsapp(root)
        written += phone.write_telegram(root)
        entries = _collect(root, written)
    return entries + _media_entries()


def build_demo_image(path: Path) -> Path:
    write_fat_image(path, demo_entries(), size_bytes=IMAGE_SIZE, label=LABEL, fat_type=32, volume_id=VOLUME_ID)
    return path
