"""forensic_triage.sdk.times: every decoder keeps the raw value and says why a time is missing."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forensic_triage.sdk import times
from forensic_triage.sdk.times import ABSENT, OK, UNPARSABLE, TimeDecoders, TimeValue, format_utc

UNIX = datetime(1970, 1, 1, tzinfo=timezone.utc)
COCOA = datetime(2001, 1, 1, tzinfo=timezone.utc)
WIN = datetime(1601, 1, 1, tzinfo=timezone.utc)
MIN = datetime(1900, 1, 1, tzinfo=timezone.utc)
MAX = datetime(2200, 1, 1, tzinfo=timezone.utc)

EPOCH_DECODERS = [times.unix_s, times.unix_ms, times.unix_us, times.unix_ns, times.cocoa, times.webkit,
                  times.filetime]
ALL_DECODERS = EPOCH_DECODERS + [times.iso8601]
PROPERTY = settings(max_examples=150, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def z(moment: datetime) -> str:
    return format_utc(moment)


# --- known values -------------------------------------------------------------------------------

@pytest.mark.parametrize(("decoder", "raw", "expected", "encoding"), [
    (times.unix_s, 1700000000, "2023-11-14T22:13:20Z", "unix_s"),
    (times.unix_s, 1700000000.25, "2023-11-14T22:13:20.250000Z", "unix_s"),
    (times.unix_s, -86400, "1969-12-31T00:00:00Z", "unix_s"),
    (times.unix_ms, 1700000000000, "2023-11-14T22:13:20Z", "unix_ms"),
    (times.unix_ms, 1700000000123, "2023-11-14T22:13:20.123000Z", "unix_ms"),
    (times.unix_ms, -1, "1969-12-31T23:59:59.999000Z", "unix_ms"),
    (times.unix_us, 1700000000123456, "2023-11-14T22:13:20.123456Z", "unix_us"),
    (times.unix_ns, 1700000000123456789, "2023-11-14T22:13:20.123456Z", "unix_ns"),   # truncated to µs
    (times.cocoa, 694224000, "2023-01-01T00:00:00Z", "cocoa_s"),
    (times.cocoa, 694224000.5, "2023-01-01T00:00:00.500000Z", "cocoa_s"),
    (times.cocoa, 1, "2001-01-01T00:00:01Z", "cocoa_s"),
    (times.cocoa, 694224000 * 10**9, "2023-01-01T00:00:00Z", "cocoa_ns"),
    (times.cocoa, 694224000 * 10**9 + 123456789, "2023-01-01T00:00:00.123456Z", "cocoa_ns"),
    (times.webkit, 13350000000000000, z(WIN + timedelta(microseconds=13350000000000000)), "webkit_us"),
    (times.filetime, 132000000000000000, z(WIN + timedelta(microseconds=132000000000000000 // 10)), "filetime"),
    (times.filetime, 116444736000000000, "1970-01-01T00:00:00Z", "filetime"),   # the Unix epoch in FILETIME
])
def test_known_values(decoder, raw, expected, encoding):
    value = decoder(raw)
    assert value == TimeValue(utc=expected, raw=str(raw), encoding=encoding, status=OK)


def test_webkit_and_filetime_expected_dates():
    # The same instants spelled out, so the datetime arithmetic above is itself checked.
    assert times.webkit(13350000000000000).utc == "2024-01-17T21:20:00Z"
    assert times.filetime(132000000000000000).utc == "2019-04-17T18:40:00Z"


def test_cocoa_zero_is_absent_not_2001():
    assert times.cocoa(0) == TimeValue(utc=None, raw="0", encoding="cocoa_s", status=ABSENT)
    assert times.cocoa(694224000).utc == "2023-01-01T00:00:00Z"


def test_cocoa_nanoseconds_detected_by_magnitude():
    seconds = times.cocoa(600000000)
    nanos = times.cocoa(600000000 * 10**9)
    assert seconds.encoding == "cocoa_s"
    assert nanos.encoding == "cocoa_ns"
    assert seconds.utc == nanos.utc == z(COCOA + timedelta(seconds=600000000))
    # Threshold: up to 1e11 is read as seconds (and is then out of range), above as nanoseconds.
    assert times.cocoa(10**11).encoding == "cocoa_s"
    assert times.cocoa(10**11).status == UNPARSABLE
    assert times.cocoa(10**11 + 1).encoding == "cocoa_ns"
    assert times.cocoa(str(600000000 * 10**9)).encoding == "cocoa_ns"


def test_raw_is_kept_as_text():
    big = 1700000000123456789
    value = times.unix_ns(big)
    assert value.raw == "1700000000123456789"
    assert isinstance(value.raw, str)
    assert times.unix_ms("1700000000000").raw == "1700000000000"
    assert times.unix_s(" 12 ").raw == " 12 "
    assert times.unix_s(b"\x01\xff").raw == "01ff"          # bytes as hex
    assert times.unix_s(1.5).raw == "1.5"


def test_numeric_text_is_decoded():
    assert times.unix_ms("1700000000000").utc == "2023-11-14T22:13:20Z"
    assert times.unix_s(" 1700000000 ").utc == "2023-11-14T22:13:20Z"
    assert times.unix_s("1.7e9").utc == "2023-11-14T22:13:20Z"


@pytest.mark.parametrize("decoder", EPOCH_DECODERS)
@pytest.mark.parametrize("raw", [None, "", 0, 0.0, -0.0, "0"])
def test_absent(decoder, raw):
    value = decoder(raw)
    assert value.status == ABSENT
    assert value.utc is None
    assert value.raw == (None if raw is None or raw == "" else str(raw))


@pytest.mark.parametrize("decoder", EPOCH_DECODERS)
@pytest.mark.parametrize("raw", ["garbage", "12abc", b"\x00\x01", True, False, float("nan"), "nan", [1], object()])
def test_garbage_is_unparsable(decoder, raw):
    value = decoder(raw)
    assert value.status == UNPARSABLE
    assert value.utc is None
    assert value.raw is not None


@pytest.mark.parametrize(("decoder", "raw"), [
    (times.unix_s, 10**12),                  # year ~33658
    (times.unix_s, -(10**10)),               # before 1900
    (times.unix_s, 7258118400),              # exactly 2200-01-01: the upper bound is exclusive
    (times.unix_s, -2208988801),             # one second before 1900
    (times.unix_ms, 10**18),
    (times.unix_us, 10**25),                 # beyond timedelta's range
    (times.unix_ns, -(10**30)),
    (times.webkit, 1),                       # 1601: a real value, but not a plausible evidence time
    (times.filetime, 10**30),
    (times.unix_s, float("inf")),
    (times.unix_s, float("-inf")),
    (times.unix_s, 1e300),
    (times.unix_s, "1e400"),
    (times.cocoa, 1e300),
    (times.cocoa, "inf"),
])
def test_out_of_range_is_unparsable(decoder, raw):
    value = decoder(raw)
    assert value.status == UNPARSABLE
    assert value.utc is None
    assert value.raw == str(raw)


def test_range_bounds():
    assert times.unix_s(-2208988800).utc == "1900-01-01T00:00:00Z"     # lower bound inclusive
    assert times.unix_s(7258118399).utc == "2199-12-31T23:59:59Z"


# --- iso8601 --------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    ("2023-11-14T22:13:20Z", "2023-11-14T22:13:20Z"),
    ("2023-11-14T22:13:20+00:00", "2023-11-14T22:13:20Z"),
    ("2023-11-14T23:13:20+01:00", "2023-11-14T22:13:20Z"),
    ("2023-11-14T17:13:20-05:00", "2023-11-14T22:13:20Z"),
    ("2023-11-14T22:13:20.123456Z", "2023-11-14T22:13:20.123456Z"),
    ("2023-11-14 22:13:20Z", "2023-11-14T22:13:20Z"),
    ("  2023-11-14T22:13:20Z  ", "2023-11-14T22:13:20Z"),
])
def test_iso8601_with_zone(raw, expected):
    value = times.iso8601(raw)
    assert value.status == OK
    assert value.utc == expected
    assert value.encoding == "iso8601"
    assert value.raw == raw.strip()


@pytest.mark.parametrize("raw", ["2023-11-14T22:13:20", "2023-11-14", "2023-11-14 22:13"])
def test_iso8601_without_zone_is_not_guessed(raw):
    value = times.iso8601(raw)
    assert value == TimeValue(utc=None, raw=raw, encoding="iso8601", status=UNPARSABLE)


@pytest.mark.parametrize("raw", ["yesterday", "2023-13-01T00:00:00Z", "0", 0, "1850-01-01T00:00:00Z",
                                 "2300-01-01T00:00:00Z", "1899-12-31T23:00:00+00:00"])
def test_iso8601_garbage_and_out_of_range(raw):
    value = times.iso8601(raw)
    assert value.status == UNPARSABLE
    assert value.utc is None
    assert value.raw == str(raw)


@pytest.mark.parametrize("raw", [None, ""])
def test_iso8601_absent(raw):
    assert times.iso8601(raw) == TimeValue(utc=None, raw=None, encoding="iso8601", status=ABSENT)


def test_iso8601_range_is_checked_in_utc():
    # 23:00 on the last day of 1899 at UTC-2 is 01:00 UTC on 1 January 1900: inside the range.
    assert times.iso8601("1899-12-31T23:00:00-02:00").utc == "1900-01-01T01:00:00Z"


# --- helpers ---------------------------------------------------------------------------------

def test_unreadable_and_not_applicable():
    assert times.unreadable("unix_ms", b"\xff") == TimeValue(utc=None, raw="ff", encoding="unix_ms",
                                                             status=times.UNREADABLE)
    assert times.unreadable("cocoa_s") == TimeValue(utc=None, raw=None, encoding="cocoa_s", status=times.UNREADABLE)
    assert times.not_applicable("unix_s") == TimeValue(utc=None, raw=None, encoding="unix_s",
                                                       status=times.NOT_APPLICABLE)


def test_time_value_datetime_property():
    value = times.unix_ms(1700000000123)
    assert value.datetime == datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=timezone.utc)
    assert times.unix_ms(None).datetime is None


def test_format_utc_converts_other_zones():
    moment = datetime(2023, 11, 14, 23, 13, 20, tzinfo=timezone(timedelta(hours=1)))
    assert format_utc(moment) == "2023-11-14T22:13:20Z"
    assert format_utc(moment.replace(microsecond=5)) == "2023-11-14T22:13:20.000005Z"


def test_time_decoders_namespace():
    decoders = TimeDecoders()
    assert decoders.unix_ms(1700000000000) == times.unix_ms(1700000000000)
    assert decoders.cocoa(694224000) == times.cocoa(694224000)
    assert decoders.not_applicable("x").status == times.NOT_APPLICABLE


def test_time_value_is_frozen():
    value = times.unix_s(1)
    with pytest.raises(AttributeError):
        value.utc = "x"  # type: ignore[misc]


# --- known bugs -----------------------------------------------------------------------------

@pytest.mark.parametrize(("decoder", "number"), [
    (times.unix_ns, 1700000000123456789),
    (times.webkit, 13350000000000001),
    (times.filetime, 132000000000000010),
])
def test_integer_text_decodes_like_the_integer(decoder, number):
    assert decoder(str(number)).utc == decoder(number).utc


@pytest.mark.parametrize("decoder", ALL_DECODERS)
def test_enormous_integer_does_not_raise(decoder):
    value = decoder(10**5000)
    assert value.status == UNPARSABLE


# --- properties -----------------------------------------------------------------------------

_anything = st.one_of(
    st.none(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
    st.text(alphabet="0123456789.eE+-_ :TZ", max_size=30),
    st.binary(),
    st.booleans(),
)


def _check_shape(value: TimeValue) -> None:
    assert isinstance(value, TimeValue)
    assert value.status in {times.OK, times.UNREADABLE, times.UNPARSABLE, times.NOT_APPLICABLE, times.ABSENT}
    assert value.raw is None or isinstance(value.raw, str)
    if value.status == OK:
        assert value.utc is not None and value.utc.endswith("Z")
        moment = datetime.fromisoformat(value.utc.replace("Z", "+00:00"))
        assert moment.utcoffset() == timedelta(0)
        assert MIN <= moment < MAX
        assert value.datetime == moment
        assert format_utc(moment) == value.utc
    else:
        assert value.utc is None


@PROPERTY
@given(raw=_anything, which=st.sampled_from(ALL_DECODERS))
def test_decoders_never_raise(raw, which):
    _check_shape(which(raw))


@PROPERTY
@given(moment=st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2199, 12, 31),
                           timezones=st.just(timezone.utc)))
def test_iso8601_round_trip(moment):
    value = times.iso8601(moment.isoformat())
    assert value.status == OK
    assert value.datetime == moment


@PROPERTY
@given(seconds=st.integers(min_value=-2208988800, max_value=7258118399).filter(bool))
def test_unix_s_int_round_trip(seconds):
    value = times.unix_s(seconds)
    assert value.status == OK
    assert value.raw == str(seconds)
    assert value.datetime.timestamp() == seconds
    assert (value.datetime - UNIX) == timedelta(seconds=seconds)


@PROPERTY
@given(millis=st.integers(min_value=-2208988800000, max_value=7258118399999).filter(bool))
def test_unix_ms_int_round_trip(millis):
    value = times.unix_ms(millis)
    assert value.status == OK
    assert (value.datetime - UNIX) == timedelta(milliseconds=millis)


@PROPERTY
@given(seconds=st.floats(min_value=-2208988800.0, max_value=7258118399.0, allow_nan=False).filter(bool))
def test_unix_s_float_round_trip(seconds):
    value = times.unix_s(seconds)
    assert value.status == OK
    assert math.isclose((value.datetime - UNIX).total_seconds(), seconds, abs_tol=2e-6)


@PROPERTY
@given(millis=st.floats(min_value=-2208988800000.0, max_value=7258118399000.0, allow_nan=False).filter(bool))
def test_unix_ms_float_round_trip(millis):
    value = times.unix_ms(millis)
    assert value.status == OK
    assert math.isclose((value.datetime - UNIX) / timedelta(milliseconds=1), millis, abs_tol=2e-3)


@PROPERTY
@given(micros=st.integers(min_value=1, max_value=10**17))
def test_epoch_scales_agree(micros):
    """The same instant in µs, ms-with-fraction-dropped, ns and FILETIME decodes alike."""
    us = times.unix_us(micros)
    ns = times.unix_ns(micros * 1000)
    assert us.status == ns.status
    assert us.utc == ns.utc
    ft = times.filetime(micros * 10 + 116444736000000000)
    wk = times.webkit(micros + 11644473600000000)
    assert ft.status == wk.status == us.status
    assert ft.utc == wk.utc == us.utc
