"""Time decoders that keep the raw value and its encoding.

Every decoded time is UTC. Nothing here consults the workstation's local time zone: a value
that cannot be placed on the UTC time line says why instead of guessing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone

# Status values: the reason a time is missing matters in court ("the app did not record it"
# is not the same as "the bytes were damaged").
OK = "ok"
UNREADABLE = "unreadable"        # the bytes could not be read
UNPARSABLE = "unparsable"        # read, but not a valid value of the encoding
NOT_APPLICABLE = "not_applicable"  # the source has no such time (e.g. an unsent draft)
ABSENT = "absent"                # the field exists but holds nothing (NULL / 0)

_UNIX = datetime(1970, 1, 1, tzinfo=timezone.utc)
_COCOA = datetime(2001, 1, 1, tzinfo=timezone.utc)
_WIN = datetime(1601, 1, 1, tzinfo=timezone.utc)
# Plausible range for evidence times; outside it a decoder reports "unparsable" rather than
# printing year 47000 in a report.
_MIN = datetime(1900, 1, 1, tzinfo=timezone.utc)
_MAX = datetime(2200, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True, kw_only=True, slots=True)
class TimeValue:
    """A time as UTC (ISO 8601, "Z") with the raw value it was decoded from, its encoding, and a
    status that says why ``utc`` is None when it is."""

    utc: str | None             # ISO 8601 with "Z", microsecond precision where the source has it
    raw: str | None             # the value as stored, as text (so big integers survive JSON)
    encoding: str               # unix_s, unix_ms, unix_us, unix_ns, cocoa_s, cocoa_ns, webkit_us, filetime, iso8601, ...
    status: str = OK

    @property
    def datetime(self) -> datetime | None:
        if self.utc is None:
            return None
        return datetime.fromisoformat(self.utc.replace("Z", "+00:00"))


def format_utc(moment: datetime) -> str:
    moment = moment.astimezone(timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}"
    return text + "Z"


_EPOCH_OFFSETS = {epoch: int((epoch - _UNIX).total_seconds()) for epoch in (_UNIX, _COCOA, _WIN)}
_MIN_S = int((_MIN - _UNIX).total_seconds())
_MAX_S = int((_MAX - _UNIX).total_seconds())
_SECOND_TEXT: dict[int, str] = {}


def _raw_text(raw: object) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, bytes):
        return raw.hex()
    try:
        return str(raw)
    except ValueError:  # an int too long for str(): keep it exactly, in hex
        return hex(raw) if isinstance(raw, int) else repr(raw)[:200]


def _number(raw: object) -> int | float:
    """Digits stay an exact int (a float would lose the last microseconds of a WebKit time)."""
    text = (raw.decode("ascii") if isinstance(raw, bytes) else str(raw)).strip()
    try:
        return int(text)
    except ValueError:
        return float(text)


def _from_epoch(raw: object, encoding: str, epoch: datetime, divisor: int) -> TimeValue:
    if raw is None or raw == "":
        return TimeValue(utc=None, raw=None, encoding=encoding, status=ABSENT)
    try:
        number = raw if isinstance(raw, (int, float)) and not isinstance(raw, bool) else _number(raw)
    except (TypeError, ValueError):
        return TimeValue(utc=None, raw=_raw_text(raw), encoding=encoding, status=UNPARSABLE)
    if number == 0:
        return TimeValue(utc=None, raw=_raw_text(raw), encoding=encoding, status=ABSENT)
    if isinstance(number, float) and number != number:  # NaN
        return TimeValue(utc=None, raw=_raw_text(raw), encoding=encoding, status=UNPARSABLE)
    # Integer arithmetic on seconds since 1970 and a cached text per second: a plugin decodes
    # millions of these, and datetime + strftime would cost more than reading the row.
    try:
        if isinstance(number, int):
            whole, rest = divmod(number, divisor)
            micro = rest * 1_000_000 // divisor
        else:
            whole, micro = divmod(round(number * 1_000_000 / divisor), 1_000_000)
    except (OverflowError, ValueError):
        return TimeValue(utc=None, raw=_raw_text(raw), encoding=encoding, status=UNPARSABLE)
    seconds = whole + _EPOCH_OFFSETS[epoch]
    if not _MIN_S <= seconds < _MAX_S:
        return TimeValue(utc=None, raw=_raw_text(raw), encoding=encoding, status=UNPARSABLE)
    text = _SECOND_TEXT.get(seconds)
    if text is None:
        text = "%04d-%02d-%02dT%02d:%02d:%02d" % time.gmtime(seconds)[:6]
        if len(_SECOND_TEXT) >= 100_000:
            _SECOND_TEXT.clear()
        _SECOND_TEXT[seconds] = text
    utc = f"{text}.{micro:06d}Z" if micro else text + "Z"
    return TimeValue(utc=utc, raw=_raw_text(raw), encoding=encoding)


def unix_s(raw: object) -> TimeValue:
    return _from_epoch(raw, "unix_s", _UNIX, 1)


def unix_ms(raw: object) -> TimeValue:
    return _from_epoch(raw, "unix_ms", _UNIX, 1_000)


def unix_us(raw: object) -> TimeValue:
    return _from_epoch(raw, "unix_us", _UNIX, 1_000_000)


def unix_ns(raw: object) -> TimeValue:
    return _from_epoch(raw, "unix_ns", _UNIX, 1_000_000_000)


def cocoa(raw: object) -> TimeValue:
    """Apple Cocoa/Core Data absolute time: seconds since 2001-01-01 UTC. Newer iOS stores
    (e.g. sms.db since iOS 11) keep nanoseconds in the same column; values too large to be
    seconds are read as nanoseconds and the encoding says so."""
    try:
        number = float(str(raw)) if raw is not None and raw != "" else None
    except ValueError:
        number = None
    if number is not None and abs(number) > 1e11:
        return _from_epoch(raw, "cocoa_ns", _COCOA, 1_000_000_000)
    return _from_epoch(raw, "cocoa_s", _COCOA, 1)


def webkit(raw: object) -> TimeValue:
    """Chrome/WebKit time: microseconds since 1601-01-01 UTC."""
    return _from_epoch(raw, "webkit_us", _WIN, 1_000_000)


def filetime(raw: object) -> TimeValue:
    """Windows FILETIME: 100-nanosecond intervals since 1601-01-01 UTC."""
    return _from_epoch(raw, "filetime", _WIN, 10_000_000)


def iso8601(raw: object) -> TimeValue:
    """An ISO 8601 text. A text without a zone is not guessed into UTC: it is unparsable
    here, and the plugin should say which zone the app used."""
    if raw is None or raw == "":
        return TimeValue(utc=None, raw=None, encoding="iso8601", status=ABSENT)
    text = (_raw_text(raw) or "").strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return TimeValue(utc=None, raw=text, encoding="iso8601", status=UNPARSABLE)
    if moment.tzinfo is None or not _MIN <= moment < _MAX:
        return TimeValue(utc=None, raw=text, encoding="iso8601", status=UNPARSABLE)
    return TimeValue(utc=format_utc(moment), raw=text, encoding="iso8601")


def unreadable(encoding: str, raw: object = None) -> TimeValue:
    return TimeValue(utc=None, raw=_raw_text(raw), encoding=encoding, status=UNREADABLE)


def not_applicable(encoding: str) -> TimeValue:
    return TimeValue(utc=None, raw=None, encoding=encoding, status=NOT_APPLICABLE)


class TimeDecoders:
    """What ``ctx.time`` offers a plugin: ``ctx.time.unix_ms(row["date"])`` and friends."""

    unix_s = staticmethod(unix_s)
    unix_ms = staticmethod(unix_ms)
    unix_us = staticmethod(unix_us)
    unix_ns = staticmethod(unix_ns)
    cocoa = staticmethod(cocoa)
    webkit = staticmethod(webkit)
    filetime = staticmethod(filetime)
    iso8601 = staticmethod(iso8601)
    unreadable = staticmethod(unreadable)
    not_applicable = staticmethod(not_applicable)
