"""Fonts for text in any script. Case data holds Arabic, Cyrillic, Chinese...; a workstation
(or the offscreen platform) may have no font for some of them, and Qt then draws empty boxes.
The report package already finds fonts that come from pip wheels (DejaVu, a CJK font); the
window registers the same files so Qt's glyph fallback can use them."""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1)
def register_fonts() -> tuple[str, ...]:
    """Add the wheel-shipped fonts to Qt once per process; returns the families added."""
    from PyQt6.QtGui import QFontDatabase

    try:
        from forensic_triage.report.fonts import font_files

        files = font_files()
    except Exception:  # noqa: BLE001 - without them Qt still uses the system's fonts
        return ()
    families: list[str] = []
    for item in files:
        font_id = QFontDatabase.addApplicationFont(str(item.path))
        if font_id >= 0:
            families.extend(QFontDatabase.applicationFontFamilies(font_id))
    return tuple(dict.fromkeys(families))
