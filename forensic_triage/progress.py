"""Progress events: long work in the core is a generator of these; the CLI draws a bar from
them and the GUI relays them as Qt signals."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, kw_only=True, slots=True)
class Progress:
    stage: str                  # "hashing evidence", "hashing files", "plugins", ...
    done: int
    total: int | None
    unit: str = ""              # "B" for bytes, "files", ...
    files: int | None = None
    bytes: int | None = None    # content bytes handled so far, when the unit is not bytes
    warnings: int = 0
    detail: str | None = None   # current file or plugin


@dataclass(frozen=True, kw_only=True, slots=True)
class Notice:
    """Something the examiner should read now (a warning that was also stored as a row)."""

    message: str
    level: str = "warning"


@dataclass(frozen=True, kw_only=True, slots=True)
class Finished:
    result: Any


Event = Progress | Notice | Finished
Work = Generator[Event, None, None]


def run_silently(work: Work) -> Any:
    """Drive a piece of work to its end without drawing anything; return its result."""
    result = None
    for event in work:
        if isinstance(event, Finished):
            result = event.result
    return result
