"""The PDF report, built with ReportLab's platypus in ONE streamed pass.

Why one pass: a case can hold 100,000 messages; ReportLab's usual "Page X of Y" and table of
contents need the whole document laid out two or three times (``multiBuild``) and every
flowable kept in memory. Here flowables are produced by generators and consumed as they are laid
out (:class:`_Stream`), and the numbers not known until the end (the page count in every footer,
the page of each section in the contents) are PDF form XObjects drawn where needed and defined
when the last page is done (:class:`_DefineForms`). Memory is bounded by one conversation or one
table chunk at a time (plus the page streams ReportLab keeps until it writes the file).

Everything shown comes from the report model (scope and victim redaction already applied);
untrusted text goes through :class:`forensic_triage.report.fonts.TextMarkup` (escaped, shaped,
font runs, visible [U+XXXX] for characters no font has).
"""

from __future__ import annotations

import io
import json
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from PIL import Image as PILImage
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import XMP
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    Image,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from forensic_triage.progress import Progress
from forensic_triage.report import figures, fonts

PDF_NAME = "report.pdf"
PAGE_W, PAGE_H = A4
MARGIN = 18 * mm
FRAME_W = PAGE_W - 2 * MARGIN
CHUNK = 80                       # table rows per Table object: splitting cost grows with table size
MAX_BODY = 4000                  # characters of one message shown in a bubble (the rest is counted)
MAX_GRAPH_TABLE = 60
MAX_ATTACHMENTS = 10
THUMB_PX, THUMB_PT = 200, 90     # thumbnail pixels, and its longer side on the page in points
THUMB_SOURCE_LIMIT = 16 << 20    # bytes read from the evidence for one picture at most
TOTAL_FORM = "ft-total-pages"
GREY, LIGHT, OUT_BUBBLE, IN_BUBBLE = colors.HexColor("#666666"), colors.HexColor("#f2f4f7"), \
    colors.HexColor("#dcecfb"), colors.HexColor("#eeeeee")
RED, GREEN = colors.HexColor("#b00020"), colors.HexColor("#1b7f3b")
ProgressCallback = Callable[[Progress], None]


# --- styles ----------------------------------------------------------------------------------------

def _styles() -> dict[str, ParagraphStyle]:
    fonts.register()
    base = ParagraphStyle("body", fontName=fonts.FAMILY, fontSize=9, leading=11.5)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5),
        "tiny": ParagraphStyle("tiny", parent=base, fontSize=6.5, leading=8, textColor=GREY),
        "tiny_keep": ParagraphStyle("tiny_keep", parent=base, fontSize=6.5, leading=8, textColor=GREY,
                                    keepWithNext=1),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9),
        "mono": ParagraphStyle("mono", parent=base, fontName=fonts.MONO, fontSize=7, leading=8.6),
        "prov": ParagraphStyle("prov", parent=base, fontName=fonts.MONO, fontSize=6.5, leading=8, spaceAfter=2.5,
                               leftIndent=10, firstLineIndent=-10),
        "head": ParagraphStyle("head", parent=base, fontName=fonts.SANS_BOLD, fontSize=7.5, leading=9,
                               textColor=colors.white),
        "h1": ParagraphStyle("h1", parent=base, fontName=fonts.SANS_BOLD, fontSize=15, leading=19, spaceBefore=4,
                             spaceAfter=8, keepWithNext=1),
        "h2": ParagraphStyle("h2", parent=base, fontName=fonts.SANS_BOLD, fontSize=11, leading=14, spaceBefore=8,
                             spaceAfter=4, keepWithNext=1),
        "h3": ParagraphStyle("h3", parent=base, fontName=fonts.SANS_BOLD, fontSize=9.5, leading=12, spaceBefore=6,
                             spaceAfter=3, keepWithNext=1),
        "title": ParagraphStyle("title", parent=base, fontName=fonts.SANS_BOLD, fontSize=20, leading=25,
                                alignment=TA_CENTER, spaceAfter=6),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, leading=14, alignment=TA_CENTER,
                                   textColor=GREY),
        "caption": ParagraphStyle("caption", parent=base, fontSize=7.5, leading=9.5, textColor=GREY, spaceBefore=3,
                                  spaceAfter=8),
        "toc1": ParagraphStyle("toc1", parent=base, fontSize=10, leading=15),
    }


# --- streaming and deferred numbers ------------------------------------------------------------------

_END = object()


class _Stream(list):
    """A flowable list that refills itself from a generator: ReportLab's build loop asks
    ``len()`` before each step, deletes what it laid out and pushes split remainders back."""

    def __init__(self, source: Iterable[Flowable]) -> None:
        super().__init__()
        self._source: Iterator[Flowable] | None = iter(source)

    def __len__(self) -> int:
        while self._source is not None and super().__len__() < 32:
            item = next(self._source, _END)
            if item is _END:
                self._source = None
                break
            self.append(item)
        return super().__len__()


class _Heading(Paragraph):
    """A section heading: becomes a PDF bookmark, and a contents line when ``toc`` is set."""

    def __init__(self, text: str, style: ParagraphStyle, *, key: str, level: int, outline: str,
                 toc: bool = False) -> None:
        super().__init__(text, style)
        self.key, self.level, self.outline, self.toc = key, level, outline, toc


class _DefineForms(Flowable):
    """Drawn last: defines the form XObjects for the page total and the contents' page numbers."""

    def __init__(self, doc: _ReportDoc) -> None:
        super().__init__()
        self.doc = doc

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        canvas = self.canv
        total = canvas.getPageNumber()
        self.doc.total_pages = total
        pages = self.doc.section_pages
        # A contents line whose section never started (cannot happen today) gets "?" rather than
        # an undefined form, which would make the file unreadable.
        for name, text in [(TOTAL_FORM, str(total)),
                           *((f"toc-{key}", str(pages.get(key, "?"))) for key in self.doc.toc_keys)]:
            canvas.beginForm(name, 0, 0, 40, 12)
            canvas.setFont(fonts.SANS, 8 if name == TOTAL_FORM else 10)
            canvas.drawString(0, 2, text)
            canvas.endForm()


class _TocLine(Flowable):
    """One contents line: title, dot leader, and the page number as a form defined at the end."""

    def __init__(self, text: str, key: str, level: int, style: ParagraphStyle) -> None:
        super().__init__()
        self.para = Paragraph(text, style)
        self.key, self.level = key, level
        self.height = 0

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        self.width = avail_w
        _w, self.height = self.para.wrap(avail_w - 40, avail_h)
        return avail_w, self.height

    def draw(self) -> None:
        canvas = self.canv
        self.para.drawOn(canvas, 0, 0)
        canvas.linkRect("", self.key, (0, 0, self.width, self.height), relative=1, thickness=0)
        canvas.saveState()
        canvas.setFillColor(GREY)
        canvas.setFont(fonts.SANS, 6)
        canvas.drawString(self.width - 110, 3, "." * 40)
        canvas.restoreState()
        canvas.saveState()
        canvas.translate(self.width - 24, 0.5 if self.level == 0 else -0.5)
        canvas.doForm(f"toc-{self.key}")
        canvas.restoreState()


@dataclass(frozen=True, slots=True)
class _Run:
    """Plain text in one font, size and colour (no markup): see :class:`_Lines`."""
    text: str
    font: str
    size: float
    colour: Any = colors.black

    @property
    def leading(self) -> float:
        return self.size * 1.25


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap by measured width (each word measured once); a word longer than the line
    is cut by characters."""
    space = stringWidth(" ", font, size)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current: list[str] = []
        used = 0.0
        for word in paragraph.split(" "):
            word_w = stringWidth(word, font, size)
            if current and used + space + word_w <= width:
                current.append(word)
                used += space + word_w
                continue
            if current:
                lines.append(" ".join(current))
            while word_w > width and len(word) > 1:
                cut = max(1, int(len(word) * width / word_w))
                while cut > 1 and stringWidth(word[:cut], font, size) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
                word_w = stringWidth(word, font, size)
            current, used = [word], word_w
        lines.append(" ".join(current))
    return lines


class _Lines(Flowable):
    """Plain text runs laid out by simple measured wrapping and drawn with one text object.

    The fast path for text that one font draws as is (:meth:`fonts.TextMarkup.plain`): several
    times cheaper than a Paragraph, which parses markup and handles font changes; the report's
    bulk (chat messages, the provenance appendix) is made of these."""

    def __init__(self, runs: tuple[_Run, ...], lines: list[tuple[_Run, str]] | None = None,
                 width: float | None = None) -> None:
        super().__init__()
        self.runs = runs
        self._lines = lines
        self._width = width

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        if self._lines is None or self._width != avail_w:
            self._lines = [(run, line) for run in self.runs for line in _wrap(run.text, run.font, run.size, avail_w)]
            self._width = avail_w
        self.width = avail_w
        self.height = sum(run.leading for run, _line in self._lines)
        return avail_w, self.height

    def split(self, avail_w: float, avail_h: float) -> list[Flowable]:
        self.wrap(avail_w, avail_h)
        used, count = 0.0, 0
        for run, _line in self._lines:
            if used + run.leading > avail_h:
                break
            used += run.leading
            count += 1
        if count == 0 or count == len(self._lines):
            return []
        return [_Lines(self.runs, self._lines[:count], avail_w), _Lines(self.runs, self._lines[count:], avail_w)]

    def draw(self) -> None:
        text = self.canv.beginText()
        top = self.height
        current: tuple[str, float, Any] | None = None
        for run, line in self._lines or []:
            key = (run.font, run.size, run.colour)
            if key != current:
                text.setFont(run.font, run.size, run.leading)
                text.setFillColor(run.colour)
                current = key
            text.setTextOrigin(0, top - run.size)
            text.textOut(line)
            top -= run.leading
        self.canv.drawText(text)


class _Bubble(Flowable):
    """A chat message: a rounded box, left for received, right for sent, that splits across pages.
    The header, text, attachment lines and source are ONE paragraph (a third of the layout work of
    one paragraph each: this is the flowable a 100,000-message report is made of)."""

    PAD = 5

    def __init__(self, text: Flowable, *, outgoing: bool, deleted: bool, pictures: tuple[Flowable, ...] = ()
                 ) -> None:
        super().__init__()
        self.text, self.pictures = text, pictures
        self.outgoing, self.deleted = outgoing, deleted
        self.box_w = 0.0
        self.parts: list[tuple[Flowable, float]] = []

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        self.width = avail_w
        self.box_w = avail_w * 0.74
        inner = self.box_w - 2 * self.PAD
        self.parts = []
        for part in (self.text, *self.pictures):
            _w, h = part.wrap(inner, 1e6)
            self.parts.append((part, h))
        self.height = sum(h for _p, h in self.parts) + 2 * self.PAD + 2 * (len(self.parts) - 1) + 4
        return avail_w, self.height

    def split(self, avail_w: float, avail_h: float) -> list[Flowable]:
        room = avail_h - 2 * self.PAD - 4 - 1
        if room < 40:
            return []
        self.box_w = avail_w * 0.74
        pieces = self.text.split(self.box_w - 2 * self.PAD, room)
        if len(pieces) < 2:
            return []
        return [_Bubble(pieces[0], outgoing=self.outgoing, deleted=self.deleted),
                _Bubble(pieces[1], outgoing=self.outgoing, deleted=self.deleted, pictures=self.pictures)]

    def draw(self) -> None:
        canvas = self.canv
        x = self.width - self.box_w if self.outgoing else 0
        canvas.saveState()
        canvas.setFillColor(OUT_BUBBLE if self.outgoing else IN_BUBBLE)
        canvas.setStrokeColor(RED if self.deleted else (OUT_BUBBLE if self.outgoing else IN_BUBBLE))
        canvas.setLineWidth(1 if self.deleted else 0.5)
        if self.deleted:
            canvas.setDash(3, 2)
        canvas.roundRect(x, 2, self.box_w, self.height - 4, 5, stroke=1, fill=1)
        canvas.restoreState()
        y = self.height - self.PAD - 2
        for part, h in self.parts:
            y -= h
            part.drawOn(canvas, x + self.PAD, y)
            y -= 2


# --- the document ------------------------------------------------------------------------------------

@dataclass
class _Page:
    report_id: str
    case_number: str
    redacted: bool


class _ReportDoc(BaseDocTemplate):
    def __init__(self, filename: str, *, page: _Page, progress: ProgressCallback | None, **kw: Any) -> None:
        super().__init__(filename, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + 4 * mm,
                         bottomMargin=MARGIN + 2 * mm, **kw)
        self.page_info = page
        self.progress = progress
        self.section_pages: dict[str, int] = {}
        self.toc_keys: list[str] = []
        self.total_pages = 0
        self.xmp: bytes | None = None
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body", leftPadding=0,
                      rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._decorate)])

    def _decorate(self, canvas: Any, doc: Any) -> None:
        info = self.page_info
        canvas.saveState()
        canvas.setFont(fonts.SANS, 7)
        canvas.setFillColor(GREY)
        top = PAGE_H - MARGIN + 2 * mm
        canvas.drawString(MARGIN, top, f"Case {info.case_number}")
        label = "Forensic examination report" + (" — victim identities redacted" if info.redacted else "")
        canvas.drawRightString(PAGE_W - MARGIN, top, label)
        canvas.setStrokeColor(colors.HexColor("#cccccc"))
        canvas.setLineWidth(0.4)
        canvas.line(MARGIN, top - 2 * mm, PAGE_W - MARGIN, top - 2 * mm)
        canvas.line(MARGIN, MARGIN, PAGE_W - MARGIN, MARGIN)
        canvas.setFont(fonts.SANS, 8)
        canvas.drawString(MARGIN, MARGIN - 4 * mm, f"Report {info.report_id}")
        text = f"Page {canvas.getPageNumber()} of "
        width = canvas.stringWidth(text, fonts.SANS, 8)
        x = PAGE_W - MARGIN - width - 18
        canvas.drawString(x, MARGIN - 4 * mm, text)
        canvas.translate(x + width, MARGIN - 4 * mm - 2)
        canvas.doForm(TOTAL_FORM)
        canvas.restoreState()
        if self.progress is not None:
            self.progress(Progress(stage="writing PDF", done=canvas.getPageNumber(), total=None, unit="pages"))

    def beforeDocument(self) -> None:
        if self.xmp is not None:
            # Read by archiving systems and PDF/A validators: the same facts as the Info dictionary
            # (this file does not claim PDF/A conformance, so no pdfaid entry).
            self.canv._doc.Catalog.Metadata = XMP(creator=lambda _doc: self.xmp)

    def afterFlowable(self, flowable: Flowable) -> None:
        if isinstance(flowable, _Heading):
            canvas = self.canv
            canvas.bookmarkPage(flowable.key)
            canvas.addOutlineEntry(flowable.outline, flowable.key, level=flowable.level, closed=flowable.level > 0)
            self.section_pages.setdefault(flowable.key, canvas.getPageNumber())


# --- the writer --------------------------------------------------------------------------------------

@dataclass
class _Section:
    key: str
    title: str
    build: Callable[[], Iterator[Flowable]]
    toc: bool = True


@dataclass
class _Writer:
    model: Any
    out_dir: Path
    styles: dict[str, ParagraphStyle] = field(default_factory=_styles)
    markup: fonts.TextMarkup = field(default_factory=fonts.TextMarkup)
    notes: list[str] = field(default_factory=list)
    shown_ids: int = 0
    figure_dir: Path | None = None

    # small helpers

    def p(self, text: Any, style: str = "body", *, max_chars: int | None = None) -> Paragraph:
        return Paragraph(self.markup(text, max_chars=max_chars), self.styles[style])

    def raw(self, markup: str, style: str = "body") -> Paragraph:
        """Markup written by this module (never untrusted text)."""
        return Paragraph(markup, self.styles[style])

    def heading(self, text: str, key: str, level: int = 0, *, toc: bool = True) -> _Heading:
        style = self.styles["h1" if level == 0 else "h2" if level == 1 else "h3"]
        return _Heading(self.markup(text), style, key=key, level=level, outline=text[:120], toc=toc)

    def when(self, utc: str | None) -> str:
        if not utc:
            return "time unknown"
        local = self.model.local_time(utc)
        if not local:
            return utc
        # "2026-02-26T17:55:00+00:00" -> "2026-02-26 17:55:00 +00:00": breaks where a reader expects.
        return f"{utc} (local {local[:10]} {local[11:19]} {local[19:].lstrip('.0123456789')})"

    def table(self, header: list[str], rows: Iterable[list[Any]], widths: list[float], *,
              style_name: str = "cell", empty: str = "None.") -> Iterator[Flowable]:
        """A long table as a run of chunks of CHUNK rows, each with the header repeated; the
        ``empty`` sentence instead when there is no row."""
        total = sum(widths)
        col_w = [FRAME_W * w / total for w in widths]
        head = [self.raw(f"<b>{h}</b>", "head") for h in header]
        chunk: list[list[Any]] = []
        any_rows = False
        for row in rows:
            any_rows = True
            chunk.append([cell if isinstance(cell, Flowable) else self.cell(cell, style_name) for cell in row])
            if len(chunk) == CHUNK:
                yield self._table_chunk(head, chunk, col_w)
                chunk = []
        if chunk:
            yield self._table_chunk(head, chunk, col_w)
            chunk = []
        elif not any_rows:
            yield self.p(empty, "small")

    def _table_chunk(self, head: list[Paragraph], rows: list[list[Any]], col_w: list[float]) -> Table:
        table = Table([head, *rows], colWidths=col_w, repeatRows=1, splitByRow=1)
        commands = [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#34495e")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#c8ccd0")),
                    ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                    ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
        commands += [("BACKGROUND", (0, r), (-1, r), LIGHT) for r in range(2, len(rows) + 1, 2)]
        table.setStyle(TableStyle(commands))
        return table

    def kv(self, pairs: Iterable[tuple[str, Any]], *, key_w: float = 0.28) -> Table:
        rows = [[self.raw(f"<b>{key}</b>", "cell"), value if isinstance(value, Flowable) else self.p(value, "cell")]
                for key, value in pairs]
        table = Table(rows, colWidths=[FRAME_W * key_w, FRAME_W * (1 - key_w)])
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d5d8dc")),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 2), ("TOPPADDING", (0, 0), (-1, -1), 2),
                                   ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
        return table

    def figure(self, fig: figures.Figure | None, width: float = FRAME_W) -> Iterator[Flowable]:
        if fig is None:
            return
        height = width * fig.height_px / fig.width_px
        max_h = PAGE_H - 2 * MARGIN - 40 * mm
        if height > max_h:
            width, height = width * max_h / height, max_h
        yield Image(str(fig.png), width=width, height=height)
        yield self.p(fig.caption, "caption")

    def cell(self, value: Any, style: str = "cell") -> Flowable:
        """A table cell: plain text lines when one font draws it as is (the fast path), else a paragraph."""
        text = "" if value is None else str(value)
        if self.markup.plain(text):
            chosen = self.styles[style]
            colour = chosen.textColor if style == "tiny" else colors.black
            return _Lines((_Run(text, chosen.fontName if chosen.fontName != fonts.FAMILY else fonts.SANS,
                                chosen.fontSize, colour),))
        return self.p(text, style)

    def prov(self, record: Any) -> Flowable:
        return self.cell(self.model.provenance_short(record), "tiny")

    def name(self, identifier: Any) -> str:
        if not identifier:
            return "unknown"
        return self.model.display_name(str(identifier))

    # sections

    def sections(self) -> list[_Section]:
        model = self.model
        kinds = set(model.kinds())
        out = [_Section("summary", "Summary of findings", self.summary),
               _Section("exhibits", "Exhibits and their verification", self.exhibits),
               _Section("method", "Examination: tools, time zone and method", self.method)]
        if "message" in kinds:
            out.append(_Section("messages", "Communications: conversations", self.conversations))
        if "call" in kinds:
            out.append(_Section("calls", "Calls", self.calls))
        if "contact" in kinds or "account" in kinds:
            out.append(_Section("contacts", "Contacts and accounts", self.contacts))
        if "geo_point" in kinds:
            out.append(_Section("locations", "Locations", self.locations))
        if "reservation" in kinds:
            out.append(_Section("bookings", "Travel and bookings", self.bookings))
        if kinds & {"message", "call", "contact", "account"}:
            out.append(_Section("network", "Contact network", self.network))
        others = sorted(kinds - {"message", "call", "contact", "account", "geo_point", "reservation"})
        if others:
            out.append(_Section("other", "Other findings", lambda: self.other(others)))
        out += [_Section("tags", "Examiner tags and notes", self.tag_section),
                _Section("limits", "Limitations and warnings", self.limitations),
                _Section("verification", "Verification at report time", self.verification),
                _Section("custody", "Chain of custody (summary)", self.custody_summary),
                _Section("appendix-custody", "Appendix A: the custody log in full", self.custody_full),
                _Section("appendix-provenance", "Appendix B: provenance of every finding", self.provenance)]
        return out

    def cover(self, sections: list[_Section]) -> Iterator[Flowable]:
        model, case = self.model, self.model.case
        options = model.options
        yield Spacer(1, 22 * mm)
        yield self.raw(self.markup(case.get("agency") or ""), "subtitle")
        yield Spacer(1, 8 * mm)
        yield self.p(model.title, "title")
        yield self.raw("Forensic examination report", "subtitle")
        yield Spacer(1, 12 * mm)
        pairs: list[tuple[str, Any]] = [("Case number", case.get("case_number")), ("Agency", case.get("agency"))]
        if options.requester:
            pairs.append(("Requested by", options.requester))
        if options.authority:
            pairs.append(("Legal authority", options.authority))
        pairs += [("Report id", model.report_id), ("Report date (UTC)", model.generated_utc),
                  ("Examiner", case.get("examiner")), ("Reviewer", options.reviewer or "—"),
                  ("Exhibits", ", ".join(exhibit.exhibit_id for exhibit in model.exhibits) or "none"),
                  ("Tool", f"forensic-triage {model.tool_version}")]
        if model.redacting:
            pairs.append(("Victim protection", ("Names, numbers, addresses and handles of people tagged as victims "
                                               "are replaced by pseudonyms (V1, V2, …); their photographs are "
                                               "withheld.")))
        yield self.kv(pairs, key_w=0.3)
        yield Spacer(1, 14 * mm)
        sign = [[self.raw("<b>Examiner</b>", "cell"), self.raw("<b>Reviewer</b>", "cell")],
                [self.p(case.get("examiner") or "", "cell"), self.p(options.reviewer or "", "cell")],
                [self.raw("Signature:<br/><br/><br/>Date:", "cell"), self.raw("Signature:<br/><br/><br/>Date:", "cell")]]
        table = Table(sign, colWidths=[FRAME_W / 2 - 4, FRAME_W / 2 - 4], spaceBefore=4)
        table.setStyle(TableStyle([("BOX", (0, 0), (0, -1), 0.6, GREY), ("BOX", (1, 0), (1, -1), 0.6, GREY),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 4)]))
        yield table
        yield PageBreak()
        yield _Heading("Contents", self.styles["h1"], key="contents", level=0, outline="Contents")
        for section in sections:
            if section.toc:
                yield _TocLine(self.markup(section.title), section.key, 0, self.styles["toc1"])
        yield PageBreak()

    def summary(self) -> Iterator[Flowable]:
        model = self.model
        counts = model.counts
        exhibits_ok = sum(1 for exhibit in model.exhibits if exhibit.verdict == "match")
        mismatched = [exhibit.exhibit_id for exhibit in model.exhibits if exhibit.verdict == "MISMATCH"]
        verdict = ("<font color='#1b7f3b'><b>all checks passed</b></font>" if model.verification.get("ok")
                   else "<font color='#b00020'><b>FAILED</b></font>")
        yield self.raw(f"Integrity of the case at report time: {verdict}. Exhibits whose hashes were re-computed and "
                       f"match: {exhibits_ok} of {len(model.exhibits)}"
                       + (f"; <font color='#b00020'><b>MISMATCH: {', '.join(mismatched)}</b></font>" if mismatched
                          else "") + ".")
        yield Spacer(1, 4)
        labels = {"message": "Messages", "call": "Calls", "contact": "Contacts", "account": "Accounts",
                  "geo_point": "Location points", "reservation": "Bookings", "files": "Files listed",
                  "deleted_files": "of which deleted", "warnings": "Warnings"}
        rows = [[labels.get(kind, kind.replace("_", " ")), f"{count:,}"] for kind, count in counts.items()
                if not kind.startswith("_")]
        yield from self.table(["What", "Count"], rows, [3, 1])
        graph = model.contact_graph()
        if graph is not None:
            yield self.p(f"Contact network: {len(graph.identities):,} people or accounts, {len(graph.links):,} "
                         "links between them.", "small")

    def exhibits(self) -> Iterator[Flowable]:
        for exhibit in self.model.exhibits:
            yield self.heading(f"Exhibit {exhibit.exhibit_id}", f"exhibit-{exhibit.evidence_id}", 1)
            colour = "#1b7f3b" if exhibit.verdict == "match" else "#b00020" if exhibit.verdict == "MISMATCH" \
                else "#666666"
            pairs: list[tuple[str, Any]] = [
                ("Description", exhibit.description or "—"), ("Received from", exhibit.received_from or "—"),
                ("Received at", exhibit.received_at or "—"), ("Image file", exhibit.path_name),
                ("Container", exhibit.container + (f", partition table {exhibit.partition_table}"
                                                   if exhibit.partition_table else "")),
                ("Media size", f"{exhibit.media_size:,} bytes"), ("Added to the case", exhibit.added_utc)]
            if exhibit.container_meta:
                pairs.append(("Container metadata", self._compact(exhibit.container_meta)))
            if exhibit.acquisition:
                pairs.append(("Acquisition hashes (stored in the image)", self._compact(exhibit.acquisition)))
            pairs.append(("Hashes at ingest", self._hashes(exhibit.ingest_hashes)))
            pairs.append(("Hashes at report time", self._hashes(exhibit.report_time_hashes)
                          if exhibit.report_time_hashes else "not re-read"))
            pairs.append(("Verdict", self.raw(f"<font color='{colour}'><b>{exhibit.verdict}</b></font> — "
                                              f"{self.markup(exhibit.verdict_detail)}", "cell")))
            yield self.kv(pairs)

    def _hashes(self, hashes: dict[str, str]) -> Paragraph:
        lines = "<br/>".join(f"{name.upper()}: {self.markup(value)}" for name, value in hashes.items() if value)
        return self.raw(lines, "mono")

    def _compact(self, value: Any) -> Paragraph:
        return self.p(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str), "mono", max_chars=1500)

    def method(self) -> Iterator[Flowable]:
        model = self.model
        yield self.kv([("Tool", f"forensic-triage {model.tool_version}"), ("Host", model.host),
                       ("Time-zone policy", model.time_zone_policy)])
        yield self.heading("Method", "method-text", 1)
        for paragraph in model.methodology:
            yield self.p(paragraph)
            yield Spacer(1, 3)
        yield self.heading("Plugins that ran", "method-plugins", 1)
        yield from self.table(["Plugin", "Version"], ([name, version] for name, version in
                                                      model.plugin_versions.items()), [3, 1],
                              empty="No parser plugin ran on this case (files were listed and hashed only).")
        yield self.heading("Libraries", "method-libraries", 1)
        yield from self.table(["Library", "Version"], ([name, version] for name, version in
                                                       model.library_versions.items()), [3, 1])
        used = ", ".join(f"{font.path.name} ({font.scripts})" for font in fonts.register() if "Bold" not in font.name
                         and "Oblique" not in font.name)
        yield self.p(f"Fonts embedded in this PDF: {used}.", "small")

    def conversations(self) -> Iterator[Flowable]:
        model = self.model
        yield self.p("Each conversation is shown in time order. Messages the phone's owner sent are on the right; "
                     "received ones on the left. Deleted or recovered messages have a red dashed border. Times are "
                     "UTC, with the local time in brackets where the case has a display zone.", "small")
        for number, conversation in enumerate(model.conversations(), start=1):
            people = ", ".join(self.name(party) for party in conversation.participants[:6])
            if len(conversation.participants) > 6:
                people += f" and {len(conversation.participants) - 6} more"
            title = f"{conversation.app}: {conversation.thread_name or people or conversation.thread}"
            yield self.heading(title, f"conv-{number}", 1, toc=False)
            yield self.p(f"{len(conversation.messages):,} messages · participants: {people or 'unknown'} · "
                         f"{conversation.first_utc or '?'} to {conversation.last_utc or '?'}", "tiny_keep")
            for message in conversation.messages:
                yield self.bubble(message)

    def bubble(self, record: Any) -> _Bubble:
        data = record.data
        outgoing = data.get("direction") == "outgoing"
        sender = "the owner (sent)" if outgoing and not data.get("sender") else self.name(data.get("sender"))
        flags = [flag for flag in ("deleted", "recovered") if data.get(flag)]
        head_plain = f"{sender} · {self.when(record.time)}"
        if data.get("recipients") and outgoing:
            head_plain += " → " + ", ".join(self.name(r) for r in data["recipients"][:5])
        text = data.get("body")
        if data.get("subject"):
            text = f"[{data['subject']}] {text or ''}"
        source = self.model.provenance_short(record)
        attachments = [item for item in data.get("attachments") or [] if isinstance(item, dict)]
        if not attachments and (text is None or len(text) <= MAX_BODY) and self.markup.plain(
                f"{head_plain}{text or ''}{source}"):
            runs = [_Run(head_plain, fonts.SANS_BOLD, 7, GREY)]
            if flags:
                runs.append(_Run(" ".join(flags).upper(), fonts.SANS_BOLD, 7, RED))
            runs += [_Run(text if text else "(no text)", fonts.SANS if text else fonts.SANS_ITALIC, 9),
                     _Run(source, fonts.SANS, 6.5, GREY)]
            return _Bubble(_Lines(tuple(runs)), outgoing=outgoing, deleted=bool(flags))
        head = f"<b>{self.markup(head_plain)}</b>"
        if flags:
            head += f" · <font color='#b00020'><b>{' '.join(flags).upper()}</b></font>"
        parts = [f"<font size='7' color='#666666'>{head}</font>",
                 self.markup(text, max_chars=MAX_BODY) if text else "<i>(no text)</i>"]
        pictures: list[Flowable] = []
        lines = []
        for item in attachments[:MAX_ATTACHMENTS]:
            found = self.model.attachment_file(record, item) if item.get("path") else None
            size = found.get("size") if found else item.get("size")
            bits = [item.get("name") or (found or {}).get("name") or "unnamed", item.get("mime_type"),
                    f"{size:,} bytes" if isinstance(size, int) else None, item.get("path")]
            line = "Attachment: " + self.markup(" · ".join(str(b) for b in bits if b))
            if found and found.get("sha256"):
                line += f" · sha256 {found['sha256'][:16]}…" + (" · DELETED" if found.get("deleted") else "")
            elif item.get("path"):
                line += " · not found in the exhibit"
            picture = self.thumbnail(record, item) if found else None
            if picture is not None:
                pictures.append(picture)
            elif found and self._is_image(item) and not self.model.photo_allowed(record):
                line += " · picture withheld (victim protection)"
            lines.append(line)
        if len(attachments) > MAX_ATTACHMENTS:
            lines.append(f"and {len(attachments) - MAX_ATTACHMENTS} more attachments")
        if lines:
            parts.append("<font size='7' color='#444444'>" + "<br/>".join(lines) + "</font>")
        parts.append(f"<font size='6.5' color='#666666'>{self.markup(source)}</font>")
        return _Bubble(Paragraph("<br/>".join(parts), self.styles["body"]), outgoing=outgoing, deleted=bool(flags),
                       pictures=tuple(pictures))

    @staticmethod
    def _is_image(item: dict[str, Any]) -> bool:
        mime = str(item.get("mime_type") or "")
        name = str(item.get("name") or item.get("path") or "").lower()
        return mime.startswith("image/") or name.endswith((".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".heic"))

    def thumbnail(self, record: Any, item: dict[str, Any]) -> Flowable | None:
        """A small picture of an image attachment read from the evidence (None: not an image, not
        readable, or withheld by redaction). Re-encoded as a 200 px JPEG so the PDF stays small."""
        if not self._is_image(item):
            return None
        content = self.model.attachment_bytes(record, item, limit=THUMB_SOURCE_LIMIT)
        if not content:
            return None
        try:
            with PILImage.open(io.BytesIO(content)) as picture:
                picture.draft("RGB", (THUMB_PX, THUMB_PX))     # JPEG: decode at reduced size
                picture = picture.convert("RGB")
                picture.thumbnail((THUMB_PX, THUMB_PX))
                buffer = io.BytesIO()
                picture.save(buffer, format="JPEG", quality=80)
                width, height = picture.size
        except (OSError, ValueError, PILImage.DecompressionBombError):
            self.notes.append(f"An image attachment of finding #{record.id} could not be decoded for a thumbnail.")
            return None
        buffer.seek(0)
        scale = THUMB_PT / max(width, height)
        return Image(buffer, width=width * scale, height=height * scale, hAlign="LEFT")

    def calls(self) -> Iterator[Flowable]:
        def rows() -> Iterator[list[Any]]:
            for record in self.model.records("call"):
                data = record.data
                kind = [data.get("direction") or "unknown"]
                if data.get("missed"):
                    kind.append("missed")
                if data.get("video"):
                    kind.append("video")
                if data.get("deleted"):
                    kind.append("DELETED")
                duration = data.get("duration_s")
                yield [self.when(record.time), " ".join(kind), ", ".join(self.name(p) for p in data.get("parties")
                                                                          or []) or "unknown",
                       f"{duration:,.0f} s" if isinstance(duration, (int, float)) else "—", data.get("app") or "",
                       self.prov(record)]
        yield from self.table(["Time (UTC)", "Type", "Other party", "Duration", "App", "Source"], rows(),
                              [2.1, 1.1, 2.1, 1.0, 1.1, 2.6])

    def contacts(self) -> Iterator[Flowable]:
        def contact_rows() -> Iterator[list[Any]]:
            for record in self.model.records("contact"):
                data = record.data
                numbers = [*(data.get("phones") or []), *(data.get("emails") or []), *(data.get("handles") or [])]
                name = data.get("display_name") or "(no name)"
                if data.get("deleted"):
                    name += " (DELETED)"
                yield [name, "\n".join(str(n) for n in numbers) or "—", data.get("app") or "",
                       data.get("organisation") or "", self.prov(record)]
        yield from self.table(["Name", "Numbers, addresses, handles", "App", "Organisation", "Source"],
                              contact_rows(), [2, 2.4, 1.3, 1.2, 2.6])
        accounts = list(self.model.records("account"))
        if accounts:
            yield self.heading("Accounts on the device", "accounts", 1)
            yield from self.table(["Account", "Name", "App", "Source"],
                                  ([r.data.get("identifier"), r.data.get("display_name") or "—", r.data.get("app"),
                                    self.prov(r)] for r in accounts), [2.4, 1.6, 1.6, 2.6])

    def _figure_dir(self) -> Path:
        if self.figure_dir is None:
            self.figure_dir = Path(tempfile.mkdtemp(prefix="pdf-figures-", dir=self.out_dir))
        return self.figure_dir

    def locations(self) -> Iterator[Flowable]:
        points = [point for point in (figures.map_point(record.data) for record in self.model.records("geo_point"))
                  if point is not None]
        yield from self.figure(figures.map_figure(points, self._figure_dir() / "map", formats=("png",)))
        del points

        def rows() -> Iterator[list[Any]]:
            for record in self.model.records("geo_point"):
                data = record.data
                local = data.get("local_time")
                when = record.time or "time unknown"
                if local:
                    when += f" (local {local}" + (f", {data['time_zone']})" if data.get("time_zone") else ")")
                yield [when, f"{data.get('latitude')}, {data.get('longitude')}", data.get("origin") or "",
                       data.get("place_name") or "", self.prov(record)]
        yield self.heading("All location points", "locations-table", 1)
        yield from self.table(["Time (UTC)", "Lat, lon", "Origin", "Nearest place", "Source"], rows(),
                              [2.2, 1.6, 1, 1.8, 2.6])

    def bookings(self) -> Iterator[Flowable]:
        bars: list[figures.BookingBar] = []
        for record in self.model.records("reservation"):
            bars.extend(figures.booking_bars(record.data, self._booking_label(record.data, record.id)))
        yield from self.figure(figures.timeline_figure(bars, self._figure_dir() / "timeline", formats=("png",)))
        del bars

        def rows() -> Iterator[list[Any]]:
            for record in self.model.records("reservation"):
                data = record.data
                route = " → ".join(self._place(data.get(side)) for side in ("departure", "arrival")
                                   if data.get(side))
                what = " ".join(str(x) for x in (data.get("type"), data.get("trip_number") or data.get("name")) if x)
                start = (data.get("start") or {}).get("utc") if isinstance(data.get("start"), dict) else None
                end = (data.get("end") or {}).get("utc") if isinstance(data.get("end"), dict) else None
                booked = (data.get("booked") or {}).get("utc") if isinstance(data.get("booked"), dict) else None
                yield [what or "booking", route or "—", f"{start or '?'}" + (f"\nto {end}" if end else ""),
                       ", ".join(self.name(t) for t in data.get("travellers") or []) or "—",
                       " ".join(str(x) for x in (data.get("provider"), data.get("reservation_number"),
                                                 f"booked {booked}" if booked else None, data.get("status")) if x)
                       or "—", self.prov(record)]
        yield self.heading("All bookings", "bookings-table", 1)
        yield from self.table(["Booking", "Route / place", "When (UTC)", "Travellers", "Booked with / by",
                               "Source"], rows(), [1.4, 1.8, 1.6, 1.4, 1.5, 2.3])

    @staticmethod
    def _place(value: Any) -> str:
        if not isinstance(value, dict):
            return str(value or "")
        name, code = value.get("name"), value.get("code")
        return f"{name} ({code})" if name and code else str(name or code or value.get("address") or "")

    @staticmethod
    def _booking_label(data: dict[str, Any], artifact_id: int) -> str:
        return str(data.get("reservation_number") or data.get("trip_number") or data.get("name")
                   or f"booking #{artifact_id}")

    def network(self) -> Iterator[Flowable]:
        graph = self.model.contact_graph()
        if graph is None:
            yield self.p("No contact network could be built (no messages, calls or contacts in scope).")
            return
        yield from self.figure(figures.graph_figure(graph, self._figure_dir() / "graph", formats=("png",)))
        ranked = sorted(graph.identities, key=lambda i: (-(i.degree_centrality or 0), -(i.betweenness or 0), i.id))
        yield self.heading("Most connected people and accounts", "network-table", 1)
        yield from self.table(
            ["Name", "Identifiers", "Messages", "Calls", "Links", "Centrality"],
            ([(identity.label or identity.id) + (" (owner)" if identity.owner else ""),
              ", ".join(identity.identifiers[:4]), f"{identity.messages:,}", f"{identity.calls:,}",
              f"{identity.degree:,}", f"{identity.degree_centrality:.3f}"] for identity in ranked[:MAX_GRAPH_TABLE]),
            [2, 3, 0.9, 0.8, 0.7, 0.9])
        if len(ranked) > MAX_GRAPH_TABLE:
            yield self.p(f"The {MAX_GRAPH_TABLE} most central of {len(ranked):,} identities are listed; the "
                         "GraphML export holds all.", "caption")

    def other(self, kinds: list[str]) -> Iterator[Flowable]:
        for kind in kinds:
            yield self.heading(kind.replace("_", " ").capitalize(), f"other-{kind}", 1)

            def rows(kind: str = kind) -> Iterator[list[Any]]:
                for record in self.model.records(kind):
                    summary = json.dumps(record.data, ensure_ascii=False, sort_keys=True, default=str)
                    yield [str(record.id), self.p(summary, "mono", max_chars=600), self.prov(record)]
            yield from self.table(["#", "Finding", "Source"], rows(), [0.5, 5, 2.6])

    def tag_section(self) -> Iterator[Flowable]:
        tags = self.model.tags
        if not tags:
            yield self.p("The examiner tagged nothing in this case.")
            return
        yield from self.table(["Target", "Label", "Victim", "Note", "By, when"],
                              ([f"{tag.target_kind} {tag.target_id}", tag.label or "—", "yes" if tag.victim else "",
                                tag.note or "", f"{tag.examiner} {tag.created_utc}"] for tag in tags),
                              [1.8, 1.3, 0.6, 3, 1.8])

    def limitations(self) -> Iterator[Flowable]:
        model = self.model
        if model.warnings_by_plugin:
            yield self.heading("Warnings by plugin", "limits-plugins", 1)
            yield from self.table(["Plugin", "Warnings"], ([name, f"{count:,}"] for name, count in
                                                           model.warnings_by_plugin.items()), [3, 1])
        notes = list(model.limitations) + self.notes
        note = self.markup.note()
        if note:
            notes.append(note)
        yield self.heading("What could not be examined or shown", "limits-notes", 1)
        if not notes:
            yield self.p("No parser reported a problem and every character was drawn.")
        for text in notes:
            yield self.p("• " + text, "small")

    def verification(self) -> Iterator[Flowable]:
        verification = self.model.verification
        ok = verification.get("ok")
        yield self.raw(f"Checked at {self.markup(verification.get('utc'))}: "
                       + ("<font color='#1b7f3b'><b>the case store is intact</b></font>" if ok else
                          "<font color='#b00020'><b>VERIFICATION FAILED</b></font>"))
        yield from self.table(["Check", "Result", "Detail"],
                              ([check.get("name"), "ok" if check.get("ok") else "FAILED", check.get("detail")]
                               for check in verification.get("checks", [])), [2.2, 0.7, 5])

    def custody_summary(self) -> Iterator[Flowable]:
        custody = self.model.custody
        if not custody:
            yield self.p("The custody log is empty.")
            return
        actions = Counter(entry.get("action") for entry in custody)
        yield self.p(f"{len(custody):,} entries from {custody[0].get('utc')} to {custody[-1].get('utc')}, each "
                     "chained to the one before by its SHA-256 hash. The full log is Appendix A.")
        yield from self.table(["Action", "Entries"], ([action, f"{count:,}"] for action, count in
                                                      sorted(actions.items())), [3, 1])

    def custody_full(self) -> Iterator[Flowable]:
        def rows() -> Iterator[list[Any]]:
            for entry in self.model.custody:
                details = json.dumps(entry.get("details"), ensure_ascii=False, sort_keys=True, default=str)
                yield [str(entry.get("seq")), entry.get("utc"), entry.get("examiner"), entry.get("action"),
                       self.p(details, "mono", max_chars=900),
                       self.p(f"{entry.get('entry_hash')}", "mono")]
        yield from self.table(["#", "UTC", "Examiner", "Action", "Details", "Entry hash"], rows(),
                              [0.4, 1.5, 1, 1.1, 3.6, 1.6])

    def provenance(self) -> Iterator[Flowable]:
        yield self.p("For every finding in this report: the exhibit, the path of the file it was read from, whether "
                     "that file was deleted, the file's SHA-256, the plugin and its version, the exact place in the "
                     "file, and the finding's own digest.", "small")
        for kind in self.model.kinds():
            yield self.heading(kind.replace("_", " ").capitalize(), f"prov-{kind}", 1, toc=False)
            # One small paragraph per finding, not a table: this appendix has a line per finding in
            # the report (100,000s for a large case) and table layout costs several times more.
            for record in self.model.records(kind):
                full = self.model.provenance_full(record)
                text = (f"#{record.id} · {full.get('exhibit')} · {full.get('path')} · inode {full.get('inode')} · "
                        f"{'DELETED' if full.get('deleted') else 'allocated'} · file sha256 "
                        f"{full.get('file_sha256')} · {full.get('plugin')}@{full.get('plugin_version')} · "
                        f"{full.get('locator') or '—'} · digest {full.get('artifact_digest')}")
                if self.markup.plain(text):
                    yield _Lines((_Run(text, fonts.MONO, 6.5),))
                else:
                    yield self.p(text, "prov")

    def story(self) -> Iterator[Flowable]:
        sections = self.sections()
        yield from self.cover(sections)
        for section in sections:
            yield CondPageBreak(60 * mm)
            yield _Heading(self.markup(section.title), self.styles["h1"], key=section.key, level=0,
                           outline=section.title, toc=section.toc)
            yield from section.build()


def xmp_packet(*, title: str, author: str, subject: str, keywords: list[str], created_utc: str, tool: str,
               report_id: str) -> bytes:
    """An XMP packet (Dublin Core, XMP basic, PDF and media-management schemas), UTF-8."""
    def esc(value: str) -> str:
        return xml_escape(value, {'"': "&quot;"})
    created = created_utc.split(".")[0].rstrip("Z") + "Z"
    text = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{esc(title)}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{esc(author)}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{esc(subject)}</rdf:li></rdf:Alt></dc:description>
   <dc:identifier>urn:uuid:{esc(report_id)}</dc:identifier>
   <xmp:CreateDate>{esc(created)}</xmp:CreateDate>
   <xmp:MetadataDate>{esc(created)}</xmp:MetadataDate>
   <xmp:CreatorTool>{esc(tool)}</xmp:CreatorTool>
   <pdf:Producer>forensic-triage (ReportLab)</pdf:Producer>
   <pdf:Keywords>{esc(", ".join(keywords))}</pdf:Keywords>
   <xmpMM:DocumentID>urn:uuid:{esc(report_id)}</xmpMM:DocumentID>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return text.encode("utf-8")


def pdf_path(out: Path) -> Path:
    out = Path(out)
    return out if out.suffix.lower() == ".pdf" else out / PDF_NAME


def write_pdf(model: Any, out: Path, *, progress: ProgressCallback | None = None) -> list[Path]:
    """Write the report as PDF: ``out`` is the report folder (``report.pdf`` inside) or a .pdf path.
    Returns the files written."""
    target = pdf_path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    writer = _Writer(model=model, out_dir=target.parent)
    case = model.case or {}
    doc = _ReportDoc(str(target), page=_Page(report_id=model.report_id, case_number=str(case.get("case_number")),
                                             redacted=model.redacting),
                     progress=progress, title=model.title, author=str(case.get("examiner") or ""),
                     subject=f"Forensic examination report, case {case.get('case_number')}, report {model.report_id}",
                     creator=f"forensic-triage {model.tool_version}", producer="forensic-triage (ReportLab)",
                     keywords=["forensic report", str(case.get("case_number")), model.report_id],
                     lang="en", displayDocTitle=1, pageCompression=1)
    doc.toc_keys = [section.key for section in writer.sections() if section.toc]
    doc.xmp = xmp_packet(title=model.title, author=str(case.get("examiner") or ""),
                         subject=f"Forensic examination report, case {case.get('case_number')}",
                         keywords=["forensic report", str(case.get("case_number")), model.report_id],
                         created_utc=model.generated_utc, tool=f"forensic-triage {model.tool_version}",
                         report_id=model.report_id)

    def story() -> Iterator[Flowable]:
        yield from writer.story()
        yield _DefineForms(doc)

    try:
        doc.build(_Stream(story()))
    finally:
        if writer.figure_dir is not None:
            for item in writer.figure_dir.iterdir():
                item.unlink()
            writer.figure_dir.rmdir()
    return [target]
