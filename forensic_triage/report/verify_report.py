"""Checking a report folder against its manifest: every listed file re-hashed (SHA-256 and
BLAKE3), files added or removed, the manifest signature, and the PDF signatures when present."""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509

from forensic_triage.errors import TriageError
from forensic_triage.report import manifest as manifest_mod
from forensic_triage.report.signing import (
    SIGNER_CERT,
    certificate_summary,
    verify_signature,
)


@dataclass(frozen=True, kw_only=True)
class Line:
    ok: bool
    subject: str
    detail: str

    def text(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.subject}: {self.detail}"


@dataclass(kw_only=True)
class ReportCheck:
    root: Path
    report_id: str | None = None
    reference: str | None = None
    lines: list[Line] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.lines) and all(line.ok for line in self.lines)

    def add(self, ok: bool, subject: str, detail: str) -> None:
        self.lines.append(Line(ok=ok, subject=subject, detail=detail))


def find_root(target: Path) -> tuple[Path, str | None]:
    """The report folder holding ``target`` and, when ``target`` is one file, its manifest path."""
    target = Path(target).absolute()
    if target.is_dir():
        if not (target / manifest_mod.MANIFEST).exists():
            raise TriageError(f"{target} holds no {manifest_mod.MANIFEST}: not a forensic-triage report folder")
        return target, None
    if not target.exists():
        raise TriageError(f"{target} does not exist")
    for parent in target.parents:
        if (parent / manifest_mod.MANIFEST).exists():
            return parent, target.relative_to(parent).as_posix()
    raise TriageError(f"no {manifest_mod.MANIFEST} found in the folders above {target}")


def verify_report(target: Path, *, expected_cert: Path | None = None) -> ReportCheck:
    """Check a report folder (or one file of it). ``expected_cert``: the examiner's certificate as
    known independently of the report; without it the certificate inside the folder is used, which
    proves the files are as signed by that certificate's key, not who holds the key."""
    root, only = find_root(target)
    check = ReportCheck(root=root)
    try:
        data, document = manifest_mod.read_manifest(root)
    except (OSError, ValueError) as exc:
        check.add(False, manifest_mod.MANIFEST, f"unreadable: {exc}")
        return check
    import hashlib
    check.report_id = document.get("report_id")
    check.reference = manifest_mod.report_reference(check.report_id or "?", hashlib.sha256(data).hexdigest())
    listed = {item["path"]: item for item in document.get("files", [])}
    if only is not None and only not in listed and only not in manifest_mod.UNLISTED:
        check.add(False, only, "not listed in the manifest (added after the report was made)")
    for path, item in sorted(listed.items()):
        if only is not None and path != only:
            continue
        file_path = root / path
        if not file_path.is_file():
            check.add(False, path, "missing: listed in the manifest but not in the folder")
            continue
        size, sha, b3 = manifest_mod.hash_file(file_path)
        problems = []
        if size != item["size"]:
            problems.append(f"size {size} bytes, manifest {item['size']}")
        if sha != item["sha256"]:
            problems.append(f"SHA-256 {sha}, manifest {item['sha256']}")
        if b3 != item["blake3"]:
            problems.append(f"BLAKE3 {b3}, manifest {item['blake3']}")
        if problems:
            check.add(False, path, "CHANGED: " + "; ".join(problems))
        else:
            check.add(True, path, f"SHA-256 {sha[:16]}… and BLAKE3 {b3[:16]}… match ({size} bytes)")
    if only is None:
        for path in manifest_mod.report_files(root):
            relative = path.relative_to(root).as_posix()
            if relative not in listed:
                check.add(False, relative, "added: in the folder but not in the manifest")
    _check_signature(check, root, data, document, expected_cert)
    if only is None or only.endswith(".pdf"):
        _check_pdfs(check, root, [path for path in listed if path.endswith(".pdf") and (only is None or path == only)])
    return check


def _check_signature(check: ReportCheck, root: Path, data: bytes, document: dict,
                     expected_cert: Path | None) -> None:
    signature_path = root / manifest_mod.SIGNATURE
    signer = document.get("signer")
    if not signature_path.exists():
        if signer:
            check.add(False, manifest_mod.SIGNATURE, "missing: the manifest says the report was signed")
        else:
            check.add(True, manifest_mod.MANIFEST, "not signed (hashes checked only)")
        return
    cert_path = root / ((signer or {}).get("certificate_file") or SIGNER_CERT)
    try:
        certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except (OSError, ValueError) as exc:
        check.add(False, manifest_mod.SIGNATURE, f"cannot read the signer's certificate {cert_path.name}: {exc}")
        return
    summary = certificate_summary(certificate)
    if expected_cert is not None:
        try:
            expected = x509.load_pem_x509_certificate(Path(expected_cert).read_bytes())
        except (OSError, ValueError) as exc:
            raise TriageError(f"cannot read the expected certificate {expected_cert}: {exc}") from None
        fingerprint = certificate_summary(expected)["sha256_fingerprint"]
        if fingerprint != summary["sha256_fingerprint"]:
            check.add(False, cert_path.name, f"is not the expected certificate {Path(expected_cert).name} "
                                             f"(SHA-256 {summary['sha256_fingerprint'][:16]}…, expected "
                                             f"{fingerprint[:16]}…)")
        else:
            check.add(True, cert_path.name, f"is the expected certificate {Path(expected_cert).name}")
    if signer and signer.get("sha256_fingerprint") != summary["sha256_fingerprint"]:
        check.add(False, cert_path.name, "is not the certificate the manifest names as signer")
    if verify_signature(certificate, data, signature_path.read_bytes()):
        check.add(True, manifest_mod.SIGNATURE, f"valid {summary['algorithm']} signature over manifest.json by "
                                                f"{summary['subject']} (certificate SHA-256 "
                                                f"{summary['sha256_fingerprint'][:16]}…)")
    else:
        check.add(False, manifest_mod.SIGNATURE, "INVALID: manifest.json was changed after signing, or the "
                                                 "signature is not by this certificate")


def _check_pdfs(check: ReportCheck, root: Path, pdfs: list[str]) -> None:
    try:
        pades = importlib.import_module("forensic_triage.report.pades")
        validate = pades.validate_pdf
    except (ImportError, AttributeError):
        return
    import logging

    # pyHanko logs a traceback for a self-signed certificate; the result below says it in one line.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    for path in pdfs:
        if not (root / path).is_file():
            continue
        trusted = tuple(cert for cert in (root / SIGNER_CERT,) if cert.is_file())
        try:
            # The report's own signer certificate is the trust anchor: it is covered by the
            # manifest, whose signature was checked against it above.
            result = validate(root / path, trusted_cert_files=trusted)
        except Exception as exc:  # noqa: BLE001 - a damaged PDF is a finding to report, not a crash
            check.add(False, f"{path} signature", f"cannot be validated: {exc}")
            continue
        if not getattr(result, "signed", False):
            continue
        check.add(bool(result.ok), f"{path} signature", str(getattr(result, "detail", "")) or
                  ("valid" if result.ok else "INVALID"))


def as_json(check: ReportCheck) -> str:
    return json.dumps({"root": str(check.root), "report_id": check.report_id, "reference": check.reference,
                       "ok": check.ok, "checks": [line.__dict__ for line in check.lines]}, indent=2)
