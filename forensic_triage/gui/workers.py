"""Long work off the GUI thread. The core's work is a generator of progress events
(forensic_triage.progress); a WorkRunner drives one in a QThread and relays its events as Qt
signals, throttled so a fast stream of events cannot flood the event loop. Cancel closes the
generator at its next event: the core's transactions roll back and `ingest` resumes later."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PyQt6.QtCore import QObject, Qt, QThread, pyqtSignal, pyqtSlot

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


# --- the core's jobs, as factories run inside the worker thread --------------------------------

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
    """Verify like the CLI does, recording the verification in the custody log."""
    holder: dict = {}

    def factory() -> Work:
        from forensic_triage.store.case_store import CaseStore
        from forensic_triage.verify import verify_case

        store = holder["store"] = CaseStore.open(case_dir, write="verify")

        def work() -> Work:
            report = None
            for event in verify_case(store):
                if isinstance(event, Finished):
                    report = event.result
                else:
                    yield event
            with store.transaction():
                store.append_custody("verify", {"image": False, "ok": report.ok, "via": "gui",
                                                "first_failure": report.first_failure.detail
                                                if report.first_failure else None})
            yield Finished(result=report)

        return work()

    return factory, lambda: holder.get("store") and holder["store"].close()


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
