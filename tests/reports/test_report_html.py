"""The HTML report: one offline folder, a strict Content-Security-Policy with no inline script,
evidence text escaped (a <script> body shows as text), data in chunked script files, and the page
drawn by headless Chromium (when installed)."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from forensic_triage.report import html as html_mod
from forensic_triage.report.model import ReportOptions, build_model
from forensic_triage.report.run import run_report
from forensic_triage.store.case_store import CaseStore
from forensic_triage.store.tags import add_tag
from tests.conftest import run_cli
from tests.reports.report_cases import IMG_BODY, SCRIPT_BODY, phone_case

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    case = phone_case(tmp_path_factory.mktemp("html"), victim=False)
    store = CaseStore.open(case.case_dir, write="tag")
    try:
        add_tag(store, target_kind="artifact", target_id="1", label="<i>relevant</i>",
                note="<script>alert(3)</script> checked")
    finally:
        store.close()
    out = tmp_path_factory.mktemp("out") / "report"
    run_report(case.case_dir, ReportOptions(formats=("html",), verify_evidence=False), out)
    return out


def _data(out: Path, table: str) -> list[list]:
    rows = []
    for path in sorted((out / "data").glob(f"{table}-*.js")):
        text = path.read_text()
        rows.extend(json.loads(text[text.index("[", text.index(",")): text.rindex(")")]))
    return rows


def test_folder_is_self_contained_with_a_strict_csp(report):
    page = (report / "index.html").read_text()
    (policy,) = re.findall(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert html.unescape(policy) == html_mod.CSP
    assert "script-src 'self'" in html_mod.CSP and "default-src 'none'" in html_mod.CSP
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.DOTALL)
    assert scripts and all('src="' in attrs and body.strip() == "" for attrs, body in scripts)
    assert " style=" not in page and "<style" not in page
    assert not re.search(r"(src|href)=\"(https?:)?//", page)          # nothing from the network
    for reference in re.findall(r'(?:src|href)="([^"#]+)"', page):
        assert (report / reference).is_file(), reference
    css_and_js = (report / "assets" / "report.css").read_text() + (report / "assets" / "report.js").read_text()
    assert "http://" not in css_and_js and "https://" not in css_and_js
    assert "innerHTML" not in (report / "assets" / "report.js").read_text()


def test_evidence_text_is_escaped(report):
    page = (report / "index.html").read_text()
    assert "<script>alert(3)" not in page and "&lt;script&gt;alert(3)&lt;/script&gt;" in page
    assert "<i>relevant</i>" not in page and "&lt;i&gt;relevant&lt;/i&gt;" in page
    bodies = [row[7] for row in _data(report, "message")]
    assert SCRIPT_BODY in bodies and IMG_BODY in bodies          # data, shown with textContent
    index = (report / "data" / "index.js").read_text()
    assert index.startswith("FT.tables = ")


def test_picture_attachments_become_thumbnails(report):
    thumbnails = sorted((report / "attachments").glob("*.jpg"))
    assert len(thumbnails) == 2
    referenced = [path for row in _data(report, "message") for path in row[-1]]
    assert sorted(referenced) == [f"attachments/{p.name}" for p in thumbnails]
    from PIL import Image
    with Image.open(thumbnails[0]) as image:
        assert max(image.size) <= html_mod.THUMBNAIL_PX and not image.info.get("exif")


def test_tables_are_written_in_chunks(tmp_path):
    tables = html_mod._Tables(tmp_path, lambda event: None)
    count = tables.write("message", ("id", "body"), ([n, f"row {n}"] for n in range(2 * html_mod.CHUNK + 7)))
    assert count == 2 * html_mod.CHUNK + 7
    assert tables.meta["message"] == {"columns": ["id", "body"], "rows": count, "chunks": 3, "chunk": html_mod.CHUNK}
    assert [p.name for p in tables.files] == ["message-0000.js", "message-0001.js", "message-0002.js"]
    last = tables.files[-1].read_text()
    assert last.startswith('FT.add("message", 2, [') and last.count("\n") == 7 + 2


@pytest.mark.slow
def test_report_html_on_the_demo(tmp_path):
    done = run_cli("demo", tmp_path / "demo")
    assert done.returncode == 0, done.stderr
    out = tmp_path / "r"
    run_report(tmp_path / "demo" / "case", ReportOptions(formats=("html",)), out)
    page = (out / "index.html").read_text()
    for heading in ("Exhibits and hashes", "Tool and versions", "Methodology", "Time-zone policy", "Summary",
                    "Custody log", "Verification at report time", "Provenance appendix"):
        assert heading in page
    with build_model(tmp_path / "demo" / "case", ReportOptions(formats=("html",), verify_evidence=False)) as model:
        for exhibit in model.exhibits:
            assert exhibit.ingest_hashes["sha256"] in page


def _chromium(*args: str, tmp: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
                           "--disable-background-networking", "--disable-component-update", "--no-first-run",
                           f"--user-data-dir={tmp / 'chrome-profile'}", "--virtual-time-budget=5000", *args], check=False,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed (/usr/bin/chromium)")
def test_chromium_draws_the_page_and_shows_the_script_as_text(report, tmp_path):
    copy = tmp_path / "r"
    shutil.copytree(report, copy)
    url = (copy / "index.html").as_uri()
    dom = _chromium("--dump-dom", url, tmp=tmp_path).stdout
    assert 'data-ready="1"' in dom                      # report.js ran under the CSP from file://
    assert dom.count('class="bubble') >= 2              # conversations drawn as bubbles
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert "<script>alert(1)" not in dom and "<img src=\"x\"" not in dom
    assert re.search(r"Page 1 of 1 · 6 rows", dom)
    shot = tmp_path / "page.png"
    done = _chromium("--window-size=1280,1600", f"--screenshot={shot}", url, tmp=tmp_path)
    assert shot.exists() and shot.stat().st_size > 20_000, done.stderr[-500:]
