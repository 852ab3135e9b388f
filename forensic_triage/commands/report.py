"""`forensic-triage report`: a court-ready report (HTML, PDF and exports) with a manifest of hashes,
an optional signature, victim redaction, and a custody entry naming it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from forensic_triage.errors import TriageError


class _Bars:
    """Progress callbacks drawn as one tqdm bar per stage on stderr (as cli_progress.drive does for
    generator work; the report's writers report through a callback instead)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar = None
        self.stage = None

    def __call__(self, event) -> None:
        if self.quiet:
            return
        from tqdm import tqdm

        if event.stage != self.stage:
            self.close()
            self.stage = event.stage
            self.bar = tqdm(total=event.total, desc=event.stage, unit=" " + (event.unit or "items")
                            if event.unit != "B" else "B", unit_scale=event.unit == "B", file=sys.stderr,
                            dynamic_ncols=True, mininterval=0.25, leave=False)
        if event.total is not None and self.bar.total != event.total:
            self.bar.total = event.total
        self.bar.n = event.done
        if event.detail:
            self.bar.set_postfix({"now": str(event.detail)[-30:]}, refresh=False)
        self.bar.update(0)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _formats(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    return tuple(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))


def _time(value: str | None, option: str) -> str | None:
    """--from/--to as the store's UTC text: a date (start or end of that day) or a full ISO time."""
    if not value:
        return None
    from datetime import UTC, datetime

    text = value.strip()
    try:
        if len(text) == 10:
            moment = datetime.fromisoformat(text).replace(tzinfo=UTC)
            if option == "--to":
                return moment.strftime("%Y-%m-%dT23:59:59.999Z")
            return moment.strftime("%Y-%m-%dT00:00:00Z")
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise TriageError(f"{option} {value!r}: give a date (2026-03-01) or a UTC time (2026-03-01T09:30:00Z)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@click.command("report")
@click.argument("case_dir", type=click.Path(path_type=Path))
@click.option("--format", "formats", help="Comma-separated: pdf,html,case,xlsx,csv,kml,graphml "
                                          "(default: html,pdf, those available).")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False),
              help="New folder for the report (default: CASE_DIR/reports/<report id>).")
@click.option("--kinds", help="Only these artifact kinds (comma-separated, e.g. message,call).")
@click.option("--from", "since", help="Only findings from this UTC date or time.")
@click.option("--to", "until", help="Only findings up to this UTC date or time.")
@click.option("--tagged-only", is_flag=True, help="Only findings the examiner tagged (or from tagged files).")
@click.option("--redact-victims", is_flag=True, help="Replace identities tagged as victims with pseudonyms V1, V2, …")
@click.option("--redact-victim-text", is_flag=True, help="Also withhold what victims wrote (implies --redact-victims).")
@click.option("--title", help="Report title (default: the case title).")
@click.option("--requester", help="Who requested the examination (cover page).")
@click.option("--authority", help="Legal authority for the examination, e.g. a warrant number (cover page).")
@click.option("--reviewer", help="Reviewer's name (cover page signature block).")
@click.option("--verify-evidence/--no-verify-evidence", default=None,
              help="Re-hash the evidence now and compare with ingest (default: when all evidence is 4 GiB or less).")
@click.option("--sign", is_flag=True, help="Sign the manifest (and the PDF) with the examiner's key.")
@click.option("--key-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Examiner key folder (default: ~/.local/share/forensic-triage/keys).")
@click.option("--passphrase-file", type=click.Path(path_type=Path, dir_okay=False),
              help="File whose first line is the key passphrase (else $FORENSIC_TRIAGE_KEY_PASSPHRASE or a prompt).")
@click.pass_context
def command(ctx: click.Context, case_dir: Path, formats: str | None, out: Path | None, kinds: str | None,
            since: str | None, until: str | None, tagged_only: bool, redact_victims: bool, redact_victim_text: bool,
            title: str | None, requester: str | None, authority: str | None, reviewer: str | None,
            verify_evidence: bool | None, sign: bool, key_dir: Path | None, passphrase_file: Path | None) -> None:
    """Write a report of CASE_DIR: the findings in scope with their provenance, exhibits and hashes,
    versions, methodology, custody log and verification; a manifest.json with every file's SHA-256
    and BLAKE3; one custody entry naming the report, its scope and its hashes."""
    from forensic_triage.report.model import ReportOptions
    from forensic_triage.report.run import (
        available_formats,
        default_formats,
        run_report,
    )
    from forensic_triage.report.signing import default_key_dir, read_passphrase
    from forensic_triage.store.query import Scope

    quiet = bool(ctx.obj and ctx.obj.get("quiet"))
    chosen = _formats(formats) or default_formats()
    if not chosen:
        raise TriageError(f"no report format available (installed: {', '.join(available_formats()) or 'none'})")
    scope = Scope(kinds=tuple(k.strip() for k in (kinds or "").split(",") if k.strip()),
                  since=_time(since, "--from"), until=_time(until, "--to"), tagged_only=tagged_only)
    if scope.since and scope.until and scope.since > scope.until:
        raise TriageError("--from is after --to")
    options = ReportOptions(formats=chosen, scope=scope, redact_victims=redact_victims or redact_victim_text,
                            redact_victim_text=redact_victim_text, title=title, sign=sign, requester=requester,
                            authority=authority, reviewer=reviewer, verify_evidence=verify_evidence)
    key_dir = key_dir or default_key_dir()
    passphrase = read_passphrase(passphrase_file) if sign else None
    if out is None:
        import uuid
        out = Path(case_dir) / "reports" / f"report-{uuid.uuid4().hex[:12]}"
    bars = _Bars(quiet)
    try:
        result = run_report(case_dir, options, out, key_dir=key_dir, passphrase=passphrase, progress=bars)
    finally:
        bars.close()
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if quiet:
        click.echo(str(result.out))
        return
    click.echo(f"Report {result.reference}")
    click.echo(f"  folder:   {result.out}")
    click.echo(f"  formats:  {', '.join(chosen)}  ({len(result.files)} files)")
    click.echo(f"  manifest: sha256 {result.manifest_sha256}")
    click.echo(f"            blake3 {result.manifest_blake3}")
    if result.signed:
        click.echo("  signed:   manifest.sig (with signer-cert.pem)")
    if result.redaction.get("enabled"):
        click.echo(f"  redacted: {result.redaction.get('victims', 0)} victim identit(ies) pseudonymised")
    click.echo(f"  custody:  entry #{result.custody_seq}")
    click.echo(f"Check it later with: forensic-triage verify-report {result.out}")
