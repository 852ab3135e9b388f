"""The demo phone's travel evidence: geotagged photos along the trip (London, Amsterdam, Rotterdam,
back to London), the booking confirmation mail (schema.org JSON-LD for the flight and the hotel),
the calendar with the flight and a train, the Wallet pass and the boarding-pass screenshot of the
flight back.

The trip: Sam Carter and Ana Marin fly London Heathrow -> Amsterdam on Friday 6 March 2026, two
hotel rooms are booked under "J. Smith" until Monday, a train goes to Rotterdam on Sunday, and
Sam flies back alone on Monday 9 March.

Pictures are "mosaics" whose 8x8 blocks are each one flat grey: the JPEG encoder's DCT then gives
exact integers (no rounding that could differ between CPUs), so the bytes are the same everywhere.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from forensic_triage.demo.apps import boarding as B
from forensic_triage.demo.apps import photos as P
from forensic_triage.demo.apps import travel as TR
from forensic_triage.demo.story import ANA, OWNER, utc

AGENCY = "Example Travel <bookings@travel.example.com>"
OWNER_MAIL = f"{OWNER.name} <sam.carter@example.com>"

OUTBOUND = {"reservation_number": "7KQ2XR", "airline_code": "ZZ", "airline_name": "Example Air",
            "flight_number": "1201", "departure": "LHR", "arrival": "AMS",
            "departure_time": "2026-03-06T07:55:00+00:00", "arrival_time": "2026-03-06T10:20:00+01:00",
            "booked": "2026-02-27T10:12:00+00:00", "price": "389.40", "currency": "GBP", "broker": "Example Travel"}
OUTBOUND_ANA = TR.FlightBooking(passenger_given=ANA.first, passenger_family=ANA.last or "", seat="14A", **OUTBOUND)
OUTBOUND_SAM = TR.FlightBooking(passenger_given=OWNER.first, passenger_family=OWNER.last or "", seat="14B",
                                **OUTBOUND)
HOTEL = TR.HotelBooking(reservation_number="HX-40217", guest="J. Smith", hotel="Hotel Example Amsterdam",
                        street="Damrak 1", city="Amsterdam", postal_code="1012 LG", country="NL", latitude=52.3765,
                        longitude=4.8979, checkin="2026-03-06T15:00:00+01:00", checkout="2026-03-09T11:00:00+01:00",
                        price="684.00", currency="EUR")
RETURN = TR.FlightBooking(reservation_number="R8M4TZ", passenger_given=OWNER.first,
                          passenger_family=OWNER.last or "", airline_code="ZZ", airline_name="Example Air",
                          flight_number="1208", departure="AMS", arrival="LHR",
                          departure_time="2026-03-09T18:40:00+01:00", arrival_time="2026-03-09T19:05:00+00:00",
                          seat="3C", booked="2026-03-08T19:30:00+00:00", price="142.10", currency="GBP", broker=None)
CHECKED_IN = utc("2026-03-08 20:15")


@dataclass(frozen=True, kw_only=True)
class Photo:
    path: str
    latitude: float | None
    longitude: float | None
    taken: datetime              # UTC
    offset: str                  # the camera's local offset, as OffsetTimeOriginal
    altitude: float | None = None
    deleted: bool = False


CAMERA = "sdcard/DCIM/Camera"
PHOTOS = (
    Photo(path=f"{CAMERA}/IMG_20260306_071012.jpg", latitude=51.4713, longitude=-0.4524,
          taken=utc("2026-03-06 07:10:12"), offset="+00:00", altitude=24.0),           # Heathrow Terminal 5
    Photo(path=f"{CAMERA}/IMG_20260306_124504.jpg", latitude=52.3094, longitude=4.7621,
          taken=utc("2026-03-06 11:45:04"), offset="+01:00", altitude=-3.0),           # Amsterdam Schiphol
    Photo(path=f"{CAMERA}/IMG_20260307_190311.jpg", latitude=52.3731, longitude=4.8926,
          taken=utc("2026-03-07 18:03:11"), offset="+01:00", altitude=2.0),            # Amsterdam, Dam square
    Photo(path=f"{CAMERA}/IMG_20260308_131522.jpg", latitude=51.9244, longitude=4.4690,
          taken=utc("2026-03-08 12:15:22"), offset="+01:00", altitude=5.0),            # Rotterdam Centraal
    Photo(path=f"{CAMERA}/IMG_20260309_203307.jpg", latitude=51.5033, longitude=-0.1196,
          taken=utc("2026-03-09 20:33:07"), offset="+00:00", altitude=11.0),           # London, South Bank
    Photo(path=f"{CAMERA}/IMG_20260307_093000.jpg", latitude=52.3765, longitude=4.8979,
          taken=utc("2026-03-07 08:30:00"), offset="+01:00", deleted=True),           # the hotel: deleted
    Photo(path="sdcard/Pictures/Screenshots/Screenshot_20260305-101500.jpg", latitude=None, longitude=None,
          taken=utc("2026-03-05 10:15:00"), offset="+00:00"),                          # no location
)


def mosaic(seed: str, width: int = 160, height: int = 120):
    """A small deterministic picture: a sky gradient over a skyline whose heights come from
    ``seed``. Every 8x8 block is one flat grey, which keeps the JPEG bytes exact (see above)."""
    import numpy

    columns, rows = width // 8, height // 8
    blocks = numpy.zeros((rows, columns), dtype=numpy.uint8)
    crc = zlib.crc32(seed.encode())
    for column in range(columns):
        skyline = rows - 3 - (zlib.crc32(bytes([column]), crc) % (rows // 2))
        for row in range(rows):
            blocks[row, column] = 200 - row * 4 if row < skyline else 60 + (row + column) % 3 * 12
    return numpy.kron(blocks, numpy.ones((8, 8), dtype=numpy.uint8))


def picture(seed: str) -> bytes:
    return B.jpeg_bytes(mosaic(seed))


def photo_bytes(photo: Photo) -> bytes:
    sign = 1 if photo.offset.startswith("+") else -1
    local = photo.taken + sign * timedelta(hours=int(photo.offset[1:3]), minutes=int(photo.offset[4:6]))
    tiff = P.photo_exif(photo.latitude, photo.longitude, altitude=photo.altitude,
                        gps_time=photo.taken if photo.latitude is not None else None,
                        date_time_original=local.strftime("%Y:%m:%d %H:%M:%S"), offset_time_original=photo.offset,
                        make="Google", model="Pixel 7", width=160, height=120)
    return B.jpeg_bytes(mosaic(photo.path), exif_tiff=tiff)


def booking_mail() -> bytes:
    """The agency's confirmation: two flight reservations (one per traveller) and the hotel."""
    objects = [TR.flight_jsonld(OUTBOUND_ANA), TR.flight_jsonld(OUTBOUND_SAM), TR.hotel_jsonld(HOTEL)]
    return TR.booking_email(objects, subject="Booking confirmed: London - Amsterdam, 6 March (7KQ2XR)",
                            sender=AGENCY, to=OWNER_MAIL, date="2026-02-27T10:14:00+00:00",
                            message_id="<7KQ2XR.20260227101400@travel.example.com>")


def calendar() -> bytes:
    """The phone's exported calendar: the outbound flight (KDE Itinerary style, with its
    schema.org data), the hotel stay and Sunday's train, written only as text."""
    flight = TR.flight_event(OUTBOUND_ANA, departure_zone="Europe/London", arrival_zone="Europe/Amsterdam")
    hotel = TR.CalendarEvent(summary=f"Hotel reservation: {HOTEL.hotel}", start="20260306T150000",
                             end="20260309T110000", tzid="Europe/Amsterdam",
                             location=f"{HOTEL.street}, {HOTEL.postal_code} {HOTEL.city}",
                             geo=(HOTEL.latitude, HOTEL.longitude),
                             description=f"Booking reference: {HOTEL.reservation_number}\nName: {HOTEL.guest}",
                             uid="hotel-HX-40217@example.com")
    train = TR.CalendarEvent(summary="Train IC 2834 from Amsterdam Centraal to Rotterdam Centraal",
                             start="20260308T100000", end="20260308T104200", tzid="Europe/Amsterdam",
                             location="Amsterdam Centraal", uid="train-20260308@example.com",
                             description="Booking reference: NS-55120")
    return TR.booking_ics([flight, hotel, train])


def _bcbp() -> str:
    leg = B.Flight(pnr=RETURN.reservation_number, origin=RETURN.departure, destination=RETURN.arrival,
                   carrier=RETURN.airline_code, number=int(RETURN.flight_number), day=date(2026, 3, 9),
                   seat=RETURN.seat.rjust(4, "0"), sequence=42)
    return B.sample_pass(f"{RETURN.passenger_family}/{RETURN.passenger_given}".upper(), [leg],
                         issued=CHECKED_IN.date())


def wallet_pass() -> bytes:
    data = TR.boarding_pass_json(RETURN, bcbp=_bcbp())
    primary = data["boardingPass"]["primaryFields"]
    primary[0]["label"], primary[1]["label"] = "Amsterdam", "London"
    return TR.pkpass(data)


def boarding_pass_png() -> bytes:
    return B.png_bytes(B.barcode_pixels(_bcbp(), "pdf417", scale=2), png_time=CHECKED_IN)


def disguised_database() -> bytes:
    """A small SQLite file saved as a .jpg: the rooms and who stays in them."""
    import sqlite3
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rooms.db"
        conn = sqlite3.connect(path)
        conn.executescript("CREATE TABLE rooms (room TEXT, city TEXT, guest TEXT, nights INTEGER, paid TEXT);")
        conn.executemany("INSERT INTO rooms VALUES (?, ?, ?, ?, ?)", [
            ("214", "Amsterdam", "A.M.", 3, "cash"), ("215", "Amsterdam", "S.C.", 3, "cash"),
            ("3", "Rotterdam", "A.M.", 14, "owed")])
        conn.commit()
        conn.close()
        return path.read_bytes()


NOTES = (b"Documents kept:\n- passport A.M. (with me until the work starts)\n- passport S.C.\n"
         b"Return A.M. passport: not before April.\n")
