"""`forensic-triage gui [CASE_DIR]`: open the desktop workstation. Qt is imported only when the
command runs, so the rest of the CLI works on machines without a display or PyQt6."""

from __future__ import annotations

from pathlib import Path

import click

from forensic_triage.errors import TriageError


@click.command("gui")
@click.argument("case_dir", required=False, type=click.Path(path_type=Path))
@click.option("--jobs", type=click.IntRange(1, 256), help="Worker processes for ingests started from the window.")
def command(case_dir: Path | None, jobs: int | None) -> None:
    """Open the workstation window (optionally on CASE_DIR)."""
    import importlib.util

    if importlib.util.find_spec("PyQt6") is None:
        raise TriageError("the workstation needs PyQt6: pip install PyQt6")
    from forensic_triage.gui.app import run

    code = run(case_dir, jobs=jobs)
    if code:
        raise SystemExit(code)
