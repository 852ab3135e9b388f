"""Drawing the core's progress events on stderr (tqdm), and printing notices; or, with the global
`--progress-json` option, writing every event as one JSON object per line on stdout, for a program
that runs the command as a child process and shows its progress (the GUI does)."""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from forensic_triage.progress import Finished, Notice, Progress, Work

# No tqdm monitor thread: a lone main thread lets ingest fork its workers safely (see pool.py).
tqdm.monitor_interval = 0

# A reader needs no more than this; a flood of lines would only cost the child and the reader time.
JSON_MIN_INTERVAL_S = 0.1

_json_progress = False


def use_json_progress(enabled: bool) -> None:
    """Set by the CLI's `--progress-json`: `drive` then writes JSON lines instead of bars."""
    global _json_progress
    _json_progress = enabled


def drive(work: Work, *, quiet: bool = False) -> Any:
    """Run a piece of work, drawing one bar per stage (or writing JSON lines, see
    `use_json_progress`); return its result."""
    if _json_progress:
        return drive_json(work, sys.stdout)
    bar: tqdm | None = None
    stage = None
    result = None
    show = not quiet
    try:
        for event in work:
            if isinstance(event, Finished):
                result = event.result
            elif isinstance(event, Notice):
                if bar is not None:
                    bar.clear()
                print(f"{event.level}: {event.message}", file=sys.stderr)
                if bar is not None:
                    bar.refresh()
            elif isinstance(event, Progress) and show:
                if event.stage != stage:
                    if bar is not None:
                        bar.close()
                    stage = event.stage
                    bytes_unit = event.unit == "B"
                    bar = tqdm(total=event.total, desc=event.stage, unit="B" if bytes_unit else f" {event.unit}",
                               unit_scale=bytes_unit, unit_divisor=1024 if bytes_unit else 1000,
                               file=sys.stderr, dynamic_ncols=True, mininterval=0.25, leave=True)
                if event.total is not None and bar.total != event.total:
                    bar.total = event.total
                bar.n = event.done
                postfix = {}
                if event.bytes is not None:
                    postfix["data"] = _size(event.bytes)
                if event.detail and event.unit != "B":
                    postfix["now"] = _short(event.detail)
                if event.warnings:
                    postfix["warnings"] = event.warnings
                if postfix:
                    bar.set_postfix(postfix, refresh=False)
                bar.update(0)
    finally:
        if bar is not None:
            bar.close()
    return result


def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else "…" + text[-(width - 1):]


def _size(value: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.1f} {unit}" if unit != "B" else f"{value} B"
        value /= 1024
    return str(value)


# --- JSON lines -----------------------------------------------------------------------------------

class JsonRate:
    """Rate (units per second since the stage began) and ETA, as the bars show them."""

    def __init__(self) -> None:
        self._stage: str | None = None
        self._start = 0.0
        self._start_done = 0

    def update(self, event: Progress, now: float) -> tuple[float | None, float | None]:
        if event.stage != self._stage:
            self._stage, self._start, self._start_done = event.stage, now, event.done
            return None, None
        elapsed = now - self._start
        if elapsed <= 0.2 or event.done <= self._start_done:
            return None, None
        rate = (event.done - self._start_done) / elapsed
        eta = (event.total - event.done) / rate if event.total and rate > 0 else None
        return round(rate, 1), (round(eta, 1) if eta is not None else None)


def progress_record(event: Progress, rate: float | None = None, eta_s: float | None = None) -> dict[str, Any]:
    """One progress event as a JSON object: every field of `Progress` plus rate and ETA."""
    return {"event": "progress", "stage": event.stage, "done": event.done, "total": event.total, "unit": event.unit,
            "files": event.files, "bytes": event.bytes, "warnings": event.warnings, "detail": event.detail,
            "rate": rate, "eta_s": eta_s}


def _plain(value: Any) -> Any:
    """json.dumps fallback: dataclasses as their fields, paths and other objects as text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def drive_json(work: Work, out: TextIO, *, clock=time.monotonic) -> Any:
    """Run a piece of work writing one JSON object per line to ``out``: progress events (at most
    about ten a second, but always the first and last of each stage), notices, and the result
    last. Each line is flushed so the reader sees it at once. Returns the result."""
    meter = JsonRate()
    pending: dict[str, Any] | None = None
    last_emit = float("-inf")
    stage: str | None = None
    result = None

    def write(record: dict[str, Any]) -> None:
        out.write(json.dumps(record, ensure_ascii=False, default=_plain) + "\n")
        out.flush()

    for event in work:
        if isinstance(event, Progress):
            now = clock()
            rate, eta = meter.update(event, now)
            record = progress_record(event, rate, eta)
            if event.stage != stage or now - last_emit >= JSON_MIN_INTERVAL_S:
                if pending is not None and event.stage != stage:
                    write(pending)           # where the last stage ended
                write(record)
                stage, last_emit, pending = event.stage, now, None
            else:
                pending = record
        elif isinstance(event, Notice):
            write({"event": "notice", "level": event.level, "message": event.message})
        elif isinstance(event, Finished):
            result = event.result
    if pending is not None:
        write(pending)
    write({"event": "result", "result": result})
    return result
