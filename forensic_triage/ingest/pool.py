"""A small supervisor for worker processes: ordered results, per-task deadlines, and survival
of workers that crash (segfault, abort, out of memory) or hang inside a C library.

concurrent.futures cannot kill one hung worker or carry on after one dies, which is exactly
what untrusted evidence makes happen; so the supervisor owns each process and its pipe.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

OK = "ok"
ERROR = "error"        # the handler raised; detail holds the traceback text
CRASHED = "crashed"    # the process died (detail: exit code or signal)
TIMEOUT = "timeout"    # the task ran past its deadline and the process was killed


NOTE = "note"
DEFAULT_WORKER_MEMORY_MB = 4096


def _limit_memory() -> None:
    """Cap a worker's address space, so a plugin or a crafted file that asks for 50 GB gets a
    MemoryError (a warning row) instead of taking the workstation down. FORENSIC_TRIAGE_WORKER_MEMORY_MB
    changes the cap; 0 removes it."""
    import os
    import resource

    megabytes = int(os.environ.get("FORENSIC_TRIAGE_WORKER_MEMORY_MB", DEFAULT_WORKER_MEMORY_MB))
    if megabytes <= 0:
        return
    limit = megabytes * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str
    result: Any = None
    detail: str | None = None
    notes: tuple = ()      # what the task sent while it ran (see emit), kept even if it then died


_CONN: Connection | None = None


def emit(note: Any, *, deadline: float | None = None) -> None:
    """From inside a task: send a note to the supervisor now (so it survives a later crash),
    and optionally restart the task's deadline at ``deadline`` seconds from now (a note of
    None only moves the deadline)."""
    if _CONN is not None:
        _CONN.send((NOTE, (note, deadline)))


def _worker_main(conn: Connection, initializer: Callable[..., Any] | None, initargs: tuple,
                 handler: Callable[[Any], Any], guard: bool = False) -> None:
    global _CONN
    _CONN = conn
    from forensic_triage import netguard
    from forensic_triage.store.case_store import forget_inherited_locks

    forget_inherited_locks()
    if guard:
        netguard.install()   # a spawned worker starts without the parent's audit hook
    _limit_memory()
    if initializer is not None:
        initializer(*initargs)
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        try:
            conn.send((OK, handler(task)))
        except BaseException:  # noqa: BLE001 - anything a task raises is reported to the supervisor
            conn.send((ERROR, traceback.format_exc(limit=20)))


class _Worker:
    def __init__(self, context, initializer, initargs, handler) -> None:
        parent, child = context.Pipe(duplex=True)
        self.conn = parent
        from forensic_triage import netguard

        self.process = context.Process(target=_worker_main,
                                       args=(child, initializer, initargs, handler, netguard.installed()),
                                       daemon=True)
        self.process.start()
        child.close()
        self.task_index: int | None = None
        self.deadline: float | None = None
        self.notes: list = []

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except (OSError, BrokenPipeError):
                self.process.kill()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def _death(process) -> str:
    code = process.exitcode
    if code is None:
        return "worker process vanished"
    if code < 0:
        import signal

        try:
            return f"worker process killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"worker process killed by signal {-code}"
    return f"worker process exited with code {code}"


def _start_method() -> str:
    """fork when it is safe (no other thread in this process that could hold a lock across the
    fork): workers start at once with everything imported. Otherwise (e.g. under a GUI) spawn."""
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return "fork"
    return "spawn"


class WorkerPool:
    def __init__(self, jobs: int, handler: Callable[[Any], Any], *, initializer: Callable[..., Any] | None = None,
                 initargs: tuple = (), max_buffered: int | None = None) -> None:
        self._context = multiprocessing.get_context(_start_method())
        self._spawn = lambda: _Worker(self._context, initializer, initargs, handler)
        self._workers = [self._spawn() for _ in range(max(1, jobs))]
        self._max_buffered = max_buffered or 4 * len(self._workers)
        self.crashes = 0
        self.timeouts = 0

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for worker in self._workers:
            worker.stop(kill=worker.task_index is not None)
        self._workers = []

    def run(self, tasks: Iterable[Any], deadline: Callable[[Any], float | None] = lambda task: None,
            on_note: Callable[[int, Any, Any], bool] | None = None) -> Iterator[tuple[Any, Outcome]]:
        """Yield (task, outcome) in the order the tasks were given. ``on_note(index, task, note)``
        sees each note as it arrives and returns True when it has dealt with it (the note is then
        not kept for the outcome: how large streamed results stay out of memory)."""
        pending = iter(tasks)
        exhausted = False
        issued: dict[int, Any] = {}
        finished: dict[int, Outcome] = {}
        next_index = 0
        next_to_yield = 0
        while True:
            # Hand tasks to idle workers, unless results are piling up behind a slow one.
            for worker in self._workers:
                if exhausted or worker.task_index is not None or len(finished) >= self._max_buffered:
                    continue
                try:
                    task = next(pending)
                except StopIteration:
                    exhausted = True
                    break
                issued[next_index] = task
                limit = deadline(task)
                worker.task_index = next_index
                worker.deadline = time.monotonic() + limit if limit else None
                try:
                    worker.conn.send(task)
                except (BrokenPipeError, ConnectionError, OSError):
                    # The worker died before taking the task (e.g. its start-up failed); the
                    # loop below sees the dead process and reports the task as crashed.
                    pass
                next_index += 1
            while next_to_yield in finished:
                yield issued.pop(next_to_yield), finished.pop(next_to_yield)
                next_to_yield += 1
            busy = [worker for worker in self._workers if worker.task_index is not None]
            if not busy:
                if exhausted and not finished:
                    return
                continue
            deadlines = [worker.deadline for worker in busy if worker.deadline is not None]
            timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
            ready = wait([worker.conn for worker in busy] + [worker.process.sentinel for worker in busy],
                         timeout=timeout)
            for slot, worker in enumerate(list(self._workers)):
                if worker.task_index is None:
                    continue
                outcome = None
                try:
                    while worker.conn.poll():
                        status, payload = worker.conn.recv()
                        if status == NOTE:
                            note, seconds = payload
                            taken = note is not None and on_note is not None and on_note(
                                worker.task_index, issued[worker.task_index], note)
                            if note is not None and not taken:
                                worker.notes.append(note)
                            if seconds is not None:
                                worker.deadline = time.monotonic() + seconds
                            continue
                        outcome = (Outcome(OK, payload, notes=tuple(worker.notes)) if status == OK
                                   else Outcome(ERROR, detail=payload, notes=tuple(worker.notes)))
                        break
                except (EOFError, OSError):
                    outcome = None
                if outcome is None and (worker.process.sentinel in ready or not worker.process.is_alive()):
                    worker.process.join(timeout=1)
                    self.crashes += 1
                    outcome = Outcome(CRASHED, detail=_death(worker.process), notes=tuple(worker.notes))
                    self._replace(slot, worker, kill=True)
                elif outcome is None and worker.deadline is not None and time.monotonic() >= worker.deadline:
                    self.timeouts += 1
                    outcome = Outcome(TIMEOUT, detail="ran past its time limit; worker process killed",
                                      notes=tuple(worker.notes))
                    self._replace(slot, worker, kill=True)
                if outcome is not None:
                    finished[worker.task_index] = outcome
                    worker.task_index = None
                    worker.deadline = None
                    worker.notes = []

    def _replace(self, slot: int, worker: _Worker, kill: bool) -> None:
        worker.stop(kill=kill)
        self._workers[slot] = self._spawn()
