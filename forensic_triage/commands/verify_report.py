"""`forensic-triage verify-report`: check a report folder (or one file of it) against its manifest
and signatures; exit 1 when anything does not match."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("verify-report")
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--cert", "expected_cert", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="The examiner's certificate (PEM) as known independently: the report must be signed by it.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def command(target: Path, expected_cert: Path | None, as_json: bool) -> None:
    """Re-hash every file listed in the report's manifest.json (SHA-256 and BLAKE3), name files
    changed, missing or added, and check manifest.sig and the PDF signature."""
    from forensic_triage.report.verify_report import as_json as to_json
    from forensic_triage.report.verify_report import verify_report

    check = verify_report(target, expected_cert=expected_cert)
    if as_json:
        click.echo(to_json(check))
    else:
        click.echo(f"Report {check.reference or '?'} in {check.root}")
        for line in check.lines:
            click.echo(line.text())
        failures = sum(1 for line in check.lines if not line.ok)
        click.echo("Report intact: every file matches the manifest." if check.ok else
                   f"REPORT NOT INTACT: {failures} problem(s) above.")
    if not check.ok:
        raise SystemExit(1)
