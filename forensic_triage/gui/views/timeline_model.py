"""What the timeline view shows: every timed artifact as (time, kind, id), held in compact arrays.

A case may hold millions of timed artifacts. They are streamed out of SQLite once per case (the
primary time of each kind is picked in SQL, with the same field order as
``forensic_triage.store.query.PRIMARY_TIME``) into three numpy arrays sorted by time: 20 bytes
an artifact, never a widget or a Python object per row. Zooming then only slices and counts
(``searchsorted`` and ``histogram`` on the visible window), so a million rows redraw in
milliseconds; individual marks are drawn only when few enough are in view.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from forensic_triage.store.case_store import CaseStore
from forensic_triage.store.query import PRIMARY_TIME

KINDS: tuple[str, ...] = tuple(PRIMARY_TIME)          # lanes, in this order
FETCH = 20_000


def _time_expression() -> str:
    """SQL for an artifact's primary UTC time: per kind, the first of its time fields that has one."""
    cases = []
    for kind, names in PRIMARY_TIME.items():
        fields = ", ".join(f"json_extract(data, '$.{name}.utc')" for name in names)
        cases.append(f"WHEN '{kind}' THEN " + (f"COALESCE({fields})" if len(names) > 1 else fields))
    return f"CASE kind {' '.join(cases)} END"


def _lane_expression() -> str:
    return f"CASE kind {' '.join(f'WHEN {kind!r} THEN {index}' for index, kind in enumerate(KINDS))} END"


# One text per chunk of rows, "id,lane,seconds,id,lane,seconds,...", parsed by numpy in one call:
# no Python object per row, so the cyclic garbage collector (whose full passes hold the GIL and
# freeze the GUI thread for a tenth of a second) never has a million tuples to walk. SQLite reads
# "YYYY-MM-DDTHH:MM:SS[.fff]Z"; julianday gives days, made seconds since 1970 here; rows with no
# usable time give "nan" and are counted as untimed.
# (printf would turn a NULL into "0.000", hence the CASE.)
_CHUNK_QUERY = (
    "SELECT max(id), count(*), group_concat(id || ',' || lane || ',' || "
    "CASE WHEN s IS NULL THEN 'nan' ELSE printf('%.3f', s) END, ',') FROM "
    f"(SELECT id, lane, (julianday(t) - 2440587.5) * 86400.0 AS s FROM "
    f"(SELECT id, {_lane_expression()} AS lane, {_time_expression()} AS t FROM artifacts "
    f"WHERE kind IN ({', '.join('?' * len(KINDS))}) AND id > ? ORDER BY id LIMIT ?))")


@dataclass(frozen=True, kw_only=True)
class TimelineData:
    """Timed artifacts sorted by time: seconds since 1970 (UTC), lane index, artifact id."""

    seconds: np.ndarray       # float64
    lanes: np.ndarray         # int8, index into KINDS
    ids: np.ndarray           # int64
    untimed: int              # artifacts of these kinds with no usable time
    _lanes: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def count(self) -> int:
        return int(self.seconds.size)

    def lane_kinds(self) -> tuple[str, ...]:
        """The kinds that have at least one timed artifact, in lane order."""
        present = set(np.unique(self.lanes).tolist())
        return tuple(kind for index, kind in enumerate(KINDS) if index in present)

    def span(self) -> tuple[float, float] | None:
        if not self.count:
            return None
        return float(self.seconds[0]), float(self.seconds[-1])

    def select(self, mask: np.ndarray) -> TimelineData:
        return TimelineData(seconds=self.seconds[mask], lanes=self.lanes[mask], ids=self.ids[mask],
                            untimed=self.untimed)

    def filtered(self, *, artifact_ids: Iterable[int] | None = None, since: str | None = None,
                 until: str | None = None) -> TimelineData:
        """Only the given artifacts, within [since, until] (ISO UTC)."""
        mask = np.ones(self.count, dtype=bool)
        if artifact_ids is not None:
            wanted = np.fromiter(artifact_ids, dtype=np.int64)
            mask &= np.isin(self.ids, wanted)
        if since:
            mask &= self.seconds >= to_seconds(since)
        if until:
            mask &= self.seconds <= to_seconds(until)
        return self if mask.all() else self.select(mask)

    def window(self, start: float, end: float) -> slice:
        """The index range of artifacts timed within [start, end]."""
        return slice(int(np.searchsorted(self.seconds, start, "left")),
                     int(np.searchsorted(self.seconds, end, "right")))

    def lane(self, lane: int) -> tuple[np.ndarray, np.ndarray]:
        """One lane's (seconds, ids), sorted by time; split out once, then every count, histogram
        and hit test on it is a binary search (microseconds, whatever the size of the case)."""
        if lane not in self._lanes:
            mask = self.lanes == lane
            self._lanes[lane] = (self.seconds[mask], self.ids[mask])
        return self._lanes[lane]

    def count_in(self, lane: int, start: float, end: float) -> int:
        seconds, _ids = self.lane(lane)
        return int(np.searchsorted(seconds, end, "right") - np.searchsorted(seconds, start, "left"))

    def in_view(self, lane: int, start: float, end: float) -> tuple[np.ndarray, np.ndarray]:
        seconds, ids = self.lane(lane)
        part = slice(int(np.searchsorted(seconds, start, "left")), int(np.searchsorted(seconds, end, "right")))
        return seconds[part], ids[part]

    def density(self, lane: int, start: float, end: float, bins: int) -> np.ndarray:
        """Counts of one lane's artifacts in ``bins`` equal slices of [start, end]."""
        seconds, _ids = self.lane(lane)
        edges = np.searchsorted(seconds, np.linspace(start, end, bins + 1), "left")
        return np.diff(edges)

    def nearest(self, lane: int, second: float, tolerance: float) -> int | None:
        """The id of the lane's artifact closest to ``second``, if within ``tolerance`` seconds."""
        seconds, ids = self.in_view(lane, second - tolerance, second + tolerance)
        if seconds.size == 0:
            return None
        return int(ids[int(np.argmin(np.abs(seconds - second)))])


def empty() -> TimelineData:
    return TimelineData(seconds=np.zeros(0), lanes=np.zeros(0, dtype=np.int8), ids=np.zeros(0, dtype=np.int64),
                        untimed=0)


def to_seconds(utc: str) -> float:
    return datetime.fromisoformat(utc).timestamp()


def to_utc(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def load_timeline(case_dir: Path, passphrase: str | None = None) -> TimelineData:
    """Stream every timed artifact's (id, kind, time) out of the case, FETCH rows at a time."""
    store = CaseStore.open(case_dir, passphrase=passphrase)
    chunks: list[np.ndarray] = []
    last = 0
    try:
        while True:
            top, count, text = store.conn.execute(_CHUNK_QUERY, (*KINDS, last, FETCH)).fetchone()
            if not count:
                break
            chunks.append(np.fromstring(text, dtype=np.float64, sep=",").reshape(-1, 3))
            last = top
            # Let the GUI thread have the interpreter between chunks.
            time.sleep(0)
    finally:
        store.close()
    if not chunks:
        return empty()
    table = np.concatenate(chunks)
    timed = ~np.isnan(table[:, 2])
    untimed = int(table.shape[0] - np.count_nonzero(timed))
    table = table[timed]
    order = np.argsort(table[:, 2], kind="stable")
    data = TimelineData(seconds=np.ascontiguousarray(table[order, 2]), lanes=table[order, 1].astype(np.int8),
                        ids=table[order, 0].astype(np.int64), untimed=untimed)
    for lane in range(len(KINDS)):
        data.lane(lane)          # split here, in the worker, not in the first paint
    return data
