"""The Telegram TL reader on untrusted blobs: decode_message never raises (damage goes to status and
error), decode_user/decode_chat return None or a value, and generated messages read back exactly."""

from __future__ import annotations

from forensic_triage_plugins.telegram_android import TLError, TLReader, decode_chat, decode_message, decode_user
from hypothesis import given, settings
from hypothesis import strategies as st

from forensic_triage.demo.apps.telegram import TgCall, TgMessage, TgUser, encode_message, encode_user

STATUSES = {"ok", "partial", "unknown", "error"}
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
MESSAGES = st.builds(
    TgMessage, mid=st.integers(min_value=1, max_value=2 ** 31 - 1), dialog=st.integers(min_value=1, max_value=2 ** 31 - 1),
    date=st.integers(min_value=1_300_000_000, max_value=2_000_000_000), text=TEXT, out=st.booleans())


@settings(max_examples=500, deadline=None)
@given(blob=st.one_of(st.binary(max_size=300), st.none(), st.integers(), st.text(max_size=20)))
def test_decoders_never_raise(blob):
    result = decode_message(blob)
    assert result.status in STATUSES
    if result.status != "ok":
        assert result.error
    user = decode_user(blob)
    assert user is None or isinstance(user.id, int)
    chat = decode_chat(blob)
    assert chat is None or isinstance(chat, str)


@settings(max_examples=200, deadline=None)
@given(message=MESSAGES)
def test_generated_messages_read_back(message):
    result = decode_message(encode_message(message))
    assert result.status == "ok", result.error
    assert (result.id, result.date, result.text, result.out) == (message.mid, message.date, message.text, message.out)


@settings(max_examples=300, deadline=None)
@given(message=MESSAGES, cut=st.integers(min_value=0, max_value=400), flip=st.integers(min_value=0, max_value=400),
       value=st.integers(min_value=0, max_value=255))
def test_damaged_generated_messages(message, cut, flip, value):
    blob = bytearray(encode_message(message)[:cut])
    if flip < len(blob):
        blob[flip] = value
    result = decode_message(bytes(blob))
    assert result.status in STATUSES


@given(duration=st.none() | st.integers(min_value=0, max_value=2 ** 31 - 1), video=st.booleans())
def test_call_actions_read_back(duration, video):
    message = TgMessage(mid=1, dialog=5, date=1_600_000_000, call=TgCall(duration=duration, video=video))
    result = decode_message(encode_message(message))
    assert result.status == "ok", result.error
    assert result.call is not None and result.call.get("duration") == duration


@settings(max_examples=100, deadline=None)
@given(first=st.none() | TEXT.filter(bool), last=st.none() | TEXT.filter(bool),
       phone=st.none() | st.from_regex(r"\A[0-9]{8,14}\Z"), uid=st.integers(min_value=1, max_value=2 ** 40))
def test_generated_users_read_back(first, last, phone, uid):
    # Without the row's uid a blob can read under more than one layout (flags2 or not, 32- or 64-bit
    # id): the plugin always passes the uid column, which picks the layout, as here.
    user = decode_user(encode_user(TgUser(id=uid, first_name=first, last_name=last, phone=phone)), uid)
    assert user is not None
    assert (user.id, user.first_name, user.last_name, user.phone) == (uid, first, last, phone)


@given(data=st.binary(max_size=64))
def test_reader_raises_only_tl_errors(data):
    reader = TLReader(data)
    for read in (reader.uint32, reader.int64, reader.bytes_, reader.string):
        try:
            read()
        except TLError:
            pass
