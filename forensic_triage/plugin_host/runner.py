"""Running one plugin on one source: time limit, output cap, type checks, errors as records.

Used by ingest's worker processes, by `plugin run`, and by the pytest fixture, so a plugin
behaves the same under test as in a case.
"""

from __future__ import annotations

import signal
import sqlite3
import time
import traceback
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from forensic_triage.netguard import NetworkRefused
from forensic_triage.sdk.artifacts import ArtifactTypeError, checked_data, locator_data
from forensic_triage.sdk.context import Context, Source
from forensic_triage.sdk.extractor import Extractor, PluginWarning

MIN_OUTPUT_CAP = 200_000   # artifacts one plugin may yield from one file, at least ...
BYTES_PER_ARTIFACT = 16    # ... or one per 16 bytes of the file: more is a runaway plugin
SINK_BATCH = 2000

OK = "ok"
ERROR = "error"
TIMEOUT = "timeout"
NOT_SELECTED = "not_selected"
TOO_MUCH = "output_limit"


@dataclass(frozen=True, kw_only=True)
class Produced:
    kind: str
    data: dict[str, Any]
    locator: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class Problem:
    code: str
    message: str
    locator: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class RunResult:
    plugin: str
    version: str
    status: str
    artifacts: tuple[Produced, ...] = ()     # those not already handed to a sink
    warnings: tuple[Problem, ...] = ()
    seconds: float = 0.0
    count: int = 0                           # all artifacts produced, sunk or not


class PluginTimeout(BaseException):
    """A BaseException, so a plugin's own `except Exception` cannot swallow its time limit."""


@contextmanager
def time_limit(seconds: float):
    """Interrupt pure-Python plugin code after ``seconds`` (SIGALRM; main thread only).
    Code stuck inside a C call is stopped by the supervisor killing the worker instead."""
    if seconds is None or seconds <= 0 or not hasattr(signal, "setitimer"):
        yield
        return
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum, frame):
        raise PluginTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    outer, _interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:  # an enclosing timer keeps what is left of its time
            signal.setitimer(signal.ITIMER_REAL, max(0.001, outer - (time.monotonic() - started)))


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, bytes):
        return value.hex()
    return repr(value)


def execute(plugin: Extractor, ctx: Context, source: Source, *, limit: float | None = None,
            sink: Callable[[list[Produced]], None] | None = None) -> RunResult:
    """Run ``plugin.extract`` to the end and turn everything it does into records. With a
    ``sink``, artifacts are handed over in batches as they come (bounded memory for a
    database of millions of rows) and the result keeps only the count."""
    cls = type(plugin)
    artifacts: list[Produced] = []
    produced = 0
    cap = max(MIN_OUTPUT_CAP, source.size // BYTES_PER_ARTIFACT)
    warnings: list[Problem] = []
    status = OK
    started = time.monotonic()
    allowed = {kind.kind for kind in cls.kinds}
    try:
        with time_limit(limit if limit is not None else cls.time_limit):
            for index, item in enumerate(plugin.extract(ctx, source)):
                if isinstance(item, PluginWarning):
                    warnings.append(Problem(code=item.code, message=item.message,
                                            locator=locator_data(item.locator), context=_plain(item.context)))
                    continue
                try:
                    data = checked_data(item)
                    if allowed and item.kind not in allowed:
                        raise ArtifactTypeError(f"yielded a {item.kind} artifact but declares kinds {sorted(allowed)}")
                except ArtifactTypeError as exc:
                    warnings.append(Problem(code="plugin.wrong_type", message=f"item {index} rejected: {exc}"))
                    continue
                artifacts.append(Produced(kind=item.kind, data=data, locator=locator_data(item.locator)))
                produced += 1
                if sink is not None and len(artifacts) >= SINK_BATCH:
                    sink(artifacts)
                    artifacts = []
                if produced >= cap:
                    status = TOO_MUCH
                    warnings.append(Problem(code="plugin.output_limit",
                                            message=f"stopped after {produced} artifacts from a file of "
                                                    f"{source.size} bytes: a runaway plugin"))
                    break
    except PluginTimeout:
        status = TIMEOUT
        warnings.append(Problem(code="plugin.timeout",
                                message=f"{cls.name} ran past its time limit of {limit or cls.time_limit:g} s; "
                                        f"kept the {produced} artifacts yielded before"))
    except sqlite3.DatabaseError as exc:
        status = ERROR
        warnings.append(Problem(code="plugin.sqlite_error", message=f"{cls.name}: SQLite error: {exc}"))
    except UnicodeDecodeError as exc:
        # sqlite3 decodes a damaged database's text (its schema, or the text of its own error)
        # as UTF-8: damage in the evidence, not a bug in the plugin.
        status = ERROR
        warnings.append(Problem(code="plugin.sqlite_error",
                                message=f"{cls.name}: undecodable text in the database (damaged?): {exc}"))
    except NetworkRefused as exc:
        status = ERROR
        warnings.append(Problem(code="network.refused", message=f"{cls.name} tried the network: {exc}"))
    except OSError as exc:
        # Reading the file's bytes out of a damaged image fails in the reader (pytsk3's
        # File_read_random): the evidence's fault, named as such.
        status = ERROR
        warnings.append(Problem(code="file.read_error",
                                message=f"{cls.name}: the file could not be read from the evidence: {exc}"))
    except Exception as exc:  # noqa: BLE001 - a plugin's bug becomes a warning row, the run goes on
        status = ERROR
        warnings.append(Problem(code="plugin.error", message=f"{cls.name} raised {type(exc).__name__}: {exc}",
                                context={"traceback": traceback.format_exc(limit=12)}))
    finally:
        ctx.close()
    if sink is not None and artifacts:
        sink(artifacts)
        artifacts = []
    return RunResult(plugin=cls.name, version=cls.version, status=status, artifacts=tuple(artifacts), count=produced,
                     warnings=tuple(warnings), seconds=time.monotonic() - started)


def read_schema(conn: sqlite3.Connection) -> dict[str, set[str]]:
    """Tables and their columns, for SQLite schema selectors."""
    schema: dict[str, set[str]] = {}
    tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")]
    for table in tables:
        try:
            columns = conn.execute(f'PRAGMA table_info("{table.replace(chr(34), chr(34) * 2)}")').fetchall()
        except sqlite3.DatabaseError:
            columns = []
        schema[table] = {column[1] for column in columns}
    return schema
