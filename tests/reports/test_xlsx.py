"""XLSX export: the sheets a reader expects, frozen headers with filters, provenance columns, row
counts that match the model, text that looks like a formula kept as text, and no victim's name
anywhere in a redacted workbook."""

from __future__ import annotations

import sys
from pathlib import Path

import openpyxl
import pytest

from forensic_triage.report import xlsx
from forensic_triage.report.model import ReportOptions, build_model
from forensic_triage.report.xlsx import FILE_NAME, PROVENANCE_COLUMNS, table_for, write_xlsx
from tests.reports.report_cases import VICTIM_STRINGS, all_bytes, files_only_case, phone_case

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import report_scale

FINDING_SHEETS = ["Messages", "Calls", "Contacts", "Accounts", "Locations", "Reservations"]


@pytest.fixture(scope="module")
def generated_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    case_dir = tmp_path_factory.mktemp("generated") / "case"
    report_scale.generate(case_dir, scale=0.0002)
    return case_dir


def export(case_dir: Path, out: Path, **options) -> tuple[openpyxl.Workbook, dict[str, int]]:
    with build_model(case_dir, ReportOptions(formats=("xlsx",), **options)) as model:
        (written,) = write_xlsx(model, out)
        counts = dict(model.counts)
    assert written == out / FILE_NAME
    return openpyxl.load_workbook(written), counts


def test_sheets_headers_filters_and_row_counts(generated_case: Path, tmp_path: Path) -> None:
    workbook, counts = export(generated_case, tmp_path)
    assert workbook.sheetnames == ["Summary", "Exhibits", "Custody", "Warnings", "Tags", *FINDING_SHEETS]
    for name in workbook.sheetnames:
        sheet = workbook[name]
        assert sheet.freeze_panes == "A2", name
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), name
        assert sheet.column_dimensions["A"].width > 5
    for name, kind in zip(FINDING_SHEETS, ["message", "call", "contact", "account", "geo_point", "reservation"]):
        sheet = workbook[name]
        header = [cell.value for cell in sheet[1]]
        assert header == list(table_for(kind).columns)
        assert header[-len(PROVENANCE_COLUMNS):] == list(PROVENANCE_COLUMNS)
        assert sheet.max_row - 1 == counts[kind], name
        first = dict(zip(header, [cell.value for cell in sheet[2]]))
        assert first["exhibit"] == "PHONE-BENCH" and first["plugin"].count("@") == 1
        assert len(first["file_sha256"]) == 64 and first["locator"]
    messages = workbook["Messages"]
    header = [cell.value for cell in messages[1]]
    assert messages.column_dimensions["D"].width >= 60 and header[3] == "body"
    # Addresses come with the names the contact cards give them.
    names = [row[header.index("sender_name")] for row in messages.iter_rows(min_row=2, values_only=True)
             if row[header.index("sender")]]
    assert any(name and name.startswith("Person ") for name in names)
    exhibits = workbook["Exhibits"]
    row = dict(zip([cell.value for cell in exhibits[1]], [cell.value for cell in exhibits[2]]))
    assert row["exhibit_id"] == "PHONE-BENCH" and len(row["blake3"]) == 64 and row["verdict"] == "match"
    summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Case number"] == "BENCH-2026-042"
    assert summary["Count: Messages"] == counts["message"]
    assert workbook["Custody"].max_row > 3


def test_formula_like_text_stays_text(generated_case: Path, tmp_path: Path) -> None:
    workbook, _counts = export(generated_case, tmp_path)
    sheet = workbook["Messages"]
    column = [cell.value for cell in sheet[1]].index("body") + 1
    cells = [sheet.cell(row=row, column=column) for row in range(2, sheet.max_row + 1)]
    hostile = [cell for cell in cells if str(cell.value).startswith(("=", "@", "+", "-"))]
    assert any(str(cell.value).startswith("=HYPERLINK(") for cell in hostile)
    for cell in hostile:
        assert cell.data_type == "s", cell.value      # a string cell, not a formula ("f")
    # And no formula anywhere in the package.
    for name, data in all_bytes(tmp_path):
        if name.endswith(".xml"):
            assert b"<f>" not in data and b"<f " not in data, name


def test_a_kind_past_the_sheet_limit_continues_on_another_sheet(generated_case: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_ROWS", 8)
    workbook, counts = export(generated_case, tmp_path)
    parts = [name for name in workbook.sheetnames if name.startswith("Messages")]
    assert parts[:3] == ["Messages", "Messages (2)", "Messages (3)"]
    assert sum(workbook[name].max_row - 1 for name in parts) == counts["message"]


def test_redacted_workbook_names_no_victim(tmp_path: Path) -> None:
    case = phone_case(tmp_path / "phone")
    export(case.case_dir, tmp_path / "out", redact_victims=True)
    for name, data in all_bytes(tmp_path / "out"):
        for text in VICTIM_STRINGS:
            assert text.encode() not in data, (name, text)


def test_text_longer_than_a_cell_is_cut_with_a_note(generated_case: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_CELL", 120)
    workbook, _counts = export(generated_case, tmp_path)
    sheet = workbook["Messages"]
    column = [cell.value for cell in sheet[1]].index("body") + 1
    bodies = [sheet.cell(row=row, column=column).value or "" for row in range(2, sheet.max_row + 1)]
    cut = [body for body in bodies if "[cut:" in body]
    assert cut and all(len(body) == 120 and "characters in full in the HTML/CSV/CASE exports]" in body for body in cut)
    assert all(len(body) <= 120 for body in bodies)


def test_a_case_with_only_files_has_the_fixed_sheets(tmp_path: Path) -> None:
    case = files_only_case(tmp_path / "files")
    workbook, counts = export(case.case_dir, tmp_path / "out")
    assert workbook.sheetnames == ["Summary", "Exhibits", "Custody", "Warnings", "Tags"]
    summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Count: files"] == counts["files"] > 0
