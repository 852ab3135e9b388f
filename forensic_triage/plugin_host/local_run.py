"""Running one plugin on one local file, with no case: the author's edit-run loop
(`forensic-triage plugin run`) and the pytest fixture shipped to plugin authors."""

from __future__ import annotations

import hashlib
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from forensic_triage.plugin_host.registry import check_plugin
from forensic_triage.plugin_host.runner import Problem, Produced, execute, read_schema
from forensic_triage.sdk.context import Context, Source
from forensic_triage.sdk.extractor import HEAD_BYTES, Extractor


@dataclass(frozen=True)
class ExtractorResult:
    status: str
    artifacts: list[Produced]
    warnings: list[Problem]
    selected: bool = True                      # would ingest's selectors have picked this file?
    notes: list[str] = field(default_factory=list)

    def kinds(self) -> dict[str, int]:
        return dict(Counter(item.kind for item in self.artifacts))

    def data(self, kind: str | None = None) -> list[dict]:
        return [item.data for item in self.artifacts if kind is None or item.kind == kind]


def _local_source(path: Path, evidence: str | None, name: str | None = None) -> tuple[Source, object]:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
        digest.update(head)
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    size = path.stat().st_size

    def read_at(offset: int, length: int) -> bytes:
        with open(path, "rb") as handle:
            handle.seek(offset)
            return handle.read(length)

    shown = name or path.name
    source = Source(path=shown, name=Path(shown).name, size=size, sha256=digest.hexdigest(), evidence=evidence,
                    head=head)
    return source, read_at


def _selected(cls: type[Extractor], source: Source, ctx: Context) -> tuple[bool, list[str]]:
    for select in cls.selects:
        if not (select.matches_path(source.path) and select.matches_head(source.head)):
            continue
        if not select.needs_schema:
            return True, []
        try:
            conn = ctx.open_sqlite()
            schema = read_schema(conn)
            conn.close()
        except Exception as exc:  # noqa: BLE001 - only decides whether to print a note
            return False, [f"not a readable SQLite database: {exc}"]
        if select.matches_schema(schema):
            return True, []
    return False, [f"none of {cls.name}'s selectors matches this file (ingest would not run it here): "
                   + "; ".join(select.describe() for select in cls.selects)]


def run_on_file(extractor: type[Extractor] | Extractor, path: Path, *, region: str | None = None,
                display_tz: str | None = None, check: bool = True, as_path: str | None = None) -> ExtractorResult:
    """Run one extractor on one local file as ingest would (siblings such as app.db-wal next
    to it are supplied, SQLite is opened from a scratch copy) and return what it produced.
    ``as_path`` is the path the file would have in the evidence, for glob selectors."""
    cls = extractor if isinstance(extractor, type) else type(extractor)
    if check:
        problems = check_plugin(cls)
        if problems:
            raise AssertionError(f"{cls.__name__} fails the host's load checks: " + "; ".join(problems))
    path = Path(path)
    source, read_at = _local_source(path, evidence="TEST", name=as_path)
    siblings = {}
    wanted = {pattern.format(name=path.name, stem=path.stem) for pattern in cls.siblings}
    for candidate in sorted(path.parent.iterdir()):
        if candidate == path or not candidate.is_file():
            continue
        if candidate.name in wanted or candidate.name in (path.name + "-wal", path.name + "-shm",
                                                          path.name + "-journal"):
            sibling, sibling_read = _local_source(candidate, evidence="TEST")
            siblings[candidate.name] = (sibling, sibling_read)
    plugin = extractor() if isinstance(extractor, type) else extractor
    with tempfile.TemporaryDirectory(prefix="ft-plugin-") as scratch:
        copies: dict[str, Path] = {}
        probe = Context(source=source, read_at=read_at, scratch=Path(scratch), siblings=siblings, copies=copies)
        selected, notes = _selected(cls, source, probe)
        ctx = Context(source=source, read_at=read_at, scratch=Path(scratch), siblings=siblings, region=region,
                      display_tz=display_tz, copies=copies)
        result = execute(plugin, ctx, source)
    return ExtractorResult(status=result.status, artifacts=list(result.artifacts), warnings=list(result.warnings),
                           selected=selected, notes=notes)
