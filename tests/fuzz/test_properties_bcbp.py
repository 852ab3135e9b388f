"""IATA BCBP decoding of untrusted text: only BcbpError (a ValueError) ever escapes, the scanner
never raises, and a generated boarding pass decodes to its parts and encodes back byte for byte."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forensic_triage.demo.apps.boarding import Flight, sample_pass
from forensic_triage.travel import bcbp

CODES = st.from_regex(r"\A[A-Z]{3}\Z")
CARRIERS = st.from_regex(r"\A[A-Z0-9]{2}\Z")
FLIGHTS = st.builds(
    Flight, pnr=st.from_regex(r"\A[A-Z0-9]{6}\Z"), origin=CODES, destination=CODES, carrier=CARRIERS,
    number=st.integers(min_value=1, max_value=9999),
    day=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    seat=st.from_regex(r"\A[0-9]{3}[A-K]\Z"), compartment=st.sampled_from("FCJYWM"),
    sequence=st.integers(min_value=1, max_value=9999), ticket=st.none() | st.from_regex(r"\A[0-9]{10}\Z"))
NAMES = st.from_regex(r"\A[A-Z]{2,10}/[A-Z]{2,8}\Z")


@settings(max_examples=400, deadline=None)
@given(message=st.one_of(st.text(max_size=200), st.binary(max_size=200),
                         st.from_regex(r"\AM[1-9][A-Z/ ]{20}[E ][A-Z0-9 ]{30,120}\Z")),
       strict=st.booleans())
def test_decode_raises_only_bcbp_errors(message, strict):
    try:
        boarding_pass = bcbp.decode(message, strict=strict)
    except bcbp.BcbpError:
        return
    assert 1 <= boarding_pass.legs_count <= 9
    assert len(boarding_pass.legs) >= 1


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300))
def test_find_candidates_never_raises(text):
    for _offset, boarding_pass in bcbp.find_candidates(text):
        assert boarding_pass.legs


@settings(max_examples=150, deadline=None)
@given(passenger=NAMES, flights=st.lists(FLIGHTS, min_size=1, max_size=4), security=st.none() | st.just("ABCDEFGH"))
def test_generated_passes_round_trip(passenger, flights, security):
    message = sample_pass(passenger, flights, issued=flights[0].day - timedelta(days=1), security=security)
    decoded = bcbp.decode(message, strict=True)
    assert decoded.passenger_name.rstrip() == passenger
    assert [(leg.from_airport, leg.to_airport, leg.carrier) for leg in decoded.legs] == \
        [(flight.origin, flight.destination, flight.carrier) for flight in flights]
    assert [leg.day_of_flight for leg in decoded.legs] == [flight.day.timetuple().tm_yday for flight in flights]
    assert bcbp.encode(decoded) == message


@settings(max_examples=150, deadline=None)
@given(passenger=NAMES, flights=st.lists(FLIGHTS, min_size=1, max_size=2), cut=st.integers(min_value=1, max_value=400),
       flip=st.integers(min_value=0, max_value=400), char=st.characters(max_codepoint=0x2FF))
def test_damaged_generated_passes(passenger, flights, cut, flip, char):
    message = sample_pass(passenger, flights)
    damaged = message[:cut]
    if flip < len(damaged):
        damaged = damaged[:flip] + char + damaged[flip + 1:]
    try:
        bcbp.decode(damaged)
    except bcbp.BcbpError as exc:
        assert str(exc)
    bcbp.find_candidates("boarding pass: " + damaged + "\n")


def test_bcbp_error_is_the_documented_type():
    assert issubclass(bcbp.BcbpError, ValueError)
    with pytest.raises(bcbp.BcbpTruncatedError):
        bcbp.decode("M1")
