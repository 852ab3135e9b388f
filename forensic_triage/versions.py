"""Versions of everything a result depends on, recorded in custody entries and reports."""

from __future__ import annotations

import platform
import sqlite3
from importlib.metadata import PackageNotFoundError, version

from forensic_triage import __version__

# The libraries that read evidence: a different version may list or hash differently.
READERS = ("pytsk3", "libewf-python", "libvhdi-python", "libvmdk-python", "libqcow-python", "libfsapfs-python")
OTHERS = ("blake3", "sqlite-utils", "sqlcipher3-wheels")


def library_versions() -> dict[str, str]:
    found = {"forensic-triage": __version__, "python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for name in READERS + OTHERS:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def reader_versions() -> dict[str, str]:
    versions = library_versions()
    return {name: versions[name] for name in READERS}
