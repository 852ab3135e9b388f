"""Qt lives only in forensic_triage/gui/: the core, the plugins and the CLI run without it."""

from __future__ import annotations

import ast
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
QT_PACKAGES = {"PyQt6", "PyQt5", "PySide6", "PySide2", "pytestqt", "qtpy", "superqt"}


def _qt_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        found += [name for name in names if name.split(".")[0] in QT_PACKAGES]
    return found


def test_no_qt_import_outside_the_gui_package():
    roots = [PROJECT / "forensic_triage", PROJECT / "plugins", PROJECT / "reports"]
    gui = PROJECT / "forensic_triage" / "gui"
    offenders = {}
    for root in roots:
        for path in root.rglob("*.py") if root.exists() else ():
            if gui in path.parents:
                continue
            if found := _qt_imports(path):
                offenders[str(path.relative_to(PROJECT))] = found
    assert offenders == {}


def test_the_gui_command_imports_qt_only_when_it_runs():
    """`forensic-triage gui` is registered with every CLI start: its module must not import Qt."""
    import subprocess
    import sys

    code = ("import sys, forensic_triage.cli; "
            "assert not [m for m in sys.modules if m.startswith('PyQt6')], 'Qt imported by the CLI'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PROJECT)
