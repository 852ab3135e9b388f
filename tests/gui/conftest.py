"""GUI tests run offscreen (no display needed) with their own QSettings folder, on cases built by
the project's own demo builders."""

from __future__ import annotations

import os

# Before anything imports Qt: the offscreen platform renders without a display.
os.environ["QT_QPA_PLATFORM"] = "offscreen"

from pathlib import Path

import pytest

pytest.importorskip("PyQt6.QtWidgets", reason="the workstation tests need PyQt6")
pytest.importorskip("pytestqt", reason="the workstation tests need pytest-qt")

SCREENSHOTS_ENV = "FORENSIC_TRIAGE_SCREENSHOTS"


@pytest.fixture(autouse=True)
def private_settings(tmp_path_factory):
    """Layout and recent cases go to a throwaway folder, never the user's own settings."""
    from PyQt6.QtCore import QSettings

    folder = tmp_path_factory.mktemp("qsettings")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield folder


@pytest.fixture
def screenshot_dir(tmp_path) -> Path:
    """Where screenshots go: $FORENSIC_TRIAGE_SCREENSHOTS (e.g. docs/screenshots) or a tmp folder."""
    target = os.environ.get(SCREENSHOTS_ENV)
    folder = Path(target) if target else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def evidence_sources(tmp_path_factory) -> dict[str, Path]:
    """The demo phone image (FAT32 with deleted files, messages, calls, contacts, photos, bookings)."""
    from forensic_triage.demo.evidence import build_demo_image

    root = tmp_path_factory.mktemp("gui-evidence")
    return {"image": build_demo_image(root / "phone.img")}


def save_shot(widget, folder: Path, name: str) -> Path:
    """Save a widget's picture as a small PNG: reduced to a 128-colour palette with Pillow when it
    is installed (a few tens of KB each), else a plain PNG."""
    from PyQt6.QtCore import QBuffer, QIODevice

    path = folder / f"{name}.png"
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert widget.grab().save(buffer, "PNG")
    data = bytes(buffer.data())
    try:
        import io

        from PIL import Image
    except ImportError:
        path.write_bytes(data)
        return path
    image = Image.open(io.BytesIO(data)).convert("RGB")
    image.quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)
    return path
