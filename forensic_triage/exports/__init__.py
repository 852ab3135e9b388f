"""Exports of a case's artifacts for other tools, read from the case store and written as a
stream (one row at a time, so a case with millions of artifacts exports in bounded memory).

`geo` writes geo points as KML 2.2 (Google Earth), GeoJSON (RFC 7946, for QGIS) and CSV,
each point with its full provenance.
"""
