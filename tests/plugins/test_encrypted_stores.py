"""Encrypted app stores give an "encrypted/unsupported: key needed" warning naming the app, never
silence and never artifacts. Ciphertext is simulated with seeded pseudo-random bytes (what
SQLCipher pages look like: no structure, ~8 bits/byte); the corpus holds no such store."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from forensic_triage.plugin_host.registry import check_plugin
from forensic_triage_plugins.encrypted_stores import EncryptedStores, entropy, store_for

CASES = [
    ("data/data/org.thoughtcrime.securesms/databases/signal.db", "Signal (Android)"),
    ("private/var/mobile/Containers/Shared/AppGroup/ABCD/grdb/signal.sqlite", "Signal (iOS)"),
    ("Users/x/AppData/Roaming/Signal/sql/db.sqlite", "Signal (Desktop)"),
    ("private/var/mobile/Containers/Shared/AppGroup/EF01/telegram-data/account-123456789/postbox/db/db_sqlite",
     "Telegram (iOS)"),
    ("sdcard/WhatsApp/Databases/msgstore.db.crypt12", "WhatsApp (Android backup)"),
    ("sdcard/Android/media/com.whatsapp/WhatsApp/Databases/msgstore-2024-03-01.1.db.crypt14",
     "WhatsApp (Android backup)"),
    ("sdcard/Android/media/com.whatsapp/WhatsApp/Databases/msgstore.db.crypt15", "WhatsApp (Android backup)"),
    ("sdcard/WhatsApp/Databases/wa.db.crypt8", "WhatsApp (Android backup)"),
]


def ciphertext(size: int = 16384, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(size)


def place(tmp_path: Path, relative: str, data: bytes) -> Path:
    path = tmp_path / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_plugin_passes_host_checks():
    assert check_plugin(EncryptedStores) == []


@pytest.mark.parametrize("relative, app", CASES)
def test_selected_by_path(relative, app):
    assert any(select.matches_path(relative) for select in EncryptedStores.selects)
    assert store_for(relative)[0] == app


@pytest.mark.parametrize("relative", ["data/data/org.thoughtcrime.securesms/databases/other.db",
                                      "sdcard/WhatsApp/Databases/msgstore.db", "notes/signal.sqlite.txt",
                                      "sdcard/WhatsApp/Databases/msgstore.db.crypt16"])
def test_not_selected(relative):
    assert not any(select.matches_path(relative) for select in EncryptedStores.selects)


def run_at(tmp_path: Path, relative: str):
    """Run the plugin as ingest does: the Source carries the file's full path in the evidence
    (the pytest fixture gives only the name; Signal Desktop's generic 'db.sqlite' needs its folder)."""
    from forensic_triage.plugin_host.runner import execute
    from forensic_triage.sdk.context import Context, Source

    path = tmp_path / relative
    data = path.read_bytes()
    source = Source(path=relative, name=path.name, size=len(data), head=data[:64])
    ctx = Context(source=source, read_at=lambda offset, length: data[offset:offset + length],
                  scratch=tmp_path / "scratch")
    return execute(EncryptedStores(), ctx, source)


@pytest.mark.parametrize("relative, app", CASES)
def test_ciphertext_gives_key_needed(tmp_path, relative, app):
    place(tmp_path, relative, ciphertext())
    result = run_at(tmp_path, relative)
    assert result.status == "ok" and result.artifacts == ()
    [warning] = result.warnings
    assert warning.code == "encrypted.key_needed"
    assert warning.message.startswith(app) and "key needed" in warning.message
    assert warning.context["app"] == app and warning.context["entropy_bits_per_byte"] > 7.9
    assert warning.locator == {"offset": 0, "length": 16}


@pytest.mark.parametrize("relative, app", [case for case in CASES if "Desktop" not in case[1]])
def test_recognised_by_file_name_alone(run_extractor, tmp_path, relative, app):
    path = place(tmp_path, relative, ciphertext())
    [warning] = run_extractor(EncryptedStores, path).warnings
    assert warning.code == "encrypted.key_needed" and warning.context["app"] == app


def test_whatsapp_crypt15_with_a_header(run_extractor, tmp_path):
    # crypt14/15 files start with a protobuf header (low entropy) before the AES-GCM body.
    data = b"\x00\x01" + b"\x08\x01\x12\x20" + b"\x00" * 180 + ciphertext(20000)
    path = place(tmp_path, "Databases/msgstore.db.crypt15", data)
    [warning] = run_extractor(EncryptedStores, path).warnings
    assert warning.code == "encrypted.key_needed" and warning.context["app"] == "WhatsApp (Android backup)"


def test_plaintext_copy(run_extractor, tmp_path):
    path = tmp_path / "org.thoughtcrime.securesms" / "databases" / "signal.db"
    path.parent.mkdir(parents=True)
    sqlite3.connect(path).executescript("CREATE TABLE sms (_id INTEGER PRIMARY KEY, body TEXT);")
    [warning] = run_extractor(EncryptedStores, path).warnings
    assert warning.code == "encrypted.plaintext_copy" and "Signal (Android)" in warning.message


def test_wiped_and_empty(run_extractor, tmp_path):
    wiped = place(tmp_path, "a/grdb/signal.sqlite", b"\x00" * 8192)
    [warning] = run_extractor(EncryptedStores, wiped).warnings
    assert warning.code == "encrypted.unrecognised" and warning.context["entropy_bits_per_byte"] == 0.0
    empty = place(tmp_path, "b/grdb/signal.sqlite", b"")
    assert [w.code for w in run_extractor(EncryptedStores, empty).warnings] == ["encrypted.empty"]


def test_entropy():
    assert entropy(b"") == 0.0
    assert entropy(b"aaaa") == 0.0
    assert entropy(bytes(range(256))) == pytest.approx(8.0)
