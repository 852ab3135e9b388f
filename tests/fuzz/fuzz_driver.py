"""Running mutated evidence through the real commands and counting what happened.

An IMAGE goes through `case create`, `add`, `ingest` and `verify`, called in-process through the CLI's
own entry point (so exit codes and error handling are exactly what a user gets). ARTIFACT FILES are
laid out, many at a time, in a folder (each in its own sub-folder under its original path, so the
plugins' selectors still pick it) that is added as one logical exhibit: one ingest runs every plugin
on hundreds of inputs in the ingest's own worker processes.

Classification (docs/fuzzing.md):
- unhandled: a command ending with exit 3 (an exception escaped: a bug); a warning `plugin.error`
  (a plugin raised something other than an SQLite error: malformed input must become a PluginWarning);
  a walk warning "reading this entry error" (the walker raised); the tool's own process dying or
  hanging (the runner below notices). Must be 0.
- read errors: `plugin.error` whose exception is pytsk3's OSError from File_read_random (the image is
  truncated or its allocation data points outside it): damaged evidence, reported, expected.
- verify_failed: `verify` not exiting 0 after an ingest. Must be 0.
- refused: exit 2, a one-line input error (`add` refusing a corrupt image): expected.
- crashes survived: `plugin.crashed` warnings and walk entries whose reader "crashed" (a worker died
  and the supervisor carried on).
- hangs stopped: `plugin.timeout` warnings and walk entries whose reader hit its "timeout".

Every batch runs in a child process of its own process group, so a crash or hang of the tool
itself is seen, counted and survived by the caller.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
import random
import re
import resource
import shutil
import signal
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fuzz_mutators import Seed, mutate

EXIT_INTERNAL = 3
SLOT = re.compile(r"(?:^|/)n(\d{5})/")


@dataclass
class Finding:
    kind: str          # unhandled | verify_failed | tool_crash | tool_hang
    input: str         # the seed name and mutation, enough to regenerate it
    detail: str


@dataclass
class Tally:
    images: int = 0
    files: int = 0
    unhandled: int = 0
    verify_failed: int = 0
    refused: int = 0
    crashes_survived: int = 0
    hangs_stopped: int = 0
    read_errors: int = 0
    plugin_warnings: int = 0
    artifacts: int = 0
    peak_rss_kb: int = 0
    findings: list[Finding] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in ("images", "files", "unhandled", "verify_failed", "refused", "crashes_survived", "hangs_stopped",
                     "read_errors", "plugin_warnings", "artifacts"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.peak_rss_kb = max(self.peak_rss_kb, other.peak_rss_kb)
        self.findings += other.findings

    def note(self, kind: str, name: str, detail: str) -> None:
        if kind in ("unhandled", "tool_crash", "tool_hang"):
            self.unhandled += 1
        elif kind == "verify_failed":
            self.verify_failed += 1
        self.findings.append(Finding(kind, name, detail[:600]))


# --- one command, in-process ----------------------------------------------------------------------

def run_cli(*args: object) -> tuple[int, str]:
    """Run `forensic-triage -q ARGS` in this process; returns (exit code, stderr). The write locks a
    command leaves behind (a real process drops them when it exits) are released here."""
    from forensic_triage.cli import main
    from forensic_triage.store import case_store

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(["-q", *map(str, args)])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    for lock in list(case_store._HELD):
        lock.release()
    return code, err.getvalue()


def _warnings(case: Path) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(f"file:{case / 'case.sqlite'}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT code, message, COALESCE(path, '') FROM warnings").fetchall()
    finally:
        conn.close()


def _artifact_count(case: Path) -> int:
    conn = sqlite3.connect(f"file:{case / 'case.sqlite'}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT COUNT(*) FROM artifacts").fetchone()[0]
    finally:
        conn.close()


PLUGIN_PREFIX = re.compile(r"^\S+(?: error:| raised|:) ")
# The Sleuth Kit failing to read a file's bytes from a damaged image (pytsk3 raises OSError from
# File_read_random): the evidence is unreadable there, not a parser bug. The host reports it as the
# plugin's error today; counted apart as read errors (docs/fuzzing.md).
EVIDENCE_READ_ERROR = re.compile(r"(?:error|raised) OSError: File_read_random: ")


def _classify(tally: Tally, warnings: Iterable[tuple[str, str, str]], name_of: Callable[[str], str]) -> None:
    """Count the warning rows of one case. An exception that every plugin of a file hits (e.g. in the
    host's schema probe) is one finding for that input, not one per plugin."""
    seen: set[tuple[str, str]] = set()
    for code, message, path in warnings:
        if code in ("plugin.error", "file.read_error"):
            key = (name_of(path), PLUGIN_PREFIX.sub("", message))
            if key in seen:
                tally.plugin_warnings += 1
                continue
            seen.add(key)
        if code.startswith("plugin."):
            tally.plugin_warnings += 1
        if code == "file.read_error" or (code == "plugin.error" and EVIDENCE_READ_ERROR.search(message)):
            tally.read_errors += 1
        elif code == "plugin.error":
            tally.note("unhandled", name_of(path), f"{path}: {message}")
        elif code == "plugin.crashed":
            tally.crashes_survived += 1
        elif code == "plugin.timeout":
            tally.hangs_stopped += 1
        elif code == "walk.issue" and (message.startswith("the walk of the file system stopped")
                                       or "did not finish within the time limit" in message):
            tally.hangs_stopped += 1          # a reader hang the walk's deadline stopped
        elif code == "walk.issue" and message.startswith("reading this entry "):
            status = message[len("reading this entry "):].split(":", 1)[0]
            if status == "crashed":
                tally.crashes_survived += 1
            elif status == "timeout":
                tally.hangs_stopped += 1
            else:
                tally.note("unhandled", name_of(path), f"walker {path}: {message}")


def _case_run(work: Path, evidence: Path, label: str, tally: Tally, name_of: Callable[[str], str],
              jobs: int) -> None:
    case = work / "case"
    code, err = run_cli("case", "create", case, "--case-number", "FUZZ", "--examiner", "Fuzzer")
    if code:
        tally.note("unhandled", label, f"case create exit {code}: {err}")
        return
    code, err = run_cli("add", case, evidence, "--exhibit-id", "X1")
    if code == 2:
        tally.refused += 1
        return
    if code:
        tally.note("unhandled" if code == EXIT_INTERNAL else "verify_failed", label, f"add exit {code}: {err}")
        return
    code, err = run_cli("ingest", case, "--jobs", str(jobs))
    if code == 2:
        tally.refused += 1
    elif code:
        tally.note("unhandled", label, f"ingest exit {code}: {err}")
    _classify(tally, _warnings(case), name_of)
    tally.artifacts += _artifact_count(case)
    code, err = run_cli("verify", case)
    if code:
        tally.note("verify_failed", label, f"verify exit {code}: {err}")


def run_image(work: Path, name: str, data: bytes, how: str, *, jobs: int = 1) -> Tally:
    tally = Tally(images=1)
    work.mkdir(parents=True, exist_ok=True)
    suffix = "".join(Path(name).suffixes[-2:]) if name.endswith(".gz") else Path(name).suffix
    evidence = work / f"mutated{suffix or '.img'}"
    evidence.write_bytes(data)
    label = f"{name} [{how}]"
    try:
        _case_run(work, evidence, label, tally, lambda _path: label, jobs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return tally


def run_files(work: Path, batch: Sequence[tuple[str, bytes, str, dict[str, bytes]]], *, jobs: int = 1) -> Tally:
    """``batch``: (path in the evidence, mutated bytes, label, unmutated siblings by name)."""
    tally = Tally(files=len(batch))
    folder = work / "evidence"
    labels = {}
    for index, (path, data, label, siblings) in enumerate(batch):
        target = folder / f"n{index:05d}" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        for sibling, content in siblings.items():
            (target.parent / sibling).write_bytes(content)
        labels[index] = label

    def name_of(path: str) -> str:
        match = SLOT.search(path)
        return labels.get(int(match.group(1)), path) if match else path

    try:
        _case_run(work, folder, f"batch of {len(batch)}", tally, name_of, jobs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return tally


# --- mutated inputs -------------------------------------------------------------------------------

def mutated_images(seeds: Sequence[tuple[str, bytes]], count: int, seed: int) -> Iterator[tuple[str, bytes, str]]:
    prepared = [Seed.of(name, data) for name, data in seeds]
    for index in range(count):
        rng = random.Random(f"image:{seed}:{index}")
        chosen = prepared[index % len(prepared)]
        mutation = mutate(chosen, rng)
        yield chosen.name, mutation.data, f"seed={seed} image#{index}: {mutation.how}"


def mutated_files(seeds: Sequence[tuple[str, bytes]], count: int, seed: int
                  ) -> Iterator[tuple[str, bytes, str, dict[str, bytes]]]:
    by_path = dict(seeds)
    mains = [(path, data) for path, data in seeds if not path.endswith(("-wal", "-shm"))]
    prepared = [Seed.of(path, data) for path, data in mains]
    for index in range(count):
        rng = random.Random(f"file:{seed}:{index}")
        chosen = prepared[index % len(prepared)]
        siblings = {Path(chosen.name).name + suffix: by_path[chosen.name + suffix] for suffix in ("-wal", "-shm")
                    if chosen.name + suffix in by_path}
        mutation = mutate(chosen, rng)
        yield chosen.name, mutation.data, f"{chosen.name} [seed={seed} file#{index}: {mutation.how}]", siblings


# --- isolation: each batch in a child process ---------------------------------------------------------

def _child(task: Callable[[], Tally], conn) -> None:
    os.setpgrp()
    try:
        result = task()
    except BaseException as exc:  # noqa: BLE001 - the harness's own failure, reported not raised
        result = Tally()
        result.note("unhandled", "harness", f"{type(exc).__name__}: {exc}")
    result.peak_rss_kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                             resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    conn.send(result)
    conn.close()


def isolated(task: Callable[[], Tally], label: str, deadline: float) -> Tally:
    """Run ``task`` in a forked child (own process group). A child that dies is a `tool_crash`, one
    that outlives ``deadline`` seconds is killed with its workers and is a `tool_hang`."""
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(task, writer), daemon=False)
    process.start()
    writer.close()
    started = time.monotonic()
    result = None
    while time.monotonic() - started < deadline:
        if reader.poll(0.2):
            try:
                result = reader.recv()
            except EOFError:
                result = None
            break
        if not process.is_alive() and not reader.poll(0):
            break
    if result is None:
        alive = process.is_alive()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.join(5)
        result = Tally()
        result.note("tool_hang" if alive else "tool_crash", label,
                    f"the tool's process {'ran past ' + str(deadline) + ' s' if alive else 'died'} "
                    f"(exit code {process.exitcode})")
    else:
        process.join(10)
    reader.close()
    return result


def campaign_images(seeds: Sequence[tuple[str, bytes]], count: int, seed: int, work: Path, *, jobs: int = 1,
                    deadline: float = 300.0) -> Iterator[Tally]:
    """Each mutated image in its own child process; yields one Tally per image."""
    for index, (name, data, how) in enumerate(mutated_images(seeds, count, seed)):
        def task(name=name, data=data, how=how, index=index) -> Tally:
            return run_image(work / f"image-{index:06d}", name, data, how, jobs=jobs)

        result = isolated(task, f"{name} [{how}]", deadline)
        result.images = 1
        shutil.rmtree(work / f"image-{index:06d}", ignore_errors=True)
        yield result


def campaign_files(seeds: Sequence[tuple[str, bytes]], count: int, seed: int, work: Path, *, batch: int = 250,
                   jobs: int = 1, deadline: float = 900.0) -> Iterator[Tally]:
    """Mutated artifact files, ``batch`` per logical exhibit, each batch in its own child process;
    yields one Tally per batch."""
    inputs = mutated_files(seeds, count, seed)
    number = 0
    while True:
        chunk = [item for _, item in zip(range(batch), inputs, strict=False)]
        if not chunk:
            return
        folder = work / f"files-{number:05d}"

        def task(chunk=chunk, folder=folder) -> Tally:
            return run_files(folder, chunk, jobs=jobs)

        result = isolated(task, f"file batch {number} ({chunk[0][2]} ...)", deadline)
        result.files = len(chunk)
        shutil.rmtree(folder, ignore_errors=True)
        number += 1
        yield result



def warm_up(image_seeds: Sequence[tuple[str, bytes]], file_seeds: Sequence[tuple[str, bytes]], work: Path) -> Tally:
    """Run the unmutated seeds once in this process (the baseline: it must find nothing). Every
    module, plugin and lazy cache (the offline gazetteer alone takes ~4 s) is then loaded here, and
    each child and ingest worker forked later starts with it instead of paying it per input."""
    baseline = Tally()
    _load_plugin_caches(file_seeds, work / "warm-plugins")
    if image_seeds:
        name, data = image_seeds[0]
        baseline.add(run_image(work / "warm-image", name, data, "unmutated"))
    if file_seeds:
        by_path = dict(file_seeds)
        batch = [(path, data, f"{path} [unmutated]",
                  {Path(path).name + suffix: by_path[path + suffix] for suffix in ("-wal", "-shm")
                   if path + suffix in by_path})
                 for path, data in file_seeds if not path.endswith(("-wal", "-shm"))]
        baseline.add(run_files(work / "warm-files", batch))
    return baseline


def _load_plugin_caches(file_seeds: Sequence[tuple[str, bytes]], work: Path) -> None:
    """Run each plugin in this process on the seeds it selects by path and magic, so the caches it
    fills lazily (gazetteer, time-zone finder, airport table, parsers' imports) exist before forking."""
    from forensic_triage.plugin_host.local_run import run_on_file
    from forensic_triage.plugin_host.registry import discover
    from forensic_triage.sdk.extractor import HEAD_BYTES

    plugins = [info.cls for info in discover().select(None)]
    work.mkdir(parents=True, exist_ok=True)
    try:
        for index, (path, data) in enumerate(file_seeds):
            target = work / f"n{index:05d}" / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            for cls in plugins:
                if any(select.matches_path(path) and select.matches_head(data[:HEAD_BYTES]) and not select.needs_schema
                       for select in cls.selects):
                    run_on_file(cls, target, as_path=path, check=False)
    finally:
        shutil.rmtree(work, ignore_errors=True)
