"""forensic_triage.plugin_host.runner: execute() turns whatever a plugin does into records."""

from __future__ import annotations

import hashlib
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from forensic_triage.plugin_host import runner
from forensic_triage.plugin_host.runner import Problem, Produced, RunResult, execute, read_schema, time_limit
from forensic_triage.sdk import Call, Context, Extractor, Locator, Message, PluginWarning, Select, Source, times

DATA = b"SQLite format 3\x00" + bytes(200)


def make_ctx(tmp_path: Path, data: bytes = DATA, name: str = "input.bin") -> tuple[Context, Source]:
    source = Source(path=f"evidence/{name}", name=name, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                    head=data[:64])
    ctx = Context(source=source, read_at=lambda o, n: data[o:o + n], scratch=tmp_path)
    return ctx, source


class Base(Extractor):
    name = "test.base"
    version = "1.0.0"
    selects = [Select(glob="**/*")]
    kinds = [Message]
    time_limit = 5.0

    def extract(self, ctx, source):
        yield from ()


def run(tmp_path, plugin_cls, *, limit=None, data=DATA, name="input.bin") -> RunResult:
    ctx, source = make_ctx(tmp_path, data, name)
    return execute(plugin_cls(), ctx, source, limit=limit)


# --- normal run ------------------------------------------------------------------------------

class Good(Base):
    name = "test.good"

    def extract(self, ctx, source):
        for rowid in (1, 2):
            yield Message(app="test", body=f"m{rowid}", recipients=("a",), sent=ctx.time.unix_s(1700000000),
                          locator=ctx.locate(table="message", rowid=rowid))


def test_good_run(tmp_path):
    result = run(tmp_path, Good)
    assert result.plugin == "test.good"
    assert result.version == "1.0.0"
    assert result.status == runner.OK
    assert result.warnings == ()
    assert len(result.artifacts) == 2
    first = result.artifacts[0]
    assert isinstance(first, Produced)
    assert first.kind == "message"
    assert first.locator == {"table": "message", "rowid": 1}
    assert "locator" not in first.data
    assert first.data["body"] == "m1"
    assert first.data["recipients"] == ["a"]
    assert first.data["sent"]["utc"] == "2023-11-14T22:13:20Z"
    assert result.seconds >= 0


# --- (a) an exception mid-way ---------------------------------------------------------------

class RaisesMidway(Base):
    name = "test.raises"

    def extract(self, ctx, source):
        yield Message(app="test", body="one")
        yield Message(app="test", body="two")
        raise ValueError("row 3 is garbage")


def test_exception_keeps_earlier_artifacts(tmp_path):
    result = run(tmp_path, RaisesMidway)
    assert result.status == runner.ERROR
    assert [item.data["body"] for item in result.artifacts] == ["one", "two"]
    [warning] = result.warnings
    assert warning.code == "plugin.error"
    assert warning.message == "test.raises raised ValueError: row 3 is garbage"
    assert "ValueError: row 3 is garbage" in warning.context["traceback"]
    assert "RaisesMidway" in warning.context["traceback"] or "extract" in warning.context["traceback"]


class RaisesAtOnce(Base):
    name = "test.raises_at_once"

    def extract(self, ctx, source):
        raise KeyError("missing")
        yield  # pragma: no cover


def test_exception_before_first_item(tmp_path):
    result = run(tmp_path, RaisesAtOnce)
    assert result.status == runner.ERROR
    assert result.artifacts == ()
    assert result.warnings[0].message == "test.raises_at_once raised KeyError: 'missing'"


class SQLiteBreaks(Base):
    name = "test.sqlite_breaks"

    def extract(self, ctx, source):
        yield Message(app="test")
        ctx.open_sqlite().execute("SELECT * FROM sqlite_master").fetchall()


def test_sqlite_error_is_recorded(tmp_path):
    result = run(tmp_path, SQLiteBreaks, data=b"SQLite format 3\x00" + b"\xff" * 400, name="bad.db")
    assert result.status == runner.ERROR
    assert len(result.artifacts) == 1
    [warning] = result.warnings
    assert warning.code == "plugin.sqlite_error"
    assert warning.message.startswith("test.sqlite_breaks: SQLite error: ")


# --- (b) and (d) wrong types -----------------------------------------------------------------

class WrongTypes(Base):
    name = "test.wrong_types"
    kinds = [Message]

    def extract(self, ctx, source):
        yield Message(app="test", body="kept 1")
        yield "just a string"
        yield {"kind": "message", "app": "dict"}
        yield Message(app="test", recipients=["a list"])
        yield Message(app="test", body="kept 2")
        yield Call(app="phone")                                    # not a declared kind
        yield Message(app="test", body="kept 3")


def test_wrong_types_rejected_others_kept(tmp_path):
    result = run(tmp_path, WrongTypes)
    assert result.status == runner.OK
    assert [item.data["body"] for item in result.artifacts] == ["kept 1", "kept 2", "kept 3"]
    codes = [warning.code for warning in result.warnings]
    assert codes == ["plugin.wrong_type"] * 4
    messages = [warning.message for warning in result.warnings]
    assert messages[0].startswith("item 1 rejected: yielded builtins.str, which is not an artifact kind")
    assert messages[1].startswith("item 2 rejected: yielded builtins.dict")
    assert messages[2].startswith("item 3 rejected: message.recipients: expected a tuple")
    assert messages[3] == "item 5 rejected: yielded a call artifact but declares kinds ['message']"


class UndeclaredKind(Base):
    name = "test.undeclared"
    kinds = [Message]

    def extract(self, ctx, source):
        yield Call(app="phone", parties=("+44",))


def test_undeclared_kind(tmp_path):
    result = run(tmp_path, UndeclaredKind)
    assert result.status == runner.OK
    assert result.artifacts == ()
    [warning] = result.warnings
    assert warning.code == "plugin.wrong_type"
    assert "call" in warning.message and "['message']" in warning.message


class MultipleKinds(Base):
    name = "test.multiple"
    kinds = [Message, Call]

    def extract(self, ctx, source):
        yield Message(app="test")
        yield Call(app="phone")


def test_declared_kinds_all_accepted(tmp_path):
    result = run(tmp_path, MultipleKinds)
    assert [item.kind for item in result.artifacts] == ["message", "call"]
    assert result.warnings == ()


# --- (c) time limit --------------------------------------------------------------------------

class Spins(Base):
    name = "test.spins"

    def extract(self, ctx, source):
        yield Message(app="test", body="before the loop")
        while True:
            pass


def test_infinite_loop_times_out(tmp_path):
    started = time.monotonic()
    result = run(tmp_path, Spins, limit=0.5)
    elapsed = time.monotonic() - started
    assert result.status == runner.TIMEOUT
    assert elapsed < 5
    assert 0.4 < result.seconds < 5
    assert [item.data["body"] for item in result.artifacts] == ["before the loop"]
    [warning] = result.warnings
    assert warning.code == "plugin.timeout"
    assert "time limit of 0.5 s" in warning.message
    assert "kept the 1 artifacts" in warning.message


class SpinsWithOwnLimit(Spins):
    name = "test.spins_own_limit"
    time_limit = 0.3


def test_class_time_limit_used_by_default(tmp_path):
    started = time.monotonic()
    result = run(tmp_path, SpinsWithOwnLimit)
    assert result.status == runner.TIMEOUT
    assert time.monotonic() - started < 5
    assert "time limit of 0.3 s" in result.warnings[0].message


class SleepsInC(Base):
    name = "test.sleeps"

    def extract(self, ctx, source):
        time.sleep(30)
        yield Message(app="never")


def test_sleep_is_interrupted(tmp_path):
    started = time.monotonic()
    result = run(tmp_path, SleepsInC, limit=0.3)
    assert result.status == runner.TIMEOUT
    assert time.monotonic() - started < 5


def test_alarm_is_cleared_and_handler_restored(tmp_path):
    before = signal.getsignal(signal.SIGALRM)
    run(tmp_path, Spins, limit=0.2)
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    run(tmp_path, Good, limit=0.2)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    time.sleep(0.3)          # a stale alarm would fire here and raise


def test_time_limit_zero_or_none_means_no_limit():
    for seconds in (0, None, -1):
        with time_limit(seconds):
            assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


class SwallowsEverything(Base):
    """A common plugin pattern: skip any row that fails, whatever the reason."""

    name = "test.swallows"

    def extract(self, ctx, source):
        deadline = time.monotonic() + 1.2       # bounded, so the bug cannot hang the suite
        try:
            while time.monotonic() < deadline:  # the alarm (0.2 s) always lands inside this try
                pass
        except Exception:                       # noqa: BLE001 - deliberately broad, like many plugins
            pass
        while time.monotonic() < deadline:
            pass
        yield Message(app="test", body="finished")


def test_time_limit_survives_broad_except_in_plugin(tmp_path):
    result = run(tmp_path, SwallowsEverything, limit=0.2)
    assert result.status == runner.TIMEOUT
    assert result.seconds < 1.0


# --- (e) PluginWarning -----------------------------------------------------------------------

class Warns(Base):
    name = "test.warns"

    def extract(self, ctx, source):
        yield ctx.warning("row 5 unreadable", code="test.bad_row", locator=ctx.locate(table="message", rowid=5),
                          rowid=5, raw=b"\x00\xff", nested={"a": (1, 2), 3: object}, when=None)
        yield Message(app="test", body="ok")
        yield PluginWarning(message="plain")
        yield PluginWarning(message="at offset", locator=Locator(offset=4096, length=16))


def test_plugin_warnings(tmp_path):
    result = run(tmp_path, Warns)
    assert result.status == runner.OK
    assert len(result.artifacts) == 1
    first, plain, offset = result.warnings
    assert isinstance(first, Problem)
    assert first.code == "test.bad_row"
    assert first.message == "row 5 unreadable"
    assert first.locator == {"table": "message", "rowid": 5}
    assert first.context == {"rowid": 5, "raw": "00ff", "nested": {"a": [1, 2], "3": repr(object)}, "when": None}
    assert plain == Problem(code="plugin.warning", message="plain", locator={}, context={})
    assert offset.locator == {"offset": 4096, "length": 16}


# --- output cap and clean-up -----------------------------------------------------------------

class Floods(Base):
    name = "test.floods"

    def extract(self, ctx, source):
        for index in range(100):
            yield Message(app="test", body=str(index))


def test_output_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "MIN_OUTPUT_CAP", 3)
    monkeypatch.setattr(runner, "BYTES_PER_ARTIFACT", 10 ** 9)
    result = run(tmp_path, Floods)
    assert result.status == runner.TOO_MUCH
    assert [item.data["body"] for item in result.artifacts] == ["0", "1", "2"]
    [warning] = result.warnings
    assert warning.code == "plugin.output_limit"
    assert "3 artifacts" in warning.message


class LeavesConnectionOpen(Base):
    name = "test.leaves_open"
    opened: list = []

    def extract(self, ctx, source):
        conn = ctx.open_sqlite()
        type(self).opened.append(conn)
        conn.execute("SELECT COUNT(*) FROM t").fetchone()
        yield Message(app="test")


def test_context_closed_after_run(tmp_path):
    db = tmp_path / "src.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    LeavesConnectionOpen.opened = []
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    result = run(scratch, LeavesConnectionOpen, data=db.read_bytes(), name="src.db")
    assert result.status == runner.OK
    [opened] = LeavesConnectionOpen.opened
    with pytest.raises(sqlite3.ProgrammingError):
        opened.execute("SELECT 1")


def test_not_a_generator_is_an_error_not_a_crash(tmp_path):
    class ReturnsNone(Base):
        name = "test.returns_none"

        def extract(self, ctx, source):
            return None

    result = run(tmp_path, ReturnsNone)
    assert result.status == runner.ERROR
    assert result.warnings[0].code == "plugin.error"


# --- read_schema -----------------------------------------------------------------------------

def test_read_schema(tmp_path):
    path = tmp_path / "schema.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE message (ROWID INTEGER PRIMARY KEY, text TEXT, date INTEGER)")
    conn.execute('CREATE TABLE "odd ""name""" (a, b)')
    conn.execute("CREATE VIEW recent AS SELECT text FROM message")
    conn.execute("CREATE INDEX message_date ON message(date)")
    conn.commit()
    schema = read_schema(conn)
    conn.close()
    assert schema == {"message": {"ROWID", "text", "date"}, 'odd "name"': {"a", "b"}, "recent": {"text"}}
    assert Select(sqlite_tables={"MESSAGE": ["rowid", "TEXT"]}).matches_schema(schema)


def test_time_values_survive_the_run(tmp_path):
    class Times(Base):
        name = "test.times"

        def extract(self, ctx, source):
            yield Message(app="t", sent=times.unix_ns(1700000000123456789), received=times.cocoa(0))

    [produced] = run(tmp_path, Times).artifacts
    assert produced.data["sent"] == {"utc": "2023-11-14T22:13:20.123456Z", "raw": "1700000000123456789",
                                     "encoding": "unix_ns", "status": "ok"}
    assert produced.data["received"]["status"] == "absent"
