"""What the map view shows: a case's geo points in time order, read through the store query API,
and the Web-Mercator projection that places them and the offline outlines on the canvas."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from forensic_triage.store.case_store import CaseStore
from forensic_triage.store.query import Scope, iter_artifacts

# Drawing more points than this as separate items would make the canvas sluggish; the rest are
# counted and the examiner is told (narrow the time range to see them).
MAX_POINTS = 20_000
MAX_LATITUDE = 85.05112878        # where Web Mercator reaches the square's edge


@dataclass(frozen=True, kw_only=True, slots=True)
class GeoPointRow:
    artifact_id: int
    latitude: float
    longitude: float
    origin: str
    utc: str | None
    local_time: str | None
    place: str | None
    accuracy_m: float | None
    camera: str | None
    deleted: bool

    def tooltip(self) -> str:
        lines = [self.place or "no place name", f"{self.latitude:.5f}, {self.longitude:.5f}"]
        if self.accuracy_m is not None:
            lines[-1] += f" (± {self.accuracy_m:g} m)"
        lines.append(f"UTC: {self.utc or 'no time'}")
        if self.local_time:
            lines.append(f"Local: {self.local_time}")
        lines.append(f"Origin: {self.origin}" + (f" ({self.camera})" if self.camera else ""))
        if self.deleted:
            lines.append("from a deleted file")
        lines.append(f"Artifact #{self.artifact_id}")
        return "\n".join(lines)


@dataclass(frozen=True, kw_only=True, slots=True)
class MapData:
    points: tuple[GeoPointRow, ...]     # timed points in time order, then untimed ones in id order
    total: int                          # geo points in the time range, drawn or not
    origins: tuple[str, ...]            # sorted, for the legend and colours

    @property
    def detail_bbox(self) -> tuple[float, float, float, float] | None:
        """(min lon, min lat, max lon, max lat) around the points with a wide margin: where the
        map draws finer outlines."""
        if not self.points:
            return None
        lons = [point.longitude for point in self.points]
        lats = [point.latitude for point in self.points]
        margin = max(max(lons) - min(lons), max(lats) - min(lats), 2.0)
        return (max(-180.0, min(lons) - margin), max(-90.0, min(lats) - margin),
                min(180.0, max(lons) + margin), min(90.0, max(lats) + margin))


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def local_time(data: dict[str, Any], utc: str | None) -> str | None:
    """The point's time in its own zone: the plugin's `local_time`, else computed from `time_zone`."""
    if isinstance(data.get("local_time"), str):
        return data["local_time"]
    zone = data.get("time_zone")
    if not utc or not isinstance(zone, str):
        return None
    try:
        moment = datetime.fromisoformat(utc)
        return moment.astimezone(ZoneInfo(zone)).isoformat() + f" ({zone})"
    except (ValueError, ZoneInfoNotFoundError):
        return None


def row_from(artifact_id: int, data: dict[str, Any], utc: str | None, deleted: bool) -> GeoPointRow | None:
    latitude, longitude = _float(data.get("latitude")), _float(data.get("longitude"))
    if latitude is None or longitude is None or abs(latitude) > 90 or abs(longitude) > 180:
        return None
    camera = " ".join(str(part) for part in (data.get("camera_make"), data.get("camera_model")) if part) or None
    return GeoPointRow(artifact_id=artifact_id, latitude=latitude, longitude=longitude,
                       origin=str(data.get("origin") or "unknown"), utc=utc, local_time=local_time(data, utc),
                       place=data.get("place_name") if isinstance(data.get("place_name"), str) else None,
                       accuracy_m=_float(data.get("accuracy_m")), camera=camera, deleted=deleted)


def load_map_data(case_dir: Path, since: str | None = None, until: str | None = None,
                  limit: int = MAX_POINTS, passphrase: str | None = None) -> MapData:
    """Geo points of a case within [since, until] (ISO UTC; None for open ends)."""
    store = CaseStore.open(case_dir, passphrase=passphrase)
    try:
        rows: list[GeoPointRow] = []
        total = 0
        for record in iter_artifacts(store, Scope(kinds=("geo_point",), since=since, until=until)):
            row = row_from(record.id, record.data, record.time, bool(record.provenance.get("deleted")))
            if row is None:
                continue
            total += 1
            if len(rows) < limit:
                rows.append(row)
    finally:
        store.close()
    rows.sort(key=lambda row: (row.utc is None, row.utc or "", row.artifact_id))
    return MapData(points=tuple(rows), total=total, origins=tuple(sorted({row.origin for row in rows})))


def project(longitude: float, latitude: float) -> tuple[float, float]:
    """Web Mercator in degrees of longitude: x east, y down (the canvas's y axis), so the world is
    the square [-180, 180] x [-180, 180]."""
    latitude = max(-MAX_LATITUDE, min(MAX_LATITUDE, latitude))
    y = math.degrees(math.log(math.tan(math.pi / 4 + math.radians(latitude) / 2)))
    return longitude, -y


def unproject(x: float, y: float) -> tuple[float, float]:
    latitude = math.degrees(2 * math.atan(math.exp(math.radians(-y))) - math.pi / 2)
    return x, latitude
