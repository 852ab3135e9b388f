"""schema.org reservations to Reservation artifacts, and the airport table behind them."""

from __future__ import annotations

from forensic_triage.demo.apps.travel import FlightBooking, flight_jsonld, hotel_jsonld
from forensic_triage.sdk import Locator, PluginWarning, Reservation
from forensic_triage.travel import airports, schema_org


def convert(data, origin="json-ld"):
    items = list(schema_org.reservations(data, origin=origin, locate=lambda pointer: Locator(pointer=pointer)))
    return ([item for item in items if isinstance(item, Reservation)],
            [item for item in items if isinstance(item, PluginWarning)])


def only(data, origin="json-ld") -> Reservation:
    found, warnings = convert(data, origin)
    assert warnings == []
    assert len(found) == 1, found
    return found[0]


# --- airports ------------------------------------------------------------------------------------

def test_airport_lookup_fills_name_city_coordinates_and_zone():
    sfo = airports.airport("sfo")
    assert sfo.code == "SFO" and sfo.city == "San Francisco" and sfo.time_zone == "America/Los_Angeles"
    assert abs(sfo.latitude - 37.6188) < 0.01 and abs(sfo.longitude + 122.375) < 0.01
    assert airports.airport("XXQ") is None and airports.airport("not a code") is None and airports.airport(None) is None
    place = airports.place("JFK", name="Kennedy")
    assert place.name == "Kennedy" and place.code == "JFK" and place.address == "New York, US"
    assert airports.time_zone("HEL") == "Europe/Helsinki"


# --- flights -------------------------------------------------------------------------------------

def test_flight_reservation_fields():
    found = only(flight_jsonld(FlightBooking(), bcbp="M1EXAMPLE/ALEX"))
    assert found.type == "flight" and found.origin == "json-ld"
    assert found.reservation_number == "DEMO42" and found.status == "confirmed"
    assert found.trip_number == "LH 400" and found.provider == "Lufthansa"
    assert found.travellers == ("Alex Example",)
    assert found.departure.code == "FRA" and found.departure.name == "Frankfurt am Main International Airport"
    assert found.departure.latitude is not None and found.arrival.code == "JFK"
    assert found.seat == "23A" and found.price == "742.50" and found.currency == "EUR"
    assert found.ticket_token == "M1EXAMPLE/ALEX"          # "aztecCode:" is the symbology, not the token
    # 10:15 at +01:00 is 09:15 UTC; 13:05 at -04:00 (New York in DST from 8 March 2026) is 17:05 UTC.
    assert found.start.utc == "2026-03-14T09:15:00Z" and found.start.raw == "2026-03-14T10:15:00+01:00"
    assert found.end.utc == "2026-03-14T17:05:00Z"
    assert (found.start_time_zone, found.end_time_zone) == ("Europe/Berlin", "America/New_York")
    assert found.booked.utc == "2026-02-20T17:42:00Z"
    assert found.locator == Locator(pointer="")


def test_time_without_offset_takes_the_airports_zone():
    data = flight_jsonld(FlightBooking(departure_time="2026-03-14T10:15:00", arrival_time="2026-07-14T13:05:00"))
    found = only(data)
    # Frankfurt on 14 March 2026 is CET (+01:00): 09:15 UTC. New York on 14 July is EDT (-04:00): 17:05 UTC.
    assert found.start.utc == "2026-03-14T09:15:00Z" and found.start.encoding == "iso8601_local:Europe/Berlin"
    assert found.end.utc == "2026-07-14T17:05:00Z" and found.end.encoding == "iso8601_local:America/New_York"
    assert found.start.raw == "2026-03-14T10:15:00"


def test_time_without_offset_or_place_stays_without_utc():
    data = {"@type": "TrainReservation", "reservationNumber": "T1",
            "reservationFor": {"@type": "TrainTrip", "trainNumber": "ICE 597",
                               "departureStation": {"@type": "TrainStation", "name": "Somewhere"},
                               "departureTime": "2026-05-01T08:00:00"}}
    found = only(data)
    assert found.start.utc is None and found.start.status == "unparsable"
    assert found.start.encoding == schema_org.WALLCLOCK and found.start.raw == "2026-05-01T08:00:00"
    assert found.start_time_zone is None and found.trip_number == "ICE 597"


def test_zone_from_coordinates_and_from_a_single_offset_country():
    station = {"@type": "TrainStation", "name": "Nîmes", "geo": {"latitude": 43.832291, "longitude": 4.365845}}
    data = {"@type": "TrainReservation", "reservationFor": {
        "@type": "TrainTrip", "trainName": "TGV", "trainNumber": "5186", "departureStation": station,
        "departureTime": "2017-09-29T18:26:00",
        "arrivalStation": {"@type": "TrainStation", "name": "Lyon", "address": {"addressCountry": "DE"}},
        "arrivalTime": "2017-09-29T19:52:00"}}
    found = only(data)
    # Paris in September is CEST (+02:00).
    assert found.start.utc == "2017-09-29T16:26:00Z" and found.start_time_zone == "Europe/Paris"
    assert found.end.utc == "2017-09-29T17:52:00Z" and found.end_time_zone == "Europe/Berlin"
    assert found.trip_number == "TGV 5186"
    assert schema_org.country_zone("US", found.start.datetime.replace(tzinfo=None)) is None   # several offsets


def test_kde_qdatetime_and_odd_offsets():
    data = {"@type": "LodgingReservation", "reservationNumber": "H1",
            "reservationFor": {"@type": "Hotel", "name": "Glo"},
            "checkinTime": {"@type": "QDateTime", "@value": "2017-09-19T15:00:00", "timezone": "Europe/Helsinki"},
            "checkoutDate": "2017-06-18T11:00:00+0:00"}
    found = only(data)
    assert found.start.utc == "2017-09-19T12:00:00Z" and found.start_time_zone == "Europe/Helsinki"
    assert found.end.utc == "2017-06-18T11:00:00Z" and found.end.raw == "2017-06-18T11:00:00+0:00"
    assert found.type == "lodging" and found.name == "Glo" and found.departure == found.arrival


def test_date_only_and_unparsable_times():
    found, warnings = convert({"@type": "EventReservation", "reservationFor": {
        "@type": "MusicEvent", "name": "Gig", "startDate": "2026-05-01", "endDate": "yesterday-ish"}})
    [event] = found
    assert event.type == "event" and event.start.encoding == schema_org.DATE_ONLY and event.start.utc is None
    assert event.end.status == "unparsable"
    assert [warning.code for warning in warnings] == ["schema_org.bad_time"]


def test_hotel_rental_car_bus_and_event():
    hotel = only(hotel_jsonld())
    assert hotel.type == "lodging" and hotel.provider == "Harbour View Hotel"
    assert hotel.departure.address == "1 Pier Road, 10004 New York, US"
    assert hotel.start_time_zone == "America/New_York"                 # from the hotel's coordinates
    car = only({"@type": "RentalCarReservation", "reservationNumber": "C9",
                "reservationFor": {"@type": "RentalCar", "name": "Economy", "rentalCompany": {"name": "Hertz"}},
                "pickupLocation": {"@type": "Place", "name": "SAN"}, "pickupTime": "2027-08-05T16:00:00-07:00",
                "dropoffLocation": "LAX desk", "dropoffTime": "2027-08-06T20:00:00-07:00"})
    assert (car.type, car.provider, car.name, car.departure.name, car.arrival.name) == \
        ("rental_car", "Hertz", "Economy", "SAN", "LAX desk")
    assert car.end.utc == "2027-08-07T03:00:00Z"
    bus = only({"@type": "BusReservation", "reservedTicket": {"ticketedSeat": {"seatNumber": "7"}},
                "reservationFor": {"@type": "BusTrip", "busNumber": "N5", "busName": "Flix",
                                   "departureBusStop": {"name": "ZOB"}, "arrivalBusStop": {"name": "Hbf"}}})
    assert (bus.type, bus.trip_number, bus.seat, bus.departure.name) == ("bus", "Flix N5", "7", "ZOB")
    event = only({"@type": "EventReservation", "reservationStatus": "http://schema.org/ReservationCancelled",
                  "underName": [{"givenName": "Ann", "familyName": "Lee"}, "Bo"],
                  "reservationFor": {"@type": "Event", "name": "Akademy", "location": {"name": "Uni"},
                                     "startDate": "2019-09-07T09:30:00+02:00"}})
    assert (event.status, event.travellers, event.name) == ("cancelled", ("Ann Lee", "Bo"), "Akademy")


def test_microdata_items_are_rewritten_as_json_ld():
    item = {"type": "http://schema.org/FlightReservation", "properties": {
        "reservationNumber": "RXJ34P", "reservationStatus": "http://schema.org/Confirmed",
        "underName": {"type": "http://schema.org/Person", "properties": {"name": "Eva Green"}},
        "reservationFor": {"type": "http://schema.org/Flight", "properties": {
            "flightNumber": "110", "airline": {"type": "http://schema.org/Airline", "properties": {"iataCode": "UA"}},
            "departureAirport": {"type": "http://schema.org/Airport", "properties": {"iataCode": "SFO"}},
            "departureTime": "2027-03-04T20:15:00-08:00"}}}}
    found = only(schema_org.from_microdata(item), origin="microdata")
    assert (found.trip_number, found.reservation_number, found.travellers) == ("UA 110", "RXJ34P", ("Eva Green",))
    assert found.start.utc == "2027-03-05T04:15:00Z" and found.origin == "microdata"


def test_reservations_are_found_in_graphs_lists_and_containers():
    flight = flight_jsonld()
    data = [{"@graph": [flight, {"@type": "Organization", "name": "Example Travel"}]},
            {"@type": "EmailMessage", "about": hotel_jsonld()},
            {"@type": "Hotel", "name": "An advert, not a booking"}]
    found, _warnings = convert(data)
    assert [item.type for item in found] == ["flight", "lodging"]
    assert [item.locator.pointer for item in found] == ["/0/@graph/0", "/1/about"]


def test_one_reservation_per_leg():
    data = flight_jsonld()
    leg = data["reservationFor"]
    data["reservationFor"] = [leg, {**leg, "flightNumber": "401", "departureAirport": {"iataCode": "JFK"},
                                    "arrivalAirport": {"iataCode": "FRA"}}]
    found, _ = convert(data)
    assert [item.trip_number for item in found] == ["LH 400", "LH 401"]
    assert [item.locator.pointer for item in found] == ["/reservationFor/0", "/reservationFor/1"]


def test_bare_trips_and_generic_reservations():
    assert only({"@type": "Flight", "flightNumber": "LH400", "airline": {"iataCode": "LH"}}).trip_number == "LH400"
    generic = only({"@type": "Reservation", "reservationNumber": "Z", "reservationFor": {"@type": "TrainTrip"}})
    assert generic.type == "train"
    assert convert({"@type": "LodgingBusiness", "name": "hotel homepage"}) == ([], [])
    assert convert("not an object") == ([], [])
    assert schema_org.type_names({"@type": ["schema:Thing", "http://schema.org/BusTrip"]}) == ["Thing", "BusTrip"]


def test_hostile_values_do_not_escape():
    data = {"@type": "FlightReservation", "reservationNumber": 12345, "totalPrice": float("nan"),
            "underName": {"name": None}, "reservationFor": {
                "@type": "Flight", "flightNumber": ["9", "8"], "departureAirport": {"geo": {"latitude": 999}},
                "departureTime": "2026-13-45T99:00:00Z"}}
    found, warnings = convert(data)
    assert found[0].reservation_number == "12345" and found[0].price is None and found[0].departure is None
    assert found[0].start.status == "unparsable" and len(warnings) == 1
    deep: dict = {}
    node = deep
    for _ in range(200):
        node["x"] = {}
        node = node["x"]
    assert convert(deep) == ([], [])
