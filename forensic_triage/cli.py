"""The `forensic-triage` command line.

Exit codes: 0 success; 1 verification failed; 2 usage or input error (bad arguments, missing
or unreadable evidence, refused action); 3 internal error (a bug: please report it);
130 interrupted (run the same command again: ingest resumes).
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from pathlib import Path

import click

from forensic_triage import __version__
from forensic_triage.cli_progress import drive, use_json_progress
from forensic_triage.errors import EXIT_VERIFY_FAILED, TriageError

EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130


def _store(case_dir: Path, write: str | None = None):
    """The case store; ``write`` names a command that changes the case (it takes the lock)."""
    from forensic_triage.store.case_store import CaseStore

    return CaseStore.open(case_dir, write=write)


def _echo_json(obj) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, sort_keys=True))


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="forensic-triage")
@click.option("--plugin-dir", "plugin_dirs", multiple=True, type=click.Path(path_type=Path),
              help="Extra folder of drop-in plugin .py files (repeatable).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars.")
@click.option("--progress-json", is_flag=True,
              help="Instead of progress bars, write each progress event, notice and the final result as one JSON "
                   "object per line on stdout (for programs that run this command).")
@click.option("--passphrase-file", type=click.Path(path_type=Path, dir_okay=False),
              help="File holding the passphrase of an encrypted case (else FORENSIC_TRIAGE_PASSPHRASE, "
                   "else a prompt on a terminal).")
@click.pass_context
def cli(ctx: click.Context, plugin_dirs: tuple[Path, ...], quiet: bool, progress_json: bool,
        passphrase_file: Path | None) -> None:
    """Digital-evidence triage: disk images and logical extractions into a hashed,
    chain-of-custody case store, with parser plugins and court-ready output."""
    from forensic_triage.store import crypto

    crypto.use_passphrase_file(passphrase_file)
    use_json_progress(progress_json)
    ctx.obj = {"plugin_dirs": list(plugin_dirs), "quiet": quiet}


# --- case ---------------------------------------------------------------------------------------

@cli.group()
def case() -> None:
    """Create a case or show what it holds."""


@case.command("create")
@click.argument("case_dir", type=click.Path(path_type=Path))
@click.option("--case-number", required=True, help="The case reference, e.g. 2026-0412.")
@click.option("--examiner", required=True, help="Examiner's name, recorded in every custody entry.")
@click.option("--agency", help="Agency or laboratory.")
@click.option("--title", help="Case title.")
@click.option("--region", help="Default phone-number region, ISO 3166 code (e.g. GB, NL).")
@click.option("--display-tz", help="Time zone for showing local times beside UTC, e.g. Europe/London.")
@click.option("--encrypt", is_flag=True,
              help="Keep the case store encrypted (SQLCipher, scrypt-derived key) under a passphrase; see "
                   "--passphrase-file.")
def case_create(case_dir: Path, case_number: str, examiner: str, agency: str | None, title: str | None,
                region: str | None, display_tz: str | None, encrypt: bool) -> None:
    """Create a new case in CASE_DIR (refuses to overwrite an existing one)."""
    from forensic_triage.store.case_store import CaseStore

    region = _check_region(region)
    _check_zone(display_tz)
    store = CaseStore.create(case_dir, case_number=case_number, examiner=examiner, agency=agency, title=title,
                             region=region, display_tz=display_tz, encrypt=encrypt)
    info = store.case_info()
    click.echo(f"Created {'encrypted ' if encrypt else ''}case {info['case_number']} ({info['case_uuid']}) "
               f"in {case_dir}")


def _check_region(region: str | None) -> str | None:
    if region is None:
        return None
    region = region.upper()
    if len(region) != 2 or not region.isalpha():
        raise TriageError(f"--region must be a two-letter ISO 3166 country code (e.g. GB), not {region!r}")
    return region


def _check_zone(zone: str | None) -> None:
    if zone is None:
        return
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise TriageError(f"--display-tz {zone!r} is not a known time zone (e.g. Europe/London)") from None


@case.command("info")
@click.argument("case_dir", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def case_info(case_dir: Path, as_json: bool) -> None:
    """Print the case, its evidence with hashes, and counts."""
    from forensic_triage.summary import case_summary, render_summary

    store = _store(case_dir)
    summary = case_summary(store)
    if as_json:
        _echo_json(summary)
    else:
        click.echo(render_summary(summary))


# --- evidence and ingest ------------------------------------------------------------------------

@cli.command()
@click.argument("case_dir", type=click.Path(path_type=Path))
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--exhibit-id", help="Exhibit reference (default E001, E002, ...).")
@click.option("--description", help="What the exhibit is, e.g. 'Samsung phone, black'.")
@click.option("--received-from", help="Who handed the exhibit over.")
@click.option("--received-at", help="When, ISO 8601 with zone, e.g. 2026-03-01T14:30+01:00.")
@click.pass_context
def add(ctx: click.Context, case_dir: Path, path: Path, exhibit_id: str | None, description: str | None,
        received_from: str | None, received_at: str | None) -> None:
    """Add evidence: a disk image (raw, split raw, E01, VHD/VHDX, VMDK, qcow2, gzip) or a logical
    acquisition (folder, zip, tar). Hashes it in one read and records it in the custody log."""
    from forensic_triage.evidence.add import add_evidence

    store = _store(case_dir, write="add")
    row = drive(add_evidence(store, path, exhibit_id=exhibit_id, description=description,
                             received_from=received_from, received_at=received_at), quiet=ctx.obj["quiet"])
    click.echo(f"Added exhibit {row['exhibit_id']} ({row['container']}, {row['media_size']} bytes)")
    for name in ("md5", "sha1", "sha256", "blake3"):
        click.echo(f"  {name.upper():7} {row[name]}")
    acquisition = json.loads(row["acquisition"])
    if acquisition.get("comparisons"):
        for algorithm, item in acquisition["comparisons"].items():
            click.echo(f"  acquisition {algorithm.upper()} {item['stored']}: {item['verdict']}")
    elif acquisition.get("verdict"):
        click.echo(f"  acquisition hashes: {acquisition['verdict']}")
    for volume in store.volumes(row["id"]):
        click.echo(f"  volume {volume['idx']}: {volume['description']} at byte {volume['offset']}: "
                   f"{volume['fs_type'] or '-'} ({volume['status']})" + (f": {volume['note']}" if volume["note"] else ""))


@cli.command()
@click.argument("case_dir", type=click.Path(path_type=Path))
@click.option("--evidence", "evidence_keys", multiple=True, help="Exhibit id (repeatable; default: all).")
@click.option("--plugins", "plugin_names", help="Comma-separated plugin names to run (default: all).")
@click.option("--no-plugins", is_flag=True, help="Only list and hash the files.")
@click.option("--jobs", type=click.IntRange(1, 256), help="Worker processes (default: one per core).")
@click.option("--key-file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="JSON file of keys or passphrases for SQLCipher app stores (Signal, Telegram), by path glob.")
@click.option("--recover-deleted", is_flag=True,
              help="Also rebuild deleted records from app databases' free pages and -wal frames (flagged "
                   "recovered, with their byte locator).")
@click.pass_context
def ingest(ctx: click.Context, case_dir: Path, evidence_keys: tuple[str, ...], plugin_names: str | None,
           no_plugins: bool, jobs: int | None, key_file: Path | None, recover_deleted: bool) -> None:
    """List and hash every file of the evidence, then run the plugins. Resumable."""
    from forensic_triage.ingest.run import ingest as run_ingest
    from forensic_triage.store.crypto import record_key_use, use_key_file

    key_file_sha256 = use_key_file(key_file) if key_file else None
    store = _store(case_dir, write="ingest")
    names = [name.strip() for name in plugin_names.split(",") if name.strip()] if plugin_names else None
    summary = drive(run_ingest(store, evidence_keys=list(evidence_keys) or None, plugin_names=names,
                               no_plugins=no_plugins, jobs=jobs, plugin_dirs=ctx.obj["plugin_dirs"],
                               recover_deleted=recover_deleted),
                    quiet=ctx.obj["quiet"])
    if key_file_sha256:
        record_key_use(store, key_file_sha256)
    for item in summary["evidence"]:
        click.echo(f"Exhibit {item['exhibit_id']}: {item['files']} files, {item['artifacts']} artifacts, "
                   f"{item['warnings']} warnings")


# --- reading the store --------------------------------------------------------------------------

@cli.command()
@click.argument("case_dir", type=click.Path(path_type=Path))
@click.option("--evidence", "evidence_key", help="Only this exhibit.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def files(case_dir: Path, evidence_key: str | None, as_json: bool) -> None:
    """List the files of the case (path, inode, deleted, size, hashes, MACB times)."""
    from forensic_triage.ingest.file_rows import public_file

    store = _store(case_dir)
    where, params = "", ()
    if evidence_key:
        where, params = "WHERE f.evidence_id = ?", (store.find_evidence(evidence_key)["id"],)
    cursor = store.conn.execute(f"SELECT f.*, e.exhibit_id FROM files f JOIN evidence e ON e.id = f.evidence_id "
                                f"{where} ORDER BY f.id", params)
    for row in cursor:
        item = public_file(row)
        if as_json:
            _echo_json(item)
        else:
            flag = "deleted" if item["deleted"] else ""
            click.echo(f"{item['evidence']}\t{item['inode'] or '-'}\t{flag:7}\t{item['size']:>10}\t"
                       f"{(item['sha256'] or '-')[:16]}\t{item['path']}")


@cli.command()
@click.argument("case_dir", type=click.Path(path_type=Path))
@click.option("--kind", help="Only this artifact kind (e.g. message, sqlite_database).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def artifacts(case_dir: Path, kind: str | None, as_json: bool) -> None:
    """List artifacts with their provenance and digest."""
    store = _store(case_dir)
    where, params = ("WHERE kind = ?", (kind,)) if kind else ("", ())
    for row in store.conn.execute(f"SELECT * FROM artifacts {where} ORDER BY id", params):
        item = {"id": row["id"], "kind": row["kind"], "data": json.loads(row["data"]),
                "provenance": json.loads(row["provenance"]), "digest": row["digest"]}
        if as_json:
            _echo_json(item)
        else:
            click.echo(f"{item['id']}\t{item['kind']}\t{item['provenance']['plugin']}\t{item['provenance']['path']}\t"
                       f"{json.dumps(item['data'], ensure_ascii=False)[:100]}")


@cli.command()
@click.argument("case_dir", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def warnings(case_dir: Path, as_json: bool) -> None:
    """List warnings: what could not be read or parsed, tied to its source."""
    store = _store(case_dir)
    query = ("SELECT w.*, e.exhibit_id FROM warnings w LEFT JOIN evidence e ON e.id = w.evidence_id ORDER BY w.id")
    for row in store.conn.execute(query):
        item = {"id": row["id"], "evidence": row["exhibit_id"], "file_id": row["file_id"],
                "volume": row["volume_idx"], "path": row["path"], "plugin": row["plugin"], "code": row["code"],
                "message": row["message"], "context": json.loads(row["context"]), "created_utc": row["created_utc"]}
        if as_json:
            _echo_json(item)
        else:
            click.echo(f"{item['id']}\t{item['evidence'] or '-'}\t{item['code']}\t{item['path'] or '-'}\t"
                       f"{item['message']}")


@cli.command()
@click.argument("case_dir", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def custody(case_dir: Path, as_json: bool) -> None:
    """Print the chain-of-custody log."""
    store = _store(case_dir)
    for row in store.conn.execute("SELECT * FROM custody ORDER BY seq"):
        item = dict(row)
        item["details"] = json.loads(item["details"])
        item["plugin_versions"] = json.loads(item["plugin_versions"])
        if as_json:
            _echo_json(item)
        else:
            click.echo(f"#{item['seq']:<4} {item['utc']}  {item['examiner']:<16} {item['action']:<16} "
                       f"{item['entry_hash'][:16]}")


@cli.command()
@click.argument("case_dir", type=click.Path(path_type=Path))
@click.option("--image", is_flag=True, help="Also re-hash every evidence item (reads all of it).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable result.")
@click.pass_context
def verify(ctx: click.Context, case_dir: Path, image: bool, as_json: bool) -> None:
    """Recompute the custody chain and every digest; exit 1 naming the first thing that does not hold."""
    from forensic_triage.verify import describe, verify_case

    store = _store(case_dir, write="verify")
    report = drive(verify_case(store, image=image), quiet=ctx.obj["quiet"] or as_json)
    if as_json:
        _echo_json({"ok": report.ok, "checks": [check.__dict__ for check in report.checks]})
    else:
        for line in describe(report):
            click.echo(line)
    try:
        with store.transaction():
            store.append_custody("verify", {"image": image, "ok": report.ok,
                                            "first_failure": report.first_failure.detail if report.first_failure else None})
    except Exception as exc:  # noqa: BLE001 - the verdict stands even if the log cannot be appended
        click.echo(f"note: the verification could not be recorded in the custody log: {exc}", err=True)
    if not report.ok:
        click.echo(f"VERIFICATION FAILED: {report.first_failure.detail}", err=True)
        sys.exit(EXIT_VERIFY_FAILED)
    if not as_json:
        click.echo("Verification passed.")


# --- plugins ------------------------------------------------------------------------------------

@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def plugins(ctx: click.Context, as_json: bool) -> None:
    """List the plugins: name, version, where each comes from and what it selects."""
    from forensic_triage.plugin_host.registry import discover

    registry = discover(plugin_dirs=ctx.obj["plugin_dirs"])
    rows = [{"name": info.name, "version": info.version, "api_version": info.api_version, "origin": info.origin,
             "spec": info.spec, "kinds": list(info.kinds), "selects": [s.describe() for s in info.selects]}
            for info in registry.plugins.values()]
    problems = [{"origin": p.origin, "spec": p.spec, "message": p.message} for p in registry.problems]
    if as_json:
        _echo_json({"plugins": rows, "problems": problems})
        return
    for row in rows:
        click.echo(f"{row['name']} {row['version']}  [{row['origin']}]  kinds: {', '.join(row['kinds'])}")
        for select in row["selects"]:
            click.echo(f"    selects {select}")
    for problem in problems:
        click.echo(f"NOT LOADED {problem['spec']} [{problem['origin']}]: {problem['message']}", err=True)


# --- demo ---------------------------------------------------------------------------------------

@cli.command()
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.pass_context
def demo(ctx: click.Context, directory: Path | None) -> None:
    """Build the demo evidence, create a case, add and ingest it, and print a summary."""
    from forensic_triage.demo.run import run_demo
    from forensic_triage.summary import render_summary

    directory = directory or Path("demo-case")
    summary = drive(run_demo(directory), quiet=ctx.obj["quiet"])
    click.echo(render_summary(summary))
    click.echo(f"\nThe demo case is in {directory.resolve() / 'case'}; the evidence image is "
               f"{directory.resolve() / 'evidence' / 'phone.img'}.")


def _add_module_commands() -> None:
    import importlib
    import pkgutil

    from forensic_triage import commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda item: item.name):
        cli.add_command(importlib.import_module(f"{commands.__name__}.{info.name}").command)


_add_module_commands()


def _disk_full(exc: BaseException) -> bool:
    import errno

    return getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT) or "disk is full" in str(exc) \
        or "SQLITE_FULL" in str(exc)


def _operational_errors() -> tuple[type[BaseException], ...]:
    """sqlite3's OperationalError, and SQLCipher's (encrypted cases) where the library is present."""
    try:
        from sqlcipher3 import dbapi2
    except ImportError:
        return (sqlite3.OperationalError,)
    return (sqlite3.OperationalError, dbapi2.OperationalError)


def main(argv: list[str] | None = None) -> None:
    from forensic_triage import netguard

    netguard.install()
    try:
        cli.main(args=argv, prog_name="forensic-triage", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except TriageError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("\ninterrupted: nothing half-stored; run the same command again (ingest resumes)", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except (OSError, *_operational_errors()) as exc:
        if _disk_full(exc):
            click.echo("error: the disk holding the case is full: nothing half-stored; free some space and run "
                       "the same command again (ingest resumes where it stopped)", err=True)
            sys.exit(2)
        if os.environ.get("FORENSIC_TRIAGE_DEBUG"):
            raise
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except Exception as exc:  # noqa: BLE001 - no traceback for users; a bug still says what it is
        if os.environ.get("FORENSIC_TRIAGE_DEBUG"):
            raise
        click.echo(f"internal error: {type(exc).__name__}: {exc} (set FORENSIC_TRIAGE_DEBUG=1 for the "
                   f"traceback, and please report it)", err=True)
        sys.exit(EXIT_INTERNAL)
