"""The examiner's signing key: creation, import, loading, and signing/verifying a manifest.

A key folder holds
  examiner-key.pem   the private key, PKCS#8 encrypted with the examiner's passphrase
  examiner-cert.pem  an X.509 certificate for it (self-signed by `keys init`, or the imported one)
`keys init` makes an Ed25519 key; an imported key may be Ed25519, ECDSA or RSA. A report signed
with `--sign` carries manifest.sig (the raw signature over manifest.json's bytes) and a copy of
the certificate (signer-cert.pem, listed in the manifest), so anyone can check it offline.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from forensic_triage.errors import TriageError

KEY_FILE = "examiner-key.pem"
CERT_FILE = "examiner-cert.pem"
SIGNER_CERT = "signer-cert.pem"          # the copy placed in a signed report folder
PASSPHRASE_ENV = "FORENSIC_TRIAGE_KEY_PASSPHRASE"
CERT_YEARS = 10


class SigningError(TriageError):
    """A key that cannot be created, read or used."""


@dataclass(frozen=True)
class SigningKey:
    private_key: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    certificate: x509.Certificate
    key_path: Path
    cert_path: Path

    @property
    def algorithm(self) -> str:
        return algorithm_name(self.certificate.public_key())

    def sign(self, data: bytes) -> bytes:
        key = self.private_key
        if isinstance(key, ed25519.Ed25519PrivateKey):
            return key.sign(data)
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(hashes.SHA256()))
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def default_key_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "forensic-triage" / "keys"


def read_passphrase(passphrase_file: Path | None, *, confirm: bool = False) -> bytes:
    """The passphrase from a file (first line), the environment, or a prompt."""
    if passphrase_file is not None:
        try:
            text = Path(passphrase_file).read_text(encoding="utf-8").splitlines()[0]
        except (OSError, IndexError) as exc:
            raise SigningError(f"cannot read a passphrase from {passphrase_file}: {exc}") from None
    elif os.environ.get(PASSPHRASE_ENV):
        text = os.environ[PASSPHRASE_ENV]
    else:
        text = getpass.getpass("Key passphrase: ")
        if confirm and getpass.getpass("Again: ") != text:
            raise SigningError("the two passphrases differ")
    if len(text) < 8:
        raise SigningError("the key passphrase must have at least 8 characters")
    return text.encode("utf-8")


ALGORITHMS = ("ed25519", "ecdsa-p256")


def init_keys(key_dir: Path, *, examiner: str, organisation: str | None, passphrase: bytes,
              force: bool = False, algorithm: str = "ed25519") -> SigningKey:
    """Create a key pair and a self-signed certificate for the examiner: Ed25519 by default;
    ECDSA P-256 for PDF readers that predate EdDSA in PDF signatures (ISO 32002)."""
    key_dir = Path(key_dir)
    if algorithm not in ALGORITHMS:
        raise SigningError(f"unknown key algorithm {algorithm!r} (choose from {', '.join(ALGORITHMS)})")
    _refuse_overwrite(key_dir, force)
    key = ed25519.Ed25519PrivateKey.generate() if algorithm == "ed25519" else ec.generate_private_key(ec.SECP256R1())
    certificate = _self_signed(key, examiner, organisation)
    return _save(key_dir, key, certificate, passphrase)


def import_keys(key_dir: Path, *, cert: Path | None, key: Path | None, pkcs12_file: Path | None,
                source_passphrase: bytes | None, passphrase: bytes, force: bool = False) -> SigningKey:
    """Import an existing certificate and private key (PEM pair or PKCS#12) into the key folder,
    re-encrypting the key with the examiner's passphrase."""
    key_dir = Path(key_dir)
    _refuse_overwrite(key_dir, force)
    try:
        if pkcs12_file is not None:
            private, certificate, _chain = pkcs12.load_key_and_certificates(Path(pkcs12_file).read_bytes(),
                                                                             source_passphrase)
        elif cert is not None and key is not None:
            certificate = x509.load_pem_x509_certificate(Path(cert).read_bytes())
            private = serialization.load_pem_private_key(Path(key).read_bytes(), source_passphrase)
        else:
            raise SigningError("give --cert and --key (PEM), or --pkcs12")
    except (OSError, ValueError, TypeError) as exc:
        raise SigningError(f"cannot read the key or certificate: {exc}") from None
    if private is None or certificate is None:
        raise SigningError("the PKCS#12 file must hold both a private key and its certificate")
    if not isinstance(private, (ed25519.Ed25519PrivateKey, ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
        raise SigningError("only Ed25519, ECDSA and RSA keys can sign reports")
    if _public_bytes(private.public_key()) != _public_bytes(certificate.public_key()):
        raise SigningError("the private key does not belong to the certificate")
    return _save(key_dir, private, certificate, passphrase)


def load_key(key_dir: Path, passphrase: bytes) -> SigningKey:
    key_dir = Path(key_dir)
    key_path, cert_path = key_dir / KEY_FILE, key_dir / CERT_FILE
    if not key_path.exists() or not cert_path.exists():
        raise SigningError(f"no signing key in {key_dir}: create one with `forensic-triage keys init`")
    try:
        private = serialization.load_pem_private_key(key_path.read_bytes(), passphrase)
    except (ValueError, TypeError):
        raise SigningError(f"cannot unlock {key_path}: wrong passphrase?") from None
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return SigningKey(private_key=private, certificate=certificate, key_path=key_path, cert_path=cert_path)


def verify_signature(certificate: x509.Certificate, data: bytes, signature: bytes) -> bool:
    public = certificate.public_key()
    try:
        if isinstance(public, ed25519.Ed25519PublicKey):
            public.verify(signature, data)
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        elif isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            return False
    except InvalidSignature:
        return False
    return True


def certificate_summary(certificate: x509.Certificate) -> dict[str, str]:
    """Who signed, for the manifest and verify-report's output."""
    fingerprint = certificate.fingerprint(hashes.SHA256()).hex()
    return {"subject": certificate.subject.rfc4514_string(), "issuer": certificate.issuer.rfc4514_string(),
            "serial": format(certificate.serial_number, "x"), "algorithm": algorithm_name(certificate.public_key()),
            "not_before": certificate.not_valid_before_utc.isoformat(),
            "not_after": certificate.not_valid_after_utc.isoformat(), "sha256_fingerprint": fingerprint}


def algorithm_name(public_key: object) -> str:
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return f"ECDSA-{public_key.curve.name}-SHA256"
    if isinstance(public_key, rsa.RSAPublicKey):
        return f"RSA-{public_key.key_size}-PKCS1v15-SHA256"
    return type(public_key).__name__


# --- helpers ----------------------------------------------------------------------------------------------

def _refuse_overwrite(key_dir: Path, force: bool) -> None:
    if (key_dir / KEY_FILE).exists() and not force:
        raise SigningError(f"{key_dir / KEY_FILE} already exists: refusing to replace the examiner's key "
                           "(use --force to replace it)")


def _self_signed(key: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey, examiner: str,
                 organisation: str | None) -> x509.Certificate:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, examiner or "examiner")]
    if organisation:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    name = x509.Name(attributes)
    now = dt.datetime.now(dt.UTC)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=365 * CERT_YEARS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()))


def _save(key_dir: Path, key, certificate: x509.Certificate, passphrase: bytes) -> SigningKey:
    try:
        key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        key_path, cert_path = key_dir / KEY_FILE, key_dir / CERT_FILE
        encrypted = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.BestAvailableEncryption(passphrase))
        # The private key file is created owner-only before a byte is written to it.
        descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(encrypted)
        cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    except OSError as exc:
        raise SigningError(f"cannot write the key to {key_dir}: {exc}") from None
    return SigningKey(private_key=key, certificate=certificate, key_path=key_path, cert_path=cert_path)


def _public_bytes(public_key) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
