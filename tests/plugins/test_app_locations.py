"""App location stores: iOS significant locations (routined Local/Cloud-V2/Cache.sqlite), iOS
Photos.sqlite, Android MediaStore external.db.

Databases are written by forensic_triage.demo.apps.photos with the apps' real table and column
names (as iLEAPP/ALEAPP query them). The corpus holds only routined's preferences plist, which
has no locations (see the last test).
"""

from __future__ import annotations

import plistlib
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest

from forensic_triage.demo.apps import photos as P
from forensic_triage.plugin_host.runner import read_schema
from forensic_triage.sdk.pytest_plugin import run_on_file
from forensic_triage_plugins.app_locations import (AndroidMediaStoreLocations, IosPhotosLocations, IosRoutinedCache,
                                                   IosRoutinedLocations)
from tests.conftest import corpus_path

UTC = timezone.utc
# Cocoa 600,000,000 s after 2001-01-01 = Unix 1,578,307,200 = 2020-01-06T10:40:00Z (by hand).
T1 = datetime(2020, 1, 6, 10, 40, tzinfo=UTC)
T2 = datetime(2020, 1, 6, 18, 5, 30, tzinfo=UTC)


def _selected_by_schema(plugin, path: Path) -> bool:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        schema = read_schema(conn)
    finally:
        conn.close()
    return any(select.sqlite_tables and select.matches_schema(schema) for select in plugin.selects)


def _ok(result):
    assert result.status == "ok", result.warnings
    return result.data("geo_point")


# --- routined Local.sqlite ------------------------------------------------------------------------

def _local(tmp_path: Path, *, ios14: bool = True, name: str = "Local.sqlite") -> Path:
    return P.routined_local_db(
        tmp_path / "com.apple.routined" / name,
        locations=[(1, 52.3731, 4.8922, 35.0, T1), (2, 51.5007, -0.1246, 50.0, None), (3, 0.0, 0.0, 10.0, T1)],
        visits=[(1, 1, T1, T2, 52.37312, 4.89225, 20.0), (2, 2, T2, None, None, None, None),
                (3, 1, T2, None, 95.0, 4.9, 10.0)],
        ios14=ios14)


def test_routined_visits_and_locations_of_interest(tmp_path):
    result = run_on_file(IosRoutinedLocations, _local(tmp_path))
    points = _ok(result)
    by_origin = {}
    for point in points:
        by_origin.setdefault(point["origin"], []).append(point)
    visits, places = by_origin["ios.routined.visit"], by_origin["ios.routined.location_of_interest"]
    assert len(visits) == 2 and len(places) == 2
    first = visits[0]
    assert (first["latitude"], first["longitude"], first["accuracy_m"]) == (52.37312, 4.89225, 20.0)
    assert first["time"] == {"utc": "2020-01-06T10:40:00Z", "raw": "600000000", "encoding": "cocoa_s",
                             "status": "ok"}
    assert first["local_time"] == "2020-01-06T11:40:00+01:00"
    assert first["place_name"].startswith("Amsterdam") and first["time_zone"] == "Europe/Amsterdam"
    # A visit without its own coordinates takes its location of interest's.
    assert (visits[1]["latitude"], visits[1]["longitude"]) == (51.5007, -0.1246)
    assert visits[1]["time"]["utc"] == "2020-01-06T18:05:30Z"
    assert places[0]["time"]["utc"] == "2020-01-06T10:40:00Z" and places[1]["time"]["status"] == "absent"
    # One warning per table for the impossible rows (visit 3: latitude 95; place 3: 0,0).
    codes = sorted((w.code, w.locator.get("table")) for w in result.warnings)
    assert codes == [("geo.impossible_point", "ZRTLEARNEDLOCATIONOFINTERESTMO"),
                     ("geo.impossible_point", "ZRTLEARNEDLOCATIONOFINTERESTVISITMO")]
    assert result.artifacts[0].locator == {"table": "ZRTLEARNEDLOCATIONOFINTERESTVISITMO", "rowid": 1}


def test_routined_ios13_columns_and_cloud_copy(tmp_path):
    points = _ok(run_on_file(IosRoutinedLocations, _local(tmp_path, ios14=False, name="Cloud-V2.sqlite")))
    assert points[0]["accuracy_m"] == 20.0
    assert any(s.matches_path("private/var/mobile/Library/Caches/com.apple.routined/Cloud-V2.sqlite")
               for s in IosRoutinedLocations.selects)


def test_routined_renamed_copy_is_recognised_by_schema(tmp_path):
    path = _local(tmp_path)
    renamed = tmp_path / "evidence_17.db"
    renamed.write_bytes(path.read_bytes())
    assert _selected_by_schema(IosRoutinedLocations, renamed)
    assert not any(s.matches_path("evidence_17.db") for s in IosRoutinedLocations.selects if s.glob)
    assert len(_ok(run_on_file(IosRoutinedLocations, renamed))) == 4


def test_routined_cache_fixes(tmp_path):
    path = P.routined_cache_db(tmp_path / "Cache.sqlite", [
        (1, T1, 52.3731, 4.8922, 5.0, 3.5, 4.0),
        (2, T2, 52.3740, 4.8930, -1.0, 9.9, -1.0),   # accuracy -1 = invalid; vertical -1 = no altitude
        (3, None, 52.3750, 4.8940, 5.0, 1.0, 1.0),
    ])
    points = _ok(run_on_file(IosRoutinedCache, path))
    assert [p["origin"] for p in points] == ["ios.routined.cache"] * 3
    assert (points[0]["accuracy_m"], points[0]["altitude"]) == (5.0, 3.5)
    assert (points[1]["accuracy_m"], points[1]["altitude"]) == (None, None)
    assert points[1]["time"]["utc"] == "2020-01-06T18:05:30Z"
    assert points[2]["time"]["status"] == "absent"


# --- iOS Photos -----------------------------------------------------------------------------------

@pytest.mark.parametrize("table", ["ZASSET", "ZGENERICASSET"])
def test_photos_sqlite(tmp_path, table):
    path = P.photos_sqlite(tmp_path / "PhotoData" / "Photos.sqlite", [
        (1, "DCIM/100APPLE", "IMG_0001.HEIC", T1, 52.3731, 4.8922, 4032, 3024),
        (2, "DCIM/100APPLE", "IMG_0002.HEIC", T2, None, None, 4032, 3024),      # -180/-180: no location
        (3, "DCIM/100APPLE", "IMG_0003.HEIC", T2, -33.8568, 151.2153, 3024, 4032),
    ], table=table)
    points = _ok(run_on_file(IosPhotosLocations, path))
    assert [(p["latitude"], p["longitude"]) for p in points] == [(52.3731, 4.8922), (-33.8568, 151.2153)]
    assert points[0]["time"] == {"utc": "2020-01-06T10:40:00Z", "raw": "600000000", "encoding": "cocoa_s",
                                 "status": "ok"}
    assert (points[1]["image_width"], points[1]["image_height"]) == (3024, 4032)
    assert points[1]["local_time"] == "2020-01-07T05:05:30+11:00"          # Sydney, summer time
    renamed = tmp_path / "library.db"
    renamed.write_bytes(path.read_bytes())
    assert _selected_by_schema(IosPhotosLocations, renamed)


# --- Android MediaStore ---------------------------------------------------------------------------

def test_mediastore_external_db(tmp_path):
    path = P.mediastore_external_db(
        tmp_path / "com.android.providers.media" / "databases" / "external.db", [
            (1, "/storage/emulated/0/DCIM/Camera/IMG_20231114_221320.jpg", "image/jpeg", 1_700_000_000_000,
             48.8584, 2.2945, 4000, 3000),
            (2, "/storage/emulated/0/DCIM/Camera/IMG_2.jpg", "image/jpeg", 1_700_000_100_000, None, None, 4000, 3000),
            (3, "/storage/emulated/0/DCIM/Camera/VID_3.mp4", "video/mp4", 1_700_000_200_000, 0.0, 0.0, 1920, 1080),
            (4, "/storage/emulated/0/Download/x.jpg", "image/jpeg", 1_700_000_300_000, 0.0, 0.0, 10, 10),
        ])
    result = run_on_file(AndroidMediaStoreLocations, path)
    points = _ok(result)
    assert len(points) == 1
    point = points[0]
    # 1,700,000,000,000 ms after 1970-01-01 UTC is 2023-11-14T22:13:20Z (by hand).
    assert point["time"] == {"utc": "2023-11-14T22:13:20Z", "raw": "1700000000000", "encoding": "unix_ms",
                             "status": "ok"}
    assert point["local_time"] == "2023-11-14T23:13:20+01:00"
    assert (point["origin"], point["country_code"], point["time_zone"]) == ("android.mediastore", "FR",
                                                                            "Europe/Paris")
    (warning,) = result.warnings
    assert warning.code == "geo.impossible_point" and "2 row(s)" in warning.message and "rowid 3, 4" in warning.message
    assert any(s.matches_path("data/data/com.google.android.providers.media.module/databases/external.db")
               for s in AndroidMediaStoreLocations.selects)


# --- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("plugin", [IosRoutinedLocations, IosRoutinedCache, IosPhotosLocations,
                                    AndroidMediaStoreLocations])
def test_unknown_schema_empty_and_corrupt_databases(tmp_path, plugin):
    odd = tmp_path / "odd.db"
    conn = sqlite3.connect(odd)
    conn.executescript("CREATE TABLE ZRTLEARNEDLOCATIONOFINTERESTMO (Z_PK INTEGER PRIMARY KEY, ZNAME TEXT);"
                       "CREATE TABLE ZRTCLLOCATIONMO (Z_PK INTEGER PRIMARY KEY);"
                       "CREATE TABLE ZASSET (Z_PK INTEGER PRIMARY KEY);"
                       "CREATE TABLE files (_id INTEGER PRIMARY KEY);")
    conn.close()
    result = run_on_file(plugin, odd)
    assert result.status == "ok" and result.artifacts == []
    assert [w.code for w in result.warnings] == ["plugin.schema_unknown"]
    assert plugin.app in result.warnings[0].message

    empty = tmp_path / "empty.db"
    {IosRoutinedLocations: lambda p: P.routined_local_db(p, [], []), IosRoutinedCache: lambda p: P.routined_cache_db(p, []),
     IosPhotosLocations: lambda p: P.photos_sqlite(p, []),
     AndroidMediaStoreLocations: lambda p: P.mediastore_external_db(p, [])}[plugin](empty)
    assert (run_on_file(plugin, empty).artifacts, run_on_file(plugin, empty).warnings) == ([], [])

    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(empty.read_bytes()[:100] + b"\x07" * 3000)
    result = run_on_file(plugin, corrupt)
    assert result.artifacts == []
    assert [w.code for w in result.warnings] == ["sqlite.unreadable"]


# --- corpus ---------------------------------------------------------------------------------------

@pytest.mark.corpus
def test_corpus_routined_plist_holds_no_locations():
    """The corpus's com.apple.routined.plist (from plaso's test data) is routined's preferences
    file: CloudKit state and dates of the service's own tasks. It holds no coordinates, so no
    plugin here selects it and it yields no points."""
    path = corpus_path("bookings", "plaso", "com.apple.routined.plist")
    data = plistlib.loads(path.read_bytes())
    flat = repr(data).lower()
    assert "latitude" not in flat and "longitude" not in flat
    assert data["LastLaunchDate.routined"] == datetime(2023, 5, 17, 12, 26, 15, 953500)
    evidence_path = "private/var/mobile/Library/Preferences/com.apple.routined.plist"
    for plugin in (IosRoutinedLocations, IosRoutinedCache, IosPhotosLocations, AndroidMediaStoreLocations):
        assert not any(s.matches_path(evidence_path) and s.matches_head(path.read_bytes()[:64])
                       for s in plugin.selects)
