#!/usr/bin/env python3
"""Write starting corpora for the atheris harnesses from evidence the project generates
(tests/fuzz/fuzz_seeds.py), one folder per harness under fuzz/corpus/ (git-ignored scratch; add
../shared/corpus files by hand if you have them: they are read, never committed).

    .venv/bin/python fuzz/make_seeds.py
"""

import hashlib
from pathlib import Path

import harness  # noqa: F401 - puts the project, its plugins and tests/fuzz on sys.path

OUT = Path(__file__).resolve().parent / "corpus"
FAMILIES = {
    "sqlite": lambda path, data: data.startswith(b"SQLite format 3\x00"),
    "exif": lambda path, data: path.lower().endswith((".jpg", ".tiff", ".png", ".webp", ".heic", ".mov")),
    "mail": lambda path, data: path.lower().endswith((".eml", ".mbox", ".emlx", ".html", ".ics")),
    "vcard": lambda path, data: path.lower().endswith(".vcf"),
    "tl": lambda path, data: False,
    "bcbp": lambda path, data: path.endswith("bcbp.txt"),
}


def main() -> None:
    import fuzz_seeds

    from forensic_triage.demo.apps.telegram import TgMessage, TgUser, encode_message, encode_user
    from forensic_triage.demo.apps.travel import demo_bcbp

    def put(family: str, data: bytes) -> None:
        folder = OUT / family
        folder.mkdir(parents=True, exist_ok=True)
        (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)

    for path, data in fuzz_seeds.generated_artifact_seeds():
        for family, wanted in FAMILIES.items():
            if wanted(path, data):
                put(family, data)
    for name, data in fuzz_seeds.generated_image_seeds():
        put("images", data)
    put("bcbp", demo_bcbp().encode())
    put("tl", encode_message(TgMessage(mid=1, dialog=5, date=1_600_000_000, text="hello")))
    put("tl", encode_user(TgUser(id=5, first_name="Tele", last_name="Pal", phone="447700900123")))
    print(f"seeds written under {OUT}")


if __name__ == "__main__":
    main()
