"""Telegram for Android's ``cache4.db`` with its real schema and TL-serialised blobs, written from
simple Python data.

``build_cache4`` writes the tables Telegram Android's ``MessagesStorage`` creates
(``messages_v2`` -- or the older ``messages`` --, ``users``, ``chats``, ``dialogs``,
``contacts``) and fills ``data`` with the objects serialised as the app does
(``TLRPC.*.serializeToStream``: TL binary, little-endian, followed for messages by the app's own
``attachPath`` string). The TL writer here is small and independent of the plugin's reader, so
the tests check one against the other. The declarations it writes (constructor id = CRC32 of
the declaration, flag-only ``true`` fields left out):

- ``message#94345242`` (layer 18x, ``flags2``), ``message#38116ee0`` (layer 135),
  ``message#452c0e65`` (layer 105-118, ``to_id``, 32-bit ids);
- ``messageService#2b085862`` with ``messageActionPhoneCall#80e11a7f``;
- Telegram Android's local secret-chat message ``0x555555fa`` (flags id ttl from_id to_id date
  message media entities ...);
- ``messageFwdHeader#4e4df4bb``, ``messageReplyHeader#a6d57763``, ``messageMediaPhoto#695150d7``
  (with ``photoEmpty#2331b22d``), ``messageMediaDocument#9cb070d7`` with ``document#8fd4c4d8``;
- ``user#8f97c628`` / ``user#938458c1`` (32-bit ids), ``chat#41cbf256``, ``channel#8261ac61``,
  ``chatPhotoEmpty#37c1011c``; peers ``peerUser#59511722``, ``peerChat#36c6019a``,
  ``peerChannel#a2a5371e`` (and the 32-bit ``#9db1bc6d``/``#bad0e5bb``/``#bddde532``).

Dialog ids (``uid``) follow the app: a user's id for a private chat, ``-id`` for a group or
channel. Dates are seconds since 1970 (UTC). The same data gives the same bytes.
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

LAYER_CURRENT, LAYER_135, LAYER_105, SECRET = "layer18x", "layer135", "layer105", "secret"

CACHE4_SCHEMA = """
CREATE TABLE users(uid INTEGER PRIMARY KEY, name TEXT, status INTEGER, data BLOB);
CREATE TABLE chats(uid INTEGER PRIMARY KEY, name TEXT, data BLOB);
CREATE TABLE contacts(uid INTEGER PRIMARY KEY, mutual INTEGER);
CREATE TABLE dialogs(did INTEGER PRIMARY KEY, date INTEGER, unread_count INTEGER, last_mid INTEGER,
    inbox_max INTEGER, outbox_max INTEGER, last_mid_i INTEGER, unread_count_i INTEGER, pts INTEGER,
    date_i INTEGER, pinned INTEGER, flags INTEGER, folder_id INTEGER, data BLOB, unread_reactions INTEGER,
    last_mid_group INTEGER, ttl_period INTEGER);
CREATE TABLE enc_chats(uid INTEGER PRIMARY KEY, user INTEGER, name TEXT, data BLOB, g BLOB, authkey BLOB,
    ttl INTEGER, layer INTEGER, seq_in INTEGER, seq_out INTEGER, use_count INTEGER, exchange_id INTEGER,
    key_date INTEGER, fprint INTEGER, fauthkey BLOB, khash BLOB, in_seq_no INTEGER, admin_id INTEGER,
    mtproto_seq INTEGER);
CREATE TABLE params(id INTEGER PRIMARY KEY, seq INTEGER, pts INTEGER, date INTEGER, qts INTEGER, lsv INTEGER,
    sg INTEGER, pbytes BLOB);
"""
MESSAGES_V2 = """
CREATE TABLE messages_v2(mid INTEGER, uid INTEGER, read_state INTEGER, send_state INTEGER, date INTEGER, data BLOB,
    out INTEGER, ttl INTEGER, media INTEGER, replydata BLOB, imp INTEGER, mention INTEGER, forwards INTEGER,
    replies_data BLOB, thread_reply_id INTEGER, is_channel INTEGER, reply_to_message_id INTEGER,
    custom_params BLOB, group_id INTEGER, reply_to_story_id INTEGER, PRIMARY KEY(mid, uid));
CREATE INDEX uid_mid_read_out_idx_messages_v2 ON messages_v2(uid, mid, read_state, out);
CREATE INDEX uid_date_mid_idx_messages_v2 ON messages_v2(uid, date, mid);
"""
MESSAGES_OLD = """
CREATE TABLE messages(mid INTEGER PRIMARY KEY, uid INTEGER, read_state INTEGER, send_state INTEGER, date INTEGER,
    data BLOB, out INTEGER, ttl INTEGER, media INTEGER, replydata BLOB, imp INTEGER, mention INTEGER);
CREATE INDEX uid_mid_idx_messages ON messages(uid, mid);
"""


# --- TL writer -------------------------------------------------------------------------------------

class TLWriter:
    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def uint32(self, value: int) -> TLWriter:
        self.parts.append(struct.pack("<I", value & 0xFFFFFFFF))
        return self

    def int32(self, value: int) -> TLWriter:
        self.parts.append(struct.pack("<i", value))
        return self

    def int64(self, value: int) -> TLWriter:
        self.parts.append(struct.pack("<q", value))
        return self

    def bytes_(self, data: bytes) -> TLWriter:
        if len(data) < 254:
            head = bytes([len(data)])
        else:
            head = b"\xfe" + len(data).to_bytes(3, "little")
        body = head + data
        self.parts.append(body + b"\x00" * ((-len(body)) % 4))
        return self

    def string(self, text: str) -> TLWriter:
        return self.bytes_(text.encode("utf-8"))

    def raw(self, data: bytes) -> TLWriter:
        self.parts.append(data)
        return self

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


PEER_LONG = {"user": 0x59511722, "chat": 0x36C6019A, "channel": 0xA2A5371E}
PEER_INT = {"user": 0x9DB1BC6D, "chat": 0xBAD0E5BB, "channel": 0xBDDDE532}
DISCARD = {"missed": 0x85E42301, "disconnect": 0xE095C1A0, "hangup": 0x57ADC690, "busy": 0xFAF7E8C9}


def write_peer(writer: TLWriter, peer: tuple[str, int], *, wide: bool = True) -> None:
    kind, ident = peer
    if wide:
        writer.uint32(PEER_LONG[kind]).int64(ident)
    else:
        writer.uint32(PEER_INT[kind]).int32(ident)


# --- data --------------------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class TgUser:
    id: int
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    phone: str | None = None          # digits, with country code, no "+" (as Telegram stores it)
    is_self: bool = False
    contact: bool = True
    legacy: bool = False              # user#938458c1 with a 32-bit id


@dataclass(frozen=True, kw_only=True)
class TgChat:
    id: int
    title: str
    channel: bool = False


@dataclass(frozen=True, kw_only=True)
class TgDocument:
    mime_type: str
    size: int
    id: int = 1


@dataclass(frozen=True, kw_only=True)
class TgCall:
    video: bool = False
    duration: int | None = None
    reason: str | None = "hangup"     # missed, disconnect, hangup, busy
    call_id: int = 1


@dataclass(frozen=True, kw_only=True)
class TgMessage:
    mid: int
    dialog: int                       # uid: user id, or -chat/-channel id
    date: int                         # seconds since 1970 UTC
    text: str = ""
    out: bool = False
    from_id: int | None = None        # sender's user id (groups; incoming private chats too)
    peer: tuple[str, int] | None = None   # ("user"|"chat"|"channel", id); derived from dialog when None
    layer: str = LAYER_CURRENT
    photo: bool = False
    document: TgDocument | None = None
    forwarded_from: int | None = None  # user id of the original author
    reply_to: int | None = None        # message id replied to
    call: TgCall | None = None         # a service message with messageActionPhoneCall
    read_state: int = 1
    send_state: int = 0
    data_override: bytes | None = None  # write these bytes instead (damaged-blob tests)


def _peer_of(message: TgMessage, chats: dict[int, TgChat]) -> tuple[str, int]:
    if message.peer is not None:
        return message.peer
    if message.dialog > 0:
        return ("user", message.dialog)
    chat = chats.get(-message.dialog)
    return ("channel" if chat and chat.channel else "chat", -message.dialog)


def _media(writer: TLWriter, message: TgMessage) -> bool:
    if message.photo:
        writer.uint32(0x695150D7).uint32(1).uint32(0x2331B22D).int64(message.mid)   # photo: photoEmpty id
        return True
    if message.document is not None:
        doc = message.document
        writer.uint32(0x9CB070D7).uint32(1)
        writer.uint32(0x8FD4C4D8).uint32(0).int64(doc.id).int64(doc.id * 7919).bytes_(b"\x01\x02")
        writer.int32(message.date).string(doc.mime_type).int64(doc.size).int32(2)
        writer.uint32(0x1CB5C415).int32(0)                                           # attributes: empty
        return True
    return False


def encode_message(message: TgMessage, chats: dict[int, TgChat] | None = None) -> bytes:
    """The ``data`` blob Telegram Android stores for ``message``."""
    chats = chats or {}
    peer = _peer_of(message, chats)
    writer = TLWriter()
    sender = message.from_id
    if message.call is not None:
        flags = (2 if message.out else 0) | (0x100 if sender else 0)
        writer.uint32(0x2B085862).uint32(flags).int32(message.mid)
        if sender:
            write_peer(writer, ("user", sender))
        write_peer(writer, peer)
        writer.int32(message.date)
        call = message.call
        call_flags = (4 if call.video else 0) | (1 if call.reason else 0) | (2 if call.duration is not None else 0)
        writer.uint32(0x80E11A7F).uint32(call_flags).int64(call.call_id)
        if call.reason:
            writer.uint32(DISCARD[call.reason])
        if call.duration is not None:
            writer.int32(call.duration)
        return writer.getvalue()
    if message.layer == SECRET:
        flags = 2 if message.out else 0
        writer.uint32(0x555555FA).uint32(flags).int32(message.mid).int32(0).int64(sender or 0)
        write_peer(writer, peer)
        writer.int32(message.date).string(message.text)
        if not _media(writer, message):
            writer.uint32(0x3DED6320)
        writer.uint32(0x1CB5C415).int32(0)
        return writer.getvalue()
    flags = (2 if message.out else 0) | (0x100 if sender else 0) | (4 if message.forwarded_from else 0) \
        | (8 if message.reply_to else 0) | (0x200 if (message.photo or message.document) else 0)
    wide = message.layer != LAYER_105
    constructor = {LAYER_CURRENT: 0x94345242, LAYER_135: 0x38116EE0, LAYER_105: 0x452C0E65}[message.layer]
    writer.uint32(constructor).uint32(flags)
    if message.layer == LAYER_CURRENT:
        writer.uint32(0)                                                            # flags2
    writer.int32(message.mid)
    if sender:
        if wide:
            write_peer(writer, ("user", sender))
        else:
            writer.int32(sender)
    write_peer(writer, peer, wide=wide)
    if message.forwarded_from:
        # messageFwdHeader#4e4df4bb flags from_id:flags.0?Peer date:int
        writer.uint32(0x4E4DF4BB).uint32(1)
        write_peer(writer, ("user", message.forwarded_from))
        writer.int32(message.date - 3600)
    if message.reply_to:
        if wide:
            writer.uint32(0xA6D57763).uint32(0).int32(message.reply_to)               # messageReplyHeader
        else:
            writer.int32(message.reply_to)                                           # reply_to_msg_id:int
    writer.int32(message.date).string(message.text)
    _media(writer, message)
    # Telegram Android appends attachPath (" " when none) after the TL object.
    writer.string(" ")
    return writer.getvalue()


def encode_user(user: TgUser) -> bytes:
    flags = 1 | (2 if user.first_name else 0) | (4 if user.last_name else 0) | (8 if user.username else 0) \
        | (16 if user.phone else 0) | (0x400 if user.is_self else 0) | (0x800 if user.contact else 0)
    writer = TLWriter()
    if user.legacy:
        writer.uint32(0x938458C1).uint32(flags).int32(user.id)
    else:
        writer.uint32(0x8F97C628).uint32(flags).uint32(0).int64(user.id)
    writer.int64(user.id * 104729)                                                   # access_hash
    for value in (user.first_name, user.last_name, user.username, user.phone):
        if value:
            writer.string(value)
    return writer.getvalue()


def encode_chat(chat: TgChat, date: int = 1_600_000_000) -> bytes:
    writer = TLWriter()
    if chat.channel:
        # channel#8261ac61 flags id access_hash:flags.13 title photo date
        writer.uint32(0x8261AC61).uint32(1 << 13).int64(chat.id).int64(chat.id * 7).string(chat.title)
        writer.uint32(0x37C1011C).int32(date)
    else:
        # chat#41cbf256 flags id title photo participants_count date version
        writer.uint32(0x41CBF256).uint32(0).int64(chat.id).string(chat.title)
        writer.uint32(0x37C1011C).int32(3).int32(date).int32(1)
    return writer.getvalue()


def search_name(first: str | None, last: str | None, username: str | None = None) -> str:
    """users.name as Telegram writes it: lower-case "first last", then ";;;username"."""
    name = " ".join(part for part in (first, last) if part).lower()
    return name + (f";;;{username.lower()}" if username else "")


def build_cache4(path: Path, messages: Iterable[TgMessage], *, users: Iterable[TgUser] = (),
                 chats: Iterable[TgChat] = (), table: str = "messages_v2") -> Path:
    """Write ``cache4.db``; ``table`` is ``messages_v2`` (Telegram 8.x and later) or ``messages``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    conn.executescript(CACHE4_SCHEMA + (MESSAGES_V2 if table == "messages_v2" else MESSAGES_OLD))
    chat_map = {chat.id: chat for chat in chats}
    for user in users:
        conn.execute("INSERT INTO users (uid, name, status, data) VALUES (?, ?, 0, ?)",
                     (user.id, search_name(user.first_name, user.last_name, user.username), encode_user(user)))
        if user.contact and not user.is_self:
            conn.execute("INSERT INTO contacts (uid, mutual) VALUES (?, 1)", (user.id,))
    for chat in chat_map.values():
        conn.execute("INSERT INTO chats (uid, name, data) VALUES (?, ?, ?)",
                     (chat.id, chat.title.lower(), encode_chat(chat)))
    last: dict[int, tuple[int, int]] = {}
    rows = []
    for message in messages:
        data = message.data_override if message.data_override is not None else encode_message(message, chat_map)
        media = 1 if message.photo else 3 if message.document else -1
        if table == "messages_v2":
            rows.append((message.mid, message.dialog, message.read_state, message.send_state, message.date, data,
                         int(message.out), 0, media, None, 0, 0, 0, None, 0,
                         int(bool(chat_map.get(-message.dialog) and chat_map[-message.dialog].channel)), 0, None, 0, 0))
        else:
            rows.append((message.mid, message.dialog, message.read_state, message.send_state, message.date, data,
                         int(message.out), 0, media, None, 0, 0))
        last[message.dialog] = (message.mid, message.date)
        if len(rows) >= 10_000:
            _insert(conn, table, rows)
    _insert(conn, table, rows)
    for did, (mid, date) in sorted(last.items()):
        conn.execute("INSERT INTO dialogs (did, date, unread_count, last_mid, inbox_max, outbox_max, pinned, flags, "
                     "folder_id) VALUES (?, ?, 0, ?, ?, ?, 0, 0, 0)", (did, date, mid, mid, mid))
    conn.commit()
    conn.close()
    return path


def _insert(conn: sqlite3.Connection, table: str, rows: list) -> None:
    if not rows:
        return
    marks = ", ".join("?" * len(rows[0]))
    conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    rows.clear()
