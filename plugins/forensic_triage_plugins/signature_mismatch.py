"""Files whose content signature contradicts their extension, e.g. a database named .jpg."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from forensic_triage.sdk import SQLITE_MAGIC, Context, Extractor, Select, SignatureMismatch, Source

# (type, magic, offset, extensions that legitimately carry it). Only signatures that are
# unambiguous in the first bytes; containers such as zip are left out because so many
# formats (docx, apk, pkpass, jar) are zips under another extension.
SIGNATURES: list[tuple[str, bytes, int, tuple[str, ...]]] = [
    ("sqlite", SQLITE_MAGIC, 0, ("db", "sqlite", "sqlite3", "sqlitedb", "storedata", "db3", "sql", "dat", "ddb",
                                 "cache", "data", "store", "bin")),
    ("jpeg", b"\xff\xd8\xff", 0, ("jpg", "jpeg", "jpe", "jfif", "thumb", "thm")),
    ("png", b"\x89PNG\r\n\x1a\n", 0, ("png", "apng")),
    ("gif", b"GIF8", 0, ("gif",)),
    ("pdf", b"%PDF-", 0, ("pdf", "ai")),
    ("bplist", b"bplist00", 0, ("plist", "bplist", "bin")),
]


def _extension(name: str) -> str:
    return PurePosixPath(name).suffix.lower().lstrip(".")


class SignatureMismatchFinder(Extractor):
    name = "file.signature_mismatch"
    version = "1.0.0"
    description = "Flags files whose signature contradicts their extension (a renamed database or photo)."
    selects = [Select(magic=magic, magic_offset=offset) for _kind, magic, offset, _exts in SIGNATURES]
    kinds = [SignatureMismatch]
    time_limit = 10.0

    def extract(self, ctx: Context, source: Source) -> Iterator[SignatureMismatch]:
        extension = _extension(source.name)
        for kind, magic, offset, extensions in SIGNATURES:
            if source.head[offset:offset + len(magic)] != magic:
                continue
            # No extension, or SQLite's "-wal"-style companions, are not a disguise.
            if extension and extension not in extensions and not source.name.endswith(("-wal", "-shm", "-journal")):
                yield SignatureMismatch(extension=extension, detected_type=kind, expected_extensions=extensions,
                                        locator=ctx.locate(offset=offset, length=len(magic)))
            return
