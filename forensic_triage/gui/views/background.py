"""Running a view's loading work off the GUI thread.

A view hands a plain function to :class:`BackgroundLoader`; it runs on Qt's global thread pool
and its result (or its exception) comes back on the GUI thread as a signal. Each new request gets
a generation number and only the newest one's answer is delivered, so a slow load for a case the
examiner has since left can never overwrite the view of the current one.
"""

from __future__ import annotations

import gc
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from PyQt6.QtCore import QObject, QRunnable, QThreadPool, pyqtSignal

_GC_LOCK = threading.Lock()
_GC_PAUSES = 0
_STATE: dict[str, bool] = {}


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's automatic cyclic garbage collection while a loading job runs.

    Building a contact graph or a timeline allocates millions of small objects; each full pass
    of the collector then walks all of them while holding the GIL, and the GUI thread, waiting for
    the GIL, froze for 150-250 ms at a time (measured by benchmarks/gui_responsiveness.py). The
    jobs make no reference cycles worth collecting, and reference counting still frees their
    garbage at once. Counted, so overlapping jobs of several views pause it only once; it comes
    back when the last one ends (only if it was on before), after ``gc.freeze()``."""
    global _GC_PAUSES
    with _GC_LOCK:
        _GC_PAUSES += 1
        first = _GC_PAUSES == 1
        if first:
            was_enabled = gc.isenabled()
            gc.disable()
            _STATE["was_enabled"] = was_enabled
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC_PAUSES -= 1
            if _GC_PAUSES == 0 and _STATE.get("was_enabled"):
                # What the job built (a graph, arrays) lives on in the view: moved to the
                # permanent generation, it is not walked again by every later full pass, which
                # would otherwise hold the GIL for as long as the pauses this avoided.
                gc.freeze()
                gc.enable()


class _Relay(QObject):
    done = pyqtSignal(int, object)
    failed = pyqtSignal(int, str, str)


class _Job(QRunnable):
    def __init__(self, generation: int, work: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.generation, self.work, self.relay = generation, work, relay
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            with gc_paused():
                result = self.work()
        except Exception as exc:  # noqa: BLE001 - any failure is shown to the examiner, never swallowed
            self.relay.failed.emit(self.generation, f"{type(exc).__name__}: {exc}", traceback.format_exc())
            return
        self.relay.done.emit(self.generation, result)


class BackgroundLoader(QObject):
    """Runs one piece of loading work at a time per view (a newer request supersedes the older)."""

    finished = pyqtSignal(object)          # the newest request's result
    failed = pyqtSignal(str, str)          # one-line message, details

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._generation = 0
        self._busy = 0
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_done)
        self._relay.failed.connect(self._on_failed)

    @property
    def busy(self) -> bool:
        return self._busy > 0

    def start(self, work: Callable[[], Any]) -> None:
        self._generation += 1
        self._busy += 1
        QThreadPool.globalInstance().start(_Job(self._generation, work, self._relay))

    def cancel(self) -> None:
        """Forget every request in flight: their answers will be dropped."""
        self._generation += 1

    def _on_done(self, generation: int, result: Any) -> None:
        self._busy -= 1
        if generation == self._generation:
            self.finished.emit(result)

    def _on_failed(self, generation: int, message: str, details: str) -> None:
        self._busy -= 1
        if generation == self._generation:
            self.failed.emit(message, details)
