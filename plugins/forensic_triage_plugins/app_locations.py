"""Locations that phone apps and system services keep in their databases.

- iOS significant locations (`com.apple.routined`): `Local.sqlite` (and `Cloud-V2.sqlite`,
  the copy synced from the owner's other devices) hold learned locations of interest
  (ZRTLEARNEDLOCATIONOFINTERESTMO) and the visits to them
  (ZRTLEARNEDLOCATIONOFINTERESTVISITMO: entry/exit times); `Cache.sqlite` holds the raw
  location fixes (ZRTCLLOCATIONMO). Times are Cocoa seconds (since 2001-01-01 UTC). These
  files are readable in a full file-system extraction; the `com.apple.routined.plist`
  preferences file holds only the service's own timestamps, no locations, and is not read.
- iOS Photos (`PhotoData/Photos.sqlite`): ZASSET (iOS 14+) or ZGENERICASSET (iOS 11-13)
  ZLATITUDE/ZLONGITUDE with ZDATECREATED (Cocoa); -180/-180 is the library's "no location".
- Android MediaStore (`external.db`): the `files` table's latitude/longitude and datetaken
  (ms since 1970 UTC) for geotagged media, also for pictures since deleted from storage.

Each point's `origin` names the store and table it came from. Rows without a position are
skipped quietly; rows whose position is impossible (0,0, out of range) are counted and
reported in one warning per table, so a large store never floods the warning list.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field

from forensic_triage.geo import places
from forensic_triage.sdk import Context, Extractor, GeoPoint, PluginWarning, Select, Source, TimeValue


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(conn: sqlite3.Connection, table: str) -> dict[str, str]:
    """Upper-cased column name -> its real spelling (empty when the table is missing)."""
    try:
        return {row[1].upper(): row[1] for row in conn.execute(f"PRAGMA table_info({_quote(table)})")}
    except sqlite3.DatabaseError:
        return {}


def _tables(conn: sqlite3.Connection) -> dict[str, str]:
    return {row[0].upper(): row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _number(value) -> float | None:
    if value is None or isinstance(value, (bytes, bool)):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@dataclass
class Rejections:
    """Impossible positions in one table, reported once."""

    table: str
    reasons: dict[str, list[int]] = field(default_factory=dict)

    def add(self, reason: str, rowid: int) -> None:
        self.reasons.setdefault(reason, []).append(rowid)

    def warnings(self, ctx: Context, app: str) -> Iterator[PluginWarning]:
        for reason, rows in self.reasons.items():
            sample = ", ".join(str(row) for row in rows[:10]) + (", ..." if len(rows) > 10 else "")
            yield ctx.warning(f"{app}: {len(rows)} row(s) of {self.table} hold an impossible position ({reason}); "
                              f"not stored (rowid {sample})", code="geo.impossible_point",
                              locator=ctx.locate(table=self.table), rows=len(rows))


def _problem(latitude: float, longitude: float) -> str | None:
    if abs(latitude) > 90:
        return "latitude beyond ±90°"
    if abs(longitude) > 180:
        return "longitude beyond ±180°"
    if latitude == 0 and longitude == 0:
        return "0°, 0°: no fix"
    return None


def make_point(ctx: Context, rejections: Rejections, rowid: int, latitude, longitude, *, origin: str,
               time: TimeValue | None, accuracy=None, altitude=None, width=None, height=None) -> GeoPoint | None:
    latitude, longitude = _number(latitude), _number(longitude)
    if latitude is None or longitude is None:
        return None
    problem = _problem(latitude, longitude)
    if problem:
        rejections.add(problem, rowid)
        return None
    accuracy = _number(accuracy)
    altitude = _number(altitude)
    info = places.point_info(latitude, longitude)
    return GeoPoint(latitude=latitude, longitude=longitude, origin=origin,
                    altitude=altitude, accuracy_m=accuracy if accuracy is not None and accuracy >= 0 else None,
                    time=time, place_name=info.place_name, country_code=info.country_code, time_zone=info.time_zone,
                    local_time=places.local_time(time.utc if time else None, info.time_zone),
                    image_width=int(width) if isinstance(width, int) and width > 0 else None,
                    image_height=int(height) if isinstance(height, int) and height > 0 else None,
                    locator=ctx.locate(table=rejections.table, rowid=rowid))


def _pick(columns: dict[str, str], *names: str) -> str | None:
    for name in names:
        if name in columns:
            return columns[name]
    return None


def _missing(ctx: Context, app: str, table: str, columns: dict[str, str], needed: tuple[str, ...]) -> PluginWarning | None:
    absent = [name for name in needed if name not in columns]
    if not absent:
        return None
    return ctx.warning(f"{app}: unknown schema version, table {table} lacks column(s) {', '.join(absent)}; "
                       f"its rows were not read", code="plugin.schema_unknown", locator=ctx.locate(table=table))


class _AppStore(Extractor):
    """Shared by the app-store extractors: a database that cannot be read becomes one
    warning naming the app, never an exception."""

    app = ""

    def extract(self, ctx: Context, source: Source) -> Iterator[GeoPoint | PluginWarning]:
        try:
            yield from self.points(ctx, source)
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"{self.app}: database unreadable ({exc}); points yielded before the damage are kept",
                              code="sqlite.unreadable")

    def points(self, ctx: Context, source: Source) -> Iterator[GeoPoint | PluginWarning]:
        raise NotImplementedError


# --- iOS significant locations --------------------------------------------------------------------

LOI = "ZRTLEARNEDLOCATIONOFINTERESTMO"
VISIT = "ZRTLEARNEDLOCATIONOFINTERESTVISITMO"
FIX = "ZRTCLLOCATIONMO"


class IosRoutinedLocations(_AppStore):
    name = "ios.routined.locations"
    version = "1.0.0"
    description = ("iOS significant locations: learned locations of interest and the visits to them "
                   "(com.apple.routined Local.sqlite / Cloud-V2.sqlite).")
    selects = [Select(glob="**/com.apple.routined/Local.sqlite"),
               Select(glob="**/com.apple.routined/Cloud-V2.sqlite"),
               Select(sqlite_tables={LOI: ["ZLOCATIONLATITUDE", "ZLOCATIONLONGITUDE"]})]
    kinds = [GeoPoint]
    time_limit = 300.0
    app = "iOS significant locations"

    def points(self, ctx: Context, source: Source) -> Iterator[GeoPoint | PluginWarning]:
        conn = ctx.open_sqlite()
        tables = _tables(conn)
        if LOI not in tables:
            yield ctx.warning(f"{self.app}: no {LOI} table in this database", code="plugin.schema_unknown")
            return
        loi = tables[LOI]
        loi_columns = _columns(conn, loi)
        warning = _missing(ctx, self.app, loi, loi_columns, ("Z_PK", "ZLOCATIONLATITUDE", "ZLOCATIONLONGITUDE"))
        if warning:
            yield warning
            return
        if VISIT in tables:
            yield from self._visits(ctx, conn, tables[VISIT], loi)
        uncertainty = _pick(loi_columns, "ZLOCATIONHORIZONTALUNCERTAINTY", "ZLOCATIONUNCERTAINTY")
        created = _pick(loi_columns, "ZCREATIONDATE", "ZPLACECREATIONDATE")
        query = (f"SELECT Z_PK, ZLOCATIONLATITUDE, ZLOCATIONLONGITUDE, "
                 f"{_quote(uncertainty) if uncertainty else 'NULL'}, {_quote(created) if created else 'NULL'} "
                 f"FROM {_quote(loi)} ORDER BY Z_PK")
        rejections = Rejections(loi)
        for rowid, latitude, longitude, accuracy, when in conn.execute(query):
            point = make_point(ctx, rejections, rowid, latitude, longitude,
                               origin="ios.routined.location_of_interest",
                               time=ctx.time.cocoa(when) if created else None, accuracy=accuracy)
            if point is not None:
                yield point
        yield from rejections.warnings(ctx, self.app)

    def _visits(self, ctx: Context, conn: sqlite3.Connection, visit: str, loi: str) -> Iterator[GeoPoint | PluginWarning]:
        columns = _columns(conn, visit)
        warning = _missing(ctx, self.app, visit, columns, ("Z_PK", "ZENTRYDATE"))
        if warning:
            yield warning
            return
        latitude = _pick(columns, "ZLOCATIONLATITUDE")
        longitude = _pick(columns, "ZLOCATIONLONGITUDE")
        uncertainty = _pick(columns, "ZLOCATIONHORIZONTALUNCERTAINTY", "ZLOCATIONUNCERTAINTY")
        link = _pick(columns, "ZLOCATIONOFINTEREST")
        own = (f"v.{_quote(latitude)}, v.{_quote(longitude)}" if latitude and longitude else "NULL, NULL")
        joined = "l.ZLOCATIONLATITUDE, l.ZLOCATIONLONGITUDE" if link else "NULL, NULL"
        join = f"LEFT JOIN {_quote(loi)} l ON l.Z_PK = v.{_quote(link)}" if link else ""
        query = (f"SELECT v.Z_PK, v.ZENTRYDATE, {own}, {joined}, "
                 f"{'v.' + _quote(uncertainty) if uncertainty else 'NULL'} "
                 f"FROM {_quote(visit)} v {join} ORDER BY v.Z_PK")
        rejections = Rejections(visit)
        for rowid, entry, lat, lon, loi_lat, loi_lon, accuracy in conn.execute(query):
            if _number(lat) is None or _number(lon) is None:
                lat, lon = loi_lat, loi_lon
            point = make_point(ctx, rejections, rowid, lat, lon, origin="ios.routined.visit",
                               time=ctx.time.cocoa(entry), accuracy=accuracy)
            if point is not None:
                yield point
        yield from rejections.warnings(ctx, self.app)


class IosRoutinedCache(_AppStore):
    name = "ios.routined.cache"
    version = "1.0.0"
    description = "iOS location fixes cached by com.apple.routined (Cache.sqlite ZRTCLLOCATIONMO)."
    selects = [Select(glob="**/com.apple.routined/Cache.sqlite"),
               Select(sqlite_tables={FIX: ["ZLATITUDE", "ZLONGITUDE", "ZTIMESTAMP"]})]
    kinds = [GeoPoint]
    time_limit = 600.0
    app = "iOS routined location cache"

    def points(self, ctx: Context, source: Source) -> Iterator[GeoPoint | PluginWarning]:
        conn = ctx.open_sqlite()
        tables = _tables(conn)
        if FIX not in tables:
            yield ctx.warning(f"{self.app}: no {FIX} table in this database", code="plugin.schema_unknown")
            return
        table = tables[FIX]
        columns = _columns(conn, table)
        warning = _missing(ctx, self.app, table, columns, ("Z_PK", "ZLATITUDE", "ZLONGITUDE", "ZTIMESTAMP"))
        if warning:
            yield warning
            return
        optional = [_pick(columns, name) for name in ("ZHORIZONTALACCURACY", "ZALTITUDE", "ZVERTICALACCURACY")]
        extra = ", ".join(_quote(name) if name else "NULL" for name in optional)
        rejections = Rejections(table)
        query = f"SELECT Z_PK, ZLATITUDE, ZLONGITUDE, ZTIMESTAMP, {extra} FROM {_quote(table)} ORDER BY Z_PK"
        for rowid, latitude, longitude, stamp, accuracy, altitude, vertical in conn.execute(query):
            vertical = _number(vertical)
            point = make_point(ctx, rejections, rowid, latitude, longitude, origin="ios.routined.cache",
                               time=ctx.time.cocoa(stamp), accuracy=accuracy,
                               altitude=altitude if vertical is not None and vertical >= 0 else None)
            if point is not None:
                yield point
        yield from rejections.warnings(ctx, self.app)


# --- iOS Photos -----------------------------------------------------------------------------------

class IosPhotosLocations(_AppStore):
    name = "ios.photos.locations"
    version = "1.0.0"
    description = "Where iOS Photos library assets were taken (Photos.sqlite ZASSET/ZGENERICASSET)."
    selects = [Select(glob="**/PhotoData/Photos.sqlite"),
               Select(sqlite_tables={"ZASSET": ["ZLATITUDE", "ZLONGITUDE", "ZDATECREATED"]}),
               Select(sqlite_tables={"ZGENERICASSET": ["ZLATITUDE", "ZLONGITUDE", "ZDATECREATED"]})]
    kinds = [GeoPoint]
    time_limit = 300.0
    app = "iOS Photos"

    def points(self, ctx: Context, source: Source) -> Iterator[GeoPoint | PluginWarning]:
        conn = ctx.open_sqlite()
        tables = _tables(conn)
        table = tables.get("ZASSET") or tables.get("ZGENERICASSET")
        if table is None:
            yield ctx.warning(f"{self.app}: neither ZASSET nor ZGENERICASSET in this database",
                              code="plugin.schema_unknown")
            return
        columns = _columns(conn, table)
        warning = _missing(ctx, self.app, table, columns, ("Z_PK", "ZLATITUDE", "ZLONGITUDE", "ZDATECREATED"))
        if warning:
            yield warning
            return
        width, height = _pick(columns, "ZWIDTH"), _pick(columns, "ZHEIGHT")
        size = f"{_quote(width) if width else 'NULL'}, {_quote(height) if height else 'NULL'}"
        rejections = Rejections(table)
        # -180/-180 is how the library stores "no location"; NULL also occurs.
        query = (f"SELECT Z_PK, ZLATITUDE, ZLONGITUDE, ZDATECREATED, {size} FROM {_quote(table)} "
                 f"WHERE ZLATITUDE IS NOT NULL AND ZLONGITUDE IS NOT NULL "
                 f"AND NOT (ZLATITUDE = -180 AND ZLONGITUDE = -180) ORDER BY Z_PK")
        for rowid, latitude, longitude, created, pixels_w, pixels_h in conn.execute(query):
            point = make_point(ctx, rejections, rowid, latitude, longitude, origin="ios.photos",
                               time=ctx.time.cocoa(created), width=pixels_w, height=pixels_h)
            if point is not None:
                yield point
        yield from rejections.warnings(ctx, self.app)


# --- Android MediaStore ---------------------------------------------------------------------------

class AndroidMediaStoreLocations(_AppStore):
    name = "android.mediastore.locations"
    version = "1.0.0"
    description = "Where Android media were taken, from the MediaStore index (external.db files table)."
    selects = [Select(glob="**/com.*.providers.media*/databases/external*.db"),
               Select(sqlite_tables={"files": ["_data", "latitude", "longitude", "datetaken"]})]
    kinds = [GeoPoint]
    time_limit = 300.0
    app = "Android MediaStore"

    def points(self, ctx: Context, source: Source) -> Iterator[GeoPoint | PluginWarning]:
        conn = ctx.open_sqlite()
        tables = _tables(conn)
        table = tables.get("FILES")
        if table is None:
            yield ctx.warning(f"{self.app}: no files table in this database", code="plugin.schema_unknown")
            return
        columns = _columns(conn, table)
        warning = _missing(ctx, self.app, table, columns, ("_ID", "LATITUDE", "LONGITUDE", "DATETAKEN"))
        if warning:
            yield warning
            return
        width, height = _pick(columns, "WIDTH"), _pick(columns, "HEIGHT")
        size = f"{_quote(width) if width else 'NULL'}, {_quote(height) if height else 'NULL'}"
        rejections = Rejections(table)
        query = (f"SELECT _id, latitude, longitude, datetaken, {size} FROM {_quote(table)} "
                 f"WHERE latitude IS NOT NULL AND longitude IS NOT NULL ORDER BY _id")
        for rowid, latitude, longitude, taken, pixels_w, pixels_h in conn.execute(query):
            point = make_point(ctx, rejections, rowid, latitude, longitude, origin="android.mediastore",
                               time=ctx.time.unix_ms(taken), width=pixels_w, height=pixels_h)
            if point is not None:
                yield point
        yield from rejections.warnings(ctx, self.app)
