"""PAdES signature of a PDF with the examiner's key (Ed25519 from `keys init`, or ECDSA)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from reportlab.pdfgen import canvas

from forensic_triage.report import pades, signing

PASS = b"correct horse battery"


def _pdf(path: Path) -> Path:
    page = canvas.Canvas(str(path), pageCompression=0)
    page.drawString(72, 720, "Forensic examination report, case T-1")
    page.showPage()
    page.save()
    return path


@pytest.fixture
def key(tmp_path):
    return signing.init_keys(tmp_path / "keys", examiner="Test Examiner", organisation="Lab", passphrase=PASS)


def test_sign_and_validate(tmp_path, key):
    pdf = _pdf(tmp_path / "report.pdf")
    assert pades.validate_pdf(pdf).signed is False
    pades.sign_pdf(pdf, key.key_path, key.cert_path, PASS)
    check = pades.validate_pdf(pdf, (key.cert_path,))
    assert check.ok and check.trusted and "Test Examiner" in check.signer, check.detail
    untrusted = pades.validate_pdf(pdf)
    assert untrusted.ok and not untrusted.trusted


def test_a_changed_byte_breaks_it(tmp_path, key):
    pdf = pades.sign_pdf(_pdf(tmp_path / "report.pdf"), key.key_path, key.cert_path, PASS)
    data = bytearray(pdf.read_bytes())
    index = data.index(b"Forensic examination report")
    data[index] ^= 0x20                       # "forensic": one byte inside the signed range
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    check = pades.validate_pdf(tampered, (key.cert_path,))
    assert not check.ok and "BROKEN" in check.detail
    appended = tmp_path / "appended.pdf"
    appended.write_bytes(pdf.read_bytes() + b"\n% appended\n")
    assert not pades.validate_pdf(appended, (key.cert_path,)).covers_whole_file


def test_ecdsa_key_and_wrong_passphrase(tmp_path, key):
    with pytest.raises(pades.PdfSigningError):
        pades.sign_pdf(_pdf(tmp_path / "a.pdf"), key.key_path, key.cert_path, b"wrong passphrase")
    private = ec.generate_private_key(ec.SECP256R1())
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ECDSA Examiner")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=30))
            .sign(private, hashes.SHA256()))
    key_file, cert_file = tmp_path / "ec-key.pem", tmp_path / "ec-cert.pem"
    key_file.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.BestAvailableEncryption(PASS)))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pdf = pades.sign_pdf(_pdf(tmp_path / "b.pdf"), key_file, cert_file, PASS, visible=False)
    assert pades.validate_pdf(pdf, (cert_file,)).ok
