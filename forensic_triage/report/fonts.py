"""Fonts for the PDF report and its figures: Latin, Cyrillic, Greek, Arabic, Hebrew and CJK.

Where the fonts come from (all pip wheels, nothing in the repository, nothing downloaded):

- DejaVu Sans / Sans Mono (regular, bold, oblique) from matplotlib's own ``mpl-data/fonts``:
  Latin, Greek, Cyrillic, Arabic (with its presentation forms, which shaping produces) and Hebrew.
  Licence: Bitstream Vera / DejaVu (free, embedding allowed).
- WenQuanYi Micro Hei from the ``paperang-p2-fonts-cjk`` wheel: Chinese (simplified and
  traditional), Japanese kana and Korean Hangul, TrueType outlines (ReportLab can embed only
  TrueType, not the CFF outlines of Noto Sans CJK). Licence: Apache 2.0 / GPLv3 with font exception.

ReportLab uses one font per text run and does no glyph fallback, no Arabic joining and no
right-to-left ordering. :class:`TextMarkup` therefore (1) shapes and reorders right-to-left
lines (``arabic-reshaper`` then ``python-bidi``), (2) splits the text into runs by which font
covers each character and wraps CJK runs in ``<font>`` tags, and (3) shows a character that no
font covers VISIBLY as ``[U+XXXX]`` in grey, counting it, so the report can state how many
characters could not be drawn: nothing is ever dropped silently.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from forensic_triage.errors import TriageError

SANS, SANS_BOLD, SANS_ITALIC, SANS_BOLD_ITALIC = "FT-Sans", "FT-Sans-Bold", "FT-Sans-Oblique", "FT-Sans-BoldOblique"
MONO, MONO_BOLD = "FT-Mono", "FT-Mono-Bold"
CJK = "FT-CJK"
FAMILY = "FT-Sans"
MISSING_COLOUR = "#8a8a8a"

_DEJAVU = {SANS: "DejaVuSans.ttf", SANS_BOLD: "DejaVuSans-Bold.ttf", SANS_ITALIC: "DejaVuSans-Oblique.ttf",
           SANS_BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf", MONO: "DejaVuSansMono.ttf",
           MONO_BOLD: "DejaVuSansMono-Bold.ttf"}
_CJK_PACKAGE, _CJK_FILE, _CJK_FAMILY = "paperang_p2_fonts_cjk", "fonts/wqy-microhei.ttc", "WenQuanYi Micro Hei"
_RTL_CLASSES = {"R", "AL"}
_lock = threading.Lock()


class FontsUnavailable(TriageError):
    """The base font (DejaVu Sans from matplotlib) could not be found."""


@dataclass(frozen=True, slots=True)
class FontFile:
    name: str           # the name registered with ReportLab
    path: Path
    family: str         # the family name matplotlib knows it by
    scripts: str        # what it is used for, for the report's methodology section


def _dejavu_dir() -> Path:
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.origin:
        raise FontsUnavailable("PDF fonts unavailable: matplotlib (which ships DejaVu Sans) is not installed")
    folder = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"
    if not (folder / _DEJAVU[SANS]).is_file():
        raise FontsUnavailable(f"PDF fonts unavailable: {folder / _DEJAVU[SANS]} is missing")
    return folder


def cjk_font_path() -> Path | None:
    """The CJK font file, or None when its wheel is not installed (CJK then shows as [U+XXXX])."""
    spec = importlib.util.find_spec(_CJK_PACKAGE)
    if spec is None or not spec.origin:
        return None
    path = Path(spec.origin).parent / _CJK_FILE
    return path if path.is_file() else None


def font_files() -> tuple[FontFile, ...]:
    folder = _dejavu_dir()
    files = [FontFile(name, folder / file, "DejaVu Sans Mono" if "Mono" in file else "DejaVu Sans",
                      "Latin, Greek, Cyrillic, Arabic, Hebrew") for name, file in _DEJAVU.items()]
    cjk = cjk_font_path()
    if cjk is not None:
        files.append(FontFile(CJK, cjk, _CJK_FAMILY, "Chinese, Japanese, Korean"))
    return tuple(files)


@functools.lru_cache(maxsize=1)
def register() -> tuple[FontFile, ...]:
    """Register the fonts with ReportLab once per process; returns what was registered."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _lock:
        files = font_files()
        for font in files:
            if font.name == CJK:
                pdfmetrics.registerFont(TTFont(font.name, str(font.path), subfontIndex=0))
            else:
                pdfmetrics.registerFont(TTFont(font.name, str(font.path)))
        # So that <b> and <i> inside a paragraph pick the bold and oblique faces.
        addMapping(FAMILY, 0, 0, SANS)
        addMapping(FAMILY, 1, 0, SANS_BOLD)
        addMapping(FAMILY, 0, 1, SANS_ITALIC)
        addMapping(FAMILY, 1, 1, SANS_BOLD_ITALIC)
        addMapping(MONO, 0, 0, MONO)
        addMapping(MONO, 1, 0, MONO_BOLD)
        addMapping(MONO, 0, 1, MONO)
        addMapping(MONO, 1, 1, MONO_BOLD)
        return files


@functools.lru_cache(maxsize=1)
def _coverage() -> tuple[frozenset[int], frozenset[int]]:
    """Code points with a glyph in the base font and in the CJK font (empty when absent)."""
    from reportlab.pdfbase import pdfmetrics

    register()
    base = frozenset(pdfmetrics.getFont(SANS).face.charToGlyph)
    cjk: frozenset[int] = frozenset()
    if cjk_font_path() is not None:
        cjk = frozenset(pdfmetrics.getFont(CJK).face.charToGlyph)
    return base, cjk


@functools.lru_cache(maxsize=1)
def _base_chars() -> frozenset[str]:
    return frozenset(map(chr, _coverage()[0])) | {"\n"}


def font_for(char: str) -> str | None:
    """The registered font that draws ``char``, or None when none does."""
    base, cjk = _coverage()
    code = ord(char)
    if code in base:
        return SANS
    if code in cjk:
        return CJK
    return None


# Blocks of right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, NKo, Samaritan, Mandaic, their
# presentation forms, and the supplementary RTL blocks): a quick regex pre-check, then the exact
# bidi class per character only for text that has one of them.
_RTL_BLOCKS = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\U00010800-\U00010fff\U0001e800-\U0001efff]")


def _has_rtl(text: str) -> bool:
    if not _RTL_BLOCKS.search(text):
        return False
    return any(unicodedata.bidirectional(char) in _RTL_CLASSES for char in text)


def visual_order(text: str) -> str:
    """Arabic letters joined (presentation forms) and each line put in display order, for a
    renderer that only draws left to right. Text with no right-to-left letter is returned as is."""
    if not _has_rtl(text):
        return text
    from bidi import get_display

    reshaper = _reshaper()
    return "\n".join(get_display(reshaper.reshape(line)) if _has_rtl(line) else line for line in text.split("\n"))


@functools.lru_cache(maxsize=1)
def _reshaper():
    import arabic_reshaper

    # The package deletes vowel marks (harakat) by default: that would drop characters silently.
    return arabic_reshaper.ArabicReshaper(configuration={"delete_harakat": False, "support_ligatures": True})


class TextMarkup:
    """Turns untrusted text into ReportLab paragraph markup and counts what no font can draw.

    One instance per report: ``missing`` is the number of characters shown as ``[U+XXXX]`` and
    ``missing_codepoints`` which ones (for the note in the report's limitations)."""

    def __init__(self) -> None:
        register()
        self._base, self._cjk = _coverage()
        self._base_chars = _base_chars()
        self.missing = 0
        self.missing_codepoints: set[int] = set()

    def plain(self, text: str) -> bool:
        """True when ``text`` can be drawn as is with the base font: every character has a glyph
        there and nothing needs right-to-left ordering (the fast path of the PDF writer)."""
        return self._base_chars.issuperset(text) and not _RTL_BLOCKS.search(text)

    def __call__(self, text: object, *, max_chars: int | None = None) -> str:
        if text is None:
            return ""
        value = str(text)
        if max_chars is not None and len(value) > max_chars:
            value = value[:max_chars] + f" … [{len(value) - max_chars:,} more characters]"
        value = visual_order(value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    "))
        if self._base_chars.issuperset(value):   # the common case, checked in C: one font, nothing missing
            return escape(value).replace("\n", "<br/>")
        parts: list[str] = []
        run: list[str] = []
        run_font: str | None = SANS

        def flush() -> None:
            if not run:
                return
            body = escape("".join(run)).replace("\n", "<br/>")
            parts.append(body if run_font == SANS else f'<font name="{run_font}">{body}</font>')
            run.clear()

        for char in value:
            code = ord(char)
            if char == "\n" or code in self._base:
                font = SANS
            elif code in self._cjk:
                font = CJK
            else:
                # Invisible format characters (ZWJ, direction marks, variation selectors) draw
                # nothing in any renderer; anything else is shown as its code.
                if unicodedata.category(char) == "Cf" or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:
                    continue
                flush()
                self.missing += 1
                self.missing_codepoints.add(code)
                parts.append(f'<font color="{MISSING_COLOUR}">[U+{code:04X}]</font>')
                run_font = SANS
                continue
            if font != run_font:
                flush()
                run_font = font
            run.append(char)
        flush()
        return "".join(parts)

    def note(self) -> str | None:
        """The sentence for the limitations section, or None when every character was drawn."""
        if not self.missing:
            return None
        sample = ", ".join(f"U+{code:04X}" for code in sorted(self.missing_codepoints)[:12])
        more = "…" if len(self.missing_codepoints) > 12 else ""
        return (f"Characters not renderable: {self.missing:,} (no embedded font has a glyph for them; each is "
                f"shown in the text as [U+code] in grey): {sample}{more}.")


@functools.lru_cache(maxsize=1)
def matplotlib_families() -> tuple[str, ...]:
    """Register the CJK font with matplotlib and return the family fallback list for figures."""
    from matplotlib import font_manager

    families = ["DejaVu Sans"]
    cjk = cjk_font_path()
    if cjk is not None:
        try:
            font_manager.fontManager.addfont(os.fspath(cjk))
            families.append(_CJK_FAMILY)
        except (OSError, RuntimeError, ValueError):
            pass       # figures then draw CJK labels as boxes; the PDF text keeps them
    return tuple(families)
