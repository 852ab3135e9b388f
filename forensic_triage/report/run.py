"""Producing a report: model -> writers -> (PDF signature) -> manifest -> (manifest signature) ->
one custody entry.

Everything is written into a hidden sibling folder first and renamed to the requested folder only
when every file, the manifest and the signature are on disk; the custody entry comes last. A
failure anywhere (disk full, unwritable folder, a writer's error) leaves no report folder and no
custody entry claiming one.
"""

from __future__ import annotations

import importlib
import importlib.util
import shutil
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forensic_triage.errors import TriageError
from forensic_triage.progress import Progress
from forensic_triage.report import manifest as manifest_mod
from forensic_triage.report.model import (
    FORMATS,
    ProgressCallback,
    ReportModel,
    ReportOptions,
    build_model,
)
from forensic_triage.report.signing import (
    SIGNER_CERT,
    SigningKey,
    certificate_summary,
    load_key,
)
from forensic_triage.store.case_store import CaseStore

# format -> (module, function); a format is offered only when its module exists.
WRITERS: dict[str, tuple[str, str]] = {
    "html": ("forensic_triage.report.html", "write_html"),
    "pdf": ("forensic_triage.report.pdf", "write_pdf"),
    "case": ("forensic_triage.report.case_uco", "write_case_uco"),
    "xlsx": ("forensic_triage.report.xlsx", "write_xlsx"),
    "csv": ("forensic_triage.report.csv_export", "write_csv"),
    "kml": ("forensic_triage.report.run", "write_kml"),
    "graphml": ("forensic_triage.report.run", "write_graphml"),
}
DEFAULT_FORMATS = ("html", "pdf")


class ReportError(TriageError):
    """The report could not be written (nothing was recorded in custody)."""


@dataclass(frozen=True, kw_only=True)
class ReportResult:
    out: Path
    report_id: str
    reference: str
    files: list[dict[str, Any]]
    manifest_sha256: str
    manifest_blake3: str
    signed: bool
    custody_seq: int
    redaction: dict[str, Any]
    warnings: list[str]


def available_formats() -> tuple[str, ...]:
    found = []
    for fmt in FORMATS:
        module, _function = WRITERS[fmt]
        try:
            if importlib.util.find_spec(module) is not None:
                found.append(fmt)
        except (ImportError, ValueError):
            continue
    return tuple(found)


def default_formats() -> tuple[str, ...]:
    return tuple(fmt for fmt in DEFAULT_FORMATS if fmt in available_formats())


def _writer(fmt: str) -> Callable[..., list[Path]]:
    module, function = WRITERS[fmt]
    try:
        return getattr(importlib.import_module(module), function)
    except (ImportError, AttributeError) as exc:
        raise ReportError(f"the {fmt} writer is not available in this installation ({exc})") from None


def run_report(case_dir: Path, options: ReportOptions, out: Path, *, key_dir: Path | None = None,
               passphrase: bytes | None = None, progress: ProgressCallback | None = None) -> ReportResult:
    """Write the report of ``case_dir`` into the new folder ``out`` and record it in custody."""
    progress = progress or (lambda event: None)
    out = Path(out).absolute()
    formats = options.formats or default_formats()
    unknown = [fmt for fmt in formats if fmt not in WRITERS]
    if unknown:
        raise ReportError(f"unknown report format(s): {', '.join(unknown)} (choose from {', '.join(FORMATS)})")
    missing = [fmt for fmt in formats if fmt not in available_formats()]
    if missing:
        raise ReportError(f"format(s) not available in this installation: {', '.join(missing)}")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ReportError(f"{out} exists and is not an empty folder: choose a new folder for the report")
    key = None
    if options.sign:
        if passphrase is None or key_dir is None:
            raise ReportError("--sign needs the examiner's key folder and passphrase")
        key = load_key(key_dir, passphrase)
    # The write lock keeps the case still while the report reads it, and lets the custody entry
    # follow without another command slipping in between.
    store = CaseStore.open(Path(case_dir), write="report")
    staging = out.parent / f".{out.name}.partial-{uuid.uuid4().hex[:8]}"
    try:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            staging.mkdir(mode=0o700)
        except OSError as exc:
            raise ReportError(f"cannot create the report folder in {out.parent}: {exc.strerror or exc}") from None
        with build_model(store, options, progress=progress) as model:
            result = _write(model, staging, out, formats, key, passphrase, key_dir, progress)
            if out.exists():
                out.rmdir()           # an empty folder the examiner made for it
            staging.rename(out)
            try:
                with store.transaction():
                    entry = store.append_custody("report", _custody_details(model, result, out))
            except (sqlite3.Error, OSError, TriageError) as exc:
                shutil.rmtree(out, ignore_errors=True)
                raise ReportError(f"the report could not be recorded in the case's custody log ({exc}); "
                                  "its folder was removed") from None
        return ReportResult(out=out, report_id=result["report_id"], reference=result["reference"],
                            files=result["files"], manifest_sha256=result["manifest_sha256"],
                            manifest_blake3=result["manifest_blake3"], signed=result["signed"],
                            custody_seq=entry["seq"], redaction=result["redaction"], warnings=result["warnings"])
    except OSError as exc:
        raise ReportError(f"writing the report failed: {exc.strerror or exc} ({exc.filename or out}); "
                          "nothing was recorded in custody") from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
        store.close()


def _write(model: ReportModel, staging: Path, out: Path, formats: tuple[str, ...], key: SigningKey | None,
           passphrase: bytes | None, key_dir: Path | None, progress: ProgressCallback) -> dict[str, Any]:
    warnings: list[str] = []
    for number, fmt in enumerate(formats):
        progress(Progress(stage="writing", done=number, total=len(formats), unit="formats", detail=fmt))
        _writer(fmt)(model, staging, progress=progress)
    progress(Progress(stage="writing", done=len(formats), total=len(formats), unit="formats"))
    signer = None
    if key is not None:
        if "pdf" in formats:
            warnings.extend(_sign_pdfs(staging, key, passphrase))
        (staging / SIGNER_CERT).write_bytes(key.cert_path.read_bytes())
        signer = {**certificate_summary(key.certificate), "signature_file": manifest_mod.SIGNATURE,
                  "certificate_file": SIGNER_CERT}
    progress(Progress(stage="manifest", done=0, total=None, unit="files"))
    files = manifest_mod.entries(staging)
    data = manifest_mod.build_manifest(report_id=model.report_id, generated_utc=model.generated_utc, case=model.case,
                                       tool_version=model.tool_version, options=model.options.as_dict(),
                                       redaction=model.redaction, files=files, signer=signer)
    _path, sha, b3 = manifest_mod.write_manifest(staging, data)
    if key is not None:
        (staging / manifest_mod.SIGNATURE).write_bytes(key.sign(data))
    redaction = dict(model.redaction)
    if model.redacting:
        redaction.update(model.redactor.summary())
    return {"report_id": model.report_id, "reference": manifest_mod.report_reference(model.report_id, sha),
            "files": [entry.as_dict() for entry in files], "manifest_sha256": sha, "manifest_blake3": b3,
            "signed": key is not None, "redaction": redaction, "warnings": warnings, "formats": list(formats),
            "signer": signer}


def _sign_pdfs(staging: Path, key: SigningKey, passphrase: bytes | None) -> list[str]:
    try:
        pades = importlib.import_module("forensic_triage.report.pades")
    except ImportError:
        return [("the PDF was not signed: PAdES signing is not available in this installation "
                "(the manifest signature covers the PDF's hash)")]
    for pdf in sorted(staging.glob("*.pdf")):
        pades.sign_pdf(pdf, key.key_path, key.cert_path, passphrase)
    return []


def _custody_details(model: ReportModel, result: dict[str, Any], out: Path) -> dict[str, Any]:
    """Ids, hashes and counts; never case content (the redaction's key is not here either)."""
    options = model.options.as_dict()
    return {"report_id": result["report_id"], "reference": result["reference"], "formats": result["formats"],
            "out": str(out), "scope": {key: options[key] for key in ("kinds", "from", "to", "tagged_only")},
            "redaction": result["redaction"], "signed": result["signed"],
            "signer_fingerprint": (result["signer"] or {}).get("sha256_fingerprint"),
            "manifest": {"sha256": result["manifest_sha256"], "blake3": result["manifest_blake3"]},
            "files": [{"path": item["path"], "size": item["size"], "sha256": item["sha256"],
                       "blake3": item["blake3"]} for item in result["files"]],
            "exhibits": {exhibit.exhibit_id: exhibit.verdict for exhibit in model.exhibits},
            "verification_ok": model.verification.get("ok")}


# --- the small formats, written from the model's redacted records -------------------------------------------

def write_kml(model: ReportModel, out: Path, *, progress: ProgressCallback | None = None) -> list[Path]:
    """Locations in scope as KML (forensic_triage.exports.geo), redacted like every other format."""
    import math

    from forensic_triage.exports.geo import GeoRow
    from forensic_triage.exports.geo import write_kml as kml

    def rows():
        for record in model.records("geo_point"):
            try:
                row = GeoRow(artifact_id=record.id, data=record.data, provenance=record.provenance,
                             digest=record.digest)
                if math.isfinite(row.latitude) and math.isfinite(row.longitude):
                    yield row
            except (KeyError, TypeError, ValueError):
                continue

    path = Path(out) / "locations.kml"
    with path.open("w", encoding="utf-8") as handle:
        kml(rows(), handle, title=f"{model.case.get('case_number')}: locations")
    return [path]


def write_graphml(model: ReportModel, out: Path, *, progress: ProgressCallback | None = None) -> list[Path]:
    """The contact graph (victims renamed when redacting) as GraphML (forensic_triage.graph.export)."""
    from forensic_triage.graph.export import write

    graph = model.contact_graph()
    if graph is None:
        return []
    path = Path(out) / "contact-graph.graphml"
    with path.open("wb") as handle:
        write(graph, "graphml", handle)
    return [path]
