"""Cases for the report tests, made with the project's own builders: a small phone image whose
SMS and contacts name a victim in several spellings and carry hostile HTML, and a files-only case."""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from forensic_triage.demo.apps import android as A
from forensic_triage.demo.fat_image import FatEntry
from forensic_triage.store.case_store import CaseStore
from forensic_triage.store.tags import add_tag
from tests.conftest import T0, add_and_ingest, new_case, small_fat_image

VICTIM_E164 = "+447700900456"
VICTIM_NATIONAL = "07700 900456"
VICTIM_NAME = "Anna Kowalska"
VICTIM_EMAIL = "anna.k@example.org"
OTHER = "+31612345678"
SCRIPT_BODY = "Meet me at the station. <script>alert(1)</script>"
IMG_BODY = "<img src=x onerror=alert(2)> & <b>bold</b>"
# Every written form of the victim that must not survive redaction.
VICTIM_STRINGS = (VICTIM_E164, VICTIM_E164[1:], "07700900456", VICTIM_NATIONAL, "7700900456", VICTIM_NAME,
                  VICTIM_EMAIL, "Kowalska")
TELEPHONY = "data/data/com.android.providers.telephony/databases"
CONTACTS = "data/data/com.android.providers.contacts/databases"
MMS_PARTS = "data/data/com.android.providers.telephony/app_parts"     # beside databases/, as Android keeps them


@dataclass(frozen=True)
class Case:
    case_dir: Path
    victim_tag_id: int | None


def phone_entries(workdir: Path) -> list[FatEntry]:
    base = 1_772_357_400_000    # 2026-03-01T09:30:00Z
    messages = [
        A.Sms(address=VICTIM_NATIONAL, date_ms=base, date_sent_ms=base - 1000, body=SCRIPT_BODY),
        A.Sms(address=VICTIM_E164, date_ms=base + 60_000, type=A.SMS_SENT,
              body=f"{VICTIM_NAME}, your passport is with me. Call 07700900456 or mail {VICTIM_EMAIL}."),
        A.Sms(address=OTHER, date_ms=base + 120_000, body=f"Tell {VICTIM_NAME} the car is ready"),
        A.Sms(address=OTHER, date_ms=base + 180_000, body=IMG_BODY),
    ]
    messages += [
        A.Mms(date_s=base // 1000 + 600, sender=VICTIM_E164, to=("+447700900001",), parts=(
            A.MmsPart(content_type="text/plain", text="me"),
            A.MmsPart(content_type="image/jpeg", name="victim-selfie.jpg", data=jpeg((200, 40, 40))))),
        A.Mms(date_s=base // 1000 + 700, sender=OTHER, to=("+447700900001",), parts=(
            A.MmsPart(content_type="text/plain", text="the car"),
            A.MmsPart(content_type="image/jpeg", name="car.jpg", data=jpeg((40, 40, 200))))),
    ]
    parts = workdir / "app_parts"
    sms = A.build_mmssms(workdir / "mmssms.db", messages, owner="+447700900001", parts_dir=parts)
    contacts = A.build_contacts2(workdir / "contacts2.db", [
        A.AndroidContact(name=VICTIM_NAME, phones=(VICTIM_NATIONAL,), emails=(VICTIM_EMAIL,)),
        A.AndroidContact(name="Driver Dan", phones=(OTHER,)),
    ])
    return [FatEntry(path=f"{TELEPHONY}/mmssms.db", data=Path(sms).read_bytes(), mtime=T0),
            FatEntry(path=f"{CONTACTS}/contacts2.db", data=Path(contacts).read_bytes(), mtime=T0),
            *(FatEntry(path=f"{MMS_PARTS}/{part.name}", data=part.read_bytes(), mtime=T0)
              for part in sorted(parts.iterdir()))]


def jpeg(colour: tuple[int, int, int]) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def phone_case(folder: Path, *, victim: bool = True) -> Case:
    from forensic_triage.demo.fat_image import write_fat_image

    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        entries = phone_entries(Path(work))
        image = folder / "phone.img"
        write_fat_image(image, entries, size_bytes=8 * 1024 * 1024)
    store = new_case(folder / "case")
    try:
        add_and_ingest(store, image, plugins=True, exhibit_id="PHONE-01")
        tag_id = None
        if victim:
            tag_id = add_tag(store, target_kind="identity", target_id=VICTIM_E164, victim=True,
                             note=f"{VICTIM_NAME} is the victim").id
    finally:
        store.close()
    return Case(case_dir=folder / "case", victim_tag_id=tag_id)


def files_only_case(folder: Path) -> Case:
    image = small_fat_image(folder / "files.img", files=4)
    store = new_case(folder / "case")
    try:
        add_and_ingest(store, image)
    finally:
        store.close()
    return Case(case_dir=folder / "case", victim_tag_id=None)


def all_bytes(root: Path) -> list[tuple[str, bytes]]:
    """Every file under ``root`` (XLSX/zip members unpacked, PDF text extracted) as (name, bytes)."""
    out = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        out.append((str(path), data))
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                out.extend((f"{path}!{name}", archive.read(name)) for name in archive.namelist())
        if path.suffix == ".pdf":
            import pypdf

            text = "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)
            out.append((f"{path}#text", text.encode("utf-8")))
            out.append((f"{path}#text-nospace", "".join(text.split()).encode("utf-8")))
    return out


def open_store(case: Case) -> CaseStore:
    return CaseStore.open(case.case_dir)
