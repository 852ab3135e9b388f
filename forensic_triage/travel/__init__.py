"""Travel bookings: the shared pieces the reservation plugins build on.

- ``schema_org``: schema.org reservation objects (JSON-LD, microdata, KDE Itinerary's calendar
  data) turned into ``Reservation`` artifacts, with times placed on UTC through the zone of
  the departure/arrival place where the source gives no offset.
- ``airports``: IATA airport codes to names, cities, coordinates and time zones, offline
  (``airportsdata``).
- ``dedupe``: one trip per booking across mail, calendar and wallet, each source keeping its
  provenance.
- ``bcbp``: IATA Resolution 792 boarding-pass strings.

The plugins themselves live in ``forensic_triage_plugins`` (mail, HTML, calendar, wallet).
"""
