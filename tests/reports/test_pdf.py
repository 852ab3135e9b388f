"""The PDF report: text checks with pypdf on the demo case and a files-only case, scripts,
visible fallback for characters no font has, bookmarks, metadata, and a rendered page."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pypdf
import pytest
from reportlab.platypus import Paragraph

from forensic_triage.report import fonts
from forensic_triage.report.model import ReportOptions, build_model
from forensic_triage.report.pdf import write_pdf
from tests.conftest import add_and_ingest, new_case, run_cli, small_fat_image

OPTIONS = ReportOptions(formats=("pdf",), requester="DS Jane Roe", authority="Warrant 2026/123",
                        reviewer="Dr R. Viewer")


def _text(pdf: Path) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    base = tmp_path_factory.mktemp("demo")
    done = run_cli("demo", base / "demo")
    assert done.returncode == 0, done.stderr
    case = base / "demo" / "case"
    with build_model(case, OPTIONS) as model:
        written = write_pdf(model, base / "report")
        facts = {"case_number": model.case["case_number"], "exhibits": model.exhibits,
                 "plugins": dict(model.plugin_versions), "custody": list(model.custody), "report_id": model.report_id,
                 "bodies": [r.data.get("body") or "" for r in model.records("message")], "title": model.title}
    return written, facts


@pytest.mark.slow
def test_demo_pdf_text_holds_the_court_facts(demo_report):
    written, facts = demo_report
    assert [path.name for path in written] == ["report.pdf"]
    reader = pypdf.PdfReader(written[0])
    text = _text(written[0])
    flat = re.sub(r"\s+", "", text)
    assert facts["case_number"] in text
    assert "Page 1 of" in text
    pages = len(reader.pages)
    # Every page carries "Page X of Y" (Y drawn from a form defined at the end) and the report id.
    for number, page in enumerate(reader.pages, start=1):
        page_text = page.extract_text()
        assert re.search(rf"Page {number} of\s*{pages}\b", page_text), number
        assert facts["report_id"] in page_text
    for exhibit in facts["exhibits"]:
        assert exhibit.exhibit_id in text
        for value in [*exhibit.ingest_hashes.values(), *(exhibit.report_time_hashes or {}).values()]:
            assert value in flat
        assert exhibit.verdict in text
    for plugin, version in facts["plugins"].items():
        assert plugin in flat and version in text
    for entry in facts["custody"]:
        assert entry["action"] in text
        assert entry["entry_hash"] in flat
    for needle in ("DS Jane Roe", "Warrant 2026/123", "Dr R. Viewer", "Signature:", "Contents", "Appendix A"):
        assert needle in text


@pytest.mark.slow
def test_scripts_extract_back(demo_report):
    written, facts = demo_report
    text = unicodedata.normalize("NFKC", _text(written[0]))
    found = set()
    for body in facts["bodies"]:
        if any("\u0400" <= c <= "\u04ff" for c in body):
            assert unicodedata.normalize("NFKC", body) in text
            found.add("cyrillic")
        if any("\u4e00" <= c <= "\u9fff" for c in body):
            assert unicodedata.normalize("NFKC", body) in text     # NFKC: full-width punctuation
            found.add("cjk")
        if any("\u0600" <= c <= "\u06ff" for c in body):
            # Shaped into presentation forms (NFKC maps them back) and put in reading order by
            # the extractor; the final full stop moves to the line's other end, as bidi does.
            assert unicodedata.normalize("NFKC", body).strip(".") in text
            found.add("arabic")
    assert found == {"cyrillic", "cjk", "arabic"}


@pytest.mark.slow
def test_bookmarks_metadata_and_contents(demo_report):
    written, facts = demo_report
    reader = pypdf.PdfReader(written[0])
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert "Summary of findings" in titles and "Appendix A: the custody log in full" in titles
    meta = reader.metadata
    assert meta.title == facts["title"] and meta.author == "Demo Examiner"
    assert facts["report_id"] in meta.subject
    xmp = reader.xmp_metadata
    assert xmp.dc_title["x-default"] == facts["title"] and xmp.xmpmm_document_id == f"urn:uuid:{facts['report_id']}"
    contents = reader.pages[1].extract_text()
    assert "Contents" in contents and re.search(r"Summary of findings\s*\.+\s*\d+", contents)


@pytest.mark.slow
def test_image_attachment_shown_as_thumbnail_with_hash(demo_report):
    written, _facts = demo_report
    reader = pypdf.PdfReader(written[0])
    text = _text(written[0])
    assert "Attachment: van.jpg" in text and re.search(r"sha256\s+[0-9a-f]{16}…", text)
    page = next(page for page in reader.pages if "Attachment: van.jpg" in page.extract_text())
    assert len(page.images) >= 1


def test_files_only_case(tmp_path):
    image = small_fat_image(tmp_path / "evidence" / "disk.img")
    store = new_case(tmp_path / "case")
    try:
        row = add_and_ingest(store, image)
    finally:
        store.close()
    with build_model(tmp_path / "case", ReportOptions(formats=("pdf",))) as model:
        pdf = write_pdf(model, tmp_path / "out" / "files-only.pdf")[0]
    text = _text(pdf)
    assert pdf.name == "files-only.pdf" and "T-1" in text and "Page 1 of" in text
    assert row["sha256"] in re.sub(r"\s+", "", text)
    assert "Communications" not in text and "Appendix B" in text and "No parser plugin ran" in text
    assert not list((tmp_path / "out").glob("pdf-figures-*"))    # temporary figures removed


def test_unrenderable_characters_are_shown_and_counted():
    markup = fonts.TextMarkup()
    out = markup("ok \u0915 <script>alert(1)</script> 中文")     # Devanagari KA: no embedded font has it
    assert "[U+0915]" in out and "&lt;script&gt;" in out and fonts.CJK in out
    assert markup.missing == 1 and "Characters not renderable: 1" in markup.note()
    assert fonts.TextMarkup().note() is None


def test_arabic_keeps_its_vowel_marks():
    shaped = fonts.visual_order("نقدًا")
    assert "\u064b" in shaped                         # fathatan survives shaping


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_pages_render(demo_report, tmp_path):
    written, _facts = demo_report
    subprocess.run(["pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "3", str(written[0]), str(tmp_path / "p")],
                   check=True, capture_output=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) == 3 and all(page.stat().st_size > 2000 for page in pages)


def test_a_long_message_splits_across_pages(tmp_path):
    from reportlab.platypus import SimpleDocTemplate, Spacer

    from forensic_triage.report.pdf import MAX_BODY, _Bubble, _Lines, _Run, _styles

    styles = _styles()
    body = fonts.TextMarkup()(" ".join(f"word{i}" for i in range(2000)), max_chars=MAX_BODY)

    def bubble() -> _Bubble:
        return _Bubble(Paragraph(f"<b>Sender</b><br/>{body}<br/>PHONE-01 · path", styles["body"]), outgoing=False,
                       deleted=True)

    plain = " ".join(f"plain{i}" for i in range(900)) + " " + "x" * 300     # and one word wider than a line
    fast = _Bubble(_Lines((_Run("Sender", fonts.SANS_BOLD, 7), _Run(plain, fonts.SANS, 9))), outgoing=True,
                   deleted=False)
    target = tmp_path / "long.pdf"
    SimpleDocTemplate(str(target)).build([Spacer(1, 600), bubble(), Spacer(1, 500), fast])
    text = _text(target)
    assert "word0 " in text and "word500" in text and "more characters" in text
    assert "plain0 " in text and "plain899" in text and "x" * 40 in text
    assert len(pypdf.PdfReader(target).pages) >= 4


@pytest.mark.slow
def test_redacted_pdf_names_no_victim(tmp_path):
    from tests.reports.report_cases import VICTIM_STRINGS, all_bytes, phone_case

    case = phone_case(tmp_path / "phone")
    with build_model(case.case_dir, ReportOptions(formats=("pdf",), redact_victims=True,
                                                  redact_victim_text=True)) as model:
        pdf = write_pdf(model, tmp_path / "out")[0]
    text = _text(pdf)
    assert "V1" in text and "victim identities redacted" in text
    for name, data in all_bytes(tmp_path / "out"):
        for needle in VICTIM_STRINGS:
            assert needle.encode() not in data, (name, needle)
