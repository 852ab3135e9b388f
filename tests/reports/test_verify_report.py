"""Keys, signed reports and verify-report: a single changed byte in any file is caught and named,
added and removed files are reported, a forged manifest fails its signature."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12

from forensic_triage.report.run import available_formats
from forensic_triage.report.signing import (
    CERT_FILE,
    KEY_FILE,
    SigningError,
    import_keys,
    init_keys,
    load_key,
    verify_signature,
)
from forensic_triage.report.verify_report import verify_report
from tests.conftest import run_cli
from tests.reports.report_cases import files_only_case

PASS = "correct horse battery staple"


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    base = tmp_path_factory.mktemp("signed")
    case = files_only_case(base / "c")
    keys = base / "keys"
    (base / "pass.txt").write_text(PASS + "\n")
    made = run_cli("keys", "init", "--dir", keys, "--passphrase-file", base / "pass.txt", "--name", "Test Examiner")
    assert made.returncode == 0, made.stderr
    formats = ",".join(fmt for fmt in ("html", "pdf", "graphml") if fmt in available_formats())
    out = base / "report"
    done = run_cli("report", case.case_dir, "--format", formats, "--out", out, "--sign", "--key-dir", keys,
                   "--passphrase-file", base / "pass.txt")
    assert done.returncode == 0, done.stderr
    return out, keys, base


def _copy(signed, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(signed[0], target)
    return target


def test_an_untouched_report_verifies(signed):
    out = signed[0]
    assert {"manifest.json", "manifest.sig", "signer-cert.pem", "index.html"} <= {p.name for p in out.iterdir()}
    done = run_cli("verify-report", out)
    assert done.returncode == 0, done.stdout
    assert "valid Ed25519 signature over manifest.json by CN=Test Examiner" in done.stdout
    assert "FAIL" not in done.stdout
    assert verify_report(out, expected_cert=signed[1] / CERT_FILE).ok
    stranger = init_keys(signed[2] / "stranger", examiner="Someone Else", organisation=None, passphrase=b"12345678")
    other = verify_report(out, expected_cert=stranger.cert_path)
    assert not other.ok and any("is not the expected certificate" in line.detail for line in other.lines)
    one = run_cli("verify-report", out / "index.html")
    assert one.returncode == 0 and "index.html" in one.stdout


@pytest.mark.parametrize("name", ["index.html", "assets/report.js", "data/custody-0000.js", "report.pdf",
                                  "signer-cert.pem"])
def test_one_changed_byte_is_caught_and_named(signed, tmp_path, name):
    copy = _copy(signed, tmp_path)
    target = copy / name
    if not target.exists():
        pytest.skip(f"{name} is not written by this installation")
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    check = verify_report(copy)
    assert not check.ok
    failing = [line.text() for line in check.lines if not line.ok]
    assert any(line.startswith(f"FAIL {name}: CHANGED") for line in failing), failing


def test_added_and_removed_files_are_reported(signed, tmp_path):
    copy = _copy(signed, tmp_path)
    (copy / "data" / "extra.js").write_text("alert(1)")
    (copy / "assets" / "report.css").unlink()
    lines = [line.text() for line in verify_report(copy).lines]
    assert any(line.startswith("FAIL data/extra.js: added") for line in lines)
    assert any(line.startswith("FAIL assets/report.css: missing") for line in lines)


def test_a_rewritten_manifest_fails_its_signature(signed, tmp_path):
    copy = _copy(signed, tmp_path)
    manifest = copy / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"size"', '"size" ', 1))
    done = run_cli("verify-report", copy)
    assert done.returncode == 1
    assert "FAIL manifest.sig: INVALID" in done.stdout and "REPORT NOT INTACT" in done.stdout
    (copy / "manifest.sig").unlink()
    gone = verify_report(copy)
    assert not gone.ok and any(line.text().startswith("FAIL manifest.sig: missing") for line in gone.lines)


def test_wrong_passphrase_and_no_key_are_one_line_errors(signed, tmp_path):
    _out, keys, base = signed
    (tmp_path / "wrong.txt").write_text("not the passphrase\n")
    case = files_only_case(tmp_path / "c")
    done = run_cli("report", case.case_dir, "--format", "html", "--out", tmp_path / "r", "--sign", "--key-dir", keys,
                   "--passphrase-file", tmp_path / "wrong.txt")
    assert done.returncode == 2 and "wrong passphrase" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "r").exists()
    with pytest.raises(SigningError, match="no signing key"):
        load_key(tmp_path / "nowhere", PASS.encode())
    again = run_cli("keys", "init", "--dir", keys, "--passphrase-file", base / "pass.txt")
    assert again.returncode == 2 and "refusing to replace" in again.stderr


def test_private_key_is_encrypted_and_owner_only(signed):
    _out, keys, _base = signed
    pem = (keys / KEY_FILE).read_bytes()
    assert b"ENCRYPTED PRIVATE KEY" in pem
    assert (keys / KEY_FILE).stat().st_mode & 0o077 == 0
    cert = x509.load_pem_x509_certificate((keys / CERT_FILE).read_bytes())
    assert cert.subject.rfc4514_string() == "CN=Test Examiner"


def test_ecdsa_key_signs_and_verifies(tmp_path):
    key = init_keys(tmp_path / "k", examiner="Examiner", organisation="Lab", passphrase=PASS.encode(),
                    algorithm="ecdsa-p256")
    loaded = load_key(tmp_path / "k", PASS.encode())
    assert key.algorithm == loaded.algorithm == "ECDSA-secp256r1-SHA256"
    assert verify_signature(loaded.certificate, b"m", loaded.sign(b"m"))


def test_import_pkcs12_and_pem(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    source = init_keys(tmp_path / "tmp", examiner="x", organisation=None, passphrase=b"12345678")
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Imported Examiner")])
    import datetime as dt
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(7).not_valid_before(now).not_valid_after(now + dt.timedelta(days=30))
            .sign(key, hashes.SHA256()))
    p12 = tmp_path / "examiner.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(b"ex", key, cert, None,
                                                          serialization.BestAvailableEncryption(b"p12pass")))
    imported = import_keys(tmp_path / "a", cert=None, key=None, pkcs12_file=p12, source_passphrase=b"p12pass",
                           passphrase=PASS.encode())
    loaded = load_key(tmp_path / "a", PASS.encode())
    assert loaded.algorithm == "ECDSA-secp256r1-SHA256" == imported.algorithm
    assert verify_signature(loaded.certificate, b"manifest", loaded.sign(b"manifest"))
    assert not verify_signature(loaded.certificate, b"manifest!", loaded.sign(b"manifest"))
    (tmp_path / "k.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    with pytest.raises(SigningError, match="does not belong"):
        import_keys(tmp_path / "b", cert=source.cert_path, key=tmp_path / "k.pem", pkcs12_file=None,
                    source_passphrase=None, passphrase=PASS.encode())
