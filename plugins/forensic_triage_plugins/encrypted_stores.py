"""Encrypted message stores of known apps: say "encrypted, key needed" instead of staying silent.

These databases are encrypted at rest (SQLCipher or the app's own container), so no plugin can
read them without the key; an examiner must still learn that they exist, which app wrote them
and that their content was not examined:

- Signal Android ``org.thoughtcrime.securesms/databases/signal.db`` (SQLCipher; the key is
  wrapped by the Android Keystore, ``shared_prefs/org.thoughtcrime.securesms_preferences.xml``
  ``pref_database_encrypted_secret``);
- Signal iOS ``grdb/signal.sqlite`` (SQLCipher via GRDB; key in the iOS keychain);
- Signal Desktop ``Signal/sql/db.sqlite`` (SQLCipher; key in ``config.json`` or the OS keystore);
- Telegram iOS ``telegram-data/account-*/postbox/db/db_sqlite`` (SQLCipher; key in
  ``.tempkeyEncrypted``, itself encrypted with the passcode or a default);
- WhatsApp Android backups ``*.db.crypt5`` ... ``*.db.crypt15`` (AES-GCM; the key is the
  ``files/key`` file, or for end-to-end encrypted backups the 64-digit key or password).

With the examiner's keys (``ingest --key-file``, see ``forensic_triage.store.crypto.load_key_file``)
a SQLCipher store is opened with the same SQLCipher library as encrypted cases: it is listed as a
``sqlite_database`` artifact (tables and row counts), Signal Android's messages (``message`` since
2023, ``sms``/``mms`` before) are read, and an ``encrypted.opened_with_key`` warning naming the key
entry (never the key) lets ingest record the key's use in custody.

The plugin checks the content, not only the name: a file that starts with the SQLite magic is a
plaintext database (a decrypted copy, or a build that did not encrypt) and gets a different
warning; a file that is neither SQLite nor high-entropy is reported as unrecognised (wiped,
truncated or not this app's store). Without a key it yields no artifacts.

Sources: Signal-Android ``SqlCipherDatabaseHook``/``DatabaseSecretProvider``, Signal-iOS
``GRDBDatabaseStorageAdapter``, Telegram-iOS ``SqliteValueBox`` (``sqlite3_key``), the WhatsApp
crypt12/14/15 formats as documented by wa-crypt-tools and IPED's ``WhatsAppCryptoParser``.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections import Counter
from collections.abc import Iterator

from forensic_triage.sdk import (
    INCOMING,
    OUTGOING,
    SQLITE_MAGIC,
    UNKNOWN,
    Artifact,
    Context,
    Extractor,
    Message,
    PluginWarning,
    Select,
    Source,
    SQLiteDatabase,
    TableInfo,
)

KEY_USED_CODE = "encrypted.opened_with_key"     # ingest's custody entry lists these warnings

SAMPLE = 64 * 1024
HIGH_ENTROPY = 7.5      # bits per byte; ciphertext is ~7.99, SQLite pages and text far below

STORES = (
    # (glob, app, what, how the key is held)
    ("**/org.thoughtcrime.securesms/databases/signal.db", "Signal (Android)", "SQLCipher database",
     "key wrapped by the Android Keystore"),
    ("**/grdb/signal.sqlite", "Signal (iOS)", "SQLCipher database", "key in the iOS keychain"),
    ("**/Signal/sql/db.sqlite", "Signal (Desktop)", "SQLCipher database", "key in config.json or the OS keystore"),
    ("**/telegram-data/account-*/postbox/db/db_sqlite", "Telegram (iOS)", "SQLCipher database",
     "key in .tempkeyEncrypted (passcode-protected)"),
    ("**/*.db.crypt[5-9]", "WhatsApp (Android backup)", "encrypted backup", "key in files/key"),
    ("**/*.db.crypt1[0-5]", "WhatsApp (Android backup)", "encrypted backup",
     "key in files/key, or the end-to-end backup key/password"),
)


def entropy(data: bytes) -> float:
    """Shannon entropy in bits per byte."""
    if not data:
        return 0.0
    total = len(data)
    return -sum(count / total * math.log2(count / total) for count in Counter(data).values())


# The same stores by file name alone, for a copy taken out of its folder (logical acquisitions,
# `plugin run` on a single file).
_BY_NAME = ((re.compile(r"^signal\.db$", re.IGNORECASE), 0), (re.compile(r"^signal\.sqlite$", re.IGNORECASE), 1),
            (re.compile(r"^db_sqlite$", re.IGNORECASE), 3), (re.compile(r"\.db\.crypt[5-9]$", re.IGNORECASE), 4),
            (re.compile(r"\.db\.crypt1[0-5]$", re.IGNORECASE), 5))


def store_for(path: str) -> tuple[str, str, str] | None:
    """(app, kind of store, where the key is) for a path, or None."""
    for select, (_glob, app, what, key) in zip(EncryptedStores.selects, STORES):
        if select.matches_path(path):
            return app, what, key
    name = path.rsplit("/", 1)[-1]
    for pattern, index in _BY_NAME:
        if pattern.search(name):
            return STORES[index][1:]
    return None


class EncryptedStores(Extractor):
    name = "encrypted.app_stores"
    version = "1.1.0"
    description = ("Signal, Telegram iOS and WhatsApp backup stores that are encrypted at rest: one "
                   "'encrypted, key needed' warning per file, naming the app; with `ingest --key-file`, "
                   "SQLCipher stores are opened (tables, row counts, Signal Android messages).")
    selects = [Select(glob=glob) for glob, _app, _what, _key in STORES]
    kinds = [Message, SQLiteDatabase]
    siblings = ("{name}-wal",)
    time_limit = 120.0

    def extract(self, ctx: Context, source: Source) -> Iterator[Artifact | PluginWarning]:
        found = store_for(source.path)
        if found is None:
            return
        app, what, key = found
        sample = ctx.read_bytes(limit=SAMPLE)
        keys = ctx.app_keys() if what == "SQLCipher database" and sample and not sample.startswith(SQLITE_MAGIC) else []
        if keys:
            yield from _with_keys(ctx, source, app, keys)
            return
        head = sample[:16]
        if not sample:
            yield ctx.warning(f"{app}: {source.name} is empty", code="encrypted.empty", app=app)
            return
        if head.startswith(SQLITE_MAGIC):
            yield ctx.warning(f"{app}: {source.name} is a plaintext SQLite database where the app keeps an encrypted "
                              f"one (a decrypted copy?); no plugin reads this app's schema yet",
                              code="encrypted.plaintext_copy", app=app, locator=ctx.locate(offset=0, length=16))
            return
        # Skip a WhatsApp crypt header (protobuf/key fields) and measure the ciphertext itself.
        body = sample[512:] if len(sample) > 1024 else sample
        bits = round(entropy(body), 3)
        if bits >= HIGH_ENTROPY or len(body) < 256:
            yield ctx.warning(f"{app}: {source.name} is an {what}: encrypted/unsupported, key needed ({key}); its "
                              f"messages were not examined", code="encrypted.key_needed", app=app, store=what,
                              entropy_bits_per_byte=bits, size=source.size, head=head.hex(),
                              locator=ctx.locate(offset=0, length=len(head)))
        else:
            yield ctx.warning(f"{app}: {source.name} is neither SQLite nor ciphertext (entropy {bits} bits/byte): "
                              f"damaged, wiped or not this app's {what}", code="encrypted.unrecognised", app=app,
                              entropy_bits_per_byte=bits, head=head.hex(), locator=ctx.locate(offset=0, length=len(head)))


# --- with the examiner's keys -------------------------------------------------------------------

def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _with_keys(ctx: Context, source: Source, app: str, keys: list) -> Iterator[Artifact | PluginWarning]:
    failures = []
    for key in keys:
        try:
            conn = ctx.open_sqlcipher(key)
        except sqlite3.DatabaseError:
            failures.append(key.label)
            continue
        yield ctx.warning(f"{app}: {source.name} was decrypted with the examiner-supplied key '{key.label}'",
                          code=KEY_USED_CODE, app=app, **key.describe())
        yield from _inventory(ctx, conn)
        if app.startswith("Signal (Android)"):
            yield from signal_android_messages(ctx, conn)
        return
    yield ctx.warning(f"{app}: {source.name}: no supplied key opened it (tried {', '.join(failures)}); its messages "
                      f"were not examined", code="encrypted.key_rejected", app=app, key_entries=failures)


def _inventory(ctx: Context, conn) -> Iterator[Artifact | PluginWarning]:
    tables = []
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall():
        try:
            columns = tuple(row[1] for row in conn.execute(f"PRAGMA table_info({_quote(name)})"))
            rows = conn.execute(f"SELECT COUNT(*) FROM {_quote(name)}").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            yield ctx.warning(f"table {name}: unreadable: {exc}", code="sqlite.table_unreadable")
            columns, rows = (), None
        except Exception as exc:   # noqa: BLE001 - SQLCipher's errors are its module's, not sqlite3's
            yield ctx.warning(f"table {name}: unreadable: {type(exc).__name__}", code="sqlite.table_unreadable")
            columns, rows = (), None
        tables.append(TableInfo(name=name, columns=columns, rows=rows))
    page_size = conn.execute("PRAGMA cipher_page_size").fetchone()
    yield SQLiteDatabase(tables=tuple(tables), page_size=int(page_size[0]) if page_size else None,
                         user_version=conn.execute("PRAGMA user_version").fetchone()[0],
                         journal_mode=str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower(),
                         wal_present=ctx.sibling(ctx.source.name + "-wal") is not None,
                         freelist_pages=conn.execute("PRAGMA freelist_count").fetchone()[0],
                         locator=ctx.locate(offset=0, length=16))


# Signal Android's MessageTypes: the low five bits are the base type.
SIGNAL_BASE_MASK = 0x1F
SIGNAL_INBOX = {20}
SIGNAL_OUTGOING = {21, 22, 23, 24, 25, 26}


def _columns(conn, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({_quote(table)})")}


def _signal_recipients(conn) -> dict[int, str]:
    """recipient _id -> the best identifier: phone number (E.164), else the account's UUID."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "recipient" not in tables:
        return {}
    columns = _columns(conn, "recipient")
    wanted = [name for name in ("e164", "phone", "aci", "uuid", "group_id") if name in columns]
    if "_id" not in columns or not wanted:
        return {}
    found = {}
    for row in conn.execute(f"SELECT _id, {', '.join(wanted)} FROM recipient"):
        value = next((row[name] for name in wanted if row[name]), None)
        if value is not None:
            found[row["_id"]] = str(value)
    return found


def _signal_threads(conn) -> dict[int, int]:
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'thread'").fetchone():
        return {}
    columns = _columns(conn, "thread")
    column = next((name for name in ("recipient_id", "thread_recipient_id", "recipient_ids") if name in columns),
                  None)
    if column is None or "_id" not in columns:
        return {}
    return {row[0]: row[1] for row in conn.execute(f"SELECT _id, {column} FROM thread")}


def signal_android_messages(ctx: Context, conn) -> Iterator[Message | PluginWarning]:
    """Messages of Signal Android's ``message`` table (2023 on) or ``sms``/``mms`` (before)."""
    recipients = _signal_recipients(conn)
    threads = _signal_threads(conn)
    present = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table in ("message", "sms", "mms"):
        if table not in present:
            continue
        columns = _columns(conn, table)
        kind = next((name for name in ("type", "msg_box") if name in columns), None)
        sent_column = next((name for name in ("date_sent", "date") if name in columns), None)
        peer_column = next((name for name in ("from_recipient_id", "recipient_id", "address") if name in columns),
                           None)
        if "_id" not in columns or "body" not in columns:
            yield ctx.warning(f"Signal: table {table} lacks _id/body; not read", code="schema.unsupported",
                              table=table)
            continue
        picked = ["_id", "body", *(name for name in (kind, sent_column, "date_received", peer_column, "thread_id")
                                   if name and name in columns)]
        for row in conn.execute(f"SELECT {', '.join(dict.fromkeys(picked))} FROM {table} ORDER BY _id"):
            values = dict(zip(row.keys(), tuple(row)))
            base = (values.get(kind) or 0) & SIGNAL_BASE_MASK if kind else None
            direction = INCOMING if base in SIGNAL_INBOX else OUTGOING if base in SIGNAL_OUTGOING else UNKNOWN
            peer = recipients.get(values.get(peer_column)) if peer_column else None
            thread = values.get("thread_id")
            other = recipients.get(threads.get(thread)) if thread is not None else None
            sent = ctx.time.unix_ms(values[sent_column]) if sent_column and values.get(sent_column) else None
            received = ctx.time.unix_ms(values["date_received"]) if values.get("date_received") else None
            body = values.get("body")
            yield Message(app="Signal (Android)", service="Signal", body=body if isinstance(body, str) else None,
                          thread_id=None if thread is None else str(thread),
                          sender=(peer or other) if direction == INCOMING else None,
                          recipients=(other,) if direction == OUTGOING and other else (),
                          direction=direction, sent=sent, received=received if direction == INCOMING else None,
                          locator=ctx.locate(table=table, rowid=values["_id"]))
