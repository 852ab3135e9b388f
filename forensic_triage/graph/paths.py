"""Finding identities by what an examiner types, and the messages and calls behind a link."""

from __future__ import annotations

import heapq
import itertools
import json
import re
from dataclasses import dataclass
from typing import Any

from forensic_triage.errors import TriageError
from forensic_triage.graph.build import MAX_RECIPIENTS, ContactGraph, endpoints, expand_ids, message_time, time_key
from forensic_triage.graph.identities import HANDLE, OWNER, identifier_key, key_kind, owner_key
from forensic_triage.store.case_store import CaseStore

EXCERPT = 80
_CHUNK = 500
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")


class IdentityNotFound(TriageError):
    """Nothing in the graph matches what was asked for, or more than one identity does."""


def resolve(graph: ContactGraph, query: str) -> str:
    """The identity id for ``query``: an identity id, "owner" (or "owner:E001"), a typed identifier
    ("tel:+44...", "handle:telegram:alice"), a phone number in any format, an e-mail address,
    an app handle or JID, or a display name (when only one identity has it)."""
    text = (query or "").strip()
    if not text:
        raise IdentityNotFound("give an identity: a phone number, e-mail, handle or identity id")
    if graph.has(text):
        return text
    region = graph.params.get("region")
    lowered = text.casefold()
    if lowered == OWNER:
        return _one(text, {identity.id for identity in graph.owners()})
    if text in graph.key_to_id:
        return graph.key_to_id[text]
    if lowered.startswith(OWNER + ":") and owner_key(text.split(":", 1)[1]) in graph.key_to_id:
        return graph.key_to_id[owner_key(text.split(":", 1)[1])]
    key = identifier_key(text, "unknown", region)
    if key is not None and key_kind(key) != HANDLE and key in graph.key_to_id:
        return graph.key_to_id[key]
    # An app handle, with or without its app: "alice", "telegram:alice", "live:bob".
    folded = " ".join(lowered.split())
    matches = {identity_id for key, identity_id in graph.key_to_id.items()
               if key_kind(key) == HANDLE and (key.split(":", 2)[2] == folded or key.split(":", 1)[1] == folded)}
    if matches:
        return _one(text, matches)
    named = {identity.id for identity in graph.identities
             if identity.label.casefold() == lowered or any(name.casefold() == lowered for name in identity.names)}
    if named:
        return _one(text, named)
    raise IdentityNotFound(f"no identity matches {text!r} in this case's contact graph")


def _one(query: str, ids: set[str]) -> str:
    if len(ids) == 1:
        return next(iter(ids))
    listed = ", ".join(sorted(ids)[:10])
    raise IdentityNotFound(f"{query!r} matches {len(ids)} identities ({listed}); give an identity id")


@dataclass(frozen=True, kw_only=True)
class HopItem:
    artifact_id: int
    kind: str
    app: str
    utc: str | None
    direction: str          # "->" from the hop's first identity to its second, "<-" back, "--" unknown
    excerpt: str
    deleted: bool

    def as_dict(self) -> dict[str, Any]:
        return {"artifact_id": self.artifact_id, "kind": self.kind, "app": self.app, "utc": self.utc,
                "direction": self.direction, "excerpt": self.excerpt, "deleted": self.deleted}


def one_line(text: str) -> str:
    """Text without control and bidirectional-override characters, whitespace collapsed, so a
    hostile body or name cannot rewrite the terminal or reorder what is shown."""
    return " ".join(_CONTROL.sub(" ", text).split())


def excerpt(kind: str, data: dict[str, Any], width: int = EXCERPT) -> str:
    """One line to show an examiner (see :func:`one_line`), at most ``width`` characters."""
    if kind == "call":
        parts = ["video call" if data.get("video") is True else "call"]
        seconds = data.get("duration_s")
        if isinstance(seconds, (int, float)) and not isinstance(seconds, bool):
            parts.append(f"{seconds:g} s")
        if data.get("missed") is True:
            parts.append("missed")
        return ", ".join(parts)
    body = data.get("body")
    text = one_line(body) if isinstance(body, str) else ""
    attachments = data.get("attachments")
    if isinstance(attachments, list) and attachments:
        text = (text + " " if text else "") + f"[{len(attachments)} attachment{'s' if len(attachments) > 1 else ''}]"
    if len(text) > width:
        text = text[:width - 1] + "…"
    return text


def hop_items(store: CaseStore, graph: ContactGraph, a: str, b: str,
              limit: int | None = 20) -> tuple[list[HopItem], int]:
    """The messages and calls behind the link a -- b, earliest first (at most ``limit``), and how
    many there are in all."""
    link = graph.link(a, b)
    if link is None:
        return [], 0
    region = graph.params.get("region")
    max_recipients = graph.params.get("max_recipients", MAX_RECIPIENTS)
    key_to_id = graph.key_to_id
    chosen: list[tuple[tuple[str, int], HopItem]] = []
    total = 0
    ids = expand_ids(link.artifact_ids)
    while chunk := list(itertools.islice(ids, _CHUNK)):
        rows = store.conn.execute(
            "SELECT id, kind, data, CASE WHEN json_valid(provenance) THEN json_extract(provenance, '$.evidence') END "
            f"FROM artifacts WHERE id IN ({', '.join('?' * len(chunk))}) ORDER BY id", chunk)
        for artifact_id, kind, text, exhibit in rows:
            try:
                data = json.loads(text)
            except ValueError:
                continue
            if not isinstance(data, dict):
                continue
            total += 1
            owner = key_to_id.get(owner_key(exhibit))
            found = endpoints(kind, data, exhibit, region, max_recipients,
                              is_owner=lambda key, owner=owner: key_to_id.get(key) == owner)
            direction = "--"
            if found.directed:
                for source, target in found.pairs:
                    pair = (key_to_id.get(source), key_to_id.get(target))
                    if pair == (a, b):
                        direction = "->"
                        break
                    if pair == (b, a):
                        direction = "<-"
                        break
            utc = message_time(kind, data)
            item = HopItem(artifact_id=artifact_id, kind=kind, app=str(data.get("app") or "unknown"), utc=utc,
                           direction=direction, excerpt=excerpt(kind, data),
                           deleted=data.get("deleted") is True or data.get("recovered") is True)
            order = (time_key(utc) if utc else "~", artifact_id)
            if limit is None:
                chosen.append((order, item))
            elif len(chosen) < limit:
                heapq.heappush(chosen, (_Reverse(order), item))
            elif _Reverse(order) > chosen[0][0]:
                heapq.heapreplace(chosen, (_Reverse(order), item))
    if limit is None:
        return [item for _order, item in sorted(chosen, key=lambda pair: pair[0])], total
    return [item for _order, item in sorted(chosen, key=lambda pair: pair[0].value)], total


class _Reverse:
    """Max-heap order for keeping the ``limit`` earliest items."""

    __slots__ = ("value",)

    def __init__(self, value: tuple[str, int]) -> None:
        self.value = value

    def __lt__(self, other: _Reverse) -> bool:
        return self.value > other.value

    def __gt__(self, other: _Reverse) -> bool:
        return self.value < other.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reverse) and self.value == other.value
