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

The plugin checks the content, not only the name: a file that starts with the SQLite magic is a
plaintext database (a decrypted copy, or a build that did not encrypt) and gets a different
warning; a file that is neither SQLite nor high-entropy is reported as unrecognised (wiped,
truncated or not this app's store). It yields no artifacts.

Sources: Signal-Android ``SqlCipherDatabaseHook``/``DatabaseSecretProvider``, Signal-iOS
``GRDBDatabaseStorageAdapter``, Telegram-iOS ``SqliteValueBox`` (``sqlite3_key``), the WhatsApp
crypt12/14/15 formats as documented by wa-crypt-tools and IPED's ``WhatsAppCryptoParser``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator

from forensic_triage.sdk import SQLITE_MAGIC, Context, Extractor, Message, PluginWarning, Select, Source

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
    version = "1.0.0"
    description = ("Signal, Telegram iOS and WhatsApp backup stores that are encrypted at rest: one "
                   "'encrypted, key needed' warning per file, naming the app.")
    selects = [Select(glob=glob) for glob, _app, _what, _key in STORES]
    kinds = [Message]
    time_limit = 30.0

    def extract(self, ctx: Context, source: Source) -> Iterator[PluginWarning]:
        found = store_for(source.path)
        if found is None:
            return
        app, what, key = found
        sample = ctx.read_bytes(limit=SAMPLE)
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
