"""Inputs to mutate: evidence the project generates itself (so fuzzing works on a fresh clone) and,
when present, the third-party corpus in ../shared/corpus, read in place and never copied.

An artifact seed is (path inside the evidence, bytes): the path keeps the plugins' glob selectors
matching, so a mutated ``mmssms.db`` still reaches the SMS plugin. An image seed is (name, bytes).
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
CORPUS = PROJECT.parent / "shared" / "corpus"
T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
MAX_SEED_BYTES = 4 * 1024 * 1024

# Corpus images small enough to ingest hundreds of mutated copies (raw and single-file containers).
CORPUS_IMAGES = (
    "images/velociraptor/fat_very_small.dd", "images/velociraptor/hierarchy_64.ext4", "images/dfvfs/ext2.raw",
    "images/dfvfs/image.dd", "images/dfvfs/iso9660.raw", "images/dfvfs/tsk_volume_system.raw",
    "images/dfir_ntfs/fat12.raw", "images/dfir_ntfs/gpt-512-3p.raw", "images/dfvfs/image.E01",
    "images/dfvfs/ext2.E01", "images/dfvfs/ext2.vmdk", "images/dfvfs/ext2.vhd", "images/dfir_ntfs/fat16.raw.gz",
)
CORPUS_FILE_FOLDERS = ("chats", "contacts", "exif", "bookings", "email")
CORPUS_SKIP_SUFFIXES = (".fls.txt", ".tables.txt", ".exiftool.txt", ".summary.txt", ".json", ".tsv", ".md")


def _tree(root: Path) -> list[tuple[str, bytes]]:
    return [(path.relative_to(root).as_posix(), path.read_bytes()) for path in sorted(root.rglob("*"))
            if path.is_file() and path.stat().st_size <= MAX_SEED_BYTES]


def _write(root: Path, relative: str, data: bytes | str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _android(root: Path) -> None:
    from forensic_triage.demo.apps import android

    ms = int(T0.timestamp() * 1000)
    people = [android.AndroidContact(name="Driver Mike", phones=("+447700900123", "07700 900124"),
                                     emails=("mike@example.org",), organisation="Cabs Ltd"),
              android.AndroidContact(name="Hotel Desk", phones=("+31612345678",), whatsapp_jid="31612345678@s.whatsapp.net")]
    calls = [android.CallEntry(number="+447700900123", date_ms=ms, duration_s=65),
             android.CallEntry(number=None, date_ms=ms + 5000, presentation=2)]
    android.build_mmssms(root / "data/data/com.android.providers.telephony/databases/mmssms.db", [
        android.Sms(address="+447700900123", date_ms=ms, body="Car at 6"),
        android.Sms(address="+447700900123", date_ms=ms + 1000, body="OK", type=2),
        android.Mms(date_s=ms // 1000 + 60, sender="+31612345678", to=("+447700900001",), subject="Room",
                    parts=(android.MmsPart(content_type="text/plain", text="Room 214"),)),
    ], owner="+447700900001")
    android.build_contacts2(root / "data/data/com.android.providers.contacts/databases/contacts2.db", people,
                            calls=calls, accounts=[("owner@example.org", "com.google")])
    android.build_calllog(root / "data/data/com.android.providers.contacts/databases/calllog.db", calls)
    android.build_vcf_export(root / "sdcard/contacts.vcf", people)


def _whatsapp_telegram(root: Path) -> None:
    from forensic_triage.demo.apps import telegram
    from forensic_triage.demo.apps import whatsapp_android as wa

    ms = int(T0.timestamp() * 1000)
    base = root / "data/data/com.whatsapp"
    chat = wa.user_jid("+447700900123")
    wa.build_msgstore(base / "databases/msgstore.db", [
        wa.WaMessage(chat=chat, timestamp_ms=ms, text="Same van tomorrow"),
        wa.WaMessage(chat=chat, timestamp_ms=ms + 1000, text="OK", from_me=True, read_ms=ms + 2000),
        wa.WaMessage(chat=chat, timestamp_ms=ms + 3000, message_type=wa.IMAGE,
                     media=wa.WaMedia(file_path="Media/WhatsApp Images/IMG-1.jpg", mime_type="image/jpeg", size=10)),
    ], calls=[wa.WaCall(jid=chat, timestamp_ms=ms + 9000, duration_s=30)])
    wa.build_msgstore(root / "legacy/com.whatsapp/databases/msgstore.db",
                      [wa.WaMessage(chat=chat, timestamp_ms=ms, text="legacy schema")], schema="legacy")
    wa.build_wa_db(base / "databases/wa.db", [wa.WaContact(jid=chat, display_name="Driver Mike",
                                                           number="+447700900123")])
    wa.build_preferences(base / "shared_prefs/com.whatsapp_preferences_light.xml",
                         wa.WaOwner(country_code="44", phone="7700900001", push_name="Sam"))
    date = int(T0.timestamp())
    telegram.build_cache4(root / "data/data/org.telegram.messenger/files/cache4.db", [
        telegram.TgMessage(mid=1, dialog=1001, date=date, text="hello from telegram"),
        telegram.TgMessage(mid=2, dialog=1001, date=date + 60, text="reply", out=True),
        telegram.TgMessage(mid=3, dialog=-2002, date=date + 120, text="group", from_id=1001, photo=True),
        telegram.TgMessage(mid=4, dialog=1001, date=date + 180, call=telegram.TgCall(duration=42)),
        telegram.TgMessage(mid=5, dialog=1001, date=date + 240, document=telegram.TgDocument(mime_type="application/pdf",
                                                                                          size=1000)),
    ], users=[telegram.TgUser(id=1001, first_name="Tele", last_name="Pal", phone="447700900123"),
              telegram.TgUser(id=7, first_name="Me", is_self=True, phone="447700900001")],
        chats=[telegram.TgChat(id=2002, title="Crew")])


def _other_apps(root: Path) -> None:
    from forensic_triage.demo.apps import other_apps as apps

    apps.skype_main_sample(root / "Skype/live_alice/main.db")
    apps.build_kik(root / "Documents/kik.sqlite",
                   users=[{"Z_PK": 1, "ZUSERNAME": "kikpal", "ZDISPLAYNAME": "Kik Pal", "ZJID": "kikpal@talk.kik.com"}],
                   messages=[{"Z_PK": 10, "ZBODY": "yo", "ZTIMESTAMP": 700_000_000, "ZTYPE": apps.KIK_RECEIVED,
                              "ZUSER": 1}])
    apps.build_imo(root / "Documents/IMODb2.sqlite",
                   contacts=[{"ZBUID": "b1", "ZDISPLAY": "Imo Pal", "ZDIGIT_PHONE": "+15555550123"}],
                   messages=[{"ZTEXT": "first", "ZTS": 1_609_459_200_000_000_000, "ZISSENT": 1, "ZA_UID": "b1"}])
    apps.build_tango(root / "data/data/com.sgiggle.production/files/tc.db", conversations=["convAAAABBBBCCCC1"],
                     messages=[{"conv_id": "convAAAABBBBCCCC1", "text": "tango hello", "create_time": 1_609_459_200_000,
                                "send_time": 1_609_459_200_000, "direction": 2}])


def _apple_photos_boarding(root: Path) -> None:
    from forensic_triage.demo.apps import apple, boarding, photos

    apple.write_demo_iphone(root / "iphone")
    boarding.write_demo_boarding(root / "boarding")
    photos.write_demo_photos(root / "sdcard/DCIM/Camera")
    _write(root, "sdcard/DCIM/gps.tiff", photos.tiff_image(51.5, -0.12))
    _write(root, "sdcard/DCIM/gps.png", photos.png(photos.photo_exif(48.85, 2.35)))
    _write(root, "sdcard/DCIM/gps.webp", photos.webp(photos.photo_exif(40.7, -74.0)))
    _write(root, "sdcard/DCIM/gps.heic", photos.heif(photos.photo_exif(35.6, 139.7)))


def _travel(root: Path) -> None:
    from forensic_triage.demo.apps import travel

    flight, hotel = travel.flight_jsonld(), travel.hotel_jsonld()
    mail = travel.booking_email([flight, hotel])
    _write(root, "Mail/booking.eml", mail)
    _write(root, "Mail/booking-microdata.eml", travel.booking_email([flight], microdata=True))
    _write(root, "Mail/Inbox.mbox", travel.mbox([mail, travel.booking_email([hotel])]))
    _write(root, "Mail/12345.emlx", travel.emlx(mail))
    _write(root, "Download/booking.html", travel.booking_html([flight, hotel]))
    _write(root, "Calendar/trip.ics", travel.booking_ics([travel.flight_event()]))
    _write(root, "Wallet/boarding.pkpass", travel.pkpass(travel.boarding_pass_json(bcbp=travel.demo_bcbp())))
    _write(root, "Wallet/event.pkpass", travel.pkpass(travel.event_pass_json()))
    _write(root, "Documents/bcbp.txt", travel.demo_bcbp() + "\n")


CHAT_EXPORT = ("12/31/21, 9:15\u202fPM - Anna: Hi there\n12/31/21, 9:16\u202fPM - Bob: first line\nsecond line\n"
               "1/13/22, 10:01\u202fAM - Anna: IMG-20220113-WA0001.jpg (file attached)\n"
               "[31/12/2021, 21:15:42] Anna: \u200ehello\n31.12.21, 21:15 - Anna: Hallo\n")
IRC_LOG = ("**** BEGIN LOGGING AT Fri Mar  1 09:30:00 2026\n\nMar 01 09:30:05 <anna>\thello #triage\n"
           "Mar 01 09:31:00 *\tbob has joined #triage\n**** ENDING LOGGING AT Fri Mar  1 10:00:00 2026\n")
VCARD = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Anna Example\r\nN:Example;Anna;;;\r\nTEL;TYPE=CELL:+44 7700 900123\r\n"
         "TEL:(0)20 7946 0958\r\nEMAIL:anna@example.org\r\nORG:Example Ltd\r\nNOTE:line one\\nline two\r\n"
         " folded\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=A9;Jos=\r\n"
         "=C3=A9\r\nTEL;CELL:06-12345678\r\nEND:VCARD\r\n")


def _text_formats(root: Path) -> None:
    _write(root, "sdcard/WhatsApp/WhatsApp Chat with Anna.txt", CHAT_EXPORT)
    _write(root, "home/user/.config/hexchat/logs/net/#triage.log", IRC_LOG)
    _write(root, "sdcard/people.vcf", VCARD)


@functools.cache
def generated_artifact_seeds() -> tuple[tuple[str, bytes], ...]:
    """Every kind of file the built-in plugins read, written by the project's own builders."""
    with tempfile.TemporaryDirectory(prefix="ft-fuzz-seeds-") as folder:
        root = Path(folder)
        for build in (_android, _whatsapp_telegram, _other_apps, _apple_photos_boarding, _travel, _text_formats):
            build(root)
        return tuple(_tree(root))


@functools.cache
def corpus_artifact_seeds() -> tuple[tuple[str, bytes], ...]:
    """The corpus's app stores, photos, mails, passes, vCards, calendars and bookings, read in place
    (the path is made relative to the corpus; empty when the corpus is absent)."""
    if not CORPUS.is_dir():
        return ()
    seeds = []
    for folder in CORPUS_FILE_FOLDERS:
        for path in sorted((CORPUS / folder).rglob("*")):
            if not path.is_file() or path.name.endswith(CORPUS_SKIP_SUFFIXES) or path.stat().st_size > MAX_SEED_BYTES:
                continue
            seeds.append((path.relative_to(CORPUS).as_posix(), path.read_bytes()))
    return tuple(seeds)


def _fat_entries():
    from forensic_triage.demo.fat_image import FatEntry

    files = dict(generated_artifact_seeds())
    wanted = ("data/data/com.android.providers.telephony/databases/mmssms.db",
              "data/data/com.android.providers.contacts/databases/contacts2.db", "sdcard/people.vcf",
              "Calendar/trip.ics", "Mail/booking.eml", "sdcard/WhatsApp/WhatsApp Chat with Anna.txt")
    photo = next(name for name in files if name.startswith("sdcard/DCIM/Camera/") and name.lower().endswith(".jpg"))
    entries = [FatEntry(path=name, data=files[name], mtime=T0 + timedelta(minutes=index))
               for index, name in enumerate((*wanted, photo))]
    entries.append(FatEntry(path="sdcard/Documents/gone.txt", data=b"deleted note\n" * 40, mtime=T0, deleted=True))
    return entries


@functools.cache
def generated_image_seeds() -> tuple[tuple[str, bytes], ...]:
    """Small disk images made here: an unpartitioned FAT16 and an MBR-partitioned FAT16 holding app
    stores, a vCard, a calendar, a mail, a chat export, a photo and a deleted file; and an ext2
    image of the same files when ``mke2fs`` (e2fsprogs) is installed."""
    from forensic_triage.demo.fat_image import build_fat_image

    entries = _fat_entries()
    seeds = [("gen-fat16.img", build_fat_image(entries, size_bytes=3 * 1024 * 1024, partitioned=False)),
             ("gen-fat16-mbr.img", build_fat_image(entries, size_bytes=4 * 1024 * 1024, partitioned=True))]
    mke2fs = shutil.which("mke2fs") or next((p for p in ("/usr/sbin/mke2fs", "/sbin/mke2fs") if Path(p).exists()), None)
    if mke2fs:
        with tempfile.TemporaryDirectory(prefix="ft-fuzz-ext-") as folder:
            tree = Path(folder) / "tree"
            for entry in entries:
                if not entry.deleted:
                    _write(tree, entry.path, entry.data)
            image = Path(folder) / "ext2.img"
            done = subprocess.run([mke2fs, "-q", "-F", "-t", "ext2", "-b", "1024", "-N", "64", "-E",
                                   "root_owner=0:0", "-U", "00000000-0000-4000-8000-000000000001", "-d", str(tree),
                                   str(image), "1024"], check=False, capture_output=True,
                                  env={"E2FSPROGS_FAKE_TIME": "1772357400", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
            if done.returncode == 0:
                seeds.append(("gen-ext2.img", image.read_bytes()))
    return seeds


@functools.cache
def corpus_image_seeds() -> tuple[tuple[str, bytes], ...]:
    if not CORPUS.is_dir():
        return ()
    return tuple((Path(name).name, (CORPUS / name).read_bytes()) for name in CORPUS_IMAGES if (CORPUS / name).is_file())
