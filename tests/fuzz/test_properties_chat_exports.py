"""WhatsApp "Export chat" lines from untrusted text: the header parser, sender split and wall-clock
reader never raise, generated header lines read back, and the plugin never ends in an error."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from forensic_triage_plugins.chat_exports import WhatsAppExport, parse_header, split_sender, wallclock
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forensic_triage.sdk.pytest_plugin import run_on_file

NNBSP, LRM = "\u202f", "\u200e"
MOMENTS = st.datetimes(min_value=datetime(2010, 1, 1), max_value=datetime(2040, 12, 31)).map(
    lambda moment: moment.replace(microsecond=0))
NAMES = st.from_regex(r"\A[A-Z][a-z]{1,8}( [A-Z][a-z]{1,8})?\Z")
BODIES = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)


def android_us(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    return f"{moment.month}/{moment.day}/{moment.year % 100:02d}, {hour}:{moment.minute:02d}{NNBSP}" \
           f"{'PM' if moment.hour >= 12 else 'AM'}"


def android_eu(moment: datetime) -> str:
    return f"{moment.day:02d}.{moment.month:02d}.{moment.year % 100:02d}, {moment.hour:02d}:{moment.minute:02d}"


def ios(moment: datetime) -> str:
    return f"[{moment.day:02d}/{moment.month:02d}/{moment.year}, {moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}]"


@settings(max_examples=400, deadline=None)
@given(line=st.one_of(st.text(max_size=80), st.from_regex(r"\A\[?[0-9./-]{1,12}, [0-9:.]{1,9}.{0,20}\Z")),
       order=st.sampled_from([None, "dmy", "mdy", "ymd"]))
def test_line_readers_never_raise(line, order):
    parts = parse_header(line)
    if parts is None:
        return
    rest = line[len(parts["raw"]):]
    split_sender(rest.lstrip(" -]:"), parts["ios"])
    text = wallclock(parts["date"], parts["time"], parts.get("ampm"), order)
    assert text is None or datetime.fromisoformat(text)


@settings(max_examples=200, deadline=None)
@given(moment=MOMENTS, name=NAMES, body=BODIES, style=st.sampled_from(["us", "eu", "ios"]))
def test_generated_headers_read_back(moment, name, body, style):
    header = {"us": android_us, "eu": android_eu, "ios": ios}[style](moment)
    line = f"{header} {name}: {body}" if style == "ios" else f"{header} - {name}: {body}"
    parts = parse_header(line)
    assert parts is not None and parts["ios"] == (style == "ios")
    order = {"us": "mdy", "eu": "dmy", "ios": "dmy"}[style]
    expected = moment.strftime("%Y-%m-%dT%H:%M") + (moment.strftime(":%S") if style == "ios" else "")
    assert wallclock(parts["date"], parts["time"], parts.get("ampm"), order) == expected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(st.one_of(st.text(max_size=60),
                                st.builds(lambda m, n, b: f"{android_us(m)} - {n}: {b}", MOMENTS, NAMES, BODIES),
                                st.builds(lambda m, n, b: f"{LRM}{ios(m)} {n}: {LRM}{b}", MOMENTS, NAMES, BODIES)),
                      max_size=30),
       encoding=st.sampled_from(["utf-8", "utf-16", "utf-8-sig", "latin-1"]))
def test_export_plugin_never_fails(lines, encoding):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "WhatsApp Chat with Anna.txt"
        path.write_bytes("\n".join(lines).encode(encoding, "replace"))
        result = run_on_file(WhatsAppExport, path, check=False)
    assert result.status == "ok", [warning.message for warning in result.warnings]
