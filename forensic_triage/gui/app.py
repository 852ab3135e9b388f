"""Starting the workstation: the QApplication, a clear message when the display cannot be used,
and main() for `forensic-triage gui` and the `forensic-triage-gui` desktop entry point."""

from __future__ import annotations

import ctypes.util
import os
import sys
from pathlib import Path

from forensic_triage.errors import TriageError

# Debian packages Qt's xcb platform plugin needs (see the project notes): without them Qt aborts
# with "could not load the Qt platform plugin xcb", which tells a user nothing about the fix.
XCB_LIBRARIES = {"xcb-cursor": "libxcb-cursor0", "xkbcommon-x11": "libxkbcommon-x11-0", "xcb-icccm": "libxcb-icccm4",
                 "xcb-keysyms": "libxcb-keysyms1", "xcb-image": "libxcb-image0", "xcb-render-util": "libxcb-render-util0",
                 "xcb-xinerama": "libxcb-xinerama0", "xcb-shape": "libxcb-shape0", "EGL": "libegl1", "GL": "libgl1"}


def missing_display_packages() -> list[str]:
    """The system packages the xcb plugin needs that this machine lacks (Linux, X11 only)."""
    if not sys.platform.startswith("linux"):
        return []
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return []
    if not platform and os.environ.get("WAYLAND_DISPLAY"):
        return []
    return [package for library, package in XCB_LIBRARIES.items() if ctypes.util.find_library(library) is None]


def check_display() -> None:
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM", "").startswith(("offscreen", "minimal")):
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise TriageError("no display: run the workstation on a desktop (or set QT_QPA_PLATFORM=offscreen "
                          "to render without one)")
    missing = missing_display_packages()
    if missing:
        raise TriageError("the desktop libraries Qt needs are missing: install them with "
                          f"`sudo apt-get install {' '.join(missing)}`")


def make_app(argv: list[str] | None = None):
    from PyQt6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    app.setApplicationName("forensic-triage")
    app.setOrganizationName("forensic-triage")
    return app


def run(case_dir: Path | None = None, *, jobs: int | None = None) -> int:
    """Open the window (on `case_dir` when given) and run until it closes."""
    check_display()
    app = make_app()
    from forensic_triage.gui.main_window import MainWindow

    window = MainWindow(jobs=jobs)
    window.show()
    if case_dir is not None:
        window.open_case(case_dir)
    return app.exec()


def main(argv: list[str] | None = None) -> None:
    """The `forensic-triage-gui [CASE_DIR]` entry point."""
    args = sys.argv[1:] if argv is None else argv
    from forensic_triage import netguard

    netguard.install()
    try:
        sys.exit(run(Path(args[0]) if args else None))
    except TriageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
