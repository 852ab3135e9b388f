"""Canonical serialisation and digests: the same data always gives the same bytes."""

from __future__ import annotations

import json
from typing import Any

import blake3


# Sorted keys, no whitespace and UTF-8 so that a digest never depends on dict order or on
# how a caller happened to format the data. One encoder, reused: building one per call costs
# more than encoding a small row.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(value: Any) -> bytes:
    return _ENCODER.encode(value).encode("utf-8")


def digest(value: Any) -> str:
    return blake3.blake3(canonical_json(value)).hexdigest()


def dumps(value: Any) -> str:
    return canonical_json(value).decode("utf-8")
