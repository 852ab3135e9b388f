"""`case info` says whether the case store is encrypted at rest and how (cipher, KDF and its cost,
never a key); `doctor` says whether encrypted cases work here and which SQLCipher it uses."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

pytest.importorskip("sqlcipher3", reason="the SQLCipher wheel (sqlcipher3-wheels) is not installed")

from forensic_triage.commands import doctor
from forensic_triage.errors import TriageError
from forensic_triage.store import case_store, crypto
from forensic_triage.store.case_store import CaseStore
from forensic_triage.summary import case_summary, render_summary

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def case_info(monkeypatch, capsys):
    from forensic_triage.cli import main

    def invoke(case, *extra: str) -> tuple[int, str, str]:
        monkeypatch.setenv(crypto.PASSPHRASE_ENV, PASSPHRASE)
        try:
            main(["-q", "case", "info", str(case), *extra])
            code = 0
        except SystemExit as exc:
            code = exc.code
        finally:
            for lock in list(case_store._HELD):
                lock.release()
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


def test_case_info_names_the_encryption(tmp_path, case_info):
    case = tmp_path / "enc"
    CaseStore.create(case, case_number="1", examiner="E", encrypt=True, passphrase=PASSPHRASE,
                     kdf_cost=(1 << 14, 8, 1)).close()
    code, out, err = case_info(case)
    assert code == 0, err
    assert f"encrypted at rest: {crypto.CIPHER}" in out
    assert "key from the passphrase by scrypt (N=2^14, r=8, p=1, 128-bit salt)" in out
    assert "sqlcipher3 (SQLite " in out
    code, out, err = case_info(case, "--json")
    encryption = json.loads(out)["encryption"]
    assert encryption["encrypted"] is True and encryption["kdf"] == "scrypt"
    assert encryption["kdf_parameters"] == {"n": 1 << 14, "r": 8, "p": 1, "salt_bytes": 16}
    # The header's salt and key check stay out of what is printed.
    header = json.loads((case / crypto.HEADER_NAME).read_text())
    assert header["kdf"]["salt"] not in out and header["key_check"] not in out


def test_case_info_of_a_plain_case(tmp_path, case_info):
    store = CaseStore.create(tmp_path / "plain", case_number="1", examiner="E")
    assert case_summary(store)["encryption"] == {"encrypted": False}
    assert "not encrypted at rest" in render_summary(case_summary(store))
    store.close()
    code, out, _err = case_info(tmp_path / "plain")
    assert code == 0 and "not encrypted at rest (created without --encrypt)" in out


def test_doctor_reports_sqlcipher(monkeypatch):
    name, ok, detail = doctor._encryption_check()
    assert name == "encrypted cases" and ok, detail
    assert detail.startswith("available (case create --encrypt): SQLCipher 4.")
    assert "sqlcipher3 (SQLite " in detail and "scrypt" in detail

    def missing():
        raise TriageError("encrypted stores need the SQLCipher wheel: pip install sqlcipher3-wheels")

    monkeypatch.setattr(crypto, "sqlcipher", missing)
    name, ok, detail = doctor._encryption_check()
    assert not ok and detail == "NOT available: encrypted stores need the SQLCipher wheel: pip install sqlcipher3-wheels"


def test_doctor_command_prints_the_check(monkeypatch):
    # The other checks (plugins, libraries) belong to their own tests; only the line is checked here.
    monkeypatch.setattr(doctor, "_checks", lambda: [doctor._encryption_check()])
    result = CliRunner().invoke(doctor.command, [])
    assert result.exit_code == 0
    assert result.output.startswith("ok   encrypted cases: available")
