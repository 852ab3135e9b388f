"""What the timeline view shows: every timed artifact as (time, kind, id), held in compact arrays.

A case may hold millions of timed artifacts. They are streamed out of SQLite once per case (the
primary time of each kind is picked in SQL, with the same field order as
``forensic_triage.store.query.PRIMARY_TIME``) into three numpy arrays sorted by time: 20 bytes
an artifact, never a widget or a Python object per row. Zooming then only slices and counts
(``searchsorted`` and ``histogram`` on the visible window), so a million rows redraw in
milliseconds; individual marks are drawn only when few enough are in view.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from forensic_triage.store.case_store import CaseStore
from forensic_triage.store.query import PRIMARY_TIME

KINDS: tuple[str, ...] = tuple(PRIMARY_TIME)          # lanes, in this order
FETCH = 50_000


def _time_expression() -> str:
    """SQL for an artifact's primary UTC time: per kind, the first of its time fields that has one."""
    cases = []
    for kind, names in PRIMARY_TIME.items():
        fields = ", ".join(f"json_extract(data, '$.{name}.utc')" for name in names)
        cases.append(f"WHEN '{kind}' THEN " + (f"COALESCE({fields})" if len(names) > 1 else fields))
    return f"CASE kind {' '.join(cases)} END"


# SQLite reads "YYYY-MM-DDTHH:MM:SS[.fff]Z"; julianday gives fractions of a day, made seconds here.
_QUERY = (f"SELECT id, kind, (julianday(t) - 2440587.5) * 86400.0 FROM "
          f"(SELECT id, kind, {_time_expression()} AS t FROM artifacts WHERE kind IN "
          f"({', '.join('?' * len(KINDS))}))")


@dataclass(frozen=True, kw_only=True)
class TimelineData:
    """Timed artifacts sorted by time: seconds since 1970 (UTC), lane index, artifact id."""

    seconds: np.ndarray       # float64
    lanes: np.ndarray         # int8, index into KINDS
    ids: np.ndarray           # int64
    untimed: int              # artifacts of these kinds with no usable time

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

    def density(self, lane: int, start: float, end: float, bins: int) -> np.ndarray:
        """Counts of one lane's artifacts in ``bins`` equal slices of [start, end]."""
        part = self.window(start, end)
        seconds = self.seconds[part][self.lanes[part] == lane]
        counts, _edges = np.histogram(seconds, bins=bins, range=(start, end))
        return counts

    def nearest(self, lane: int, second: float, tolerance: float) -> int | None:
        """The id of the lane's artifact closest to ``second``, if within ``tolerance`` seconds."""
        part = self.window(second - tolerance, second + tolerance)
        seconds, lanes, ids = self.seconds[part], self.lanes[part], self.ids[part]
        hits = np.nonzero(lanes == lane)[0]
        if hits.size == 0:
            return None
        best = hits[np.argmin(np.abs(seconds[hits] - second))]
        return int(ids[best])


def empty() -> TimelineData:
    return TimelineData(seconds=np.zeros(0), lanes=np.zeros(0, dtype=np.int8), ids=np.zeros(0, dtype=np.int64),
                        untimed=0)


def to_seconds(utc: str) -> float:
    return datetime.fromisoformat(utc).timestamp()


def to_utc(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def load_timeline(case_dir: Path) -> TimelineData:
    """Stream every timed artifact's (id, kind, time) out of the case, FETCH rows at a time."""
    store = CaseStore.open(case_dir)
    seconds: list[np.ndarray] = []
    lanes: list[np.ndarray] = []
    ids: list[np.ndarray] = []
    lane_of = {kind: index for index, kind in enumerate(KINDS)}
    untimed = 0
    try:
        cursor = store.conn.execute(_QUERY, KINDS)
        while rows := cursor.fetchmany(FETCH):
            timed = [row for row in rows if row[2] is not None]
            untimed += len(rows) - len(timed)
            if timed:
                ids.append(np.fromiter((row[0] for row in timed), dtype=np.int64, count=len(timed)))
                lanes.append(np.fromiter((lane_of[row[1]] for row in timed), dtype=np.int8, count=len(timed)))
                seconds.append(np.fromiter((row[2] for row in timed), dtype=np.float64, count=len(timed)))
    finally:
        store.close()
    if not ids:
        result = empty()
        return TimelineData(seconds=result.seconds, lanes=result.lanes, ids=result.ids, untimed=untimed)
    all_seconds = np.concatenate(seconds)
    order = np.argsort(all_seconds, kind="stable")
    return TimelineData(seconds=all_seconds[order], lanes=np.concatenate(lanes)[order],
                        ids=np.concatenate(ids)[order], untimed=untimed)
