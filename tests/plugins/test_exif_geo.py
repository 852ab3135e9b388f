"""media.exif_gps: EXIF GPS from JPEG, TIFF, HEIF, PNG and WebP, chosen by magic bytes.

Fixtures are written by forensic_triage.demo.apps.photos (our own TIFF/EXIF writer); the corpus
test compares every file of ../shared/corpus/exif with ExifTool 12.57's `-n` output kept beside it.
"""

from __future__ import annotations

import csv
import math
import struct
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from forensic_triage.demo.apps import photos as P
from forensic_triage.sdk.pytest_plugin import run_on_file
from forensic_triage_plugins.exif_geo import ExifGps, detect
from tests.conftest import CORPUS, corpus_path

T_GPS = datetime(2008, 10, 23, 14, 27, 7, 240000, tzinfo=timezone.utc)
LAT, LON = 43.4674483333333, 11.8851266666639   # Arezzo, as in the corpus's DSCN0010.jpg


def _block(latitude=LAT, longitude=LON, **kwargs):
    options = dict(altitude=-12.5, gps_time=T_GPS, date_time_original="2008:10:22 16:28:39",
                   offset_time_original="+02:00", make="NIKON", model="COOLPIX P6000", width=640, height=480,
                   accuracy_m=4.5)
    options.update(kwargs)
    return P.photo_exif(latitude, longitude, **options)


def _run(tmp_path: Path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return run_on_file(ExifGps, path)


def _point(result):
    assert result.status == "ok", result.warnings
    points = result.data("geo_point")
    assert len(points) == 1, (points, result.warnings)
    return points[0]


# --- the normal path -----------------------------------------------------------------------------

def test_jpeg_with_gps_gives_one_complete_point(tmp_path):
    result = _run(tmp_path, "DSC_0001.JPG", P.jpeg(_block(), width=64, height=48))
    assert result.warnings == []
    point = _point(result)
    expected_lat = P.dms_value(P.dms(LAT))
    assert math.isclose(point["latitude"], expected_lat, abs_tol=1e-9)
    assert math.isclose(point["longitude"], P.dms_value(P.dms(LON)), abs_tol=1e-9)
    assert abs(point["latitude"] - LAT) < 1e-6 and abs(point["longitude"] - LON) < 1e-6
    assert point["origin"] == "exif"
    assert point["altitude"] == -12.5                       # GPSAltitudeRef 1: below sea level
    assert point["accuracy_m"] == 4.5
    assert point["time"] == {"utc": "2008-10-23T14:27:07.240000Z", "encoding": "exif_gps_utc", "status": "ok",
                             "raw": "GPSDateStamp=2008:10:23 GPSTimeStamp=14/1,27/1,181/25"}  # reduced by exifread
    assert point["local_time"] == "2008-10-22T16:28:39+02:00"  # DateTimeOriginal + OffsetTimeOriginal, as written
    assert (point["camera_make"], point["camera_model"]) == ("NIKON", "COOLPIX P6000")
    assert (point["image_width"], point["image_height"]) == (64, 48)   # the JPEG frame's size wins over EXIF's
    assert point["place_name"] == "Arezzo, Tuscany, Italy"
    assert (point["country_code"], point["time_zone"]) == ("IT", "Europe/Rome")


@pytest.mark.parametrize("latitude, longitude", [(-33.8568, 151.2153), (-22.9519, -43.2105), (40.7484, -73.9857)])
def test_south_and_west_are_negative(tmp_path, latitude, longitude):
    point = _point(_run(tmp_path, "p.jpg", P.jpeg(_block(latitude, longitude))))
    assert math.copysign(1, point["latitude"]) == math.copysign(1, latitude)
    assert math.copysign(1, point["longitude"]) == math.copysign(1, longitude)
    assert abs(point["latitude"] - latitude) < 1e-6 and abs(point["longitude"] - longitude) < 1e-6


def test_big_endian_exif(tmp_path):
    point = _point(_run(tmp_path, "mm.jpg", P.jpeg(_block(big_endian=True))))
    assert abs(point["latitude"] - LAT) < 1e-6 and point["altitude"] == -12.5


@pytest.mark.parametrize("name, maker", [
    ("photo.tif", lambda block: P.tiff_image(LAT, LON, date_time_original="2008:10:22 16:28:39", altitude=3.0)),
    ("photo.png", lambda block: P.png(block)),
    ("late.png", lambda block: P.png(block, exif_after_idat=True)),
    ("magick.png", lambda block: P.png(block, raw_profile=True)),
    ("photo.webp", lambda block: P.webp(block)),
    ("prefixed.webp", lambda block: P.webp(block, exif_header=True)),
    ("photo.heic", lambda block: P.heif(block)),
    ("photo.heif", lambda block: P.heif(block, brand=b"mif1")),
    ("photo.avif", lambda block: P.heif(block, brand=b"avif")),
])
def test_every_container_carries_the_same_position(tmp_path, name, maker):
    point = _point(_run(tmp_path, name, maker(_block())))
    assert abs(point["latitude"] - LAT) < 1e-6 and abs(point["longitude"] - LON) < 1e-6
    assert point["local_time"].startswith("2008-10-22T16:28:39")


def test_container_sizes(tmp_path):
    assert _point(_run(tmp_path, "a.png", P.png(_block(), width=4, height=3)))["image_width"] == 4
    assert _point(_run(tmp_path, "b.webp", P.webp(_block())))["image_height"] == 1
    heic = _point(_run(tmp_path, "c.heic", P.heif(_block())))
    assert (heic["image_width"], heic["image_height"]) == (640, 480)    # from EXIF PixelX/YDimension


def test_selected_by_magic_not_extension(tmp_path):
    # A JPEG named .dat and a PNG named .jpg are read as what they are.
    assert _point(_run(tmp_path, "cache_0001.dat", P.jpeg(_block())))["latitude"] > 43
    assert _point(_run(tmp_path, "photo.jpg", P.png(_block())))["latitude"] > 43
    heads = {name: data[:64] for name, data in (("jpeg", P.jpeg(_block())), ("png", P.png(_block())),
                                                 ("webp", P.webp(_block())), ("heif", P.heif(_block())),
                                                 ("tiff", P.tiff_image(1.0, 1.0)))}
    for kind, head in heads.items():
        assert any(select.matches_head(head) and select.matches_path("x/renamed.bin") for select in ExifGps.selects), kind
        assert detect(head) is not None
    assert not any(select.matches_head(b"SQLite format 3\x00" + bytes(48)) for select in ExifGps.selects)


def test_photo_without_gps_yields_nothing_and_no_warning(tmp_path):
    for name, data in (("nogps.jpg", P.jpeg(P.photo_exif(None, None, date_time_original="2020:01:01 10:00:00"))),
                       ("noexif.jpg", P.jpeg(None)), ("nogps.png", P.png(None)), ("nogps.webp", P.webp(None))):
        result = _run(tmp_path, name, data)
        assert (result.status, result.artifacts, result.warnings) == ("ok", [], []), name


# --- times ---------------------------------------------------------------------------------------

def test_without_gps_time_the_offset_places_date_time_original_in_utc(tmp_path):
    point = _point(_run(tmp_path, "p.jpg", P.jpeg(_block(gps_time=None, offset_time_original="-05:30"))))
    # 16:28:39 at UTC-05:30 is 21:58:39 UTC (computed by hand).
    assert point["time"] == {"utc": "2008-10-22T21:58:39Z", "raw": "2008:10:22 16:28:39 -05:30",
                             "encoding": "exif_datetime_original_offset", "status": "ok"}
    assert point["local_time"] == "2008-10-22T16:28:39-05:30"


def test_date_time_original_without_offset_is_not_guessed_into_utc(tmp_path):
    point = _point(_run(tmp_path, "p.jpg", P.jpeg(_block(gps_time=None, offset_time_original=None))))
    assert point["time"] == {"utc": None, "raw": "2008:10:22 16:28:39", "encoding": "exif_wallclock_no_zone",
                             "status": "unparsable"}
    assert point["local_time"] == "2008-10-22T16:28:39"


def test_gps_time_alone_is_shown_in_the_zone_at_the_point(tmp_path):
    point = _point(_run(tmp_path, "p.jpg", P.jpeg(_block(date_time_original=None, offset_time_original=None))))
    assert point["time"]["utc"] == "2008-10-23T14:27:07.240000Z"
    assert point["local_time"] == "2008-10-23T16:27:07.240000+02:00"   # Europe/Rome in October: CEST


# --- impossible points and bad input --------------------------------------------------------------

def _gps_only(entries):
    return P.jpeg(P.exif_tiff([P.ascii_entry(P.MODEL, "X")], [], entries))


@pytest.mark.parametrize("entries, why", [
    ([P.ascii_entry(1, "N"), P.Entry(2, P.RATIONAL, ((0, 1), (0, 1), (0, 1))), P.ascii_entry(3, "E"),
      P.Entry(4, P.RATIONAL, ((0, 1), (0, 1), (0, 1)))], "both 0"),
    ([P.ascii_entry(1, "N"), P.Entry(2, P.RATIONAL, ((95, 1), (0, 1), (0, 1))), P.ascii_entry(3, "E"),
      P.Entry(4, P.RATIONAL, ((10, 1), (0, 1), (0, 1)))], "beyond ±90"),
    ([P.ascii_entry(1, "S"), P.Entry(2, P.RATIONAL, ((10, 1), (0, 1), (0, 1))), P.ascii_entry(3, "W"),
      P.Entry(4, P.RATIONAL, ((200, 1), (0, 1), (0, 1)))], "beyond ±180"),
    ([P.ascii_entry(1, "N"), P.Entry(2, P.RATIONAL, ((43, 1), (28, 0), (0, 1))), P.ascii_entry(3, "E"),
      P.Entry(4, P.RATIONAL, ((11, 1), (53, 1), (0, 1)))], "denominator 0"),
    ([P.ascii_entry(1, "N"), P.Entry(2, P.DOUBLE, (float("nan"),)), P.ascii_entry(3, "E"),
      P.Entry(4, P.DOUBLE, (11.0,))], "not a number"),
    ([P.ascii_entry(1, "N"), P.Entry(2, P.RATIONAL, ((43, 1), (28, 1), (0, 1)))], "without a longitude"),
])
def test_impossible_points_are_rejected_with_a_warning(tmp_path, entries, why):
    result = _run(tmp_path, "bad.jpg", _gps_only(entries))
    assert result.status == "ok"
    assert result.artifacts == []
    rejected = [w for w in result.warnings if w.code == "geo.impossible_point"]
    assert len(rejected) == 1 and why in rejected[0].message, result.warnings


def test_missing_hemisphere_reference_is_read_as_north_east_with_a_note(tmp_path):
    entries = [P.Entry(2, P.RATIONAL, P.dms(LAT)), P.Entry(4, P.RATIONAL, P.dms(LON))]
    result = _run(tmp_path, "noref.jpg", _gps_only(entries))
    point = _point(result)
    assert point["latitude"] > 0 and point["longitude"] > 0
    assert [w.code for w in result.warnings] == ["exif.gps_note", "exif.gps_note"]


def test_truncated_jpeg_keeps_its_point_and_says_it_is_cut(tmp_path):
    data = P.jpeg(_block(), width=256, height=256)
    result = _run(tmp_path, "cut.jpg", data[:-40])
    assert len(result.data("geo_point")) == 1
    assert [w.code for w in result.warnings] == ["image.truncated"]


def test_jpeg_cut_inside_its_exif_segment(tmp_path):
    data = P.jpeg(_block())
    result = _run(tmp_path, "cut.jpg", data[:60])
    assert result.status == "ok" and result.artifacts == []
    assert [w.code for w in result.warnings] == ["image.truncated"]


def test_stray_marker_in_the_scan_is_reported(tmp_path):
    data = bytearray(P.jpeg(_block(), width=64, height=64))
    eoi = len(data) - 2
    data[eoi - 2:eoi] = b"\xff\x9f"
    result = _run(tmp_path, "corrupt.jpg", bytes(data))
    assert len(result.data("geo_point")) == 1
    assert [w.code for w in result.warnings] == ["image.corrupt"]
    assert result.warnings[0].locator == {"offset": eoi - 2}


@pytest.mark.parametrize("name, data", [
    ("empty.jpg", b"\xff\xd8\xff"),
    ("garbage.jpg", b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00garbage!" + bytes(200)),
    ("bad-tiff.jpg", P.jpeg(b"II*\x00" + struct.pack("<I", 0xFFFFFFF0) + bytes(40))),
    ("short.png", P.png(_block())[:50]),
    ("badcrc.png", P.png(_block()).replace(b"eXIf", b"eXIf", 1)[:-20] + bytes(20)),
    ("short.webp", P.webp(_block())[:30]),
    ("short.heic", P.heif(_block())[:100]),
    ("short.tif", P.tiff_image(LAT, LON)[:20]),
])
def test_damaged_files_give_warnings_not_exceptions(tmp_path, name, data):
    result = _run(tmp_path, name, data)
    assert result.status == "ok", result.warnings
    assert all(w.code != "plugin.error" for w in result.warnings), result.warnings


def test_recursive_and_huge_ifds_are_bounded(tmp_path):
    loops = [
        P.exif_tiff([P.ascii_entry(P.MAKE, "Loop")], None, None, ifd0_next=8),              # IFD0 -> itself
        P.exif_tiff([P.ascii_entry(P.MAKE, "Loop")], None, None, gps_pointer=8),            # GPS -> IFD0
        P.exif_tiff([P.ascii_entry(P.MAKE, "Loop")], None, None, exif_pointer=8),           # Exif -> IFD0
        P.exif_tiff([P.Entry(P.MAKE, P.ASCII, b"x", count=0xFFFFFFFF, offset=0x7FFFFFF0),
                     P.Entry(P.MODEL, P.RATIONAL, ((1, 1),), count=999, offset=8)], [], []),  # absurd counts
        P.exif_tiff([P.Entry(0x0111, P.LONG, (8,), count=60_000, offset=8)], [], []),         # 60,000 values
    ]
    for index, block in enumerate(loops):
        started = time.monotonic()
        result = _run(tmp_path, f"loop{index}.jpg", P.jpeg(block))
        assert time.monotonic() - started < 5, index
        assert result.status == "ok" and result.artifacts == [], (index, result.warnings)


def test_exifread_complaints_become_warnings_not_stderr(tmp_path, capsys):
    # GPSInfo with no value, as in the corpus's 45-gps_ifd.jpg.
    block = P.exif_tiff([P.Entry(P.GPS_IFD, P.LONG, (), count=0)], [], None)
    result = _run(tmp_path, "empty-gps.jpg", P.jpeg(block))
    assert result.artifacts == []
    assert [w.code for w in result.warnings] == ["exif.malformed"]
    assert "GPSInfo" in result.warnings[0].message
    assert capsys.readouterr().err == ""


def test_nonstandard_formats_are_flagged(tmp_path):
    exif = [P.ascii_entry(P.EXIF_VERSION, "0220"), P.ascii_entry(P.DATETIME_ORIGINAL, "2011:08:25 15:09:41")]
    block = P.exif_tiff([P.ascii_entry(P.MODEL, "Canon PowerShot G9")], exif, None)
    result = _run(tmp_path, "gimp.jpg", P.jpeg(block))
    assert [w.code for w in result.warnings] == ["exif.nonstandard"]
    assert "ExifVersion stored as ASCII (standard: UNDEFINED)" in result.warnings[0].message


def test_xmp_position_when_exif_has_none(tmp_path):
    xmp = (b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
           b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/" '
           b'xmlns:tiff="http://ns.adobe.com/tiff/1.0/" exif:GPSLatitude="33,51.408S" tiff:Model="Pixel 7">'
           b'<exif:GPSLongitude>151,12,55.08E</exif:GPSLongitude><exif:GPSAltitude>5/1</exif:GPSAltitude>'
           b'<exif:GPSTimeStamp>2024-01-02T03:04:05Z</exif:GPSTimeStamp>'
           b'<exif:DateTimeOriginal>2024-01-02T14:04:05+11:00</exif:DateTimeOriginal>'
           b'</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>')
    point = _point(_run(tmp_path, "xmp.jpg", P.jpeg(None, xmp=xmp)))
    assert point["origin"] == "xmp"
    assert math.isclose(point["latitude"], -(33 + 51.408 / 60), abs_tol=1e-9)
    assert math.isclose(point["longitude"], 151 + 12 / 60 + 55.08 / 3600, abs_tol=1e-9)
    assert point["altitude"] == 5.0 and point["camera_model"] == "Pixel 7"
    assert point["time"]["utc"] == "2024-01-02T03:04:05Z"
    assert point["local_time"] == "2024-01-02T14:04:05+11:00"


# --- the corpus, against ExifTool ------------------------------------------------------------------

def _exiftool_summary() -> list[dict[str, str]]:
    summary = corpus_path("exif", "EXIFTOOL_SUMMARY.tsv")
    with open(summary, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _exiftool_txt(path: Path) -> dict[str, str]:
    values = {}
    for line in Path(str(path) + ".exiftool.txt").read_text(encoding="utf-8").splitlines():
        name, _colon, value = line.partition(":")
        values[name.strip()] = value.strip()
    return values


def _corpus_rows():
    summary = CORPUS / "exif" / "EXIFTOOL_SUMMARY.tsv"
    if not summary.exists():
        return [pytest.param(None, id="corpus-absent")]
    with open(summary, encoding="utf-8", newline="") as handle:
        return [pytest.param(row, id=Path(row["rel_path"]).name) for row in csv.DictReader(handle, delimiter="\t")]


# What our checks find in the four "corrupt" samples, and why (checked by hand with ExifTool
# -validate 12.57 and libjpeg-turbo's djpeg -strict):
# - 33-type_error.jpg: GIMP rewrote the EXIF with ExifVersion/FlashpixVersion as ASCII and a
#   one-byte ComponentsConfiguration (ExifTool -validate reports the same three fields);
# - corrupted.jpg: a stray 0xFF9F inside the scan (djpeg: "Corrupt JPEG data: premature end of
#   data segment");
# - image00971.jpg, image02206.jpg: valid JPEGs with an XMP-only APP1 (kept in exif-py's
#   "invalid" folder because old exifread versions failed on them); ExifTool -validate says OK
#   and djpeg decodes them cleanly, so there is nothing true to warn about.
CORRUPT_WARNINGS = {"33-type_error.jpg": ["exif.nonstandard"], "corrupted.jpg": ["image.corrupt"],
                    "image00971.jpg": [], "image02206.jpg": []}
# 45-gps_ifd.jpg has a GPSInfo pointer with no value (ExifTool: "Empty GPSInfo data").
OTHER_WARNINGS = {"45-gps_ifd.jpg": ["exif.malformed"]}


@pytest.mark.corpus
@pytest.mark.parametrize("row", _corpus_rows())
def test_corpus_matches_exiftool(row):
    if row is None:
        pytest.skip(f"corpus not available: {CORPUS / 'exif'}")
    path = corpus_path(row["rel_path"])
    oracle = _exiftool_txt(path)
    result = run_on_file(ExifGps, path)
    assert result.status == "ok"
    points = result.data("geo_point")
    if row["GPSLatitude"] == "-":
        assert "GPS Latitude" not in oracle
        assert points == []
    else:
        assert len(points) == 1
        point = points[0]
        for ours, summary_value, text_value in ((point["latitude"], row["GPSLatitude"], oracle["GPS Latitude"]),
                                                (point["longitude"], row["GPSLongitude"], oracle["GPS Longitude"])):
            assert float(summary_value) == float(text_value)
            assert abs(ours - float(summary_value)) <= 1e-6
        # DateTimeOriginal as ExifTool prints it ("YYYY:MM:DD HH:MM:SS"), from our local_time.
        ours_dto = point["local_time"][:19].replace("-", ":", 2).replace("T", " ")
        assert ours_dto == row["DateTimeOriginal"] == oracle["Date/Time Original"]
        assert point["camera_model"] == row["Model"] == oracle["Camera Model Name"]
    name = Path(row["rel_path"]).name
    expected = CORRUPT_WARNINGS.get(name, OTHER_WARNINGS.get(name, []))
    assert [w.code for w in result.warnings] == expected, result.warnings


@pytest.mark.corpus
def test_corpus_spot_values():
    path = corpus_path("exif", "exif-samples", "gps", "iphone_hdr_YES.jpg")
    point = _point(run_on_file(ExifGps, path))
    # GPS 40°26'49.1"N 3°43'29.11"W, altitude 11513/18 m, GPS time 18:12:1153/50 on 2015:04:10
    # (exifread's raw tags, read by hand): the UTC time is 18:12:23.06, local 20:12:23 in Madrid.
    assert point["time"]["utc"] == "2015-04-10T18:12:23.060000Z"
    assert math.isclose(point["altitude"], 11513 / 18)
    assert point["local_time"] == "2015-04-10T20:12:23"
    assert (point["time_zone"], point["country_code"]) == ("Europe/Madrid", "ES")
    drone = _point(run_on_file(ExifGps, corpus_path("exif", "plaso", "testimage.jpg")))
    assert drone["time"]["utc"] is None and drone["time"]["raw"] == "2023:08:01 23:19:48"
    assert drone["altitude"] == 266.603 and drone["camera_make"] == "DJI"


@pytest.mark.corpus
def test_corpus_file_renamed_is_still_read(tmp_path):
    source = corpus_path("exif", "exif-samples", "gps", "DSCN0010.jpg")
    renamed = tmp_path / "thumbcache_0042.bin"
    renamed.write_bytes(source.read_bytes())
    point = _point(run_on_file(ExifGps, renamed))
    assert abs(point["latitude"] - 43.4674483333333) < 1e-6


def test_png_exif_chunk_with_a_bad_crc_is_flagged(tmp_path):
    data = bytearray(P.png(_block()))
    at = data.index(b"COOLPIX")
    data[at] = ord("K")                         # edit the EXIF inside the chunk, leave its CRC
    result = _run(tmp_path, "edited.png", bytes(data))
    assert _point(result)["camera_model"] == "KOOLPIX P6000"
    assert [w.code for w in result.warnings] == ["image.corrupt"]
    assert "CRC" in result.warnings[0].message


# --- the offline place lookups the plugin uses ------------------------------------------------------

def test_nearest_place_is_great_circle_nearest_across_the_antimeridian():
    from forensic_triage.geo import places

    # Just east of 180°: the nearest listed places are in Fiji, west of the line, not in the Americas.
    west, east = places.nearest_place(-16.5, 179.99), places.nearest_place(-16.5, -179.99)
    assert west.country_code == east.country_code == "FJ"
    assert east.distance_km < 100
    assert places.zone_at(-16.5, -179.99) == "Pacific/Fiji"
    assert places.zone_at(0.0, -30.0) == "Etc/GMT+2"            # open sea: a nautical zone (UTC-2)
    assert places.local_time("2024-07-01T12:00:00Z", "Etc/GMT+2") == "2024-07-01T10:00:00-02:00"
    assert places.point_info(95.0, 0.0) == places.PointInfo(place_name=None, country_code=None, time_zone=None)


def test_without_the_gazetteer_there_are_no_place_names_and_no_download(monkeypatch, tmp_path):
    from forensic_triage.geo import places

    monkeypatch.setattr(places, "_GAZETTEER", None)
    monkeypatch.setattr(places, "_data_folder", lambda: None)
    assert places.nearest_place(43.46, 11.88) is None
    point = _point(_run(tmp_path, "p.jpg", P.jpeg(_block())))
    assert point["place_name"] is None and point["time_zone"] == "Europe/Rome"
