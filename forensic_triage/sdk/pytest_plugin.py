"""The pytest fixture shipped for plugin authors (registered through the `pytest11` entry point).

    def test_my_plugin(run_extractor, tmp_path):
        result = run_extractor(MyPlugin, tmp_path / "app.db")
        assert result.warnings == []
        assert result.kinds() == {"message": 3}
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from forensic_triage.hashing import hash_bytes
from forensic_triage.plugin_host.registry import check_plugin
from forensic_triage.plugin_host.runner import Problem, Produced, execute
from forensic_triage.sdk.context import Context, Source
from forensic_triage.sdk.extractor import HEAD_BYTES, Extractor


@dataclass(frozen=True)
class ExtractorResult:
    status: str
    artifacts: list[Produced]
    warnings: list[Problem]

    def kinds(self) -> dict[str, int]:
        return dict(Counter(item.kind for item in self.artifacts))

    def data(self, kind: str | None = None) -> list[dict]:
        return [item.data for item in self.artifacts if kind is None or item.kind == kind]


def _local_source(path: Path, evidence: str | None) -> tuple[Source, object]:
    data = path.read_bytes()

    def read_at(offset: int, length: int) -> bytes:
        with open(path, "rb") as handle:
            handle.seek(offset)
            return handle.read(length)

    source = Source(path=path.name, name=path.name, size=len(data), sha256=hash_bytes(data).sha256,
                    evidence=evidence, head=data[:HEAD_BYTES])
    return source, read_at


def run_on_file(extractor: type[Extractor] | Extractor, path: Path, *, region: str | None = None,
                display_tz: str | None = None, check: bool = True) -> ExtractorResult:
    """Run one extractor on one local file, as ingest would (siblings such as -wal next to it
    are supplied automatically), and return its artifacts and warnings."""
    cls = extractor if isinstance(extractor, type) else type(extractor)
    if check:
        problems = check_plugin(cls)
        if problems:
            raise AssertionError(f"{cls.__name__} fails the host's load checks: " + "; ".join(problems))
    path = Path(path)
    source, read_at = _local_source(path, evidence="TEST")
    siblings = {}
    for candidate in sorted(path.parent.iterdir()):
        if candidate != path and candidate.name.startswith(path.name) and candidate.is_file():
            sibling, sibling_read = _local_source(candidate, evidence="TEST")
            siblings[candidate.name] = (sibling, sibling_read)
    plugin = extractor() if isinstance(extractor, type) else extractor
    with tempfile.TemporaryDirectory(prefix="ft-plugin-") as scratch:
        ctx = Context(source=source, read_at=read_at, scratch=Path(scratch), siblings=siblings, region=region,
                      display_tz=display_tz)
        result = execute(plugin, ctx, source)
    return ExtractorResult(status=result.status, artifacts=list(result.artifacts), warnings=list(result.warnings))


@pytest.fixture
def run_extractor():
    """Run one extractor on one file: ``run_extractor(PluginClass, path) -> ExtractorResult``."""
    return run_on_file
