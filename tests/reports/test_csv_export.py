"""CSV export: a file per kind with the XLSX's columns, UTF-8 with a BOM, every row present, cells
that a spreadsheet would evaluate neutralised, and no victim's name in a redacted export."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

from forensic_triage.report.csv_export import ENCODING, FOLDER, safe_text, write_csv
from forensic_triage.report.model import ReportOptions, build_model
from forensic_triage.report.xlsx import table_for
from tests.reports.report_cases import VICTIM_STRINGS, all_bytes, files_only_case, phone_case

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import report_scale

FILES = {"messages": "message", "calls": "call", "contacts": "contact", "accounts": "account",
         "locations": "geo_point", "reservations": "reservation"}


@pytest.fixture(scope="module")
def generated_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    case_dir = tmp_path_factory.mktemp("generated") / "case"
    report_scale.generate(case_dir, scale=0.0002)
    return case_dir


def read(path: Path) -> list[list[str]]:
    with path.open(encoding=ENCODING, newline="") as handle:
        return list(csv.reader(handle))


def test_one_file_per_kind_with_the_xlsx_columns(generated_case: Path, tmp_path: Path) -> None:
    with build_model(generated_case, ReportOptions(formats=("csv",))) as model:
        written = write_csv(model, tmp_path)
        counts = dict(model.counts)
    names = [path.name for path in written]
    assert names == ["summary.csv", "exhibits.csv", "custody.csv", "warnings.csv", "tags.csv",
                     *(f"{name}.csv" for name in FILES)]
    assert all(path.parent == tmp_path / FOLDER for path in written)
    for name, kind in FILES.items():
        path = tmp_path / FOLDER / f"{name}.csv"
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")          # the BOM Excel needs for UTF-8
        rows = read(path)
        assert rows[0] == list(table_for(kind).columns)
        assert len(rows) - 1 == counts[kind]
        assert all(len(row) == len(rows[0]) for row in rows)
    contacts = read(tmp_path / FOLDER / "contacts.csv")
    assert "Person 0001 Ünïcødé" in {row[1] for row in contacts}


def test_formula_cells_are_neutralised_and_numbers_kept(generated_case: Path, tmp_path: Path) -> None:
    with build_model(generated_case, ReportOptions(formats=("csv",))) as model:
        write_csv(model, tmp_path)
    rows = read(tmp_path / FOLDER / "messages.csv")
    body = rows[0].index("body")
    bodies = [row[body] for row in rows[1:]]
    assert "'=HYPERLINK(\"http://example.invalid\",\"click\")" in bodies
    assert "'@channel -- see you" in bodies and "'+1 555 0100 call me" in bodies
    assert not any(text.startswith(("=", "@", "+", "-")) for text in bodies)
    calls = read(tmp_path / FOLDER / "calls.csv")
    assert calls[1][calls[0].index("parties")].startswith("+4477")    # a phone number is left alone
    assert safe_text("-12.5") == "-12.5" and safe_text("=1+2") == "'=1+2" and safe_text("\t=cmd") == "'\t=cmd"
    assert safe_text(None) == "" and safe_text(True) == "true" and safe_text(3) == 3


def test_redacted_csv_names_no_victim(tmp_path: Path) -> None:
    case = phone_case(tmp_path / "phone")
    with build_model(case.case_dir, ReportOptions(formats=("csv",), redact_victims=True)) as model:
        write_csv(model, tmp_path / "out")
    for name, data in all_bytes(tmp_path / "out"):
        for text in VICTIM_STRINGS:
            assert text.encode() not in data, (name, text)


def test_a_case_with_only_files_writes_the_fixed_tables(tmp_path: Path) -> None:
    case = files_only_case(tmp_path / "files")
    with build_model(case.case_dir, ReportOptions(formats=("csv",))) as model:
        written = write_csv(model, tmp_path / "out")
    assert [path.name for path in written] == ["summary.csv", "exhibits.csv", "custody.csv", "warnings.csv",
                                               "tags.csv"]
    exhibits = read(tmp_path / "out" / FOLDER / "exhibits.csv")
    assert len(exhibits) == 2 and len(exhibits[1][exhibits[0].index("sha256")]) == 64
