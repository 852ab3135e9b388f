"""media.video_location: MP4/MOV/3GP location (©xyz, Apple mdta ISO6709, 3GPP loci) and time.

Movies are written by forensic_triage.demo.apps.photos (our own ISO BMFF writer); ExifTool
12.57 reads the same files as "GPS Coordinates 35.6895 139.6917 40" (checked by hand).
"""

from __future__ import annotations

import struct
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from forensic_triage.demo.apps import photos as P
from forensic_triage.sdk.pytest_plugin import run_on_file
from forensic_triage_plugins.video_geo import VideoLocation, mp4_time, parse_iso6709

TOKYO = "+35.6895+139.6917+040.000/"
CREATED = datetime(2019, 5, 12, 12, 33, 2, tzinfo=timezone.utc)


def _run(tmp_path: Path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return run_on_file(VideoLocation, path)


def _points(result):
    assert result.status == "ok", result.warnings
    return result.data("geo_point")


def test_quicktime_and_apple_location_give_one_point(tmp_path):
    data = P.mp4(location=TOKYO, apple_location=TOKYO, creation=CREATED, apple_creation="2019-05-12T21:33:02+0900",
                 make="Apple", model="iPhone X", size=(1920, 1080))
    result = _run(tmp_path, "IMG_0001.MOV", data)
    assert result.warnings == []
    (point,) = _points(result)
    assert (point["latitude"], point["longitude"], point["altitude"]) == (35.6895, 139.6917, 40.0)
    assert point["origin"] == "video"
    # The Apple creation date carries its offset: 21:33:02+09:00 is 12:33:02 UTC.
    assert point["time"] == {"utc": "2019-05-12T12:33:02Z", "raw": "2019-05-12T21:33:02+0900",
                             "encoding": "iso8601", "status": "ok"}
    assert point["local_time"] == "2019-05-12T21:33:02+09:00"
    assert (point["camera_make"], point["camera_model"]) == ("Apple", "iPhone X")
    assert (point["image_width"], point["image_height"]) == (1920, 1080)
    assert (point["place_name"], point["country_code"], point["time_zone"]) == ("Tokyo, Tokyo, Japan", "JP",
                                                                               "Asia/Tokyo")
    assert result.artifacts[0].locator["pointer"] == "/moov/udta/©xyz"


def test_mvhd_time_when_there_is_no_apple_creation_date(tmp_path):
    (point,) = _points(_run(tmp_path, "VID.mp4", P.mp4(location=TOKYO, creation=CREATED)))
    # mvhd counts seconds from 1904-01-01 UTC; 1904..1970 is 24,107 days = 2,082,844,800 s, and
    # 2019-05-12T12:33:02Z is Unix 1,557,664,382, so the stored value is 3,640,509,182.
    assert point["time"] == {"utc": "2019-05-12T12:33:02Z", "raw": "3640509182", "encoding": "mp4_1904_s",
                             "status": "ok"}
    assert point["local_time"] == "2019-05-12T21:33:02+09:00"      # shown in the zone at the point


def test_mvhd_version_1_and_unset_times():
    assert mp4_time(0).status == "absent"
    assert mp4_time(2_082_844_800).utc == "1970-01-01T00:00:00Z"
    assert mp4_time(86_400).status == "unparsable"                 # 1904-01-02: an unset clock
    assert mp4_time(2_082_844_800 + 86_400 * 365).utc == "1971-01-01T00:00:00Z"


def test_mvhd_64_bit(tmp_path):
    (point,) = _points(_run(tmp_path, "v1.mp4", P.mp4(location=TOKYO, creation=CREATED, mvhd_version=1)))
    assert point["time"]["raw"] == "3640509182"


def test_apple_location_alone(tmp_path):
    data = P.mp4(apple_location="-33.8688+151.2093+010.000/", apple_creation="2024-01-02T09:00:00+1100")
    (point,) = _points(_run(tmp_path, "IMG_0002.MOV", data))
    assert (point["latitude"], point["longitude"]) == (-33.8688, 151.2093)
    assert point["time"]["utc"] == "2024-01-01T22:00:00Z"
    assert _run(tmp_path, "IMG_0002.MOV", data).artifacts[0].locator["pointer"] == \
        "/moov/meta/ilst/com.apple.quicktime.location.ISO6709"


def test_two_different_locations_are_two_points(tmp_path):
    data = P.mp4(location="+48.8584+002.2945/", apple_location="+51.5007-000.1246/", creation=CREATED)
    points = _points(_run(tmp_path, "edited.mov", data))
    assert sorted((p["latitude"], p["longitude"]) for p in points) == [(48.8584, 2.2945), (51.5007, -0.1246)]


def test_3gpp_loci(tmp_path):
    payload = (b"\x00\x00\x00\x00" + b"\x15\xc7" + b"Home\x00" + b"\x00"
               + struct.pack(">iii", round(-3.7038 * 65536), round(40.4168 * 65536), round(650 * 65536))
               + b"earth\x00" + b"\x00")
    extra = P.box(b"udta", P.box(b"loci", payload))
    (point,) = _points(_run(tmp_path, "VID.3gp", P.mp4(creation=CREATED, brand=b"3gp4", extra_moov=extra)))
    assert abs(point["latitude"] - 40.4168) < 1e-4 and abs(point["longitude"] + 3.7038) < 1e-4
    assert point["altitude"] == 650.0


@pytest.mark.parametrize("text, expected", [
    ("+35.6895+139.6917+040.000/", (35.6895, 139.6917, 40.0)),
    ("+35.6895+139.6917/", (35.6895, 139.6917, None)),
    ("-3.7247-40.4469/", (-3.7247, -40.4469, None)),                      # Android's unpadded %+.4f
    ("+40.4469-003.7247CRSWGS_84/", (40.4469, -3.7247, None)),
    ("+3541.37+13941.50/", (35 + 41.37 / 60, 139 + 41.50 / 60, None)),      # ±DDMM.mm ±DDDMM.mm
    ("+354122.2+1394130.0/", (35 + 41 / 60 + 22.2 / 3600, 139 + 41 / 60 + 30.0 / 3600, None)),
])
def test_iso6709_forms(text, expected):
    latitude, longitude, altitude = parse_iso6709(text)
    assert abs(latitude - expected[0]) < 1e-9 and abs(longitude - expected[1]) < 1e-9
    assert altitude == expected[2]


@pytest.mark.parametrize("text", ["", "garbage", "+35.6895/", "+123456789+1/"])
def test_iso6709_malformed(text):
    assert parse_iso6709(text) is None


def test_malformed_and_impossible_locations_are_warnings(tmp_path):
    bad = _run(tmp_path, "bad.mp4", P.mp4(location="north of the river", creation=CREATED))
    assert bad.artifacts == [] and [w.code for w in bad.warnings] == ["video.bad_location"]
    far = _run(tmp_path, "far.mp4", P.mp4(location="+95.0000+010.0000/", creation=CREATED))
    assert far.artifacts == [] and [w.code for w in far.warnings] == ["geo.impossible_point"]
    zero = _run(tmp_path, "zero.mp4", P.mp4(location="+00.0000+000.0000/", creation=CREATED))
    assert zero.artifacts == [] and "empty fix" in zero.warnings[0].message


def test_video_without_location_yields_nothing(tmp_path):
    result = _run(tmp_path, "plain.mp4", P.mp4(creation=CREATED, make="GoPro"))
    assert (result.status, result.artifacts, result.warnings) == ("ok", [], [])


def test_heif_still_images_are_left_to_the_exif_plugin(tmp_path):
    result = _run(tmp_path, "photo.heic", P.heif(P.photo_exif(1.0, 1.0)))
    assert (result.artifacts, result.warnings) == ([], [])


def _moov_with(children: bytes) -> bytes:
    return P.box(b"ftyp", b"qt  \x00\x00\x00\x00qt  ") + P.box(b"moov", children)


@pytest.mark.parametrize("name, data, code", [
    ("huge.mov", P.box(b"ftyp", b"qt  \x00\x00\x00\x00") + P.box(b"moov", P.quicktime_text(b"\xa9xyz", TOKYO),
                                                                  size=0x7FFFFFFF), "video.malformed"),
    ("tiny.mov", _moov_with(P.box(b"udta", b"", size=4)), "video.malformed"),
    ("large64.mov", P.box(b"ftyp", b"qt  \x00\x00\x00\x00") + P.box(b"moov", b"", large=True, size=1 << 40),
     "video.malformed"),
    ("bomb.mov", _moov_with(b"".join(P.box(b"free") for _ in range(25_000))), "video.too_complex"),
    ("cut.mov", P.mp4(location=TOKYO, creation=CREATED)[:-60], "video.malformed"),
])
def test_hostile_box_structures_are_bounded(tmp_path, name, data, code):
    started = time.monotonic()
    result = _run(tmp_path, name, data)
    assert time.monotonic() - started < 5
    assert result.status == "ok"
    assert code in [w.code for w in result.warnings], result.warnings


def test_zero_size_box_runs_to_the_end(tmp_path):
    # size 0 = "to the end of the file": a moov written last may say so.
    data = P.box(b"ftyp", b"qt  \x00\x00\x00\x00") + P.box(b"moov", P.box(b"udta", P.quicktime_text(b"\xa9xyz", TOKYO)),
                                                             size=0)
    (point,) = _points(_run(tmp_path, "last.mov", data))
    assert point["latitude"] == 35.6895


def test_deep_nesting_is_bounded(tmp_path):
    nested = P.quicktime_text(b"\xa9xyz", TOKYO)
    for _ in range(50):
        nested = P.box(b"udta", P.box(b"meta", b"\x00" * 4 + P.box(b"ilst", nested)))
    result = _run(tmp_path, "deep.mov", _moov_with(nested))
    assert result.status == "ok"


def test_selected_by_magic(tmp_path):
    head = P.mp4(location=TOKYO)[:64]
    assert any(s.matches_head(head) and s.matches_path("DCIM/renamed.bin") for s in VideoLocation.selects)
