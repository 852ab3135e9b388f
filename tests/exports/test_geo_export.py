"""`forensic-triage export --kind geo`: KML 2.2, GeoJSON (RFC 7946) and CSV from a real case.

The case is made the way a user makes one: photos and a movie written by our own builder,
added as a folder, ingested with the plugins. The KML is checked against the element order of
the OGC KML 2.2 schema here, and validated against the schema itself (ogckml22.xsd) when a copy
is available offline: set FORENSIC_TRIAGE_KML_XSD to it, or have `fastkml`/`pykml` installed
(both ship it).
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import xml.etree.ElementTree as ElementTree
from datetime import datetime, timezone
from pathlib import Path

import pytest

from forensic_triage.demo.apps import photos as P
from forensic_triage.exports.geo import CSV_COLUMNS, export_geo
from forensic_triage.store.case_store import CaseStore
from tests.conftest import add_and_ingest, new_case, run_cli

K = "{http://www.opengis.net/kml/2.2}"
# Element order of kml:AbstractFeatureType, kml:PlacemarkType and kml:DocumentType in ogckml22.xsd.
FEATURE_ORDER = ["name", "visibility", "open", "{http://www.w3.org/2005/Atom}author",
                 "{http://www.w3.org/2005/Atom}link", "address", "AddressDetails", "phoneNumber", "Snippet",
                 "description", "LookAt", "Camera", "TimeStamp", "TimeSpan", "styleUrl", "Style", "StyleMap", "Region",
                 "Metadata", "ExtendedData"]
PLACEMARK_ORDER = FEATURE_ORDER + ["Point", "LineString", "LinearRing", "Polygon", "MultiGeometry", "Model"]
DOCUMENT_ORDER = FEATURE_ORDER + ["Schema", "Placemark", "Folder", "Document", "NetworkLink", "GroundOverlay"]
POINT_ORDER = ["extrude", "altitudeMode", "coordinates"]

T = datetime(2026, 2, 27, 11, 48, 40, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    root = tmp_path_factory.mktemp("geo-export")
    evidence = root / "evidence"
    P.write_demo_photos(evidence / "DCIM" / "100APPLE")
    block = P.photo_exif(-22.9519, -43.2105, altitude=700.0, gps_time=T, date_time_original="2026:02:27 08:48:40",
                         offset_time_original="-03:00", make='=HYPERLINK("http://example.invalid")',
                         model="Evil <Cam> & ]]> co")
    (evidence / "DCIM" / "100APPLE" / "IMG_0200.JPG").write_bytes(P.jpeg(block))
    store = new_case(root / "case")
    try:
        add_and_ingest(store, evidence, plugins=True, jobs=1)
    finally:
        store.close()
    return root / "case"


def _export(case_dir: Path, fmt: str) -> str:
    store = CaseStore.open(case_dir)          # a reader: no lock, as the GUI or a report would read
    try:
        out = io.StringIO()
        export_geo(store, fmt, out)
        return out.getvalue()
    finally:
        store.close()


def _in_order(children, order) -> bool:
    names = [child.tag.replace(K, "") for child in children]
    positions = [order.index(name) for name in names]      # ValueError: an element the schema does not allow
    return positions == sorted(positions)


def test_kml_structure(case):
    text = _export(case, "kml")
    root = ElementTree.fromstring(text.encode("utf-8"))
    assert root.tag == K + "kml"
    (document,) = list(root)
    assert document.tag == K + "Document" and _in_order(list(document), DOCUMENT_ORDER)
    placemarks = document.findall(K + "Placemark")
    assert len(placemarks) == 5                      # 3 geotagged demo photos + 1 movie + the Rio photo
    ids = set()
    for placemark in placemarks:
        assert _in_order(list(placemark), PLACEMARK_ORDER), [c.tag for c in placemark]
        point = placemark.find(K + "Point")
        assert _in_order(list(point), POINT_ORDER)
        lon, lat, *alt = (float(v) for v in point.findtext(K + "coordinates").split(","))
        data = {d.get("name"): d.findtext(K + "value") for d in placemark.iter(K + "Data")}
        assert (lat, lon) == (float(data["latitude"]), float(data["longitude"]))    # lon,lat order
        assert placemark.findtext(K + "TimeStamp/" + K + "when") == data["time_utc"]
        description = placemark.findtext(K + "description")
        for needed in (data["path"], data["sha256"], f"{data['plugin']}@{data['plugin_version']}", "Exhibit"):
            assert needed in description
        ids.add(placemark.get("id"))
    assert len(ids) == 5
    names = [p.findtext(K + "name") for p in placemarks]
    assert names == ["IMG_0101.JPG", "IMG_0102.JPG", "IMG_0200.JPG", "IMG_0103.JPG", "IMG_0105.MOV"]  # by time
    rio = placemarks[2]
    assert "Evil &lt;Cam&gt; &amp; ]]&gt; co" in rio.findtext(K + "description")   # escaped inside CDATA
    assert rio.find(K + "Point/" + K + "coordinates").text.startswith("-43.2105")


def _kml_xsd() -> Path | None:
    configured = os.environ.get("FORENSIC_TRIAGE_KML_XSD")
    if configured and Path(configured).is_file():
        return Path(configured)
    for package, folder in (("fastkml", "schema"), ("pykml", "schemas")):
        spec = importlib.util.find_spec(package)
        if spec and spec.submodule_search_locations:
            for location in spec.submodule_search_locations:
                candidate = Path(location) / folder / "ogckml22.xsd"
                if candidate.is_file():
                    return candidate
    return None


def test_kml_validates_against_the_ogc_schema(case):
    xsd = _kml_xsd()
    if xsd is None:
        pytest.skip("no offline copy of ogckml22.xsd: set FORENSIC_TRIAGE_KML_XSD or install fastkml/pykml")
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(xsd)))
    document = etree.fromstring(_export(case, "kml").encode("utf-8"))
    assert schema.validate(document), schema.error_log


def test_geojson(case):
    collection = json.loads(_export(case, "geojson"))
    assert collection["type"] == "FeatureCollection" and "crs" not in collection
    features = collection["features"]
    assert len(features) == 5
    for feature in features:
        lon, lat = feature["geometry"]["coordinates"][:2]
        assert feature["geometry"]["type"] == "Point"
        assert (lat, lon) == (feature["properties"]["latitude"], feature["properties"]["longitude"])
        assert feature["id"] == feature["properties"]["artifact_id"]
        assert feature["properties"]["sha256"] and feature["properties"]["plugin"]
    rio = next(f for f in features if f["properties"]["path"].endswith("IMG_0200.JPG"))
    assert rio["geometry"]["coordinates"] == pytest.approx([-43.2105, -22.9519, 700.0], abs=1e-6)
    assert rio["properties"]["local_time"] == "2026-02-27T08:48:40-03:00"
    assert rio["properties"]["time"]["encoding"] == "exif_gps_utc"


def test_csv(case):
    rows = list(csv.reader(io.StringIO(_export(case, "csv"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    records = [dict(zip(CSV_COLUMNS, row)) for row in rows[1:]]
    assert len(records) == 5
    rio = next(r for r in records if r["path"].endswith("IMG_0200.JPG"))
    assert float(rio["latitude"]) == pytest.approx(-22.9519, abs=1e-6)      # numbers stay numbers
    assert rio["camera_make"] == '\'=HYPERLINK("http://example.invalid")'    # never a live formula
    assert rio["evidence"] == "E001" and rio["plugin"] == "media.exif_gps" and len(rio["sha256"]) == 64
    movie = next(r for r in records if r["path"].endswith(".MOV"))
    assert movie["origin"] == "video" and movie["locator"].startswith("length=")


def test_empty_case_exports_valid_empty_documents(tmp_path):
    new_case(tmp_path / "empty").close()
    case_dir = tmp_path / "empty"
    assert json.loads(_export(case_dir, "geojson")) == {"type": "FeatureCollection", "features": []}
    assert ElementTree.fromstring(_export(case_dir, "kml").encode()).find(K + "Document") is not None
    assert _export(case_dir, "csv").splitlines() == [",".join(CSV_COLUMNS)]


def test_cli_export(case, tmp_path):
    case_dir = case
    out = tmp_path / "points.kml"
    done = run_cli("export", case_dir, "--kind", "geo", "--format", "kml", "--out", out)
    assert done.returncode == 0, done.stderr
    assert "Exported 5 geo points as kml" in done.stdout
    assert ElementTree.parse(out).getroot().tag == K + "kml"
    again = run_cli("export", case_dir, "--kind", "geo", "--format", "kml", "--out", out)
    assert again.returncode == 2 and "already exists" in again.stderr
    wrong = run_cli("export", case_dir, "--kind", "contacts", "--format", "kml")
    assert wrong.returncode == 2
    streamed = run_cli("export", case_dir, "--kind", "geo", "--format", "geojson")
    assert streamed.returncode == 0 and len(json.loads(streamed.stdout)["features"]) == 5
    custody = run_cli("custody", case_dir, "--json")
    exports = [json.loads(line) for line in custody.stdout.splitlines() if '"export"' in line]
    assert [entry["details"]["format"] for entry in exports][-2:] == ["kml", "geojson"]
    missing = run_cli("export", tmp_path / "no-case", "--kind", "geo", "--format", "csv")
    assert missing.returncode == 2 and "no case" in missing.stderr
