"""Shared by the atheris harnesses in this folder (not run in CI; see docs/fuzzing.md).

A harness feeds atheris's bytes to one parser family and lets through only what that family
documents as its "bad input" outcome; anything else propagates, and atheris saves the input as a
crash file. Plugins are run the way ingest runs them (run_on_file: scratch copy, time limit, type
checks), and a result whose status is "error" is turned back into an exception, so a plugin bug
becomes an atheris crash instead of a warning row.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for extra in (REPO, REPO / "plugins", REPO / "tests" / "fuzz"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))


class PluginFailed(Exception):
    """A plugin ended with status "error" on this input: a bug to fix (or a host gap to report)."""


def run_plugin(cls, data: bytes, as_path: str) -> list:
    """Run one plugin on ``data`` stored under ``as_path``; raise PluginFailed on an error status."""
    from forensic_triage.plugin_host.local_run import run_on_file

    with tempfile.TemporaryDirectory(prefix="ft-atheris-") as folder:
        path = Path(folder) / Path(as_path).name
        path.write_bytes(data)
        result = run_on_file(cls, path, as_path=as_path, check=False)
    if result.status == "error":
        raise PluginFailed("; ".join(warning.message for warning in result.warnings))
    return result.artifacts


def main(test_one_input, modules: tuple[str, ...] = ()) -> None:
    """Instrument the named modules, then hand over to atheris (argv: corpus folders, -runs=N,
    -max_total_time=S, or crash files to re-run)."""
    import importlib

    import atheris

    with atheris.instrument_imports():
        for name in modules:
            importlib.import_module(name)
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
