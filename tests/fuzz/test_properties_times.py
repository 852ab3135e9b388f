"""Time decoders take whatever a damaged store holds: they never raise, say why a value has no time,
and round-trip every in-range instant exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from forensic_triage.sdk import times

DECODERS = (times.unix_s, times.unix_ms, times.unix_us, times.unix_ns, times.cocoa, times.webkit, times.filetime,
            times.iso8601)
STATUSES = {times.OK, times.UNPARSABLE, times.ABSENT}
ANY_RAW = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-(2 ** 80), max_value=2 ** 80),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40), st.binary(max_size=40),
    st.from_regex(r"\A[ +-]?\d{1,25}(\.\d{0,9})?\Z"), st.from_regex(r"\A\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?(Z|[+-]\d\d:\d\d)?\Z"),
    st.just(10 ** 5000), st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=2), st.integers(), max_size=2))
MOMENTS = st.datetimes(min_value=datetime(1902, 1, 1), max_value=datetime(2199, 1, 1), timezones=st.just(UTC))


@settings(max_examples=300, deadline=None)
@given(raw=ANY_RAW)
def test_decoders_never_raise(raw):
    for decode in DECODERS:
        value = decode(raw)
        assert value.status in STATUSES
        if value.status == times.OK:
            assert value.utc.endswith("Z")
            assert datetime(1900, 1, 1, tzinfo=UTC) <= value.datetime < datetime(2200, 1, 1, tzinfo=UTC)
        else:
            assert value.utc is None


@settings(max_examples=200, deadline=None)
@given(moment=MOMENTS)
def test_integer_encodings_round_trip(moment):
    unix_us = (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    expected = times.format_utc(moment)
    if unix_us == 0:
        return          # 0 means "no value" in every store
    assert times.unix_us(unix_us).utc == expected
    assert times.unix_ns(unix_us * 1000).utc == expected
    assert times.webkit(unix_us + 11_644_473_600_000_000).utc == expected
    assert times.filetime((unix_us + 11_644_473_600_000_000) * 10).utc == expected
    assert times.iso8601(moment.isoformat()).utc == expected
    whole_ms = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    if unix_us // 1000:
        assert times.unix_ms(unix_us // 1000).utc == times.format_utc(whole_ms)
    if unix_us // 1_000_000:
        assert times.unix_s(unix_us // 1_000_000).utc == times.format_utc(moment.replace(microsecond=0))


@given(moment=MOMENTS)
def test_cocoa_seconds_and_nanoseconds_agree(moment):
    cocoa_s = (moment - datetime(2001, 1, 1, tzinfo=UTC)) // timedelta(seconds=1)
    if cocoa_s == 0 or abs(cocoa_s * 1_000_000_000) <= 1e11:
        return
    seconds, nanoseconds = times.cocoa(cocoa_s), times.cocoa(cocoa_s * 1_000_000_000)
    assert (seconds.encoding, nanoseconds.encoding) == ("cocoa_s", "cocoa_ns")
    assert seconds.utc == nanoseconds.utc == times.format_utc(moment.replace(microsecond=0))
