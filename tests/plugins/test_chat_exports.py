"""WhatsApp "Export chat" text files and XChat/HexChat IRC logs. The files are written here in the
formats the apps produce (see the plugin's docstring for the sources); the corpus holds none."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forensic_triage.plugin_host.registry import check_plugin
from forensic_triage.sdk.context import Source
from forensic_triage.sdk.pytest_plugin import run_on_file
from forensic_triage_plugins.chat_exports import (IrcLogs, WhatsAppExport, export_thread, irc_thread, parse_header,
                                                  split_sender, wallclock)

NNBSP = "\u202f"   # recent Android exports put a narrow no-break space before AM/PM
LRM = "\u200e"

ANDROID_US = (
    f"12/31/21, 9:15{NNBSP}PM - Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
    f"WhatsApp, can read or listen to them. Tap to learn more.\n"
    f"12/31/21, 9:15{NNBSP}PM - Anna: Hi there\n"
    f"12/31/21, 9:16{NNBSP}PM - Bob: first line\nsecond line\n\nfourth line\n"
    f"1/13/22, 10:01{NNBSP}AM - Anna: IMG-20220113-WA0001.jpg (file attached)\nnice pic\n"
    f"1/13/22, 10:02{NNBSP}AM - Bob: <Media omitted>\n"
    f"1/13/22, 10:03{NNBSP}AM - Anna changed the subject to \"Trip: 2022\"\n"
    f"1/13/22, 12:00{NNBSP}AM - Bob: <script>alert('x')</script>\n"
)
ANDROID_EU = ("31.12.21, 21:15 - Anna: Hallo\n"
              "01.01.22, 00:00 - Bob: Frohes neues Jahr\n"
              "01.01.22, 00:01 - Bob: DOC-20220101-WA0003.pdf (Datei angehängt)\n")
IOS = (f"[31/12/2021, 21:15:42] Anna: {LRM}Messages and calls are end-to-end encrypted. No one outside of this "
       f"chat, not even WhatsApp, can read or listen to them.\n"
       f"[31/12/2021, 21:15:50] Anna: Hallo\n"
       f"{LRM}[31/12/2021, 21:16:00] Bob: {LRM}<attached: 00000012-PHOTO-2021-12-31-21-16-00.jpg>\n"
       f"[01/01/2022, 00:00:01] Bob: Frohes\nneues Jahr\n"
       f"[01/01/2022, 00:05:00] Family: {LRM}Bob added Carol\n")


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def codes(result) -> list[str]:
    return sorted(w.code for w in result.warnings)


def test_plugins_pass_host_checks():
    assert check_plugin(WhatsAppExport) == []
    assert check_plugin(IrcLogs) == []


def test_android_us_export(run_extractor, tmp_path):
    result = run_extractor(WhatsAppExport, write(tmp_path, "WhatsApp Chat with Anna.txt", ANDROID_US))
    assert result.status == "ok"
    assert result.kinds() == {"message": 5}       # 7 headers: the encryption notice and the subject change are system
    assert codes(result) == ["export.skipped", "time.no_zone"]
    first, multi, photo, omitted, script = result.data("message")
    assert (first["sender"], first["body"], first["direction"]) == ("Anna", "Hi there", "unknown")
    assert first["thread_name"] == "Anna" and first["thread_id"] == "WhatsApp Chat with Anna.txt"
    assert first["sent"] == {"utc": None, "raw": f"12/31/21, 9:15{NNBSP}PM",
                             "encoding": "whatsapp_export_local_no_zone:2021-12-31T21:15", "status": "ok"}
    assert multi["body"] == "first line\nsecond line\n\nfourth line"
    assert photo["attachments"] == [{"name": "IMG-20220113-WA0001.jpg", "mime_type": "image/jpeg", "size": None,
                                     "sha256": None, "path": None}]
    assert photo["body"] == "nice pic"
    assert photo["sent"]["encoding"].endswith("2022-01-13T10:01")
    assert omitted["body"] == "<Media omitted>" and omitted["attachments"] == []
    assert script["body"] == "<script>alert('x')</script>"
    assert script["sent"]["encoding"].endswith("2022-01-13T00:00")          # 12:00 AM is midnight
    assert [item.locator for item in result.artifacts] == [{"line": 2}, {"line": 3}, {"line": 7}, {"line": 9},
                                                           {"line": 11}]


def test_dotted_european_export(run_extractor, tmp_path):
    result = run_extractor(WhatsAppExport, write(tmp_path, "WhatsApp-Chat mit Anna.txt", ANDROID_EU))
    hallo, year, doc = result.data("message")
    assert hallo["sent"]["encoding"] == "whatsapp_export_local_no_zone:2021-12-31T21:15"
    assert year["sent"]["encoding"].endswith("2022-01-01T00:00")
    assert doc["attachments"][0]["name"] == "DOC-20220101-WA0003.pdf"
    assert doc["attachments"][0]["mime_type"] == "application/pdf"
    assert hallo["thread_name"] == "Anna"


def test_ios_export(run_extractor, tmp_path):
    result = run_extractor(WhatsAppExport, write(tmp_path, "WhatsApp Chat - Anna/_chat.txt", IOS))
    assert result.kinds() == {"message": 3}
    hallo, photo, year = result.data("message")
    assert hallo["sent"] == {"utc": None, "raw": "31/12/2021, 21:15:50",
                             "encoding": "whatsapp_export_local_no_zone:2021-12-31T21:15:50", "status": "ok"}
    assert photo["sender"] == "Bob" and photo["body"] is None
    assert photo["attachments"][0]["name"] == "00000012-PHOTO-2021-12-31-21-16-00.jpg"
    assert year["body"] == "Frohes\nneues Jahr"
    [skipped] = [w for w in result.warnings if w.code == "export.skipped"]
    assert "2 system lines" in skipped.message


def test_thread_names_from_paths():
    def source(path):
        return Source(path=path, name=path.rsplit("/", 1)[-1], size=1)

    assert export_thread(source("exports/WhatsApp Chat - Anna Schmidt/_chat.txt")) == "Anna Schmidt"
    assert export_thread(source("Download/WhatsApp Chat with Bob.txt")) == "Bob"
    assert export_thread(source("x/_chat.txt")) is None
    assert irc_thread(source("home/u/.config/hexchat/logs/Libera.Chat/#python.log")) == ("Libera.Chat", "#python")
    assert irc_thread(source("home/u/.xchat2/xchatlogs/freenode-#debian.log")) == ("freenode", "#debian")


def test_ambiguous_day_month(run_extractor, tmp_path):
    text = "01/02/22, 10:00 - Anna: which month?\n03/04/22, 11:00 - Bob: cannot tell\n"
    result = run_extractor(WhatsAppExport, write(tmp_path, "WhatsApp Chat with Anna.txt", text))
    assert "export.date_order_ambiguous" in codes(result)
    assert {m["sent"]["encoding"] for m in result.data("message")} == {"whatsapp_export_local_no_zone:ambiguous"}
    assert [m["sent"]["raw"] for m in result.data("message")] == ["01/02/22, 10:00", "03/04/22, 11:00"]


def test_invalid_utf8_and_not_an_export(run_extractor, tmp_path):
    bad = write(tmp_path, "a/WhatsApp Chat with X.txt", b"31.12.21, 21:15 - Anna: caf\xe9\n")
    result = run_extractor(WhatsAppExport, bad)
    assert result.data("message")[0]["body"] == "caf\ufffd"
    assert "text.invalid_utf8" in codes(result)
    other = write(tmp_path, "b/WhatsApp Chat notes.txt", "just some notes\nno headers\n")
    result = run_extractor(WhatsAppExport, other)
    assert result.artifacts == [] and codes(result) == ["export.not_recognised"]


def test_wallclock():
    assert wallclock("12/31/21", "9:15", "PM", "mdy") == "2021-12-31T21:15"
    assert wallclock("31.12.2021", "21:15:42", None, "dmy") == "2021-12-31T21:15:42"
    assert wallclock("2021-12-31", "00:00", None, "ymd") == "2021-12-31T00:00"
    assert wallclock("12/31/21", "12:05", "a.m.", "mdy") == "2021-12-31T00:05"
    assert wallclock("31/12/21", "9:15", None, "mdy") is None         # month 31
    assert wallclock("12/31/21", "9:15", None, None) is None
    assert wallclock("12/31/21", "13:15", "PM", "mdy") is None        # 13 PM


@given(st.text(max_size=200))
def test_line_parsers_never_raise(line):
    parts = parse_header(line)
    if parts is not None:
        split_sender(parts["rest"], parts["ios"])
        for order in ("dmy", "mdy", "ymd", None):
            wallclock(parts["date"], parts["time"], parts.get("ampm"), order)
    split_sender(line, True)
    split_sender(line, False)


_lines = st.one_of(
    st.text(max_size=80),
    st.builds(lambda d, m, y, h, mi, rest: f"{d}/{m}/{y}, {h}:{mi:02d} - {rest}",
              st.integers(0, 40), st.integers(0, 40), st.integers(0, 3000), st.integers(0, 30), st.integers(0, 99),
              st.text(max_size=40)),
    st.builds(lambda d, m, y, rest: f"[{d}.{m}.{y}, 12:00:00] {rest}", st.integers(0, 40), st.integers(0, 40),
              st.integers(0, 99), st.text(max_size=40)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_lines, max_size=25), st.binary(max_size=40))
def test_export_plugin_never_raises_on_arbitrary_files(lines, noise):
    with tempfile.TemporaryDirectory() as folder:
        data = "\n".join(lines).encode("utf-8", errors="surrogatepass") + noise
        path = write(Path(folder), "WhatsApp Chat with Fuzz.txt", data)
        result = run_on_file(WhatsAppExport, path)
        assert result.status == "ok", [w.message for w in result.warnings]
        path = write(Path(folder), "hexchat/logs/Net/#fuzz.log", data)
        assert run_on_file(IrcLogs, path).status == "ok"


# --- IRC -----------------------------------------------------------------------------------------------

HEXCHAT_LOG = ("**** BEGIN LOGGING AT Fri Dec 31 21:15:00 2021\n\n"
               "Dec 31 21:15:42 <@alice>\thello all\n"
               "Dec 31 21:15:50 -->\tbob (~bob@host) has joined #chan\n"
               "Dec 31 21:16:01 *\talice waves\n"
               "Jan 01 00:00:05 <bob>\thappy new year <b>!</b>\n"
               "**** ENDING LOGGING AT Sat Jan  1 00:10:00 2022\n\n")


def test_hexchat_log(run_extractor, tmp_path):
    result = run_extractor(IrcLogs, write(tmp_path, "hexchat/logs/Libera/#chan.log", HEXCHAT_LOG))
    assert result.kinds() == {"message": 2}
    hello, new_year = result.data("message")
    assert (hello["app"], hello["sender"], hello["body"], hello["thread_name"]) == ("IRC", "alice", "hello all",
                                                                                    "#chan")
    assert hello["sent"] == {"utc": None, "raw": "Dec 31 21:15:42",
                             "encoding": "irc_log_local_no_zone:2021-12-31T21:15:42", "status": "ok"}
    assert new_year["sent"]["encoding"] == "irc_log_local_no_zone:2022-01-01T00:00:05"   # year rolls over
    assert new_year["body"] == "happy new year <b>!</b>"
    assert codes(result) == ["irc.skipped", "time.no_zone"]
    assert [a.locator for a in result.artifacts] == [{"line": 3}, {"line": 6}]


def test_hexchat_scrollback_is_utc(run_extractor, tmp_path):
    text = ("T 1640985342 \x0318<\x0f\x0318alice\x0f\x0318>\x0f\thello\n"
            "T 1640985350 -->\tbob has joined\n"
            "T 1609459200 <bob>\tnew year\n")
    result = run_extractor(IrcLogs, write(tmp_path, "hexchat/scrollback/Libera/#chan.txt", text))
    hello, new_year = result.data("message")
    # 1640985342 = 18992 days + 76542 s = 2021-12-31T21:15:42Z; 1609459200 = 2021-01-01T00:00:00Z
    assert hello["sender"] == "alice" and hello["sent"]["utc"] == "2021-12-31T21:15:42Z"
    assert new_year["sent"] == {"utc": "2021-01-01T00:00:00Z", "raw": "1609459200", "encoding": "unix_s",
                                "status": "ok"}
    assert hello["service"] == "HexChat scrollback"


def test_log_without_begin_line(run_extractor, tmp_path):
    result = run_extractor(IrcLogs, write(tmp_path, "x/xchatlogs/net-#c.log", "Mar 02 10:00:00 <al>\thi\n"))
    [message] = result.data("message")
    assert message["sent"]["encoding"] == "irc_log_local_no_zone:year_unknown"
