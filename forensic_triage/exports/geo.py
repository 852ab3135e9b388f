"""Geo points of a case as KML 2.2, GeoJSON (RFC 7946) or CSV.

Rows are read from the case store (`artifacts` where kind = 'geo_point', data and provenance as
JSON) in time order (points without a UTC time last, then by artifact id) and written one at a
time. Every point carries its provenance: exhibit, path, inode, deleted flag, file SHA-256,
plugin@version, locator, artifact id and digest.

- KML: one Placemark per point, elements in the order the OGC KML 2.2 schema (ogckml22.xsd)
  requires: name, description (an HTML table: time UTC and local, place, origin, camera,
  provenance, the photo's path), TimeStamp, styleUrl, ExtendedData, Point. Coordinates are
  lon,lat[,alt]; the point is clamped to the ground (GPS altitude is kept in the data, but
  a photo placemark drawn at a noisy GPS height would float or sink).
- GeoJSON: a FeatureCollection of Point features with [lon, lat(, alt)] positions and the
  fields as properties; no "crs" member (RFC 7946 §4: WGS 84 only).
- CSV: one row per point, fixed columns (CSV_COLUMNS). Text cells that a spreadsheet would
  run as a formula (starting with = + - @ or a tab/carriage return) are prefixed with an
  apostrophe; numbers are written as numbers.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape as html_escape
from typing import Any, TextIO
from xml.sax.saxutils import escape as xml_escape

from forensic_triage.store.case_store import CaseStore

KML_NS = "http://www.opengis.net/kml/2.2"
FORMATS = ("kml", "geojson", "csv")

CSV_COLUMNS = ("artifact_id", "latitude", "longitude", "altitude", "accuracy_m", "time_utc", "time_raw",
               "time_encoding", "time_status", "local_time", "time_zone", "place_name", "country_code", "origin",
               "camera_make", "camera_model", "image_width", "image_height", "evidence", "partition_offset", "path",
               "inode", "deleted", "sha256", "plugin", "plugin_version", "locator", "digest")
_NUMERIC = {"artifact_id", "latitude", "longitude", "altitude", "accuracy_m", "image_width", "image_height",
            "partition_offset"}

# Placemark colours per origin family (KML colours are aabbggrr).
_STYLES = {"exif": "ff2a2ad6", "xmp": "ff2a2ad6", "video": "ffd6772a", "app": "ff2ab02a"}


@dataclass(frozen=True)
class GeoRow:
    artifact_id: int
    data: dict[str, Any]
    provenance: dict[str, Any]
    digest: str

    @property
    def latitude(self) -> float:
        return float(self.data["latitude"])

    @property
    def longitude(self) -> float:
        return float(self.data["longitude"])

    @property
    def altitude(self) -> float | None:
        value = self.data.get("altitude")
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    @property
    def time(self) -> dict[str, Any]:
        return self.data.get("time") or {}

    @property
    def time_utc(self) -> str | None:
        return self.time.get("utc")

    @property
    def origin(self) -> str:
        return str(self.data.get("origin") or "")

    @property
    def style(self) -> str:
        return self.origin if self.origin in ("exif", "xmp", "video") else "app"

    @property
    def file_name(self) -> str:
        return str(self.provenance.get("path") or "").rsplit("/", 1)[-1]

    @property
    def title(self) -> str:
        if self.origin in ("exif", "xmp", "video") and self.file_name:
            return self.file_name
        return f"{self.origin} {self.time_utc or ''}".strip()

    def locator_text(self) -> str:
        locator = self.provenance.get("locator") or {}
        return ", ".join(f"{key}={value}" for key, value in sorted(locator.items()))

    def fields(self) -> dict[str, Any]:
        """The flat record every format writes (CSV_COLUMNS)."""
        data, prov, time = self.data, self.provenance, self.time
        return {"artifact_id": self.artifact_id, "latitude": self.latitude, "longitude": self.longitude,
                "altitude": self.altitude, "accuracy_m": data.get("accuracy_m"), "time_utc": time.get("utc"),
                "time_raw": time.get("raw"), "time_encoding": time.get("encoding"), "time_status": time.get("status"),
                "local_time": data.get("local_time"), "time_zone": data.get("time_zone"),
                "place_name": data.get("place_name"), "country_code": data.get("country_code"),
                "origin": data.get("origin"), "camera_make": data.get("camera_make"),
                "camera_model": data.get("camera_model"), "image_width": data.get("image_width"),
                "image_height": data.get("image_height"), "evidence": prov.get("evidence"),
                "partition_offset": prov.get("partition_offset"), "path": prov.get("path"),
                "inode": prov.get("inode"), "deleted": prov.get("deleted"), "sha256": prov.get("sha256"),
                "plugin": prov.get("plugin"), "plugin_version": prov.get("plugin_version"),
                "locator": self.locator_text(), "digest": self.digest}


def iter_geo_rows(store: CaseStore) -> Iterator[GeoRow]:
    """Geo points in time order (no UTC time last), streamed from the store."""
    cursor = store.conn.execute(
        "SELECT id, data, provenance, digest FROM artifacts WHERE kind = 'geo_point' "
        "ORDER BY json_extract(data, '$.time.utc') IS NULL, json_extract(data, '$.time.utc'), id")
    for artifact_id, data, provenance, digest in cursor:
        try:
            row = GeoRow(artifact_id=artifact_id, data=json.loads(data), provenance=json.loads(provenance),
                         digest=digest)
            if not (math.isfinite(row.latitude) and math.isfinite(row.longitude)):
                continue
        except (ValueError, KeyError, TypeError):
            continue                       # a row without usable coordinates is not a point
        yield row


# --- KML --------------------------------------------------------------------------------------------

def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _number(value: float) -> str:
    return repr(float(value))


def _kml_description(row: GeoRow) -> str:
    fields = row.fields()
    time = row.time
    utc = time.get("utc") or (f"not placed in UTC ({time.get('status')}): raw {time.get('raw')!s}" if time else "")
    local = fields["local_time"] or ""
    if local and fields["time_zone"]:
        local += f" ({fields['time_zone']})"
    camera = " ".join(part for part in (fields["camera_make"], fields["camera_model"]) if part)
    size = (f"{fields['image_width']} × {fields['image_height']}"
            if fields["image_width"] and fields["image_height"] else "")
    position = f"{row.latitude:.7f}, {row.longitude:.7f}"
    if row.altitude is not None:
        position += f", {row.altitude:.1f} m"
    if fields["accuracy_m"] is not None:
        position += f" (±{fields['accuracy_m']} m)"
    lines = [("Position", position), ("Time (UTC)", utc), ("Local time", local),
             ("Time as recorded", f"{time.get('raw')} [{time.get('encoding')}]" if time.get("raw") else ""),
             ("Place (offline gazetteer)", fields["place_name"] or ""), ("Origin", fields["origin"] or ""),
             ("Camera", camera), ("Image size", size),
             ("Exhibit", fields["evidence"] or ""), ("Path", fields["path"] or ""),
             ("Inode", fields["inode"] or ""), ("Deleted", "yes" if fields["deleted"] else "no"),
             ("File SHA-256", fields["sha256"] or ""),
             ("Plugin", f"{fields['plugin']}@{fields['plugin_version']}"), ("Locator", fields["locator"]),
             ("Artifact", f"#{row.artifact_id}, digest {row.digest}")]
    cells = "".join(f"<tr><th align=\"left\">{html_escape(label)}</th><td>{html_escape(str(value))}</td></tr>"
                    for label, value in lines if value not in ("", None))
    return f"<table>{cells}</table>"


def write_kml(rows: Iterator[GeoRow], out: TextIO, *, title: str = "Geo points") -> int:
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(f'<kml xmlns="{KML_NS}">\n<Document>\n')
    out.write(f"  <name>{xml_escape(title)}</name>\n  <open>1</open>\n")
    out.write("  <description>Exported by forensic-triage. Times in UTC; local times in the zone at each point. "
              "Each placemark lists the evidence it was read from.</description>\n")
    for style, colour in _STYLES.items():
        out.write(f'  <Style id="{style}"><IconStyle><color>{colour}</color><scale>1.1</scale></IconStyle>'
                  f"</Style>\n")
    count = 0
    for row in rows:
        fields = row.fields()
        out.write(f'  <Placemark id="a{row.artifact_id}">\n')
        out.write(f"    <name>{xml_escape(row.title)}</name>\n")
        out.write(f"    <description>{_cdata(_kml_description(row))}</description>\n")
        if row.time_utc:
            out.write(f"    <TimeStamp><when>{xml_escape(row.time_utc)}</when></TimeStamp>\n")
        out.write(f"    <styleUrl>#{row.style}</styleUrl>\n")
        out.write("    <ExtendedData>\n")
        for key in CSV_COLUMNS:
            value = fields[key]
            if value is None or value == "":
                continue
            out.write(f'      <Data name="{key}"><value>{xml_escape(_plain(value))}</value></Data>\n')
        out.write("    </ExtendedData>\n")
        coordinates = f"{_number(row.longitude)},{_number(row.latitude)}"
        if row.altitude is not None:
            coordinates += f",{_number(row.altitude)}"
        out.write(f"    <Point><coordinates>{coordinates}</coordinates></Point>\n")
        out.write("  </Placemark>\n")
        count += 1
    out.write("</Document>\n</kml>\n")
    return count


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


# --- GeoJSON ----------------------------------------------------------------------------------------

def write_geojson(rows: Iterator[GeoRow], out: TextIO) -> int:
    out.write('{"type": "FeatureCollection", "features": [\n')
    count = 0
    for row in rows:
        position = [row.longitude, row.latitude] + ([row.altitude] if row.altitude is not None else [])
        properties = row.fields()
        properties["time"] = row.time or None
        feature = {"type": "Feature", "id": row.artifact_id, "geometry": {"type": "Point", "coordinates": position},
                   "properties": properties}
        out.write((",\n" if count else "") + json.dumps(feature, ensure_ascii=False, allow_nan=False))
        count += 1
    out.write("\n]}\n")
    return count


# --- CSV --------------------------------------------------------------------------------------------

def _cell(key: str, value: Any) -> Any:
    if value is None:
        return ""
    if key in _NUMERIC or isinstance(value, (int, float)) and not isinstance(value, bool):
        return _plain(value)
    text = _plain(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text          # a spreadsheet must not run evidence text as a formula
    return text


def write_csv(rows: Iterator[GeoRow], out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for row in rows:
        fields = row.fields()
        writer.writerow([_cell(key, fields[key]) for key in CSV_COLUMNS])
        count += 1
    return count


def export_geo(store: CaseStore, fmt: str, out: TextIO) -> int:
    """Write every geo point of the case to ``out`` in ``fmt``; return how many."""
    rows = iter_geo_rows(store)
    if fmt == "kml":
        info = store.case_info()
        title = f"Geo points, case {info.get('case_number') or ''}".strip().rstrip(",")
        return write_kml(rows, out, title=title)
    if fmt == "geojson":
        return write_geojson(rows, out)
    if fmt == "csv":
        return write_csv(rows, out)
    raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
