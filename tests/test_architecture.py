"""Rules the code base keeps: Qt only in the GUI package, no network access in runtime code,
and a wheel whose top-level names are all our own."""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import PROJECT

RUNTIME_ROOTS = [PROJECT / "forensic_triage", PROJECT / "plugins", PROJECT / "reports"]
NETWORK_MODULES = {"socket", "urllib.request", "http.client", "requests", "httpx", "urllib3", "aiohttp", "ftplib",
                   "smtplib"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _sources():
    for root in RUNTIME_ROOTS:
        if root.exists():
            yield from root.rglob("*.py")


def test_qt_is_imported_only_inside_the_gui_package():
    offenders = [str(path.relative_to(PROJECT)) for path in _sources()
                 if "gui" not in path.relative_to(PROJECT).parts
                 and any(name.split(".")[0] in ("PyQt6", "PySide6", "PyQt5") for name in _imports(path))]
    assert offenders == []


# The guard that refuses the network, and the doctor that checks it does, name sockets.
ALLOWED_NETWORK_IMPORTS = {"forensic_triage/netguard.py", "forensic_triage/commands/doctor.py"}


def test_runtime_code_imports_no_network_module():
    offenders = {str(path.relative_to(PROJECT)): sorted(_imports(path) & NETWORK_MODULES) for path in _sources()
                 if _imports(path) & NETWORK_MODULES
                 and str(path.relative_to(PROJECT)) not in ALLOWED_NETWORK_IMPORTS}
    assert offenders == {}


@pytest.mark.slow
def test_wheel_installs_only_our_own_top_level_packages(tmp_path):
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path),
                            str(PROJECT)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("forensic_triage-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        tops = {name.split("/")[0] for name in archive.namelist()}
        entry_points = archive.read(next(n for n in archive.namelist() if n.endswith("entry_points.txt"))).decode()
    packages = {top for top in tops if not top.endswith(".dist-info")}
    assert packages == {"forensic_triage", "forensic_triage_plugins", "forensic_triage_reports"}
    assert "forensic_triage.plugins" in entry_points and "pytest11" in entry_points
