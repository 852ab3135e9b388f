#!/usr/bin/env python3
"""atheris harness: Telegram TL blobs (the TL reader of plugins/forensic_triage_plugins/telegram_android.py).
decode_message, decode_user and decode_chat are documented never to raise: any exception is a crash.

    .venv/bin/python fuzz/fuzz_tl.py fuzz/corpus/tl -max_total_time=600
"""

import harness

MODULES = ("forensic_triage_plugins.telegram_android",)


def test_one_input(data: bytes) -> None:
    from forensic_triage_plugins.telegram_android import decode_chat, decode_message, decode_user

    result = decode_message(data)
    if result.status not in ("ok", "partial", "unknown", "error"):
        raise AssertionError(f"unknown status {result.status!r}")
    uid = int.from_bytes(data[8:16], "little") if len(data) >= 16 else None
    decode_user(data)
    decode_user(data, uid)
    decode_chat(data)
    decode_chat(data, uid)


if __name__ == "__main__":
    harness.main(test_one_input, MODULES)
