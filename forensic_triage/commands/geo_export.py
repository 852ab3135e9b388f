"""`forensic-triage export CASE_DIR --kind geo --format kml|geojson|csv [--out FILE]`."""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path

import click

from forensic_triage.errors import TriageError

KINDS = ("geo",)        # more kinds (e.g. reservations) join this list


@click.command("export")
@click.argument("case_dir", type=click.Path(path_type=Path))
@click.option("--kind", type=click.Choice(KINDS), required=True, help="What to export.")
@click.option("--format", "fmt", type=click.Choice(["kml", "geojson", "csv"]), required=True,
              help="kml (Google Earth), geojson (QGIS) or csv.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              help="File to write (refuses to overwrite one); default: standard output.")
def command(case_dir: Path, kind: str, fmt: str, out: Path | None) -> None:
    """Export a case's artifacts for other tools, each with its provenance."""
    from forensic_triage.exports.geo import export_geo
    from forensic_triage.store.case_store import CaseStore

    if out is None:
        store = CaseStore.open(case_dir, write="export")
        try:
            tee = _HashingWriter(sys.stdout)
            count = export_geo(store, fmt, tee)
            sys.stdout.flush()
            _record(store, kind, fmt, "-", count, tee.hasher.hexdigest())
        finally:
            store.close()
        return
    if out.exists():
        raise TriageError(f"{out} already exists: choose another file name (nothing was written)")
    if not out.parent.exists():
        raise TriageError(f"folder {out.parent} does not exist")
    store = CaseStore.open(case_dir, write="export")
    try:
        count, digest = _write_file(store, fmt, out)
        _record(store, kind, fmt, str(out.resolve()), count, digest)
    finally:
        store.close()
    click.echo(f"Exported {count} {kind} point{'s' if count != 1 else ''} as {fmt} to {out} (SHA-256 {digest})")


class _HashingWriter:
    """Passes text through to a stream and hashes the UTF-8 bytes written."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.hasher = hashlib.sha256()

    def write(self, text: str) -> int:
        self.hasher.update(text.encode("utf-8"))
        return self.stream.write(text)


def _record(store, kind: str, fmt: str, target: str, count: int, digest: str) -> None:
    with store.transaction():
        store.append_custody("export", {"kind": kind, "format": fmt, "file": target, "items": count,
                                        "sha256": digest})


def _write_file(store, fmt: str, out: Path) -> tuple[int, str]:
    from forensic_triage.exports.geo import export_geo

    # Written next to the target and renamed at the end, so a failed export leaves no half file.
    handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="", dir=out.parent,
                                         prefix=f".{out.name}.", suffix=".part", delete=False)
    try:
        with handle:
            count = export_geo(store, fmt, handle)
        try:
            os.link(handle.name, out)          # fails rather than replace a file created meanwhile
        except FileExistsError:
            raise TriageError(f"{out} already exists: choose another file name (nothing was written)") from None
        except OSError:
            if out.exists():
                raise TriageError(f"{out} already exists: choose another file name (nothing was written)") from None
            os.replace(handle.name, out)
    finally:
        if os.path.exists(handle.name):
            os.unlink(handle.name)
    hasher = hashlib.sha256()
    with open(out, "rb") as written:
        for block in iter(lambda: written.read(1 << 20), b""):
            hasher.update(block)
    return count, hasher.hexdigest()
