"""Long work off the GUI thread, two ways.

The jobs that write the case (add evidence, ingest) run as a child process: `python -m
forensic_triage --progress-json ...`, read with QProcess. Their parent process writes rows and
digests in Python, holding the GIL; in a QThread of the GUI process that froze the event loop for
80-240 ms at a time. A ProcessJob reads the child's JSON lines as they come (signals on readyRead,
never blocking) and relays them as the same Qt signals a WorkRunner emits. Cancel is what Ctrl+C
is on a terminal: SIGINT to the child's process group (the CLI then stores nothing half-done and
exits 130; `ingest` resumes later), then SIGTERM and kill if it does not stop in time.

Lighter jobs (the contact graph's identities, verify) run the core's progress generator
(forensic_triage.progress) in a QThread: a WorkRunner relays its events as Qt signals, throttled so
a fast stream of events cannot flood the event loop. Cancel closes the generator at its next event:
the core's transactions roll back."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PyQt6.QtCore import (
    QCoreApplication,
    QObject,
    QProcess,
    Qt,
    QThread,
    QTimer,
    pyqtSignal,
    pyqtSlot,
)

from forensic_triage.errors import TriageError
from forensic_triage.progress import Finished, Notice, Progress, Work

MIN_INTERVAL_S = 0.1   # at most ~10 progress signals a second reach the window


@dataclass(frozen=True, kw_only=True)
class Rate:
    """Figures derived from a stream of Progress events for display."""
    per_second: float | None
    eta_s: float | None


class RateMeter:
    """Rate and ETA of one stage from its (done, total) over time, smoothed over the stage."""

    def __init__(self) -> None:
        self._stage: str | None = None
        self._start = 0.0
        self._start_done = 0

    def update(self, event: Progress, now: float | None = None) -> Rate:
        now = time.monotonic() if now is None else now
        if event.stage != self._stage:
            self._stage, self._start, self._start_done = event.stage, now, event.done
            return Rate(per_second=None, eta_s=None)
        elapsed = now - self._start
        if elapsed <= 0.2 or event.done <= self._start_done:
            return Rate(per_second=None, eta_s=None)
        rate = (event.done - self._start_done) / elapsed
        eta = (event.total - event.done) / rate if event.total and rate > 0 else None
        return Rate(per_second=rate, eta_s=eta)


class WorkRunner(QObject):
    """Runs `factory()` (which opens what it needs, in the worker thread, and returns a Work
    generator) and relays its events."""

    progress = pyqtSignal(object)        # Progress
    notice = pyqtSignal(str)
    finished = pyqtSignal(object)        # the Finished result
    failed = pyqtSignal(str, str)        # one-line message, details
    cancelled = pyqtSignal()
    done = pyqtSignal()                  # after any of the three outcomes

    def __init__(self, factory: Callable[[], Work], cleanup: Callable[[], None] | None = None) -> None:
        super().__init__()
        self._factory = factory
        self._cleanup = cleanup
        self._cancel = False

    def cancel(self) -> None:
        self._cancel = True

    @pyqtSlot()
    def run(self) -> None:
        last_emit = 0.0
        pending: Progress | None = None
        try:
            work = self._factory()
            result = None
            for event in work:
                if self._cancel:
                    work.close()
                    self.cancelled.emit()
                    return
                if isinstance(event, Progress):
                    now = time.monotonic()
                    if now - last_emit >= MIN_INTERVAL_S:
                        self.progress.emit(event)
                        last_emit, pending = now, None
                    else:
                        pending = event
                elif isinstance(event, Notice):
                    self.notice.emit(event.message)
                elif isinstance(event, Finished):
                    result = event.result
            if pending is not None:
                self.progress.emit(pending)
            if self._cancel:
                self.cancelled.emit()
            else:
                self.finished.emit(result)
        except TriageError as exc:
            self.failed.emit(str(exc), "")
        except Exception as exc:  # noqa: BLE001 - shown in a dialog with the traceback on demand
            self.failed.emit(f"{type(exc).__name__}: {exc}", traceback.format_exc())
        finally:
            if self._cleanup is not None:
                try:
                    self._cleanup()
                except Exception:  # noqa: BLE001, S110 - closing a store must not hide the outcome
                    pass
            self.done.emit()


class WorkThread:
    """A WorkRunner on its own QThread; keep a reference while it runs."""

    def __init__(self, factory: Callable[[], Work], cleanup: Callable[[], None] | None = None) -> None:
        self.thread = QThread()
        self.runner = WorkRunner(factory, cleanup)
        self.runner.moveToThread(self.thread)
        self.thread.started.connect(self.runner.run)
        # Direct: QThread.quit is thread-safe, and a queued call would wait for the GUI thread,
        # which may itself be waiting for this thread to end (wait() on close or cancel).
        self.runner.done.connect(self.thread.quit, Qt.ConnectionType.DirectConnection)

    def start(self) -> None:
        self.thread.start()

    def cancel(self) -> None:
        self.runner.cancel()

    def wait(self, ms: int = 30_000) -> bool:
        return self.thread.wait(ms)

    def running(self) -> bool:
        return self.thread.isRunning()


# --- jobs in a child process ---------------------------------------------------------------------

EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 2, 3, 130
TERMINATE_AFTER_S = 5.0     # after SIGTERM, how long before the child is killed outright


def progress_from_record(record: dict[str, Any]) -> Progress:
    """A `--progress-json` progress line back into the core's Progress event."""
    return Progress(stage=record.get("stage") or "", done=int(record.get("done") or 0), total=record.get("total"),
                    unit=record.get("unit") or "", files=record.get("files"), bytes=record.get("bytes"),
                    warnings=int(record.get("warnings") or 0), detail=record.get("detail"))


def error_message(stderr: str, what: str, code: int) -> str:
    """The one-line message of a failed command: its `error: ...` line (exit 2) or its
    `internal error: ...` line (exit 3), else the last line it wrote, else the exit code."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith("error: "):
            return line[len("error: "):]
        if line.startswith("internal error: "):
            return "Internal error: " + line[len("internal error: "):]
    return lines[-1] if lines else f"{what} stopped with exit code {code}"


class ProcessJob(QObject):
    """Runs `python -m forensic_triage --progress-json ARGS...` and relays its events. Same signals
    as WorkRunner, and the same start/cancel/wait/running as WorkThread (`runner` is the job
    itself), so a dialog can take either."""

    progress = pyqtSignal(object)        # Progress
    notice = pyqtSignal(str)
    finished = pyqtSignal(object)        # the command's result, through `adapt`
    failed = pyqtSignal(str, str)        # one-line message, details (what the command wrote on stderr)
    cancelled = pyqtSignal()
    done = pyqtSignal()                  # after any of the three outcomes

    def __init__(self, args: list[str], *, what: str, adapt: Callable[[Any], Any] = lambda result: result,
                 grace_s: float = 20.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.args = [str(arg) for arg in args]
        self.what = what
        self._adapt = adapt
        self._grace_s = grace_s
        self._active = False
        self._cancel_at: float | None = None
        self._terminated_at: float | None = None
        self._result: Any = None
        self._has_result = False
        self._stdout = bytearray()
        self.stderr = ""
        self.output: list[str] = []      # the command's plain lines (its human summary)
        self.process = QProcess(self)
        self.process.setProgram(sys.executable)
        self.process.setArguments(["-m", "forensic_triage", "--progress-json", *self.args])
        # Its own session, hence its own process group: a cancel reaches the ingest's pool workers too,
        # as Ctrl+C on a terminal does, and nothing the GUI's own group receives reaches it.
        self.process.setUnixProcessParameters(QProcess.UnixProcessFlag.CreateNewSession)
        self.process.readyReadStandardOutput.connect(self._read_stdout)
        self.process.readyReadStandardError.connect(self._read_stderr)
        self.process.finished.connect(self._ended)
        self.process.errorOccurred.connect(self._error)
        self._escalation = QTimer(self)
        self._escalation.setInterval(250)
        self._escalation.timeout.connect(self._escalate)

    @property
    def runner(self) -> ProcessJob:
        return self

    def start(self) -> None:
        self._active = True
        # The environment is inherited: an encrypted case's passphrase travels in
        # FORENSIC_TRIAGE_PASSPHRASE, never on the command line where other users could read it.
        self.process.start()
        # No prompt can be answered from here: a command that asks gets end-of-file and says so.
        self.process.closeWriteChannel()

    def running(self) -> bool:
        return self._active

    def cancel(self) -> None:
        if not self._active or self._cancel_at is not None:
            return
        self._cancel_at = time.monotonic()
        self._signal(signal.SIGINT)
        self._escalation.start()

    def wait(self, ms: int = 30_000) -> bool:
        """Block until the outcome signals are out (or ``ms`` pass), escalating a cancel meanwhile."""
        deadline = time.monotonic() + ms / 1000
        while self._active:
            if time.monotonic() > deadline:
                return False
            if self.process.state() != QProcess.ProcessState.NotRunning:
                self.process.waitForFinished(100)     # emits the finished signal itself when it ends
                self._escalate()
            else:
                QCoreApplication.processEvents()
        return True

    # -- the child's streams ---------------------------------------------------------------

    def _read_stdout(self) -> None:
        self._stdout += bytes(self.process.readAllStandardOutput())
        *lines, rest = self._stdout.split(b"\n")
        self._stdout = bytearray(rest)
        for line in lines:
            self._line(line.decode("utf-8", "replace"))

    def _line(self, text: str) -> None:
        record = None
        if text.startswith("{"):
            try:
                record = json.loads(text)
            except ValueError:
                record = None
        if not isinstance(record, dict) or "event" not in record:
            if text.strip():
                self.output.append(text)
            return
        if record["event"] == "progress":
            self.progress.emit(progress_from_record(record))
        elif record["event"] == "notice":
            self.notice.emit(str(record.get("message", "")))
        elif record["event"] == "result":
            self._result, self._has_result = record.get("result"), True

    def _read_stderr(self) -> None:
        self.stderr += bytes(self.process.readAllStandardError()).decode("utf-8", "replace")

    # -- outcome ---------------------------------------------------------------------------

    def _ended(self, code: int, status: QProcess.ExitStatus) -> None:
        if not self._active:
            return
        self._read_stdout()
        self._read_stderr()
        if self._stdout:
            self._line(self._stdout.decode("utf-8", "replace"))
            self._stdout.clear()
        crashed = status == QProcess.ExitStatus.CrashExit
        if code == 0 and not crashed and self._has_result:
            try:
                result = self._adapt(self._result)
            except Exception as exc:  # noqa: BLE001 - shown in a dialog with the traceback on demand
                self._finish(self.failed, f"{type(exc).__name__}: {exc}", traceback.format_exc())
                return
            self._finish(self.finished, result)
        elif self._cancel_at is not None or (code == EXIT_INTERRUPTED and not crashed):
            self._finish(self.cancelled)
        elif crashed:
            self._finish(self.failed, f"the {self.what} process stopped unexpectedly", self.stderr)
        else:
            self._finish(self.failed, error_message(self.stderr, f"the {self.what} command", code), self.stderr)

    def _error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self._active:
            self._finish(self.failed, f"could not start the {self.what} process: {self.process.errorString()}",
                         f"{sys.executable} {' '.join(self.process.arguments())}")

    def _finish(self, outcome, *args) -> None:
        self._active = False
        self._escalation.stop()
        outcome.emit(*args)
        self.done.emit()

    # -- cancel ----------------------------------------------------------------------------

    def _escalate(self) -> None:
        """SIGINT first (clean stop); SIGTERM when it has not ended after the grace period; kill
        when even that is ignored."""
        if self._cancel_at is None or self.process.state() == QProcess.ProcessState.NotRunning:
            return
        now = time.monotonic()
        if self._terminated_at is None and now - self._cancel_at > self._grace_s:
            self._terminated_at = now
            self._signal(signal.SIGTERM)
        elif self._terminated_at is not None and now - self._terminated_at > TERMINATE_AFTER_S:
            self.process.kill()

    def _signal(self, number: int) -> None:
        pid = self.process.processId()
        if pid <= 0 or self.process.state() == QProcess.ProcessState.NotRunning:
            return
        try:
            os.killpg(pid, number)       # the child leads its own session, so its group id is its pid
        except ProcessLookupError:
            pass
        except PermissionError:
            os.kill(pid, number)


def add_evidence_process(case_dir: Path, path: Path, *, exhibit_id: str | None = None,
                         description: str | None = None, received_from: str | None = None,
                         received_at: str | None = None) -> ProcessJob:
    """`forensic-triage add` as a child process; its result is the stored evidence row."""
    args = ["add", str(case_dir), str(path)]
    for flag, value in (("--exhibit-id", exhibit_id), ("--description", description),
                        ("--received-from", received_from), ("--received-at", received_at)):
        if value:
            args += [flag, value]
    return ProcessJob(args, what="add evidence")


def ingest_process(case_dir: Path, *, plugin_names: list[str] | None = None, no_plugins: bool = False,
                   jobs: int | None = None, recover_deleted: bool = False) -> ProcessJob:
    """`forensic-triage ingest` as a child process (it brings the search index up to date at its
    end). Its result comes as {"ingest": summary}, the shape the ingest dialog reads."""
    args = ["ingest", str(case_dir)]
    if plugin_names:
        args += ["--plugins", ",".join(plugin_names)]
    if no_plugins:
        args.append("--no-plugins")
    if recover_deleted:
        args.append("--recover-deleted")
    if jobs:
        args += ["--jobs", str(jobs)]
    return ProcessJob(args, what="ingest", adapt=lambda summary: {"ingest": summary})


# --- the core's jobs, as factories run inside a worker thread ------------------------------------
# add_evidence_job and ingest_job are the in-process way (benchmarks/gui_responsiveness.py compares
# the two); the window runs add and ingest as child processes (above).

def add_evidence_job(case_dir: Path, path: Path, **fields) -> tuple[Callable[[], Work], Callable[[], None]]:
    holder: dict = {}

    def factory() -> Work:
        from forensic_triage.evidence.add import add_evidence
        from forensic_triage.store.case_store import CaseStore

        holder["store"] = CaseStore.open(case_dir, write="add")
        return add_evidence(holder["store"], Path(path), **fields)

    return factory, lambda: holder.get("store") and holder["store"].close()


def ingest_job(case_dir: Path, *, plugin_names: list[str] | None = None, no_plugins: bool = False,
               jobs: int | None = None) -> tuple[Callable[[], Work], Callable[[], None]]:
    """Ingest, then bring the search index up to date under the same write lock (a no-op when
    the ingest already did it)."""
    holder: dict = {}

    def factory() -> Work:
        from forensic_triage.ingest.run import ingest
        from forensic_triage.store.case_store import CaseStore
        from forensic_triage.store.search import build_search_index

        store = holder["store"] = CaseStore.open(case_dir, write="ingest")

        def work() -> Work:
            summary = None
            for event in ingest(store, plugin_names=plugin_names, no_plugins=no_plugins, jobs=jobs):
                if isinstance(event, Finished):
                    summary = event.result
                else:
                    yield event
            yield Progress(stage="indexing for search", done=0, total=None)
            build = build_search_index(store)
            yield Finished(result={"ingest": summary, "search_index": build})

        return work()

    return factory, lambda: holder.get("store") and holder["store"].close()


def verify_job(case_dir: Path) -> tuple[Callable[[], Work], Callable[[], None]]:
    """`forensic-triage verify` in a child process (recomputing every digest is Python work that
    would hold this process's GIL), its events read in the worker thread, which only waits on the
    pipe. The command records the verification in the custody log as the CLI does. The same
    (factory, cleanup) shape as the in-process jobs, so the custody view runs it in a WorkThread."""

    def factory() -> Work:
        from forensic_triage.verify import Check, VerifyReport

        def report(result: dict) -> VerifyReport:
            return VerifyReport(checks=[Check(**check) for check in result["checks"]])

        # Exit 1 is a verification that ran and failed: its report is the result.
        return child_events(["verify", str(case_dir)], what="verify", adapt=report, ok_codes=(0, 1))

    return factory, lambda: None


def child_events(args: list[str], *, what: str, adapt: Callable[[Any], Any] = lambda result: result,
                 ok_codes: tuple[int, ...] = (0,), grace_s: float = 20.0) -> Work:
    """Run `python -m forensic_triage --progress-json ARGS...` and yield its events as the core's
    (for a worker thread: reading the pipe releases the GIL). Closing the generator (a cancel)
    stops the child as Ctrl+C would, then with SIGTERM after ``grace_s``."""
    import subprocess
    import tempfile

    with tempfile.TemporaryFile() as stderr:
        child = subprocess.Popen([sys.executable, "-m", "forensic_triage", "--progress-json", *args],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr,
                                 start_new_session=True)
        try:
            result, has_result = None, False
            for raw in child.stdout:
                try:
                    record = json.loads(raw)
                except ValueError:
                    continue                   # the command's plain summary lines
                if not isinstance(record, dict):
                    continue
                if record.get("event") == "progress":
                    yield progress_from_record(record)
                elif record.get("event") == "notice":
                    yield Notice(message=str(record.get("message", "")), level=record.get("level", "warning"))
                elif record.get("event") == "result":
                    result, has_result = record.get("result"), True
            code = child.wait()
            if has_result and code in ok_codes:
                yield Finished(result=adapt(result))
                return
            stderr.seek(0)
            raise TriageError(error_message(stderr.read().decode("utf-8", "replace"), f"the {what} command", code))
        finally:
            _stop_child(child, grace_s)


def _stop_child(child, grace_s: float) -> None:
    import subprocess

    for number, wait_s in ((signal.SIGINT, grace_s), (signal.SIGTERM, TERMINATE_AFTER_S), (signal.SIGKILL, 5.0)):
        if child.poll() is not None:
            break
        try:
            os.killpg(child.pid, number)      # its own session: the group id is its pid
        except ProcessLookupError:
            break
        try:
            child.wait(wait_s)
        except subprocess.TimeoutExpired:
            continue
    if child.stdout is not None:
        child.stdout.close()


def identities_job(case_dir: Path) -> tuple[Callable[[], Work], Callable[[], None]]:
    """The contact graph's identities, built off the GUI thread (large cases take seconds)."""
    holder: dict = {}

    def factory() -> Work:
        from forensic_triage.graph.build import build_graph
        from forensic_triage.store.case_store import CaseStore

        store = holder["store"] = CaseStore.open(case_dir)

        def work() -> Work:
            graph = build_graph(store)
            rows = [{"id": item.id, "label": item.label, "identifiers": item.identifiers, "names": item.names,
                     "apps": item.apps, "messages": item.messages, "calls": item.calls, "owner": item.owner}
                    for item in graph.identities]
            yield Finished(result=rows)

        return work()

    return factory, lambda: holder.get("store") and holder["store"].close()
