"""Drawing the core's progress events on stderr (tqdm), and printing notices."""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm

from forensic_triage.progress import Finished, Notice, Progress, Work

# No tqdm monitor thread: a lone main thread lets ingest fork its workers safely (see pool.py).
tqdm.monitor_interval = 0


def drive(work: Work, *, quiet: bool = False) -> Any:
    """Run a piece of work, drawing one bar per stage; return its result."""
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
