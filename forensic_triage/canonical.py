"""Canonical serialisation and digests: the same data always gives the same bytes."""

from __future__ import annotations

import json
from typing import Any

import blake3


def canonical_json(value: Any) -> bytes:
    # Sorted keys, no whitespace and UTF-8 so that a digest never depends on dict order or
    # on how a caller happened to format the data.
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def digest(value: Any) -> str:
    return blake3.blake3(canonical_json(value)).hexdigest()


def dumps(value: Any) -> str:
    return canonical_json(value).decode("utf-8")
