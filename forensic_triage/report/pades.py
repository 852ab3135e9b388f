"""PAdES signature of the PDF report (baseline B-B) with pyHanko, and its validation.

``sign_pdf`` adds one signature to the PDF as an incremental update: a visible field on the
cover page ("ExaminerSignature", in the empty space above the footer) whose appearance names the
examiner and the time, and a CMS signature (SHA-256, or SHA-512 with Ed25519; signing certificate attribute, PAdES
sub-filter ETSI.CAdES.detached) over every byte of the file but the signature itself. Any PDF
reader with signature support shows it; a changed byte anywhere in the signed range breaks it.

Keys: the examiner's key from ``keys init`` (Ed25519) or an imported ECDSA or RSA key, as PEM
(PKCS#8, passphrase-encrypted) with its X.509 certificate. Nothing is fetched: no timestamp
authority, no revocation lookups (baseline B-B needs neither), validation with fetching off.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from forensic_triage.errors import TriageError

FIELD_NAME = "ExaminerSignature"
# Cover page, bottom left, above the footer line (A4 points; the cover's content ends well above).
VISIBLE_BOX = (51, 70, 291, 130)


class PdfSigningError(TriageError):
    """The PDF could not be signed (key, certificate or file problem)."""


@dataclass(frozen=True)
class PdfSignatureCheck:
    path: Path
    signed: bool               # the file has at least one signature
    intact: bool               # the signed bytes hash to the signed digest and the CMS signature verifies
    covers_whole_file: bool    # nothing was appended after the last signature
    trusted: bool              # the signer's certificate chains to the given trust roots
    signer: str
    detail: str

    @property
    def ok(self) -> bool:
        """Intact and covering the whole file (trust is reported separately: a self-signed
        examiner certificate is trusted only when the reader is given it)."""
        return self.signed and self.intact and self.covers_whole_file


def _load_signer(key_file: Path, cert_file: Path, passphrase: bytes | str | None):
    from pyhanko.sign import signers

    secret = passphrase.encode("utf-8") if isinstance(passphrase, str) else passphrase
    try:
        signer = signers.SimpleSigner.load(str(key_file), str(cert_file), key_passphrase=secret)
    except (OSError, ValueError, TypeError) as exc:
        raise PdfSigningError(f"cannot load the signing key {Path(key_file).name}: {exc}") from None
    if signer is None:
        raise PdfSigningError(f"cannot load the signing key {Path(key_file).name} (wrong passphrase?)")
    return signer


def sign_pdf(path: Path, key_file: Path, cert_file: Path, passphrase: bytes | str | None, *,
             reason: str = "Examiner's signature of this forensic report", location: str | None = None,
             visible: bool = True) -> Path:
    """Sign ``path`` in place (PAdES B-B); returns the path."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.general import SigningError

    path = Path(path)
    signer = _load_signer(Path(key_file), Path(cert_file), passphrase)
    # RFC 8419: an Ed25519 signature in CMS goes with SHA-512; ECDSA and RSA keys use SHA-256.
    digest = "sha512" if signer.signing_cert.public_key.algorithm in ("ed25519", "ed448") else "sha256"
    meta = signers.PdfSignatureMetadata(field_name=FIELD_NAME, md_algorithm=digest,
                                        subfilter=fields.SigSeedSubFilter.PADES, reason=reason, location=location)
    spec = fields.SigFieldSpec(FIELD_NAME, on_page=0, box=VISIBLE_BOX if visible else None)
    temporary = path.with_name(path.name + ".signing")
    try:
        with open(path, "rb") as source, open(temporary, "wb") as target:
            writer = IncrementalPdfFileWriter(source, strict=False)
            signers.sign_pdf(writer, meta, signer=signer, new_field_spec=spec, output=target)
        temporary.replace(path)
    except (OSError, SigningError, ValueError) as exc:
        temporary.unlink(missing_ok=True)
        raise PdfSigningError(f"cannot sign {path.name}: {exc}") from None
    return path


def validate_pdf(path: Path, trusted_cert_files: tuple[Path, ...] = ()) -> PdfSignatureCheck:
    """Check every signature in ``path``; trust roots are the given certificates (e.g. the
    signer-cert.pem shipped beside the report). Never fetches anything."""
    from asn1crypto import pem, x509
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    path = Path(path)
    roots = []
    for cert_file in trusted_cert_files:
        data = Path(cert_file).read_bytes()
        if pem.detect(data):
            _type, _headers, data = pem.unarmor(data)
        roots.append(x509.Certificate.load(data))
    try:
        with open(path, "rb") as handle:
            reader = PdfFileReader(handle, strict=False)
            signatures = reader.embedded_signatures
            if not signatures:
                return PdfSignatureCheck(path, False, False, False, False, "", "the PDF carries no signature")
            context = ValidationContext(trust_roots=roots, allow_fetching=False)
            results = []
            for signature in signatures:
                status = validate_pdf_signature(signature, context, skip_diff=False)
                results.append((signature, status))
    except (OSError, PdfReadError, ValueError) as exc:
        return PdfSignatureCheck(path, False, False, False, False, "", f"unreadable PDF: {exc}")
    intact = all(status.intact and status.valid for _sig, status in results)
    _last_sig, last = results[-1]
    whole = bool(last.coverage is not None and last.coverage.name == "ENTIRE_FILE")
    trusted = all(status.trusted for _sig, status in results)
    signer = last.signing_cert.subject.human_friendly if last.signing_cert is not None else ""
    if not intact:
        detail = "signature BROKEN: the signed bytes were changed or the signature does not verify"
    elif not whole:
        detail = f"signature intact but the file was changed after signing (coverage {last.coverage.name})"
    else:
        detail = f"signature intact, covers the whole file, signed by {signer}" + (
            "" if trusted else " (certificate not in the given trust roots)")
    return PdfSignatureCheck(path, True, intact, whole, trusted, signer, detail)
