"""What the contact graph view shows: the case's contact graph (forensic_triage.graph), which of
its identities to draw, where (a seeded spring layout), and the messages and calls of one identity.

Everything here is plain Python run in worker threads; the view only draws the results. The
graph of a case is built once per state of the case (keyed by the head of its custody log, which
every change moves) and shared by the views that need it.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from forensic_triage.graph.build import (
    ContactGraph,
    build_graph,
    expand_ids,
    message_time,
    time_key,
)
from forensic_triage.graph.paths import excerpt, resolve
from forensic_triage.store.case_store import CaseStore

SEED = 20240611                 # the same layout for the same graph, every time
DEFAULT_NODES = 150             # drawn at first; "Show more" adds this many again
LAYOUT_SCALE = 420.0            # half the layout's width in scene units (≈ pixels at zoom 1)
ITEMS_LIMIT = 500               # messages and calls listed for one identity
ITEMS_SCAN = 20_000             # rows read at most to choose them (a hub may have millions)
_CHUNK = 500

_LOCK = threading.Lock()
_CACHE: dict[Path, tuple[str, ContactGraph]] = {}


def case_graph(case_dir: Path, passphrase: str | None = None) -> ContactGraph:
    """The contact graph of the case as it is now (cached until the case changes)."""
    case_dir = Path(case_dir).resolve()
    store = CaseStore.open(case_dir, passphrase=passphrase)
    try:
        head = store.last_custody()
        key = head["entry_hash"] if head else ""
        with _LOCK:
            cached = _CACHE.get(case_dir)
        if cached and cached[0] == key:
            return cached[1]
        graph = build_graph(store)
    finally:
        store.close()
    with _LOCK:
        _CACHE[case_dir] = (key, graph)
    return graph


def ranked(graph: ContactGraph) -> list[str]:
    """Identity ids, most central first: owners, then degree centrality, betweenness, traffic."""
    return [identity.id for identity in sorted(
        graph.identities, key=lambda identity: (not identity.owner, -identity.degree_centrality,
                                                -identity.betweenness, -(identity.messages + identity.calls),
                                                identity.id))]


@dataclass(frozen=True, kw_only=True)
class GraphLayout:
    graph: ContactGraph
    visible: tuple[str, ...]                        # identity ids drawn, most central first
    positions: dict[str, tuple[float, float]]
    total: int                                      # identities in the graph


def layout(graph: ContactGraph, count: int, *, pinned: tuple[str, ...] = (),
           previous: dict[str, tuple[float, float]] | None = None) -> GraphLayout:
    """Positions for the ``count`` most central identities plus ``pinned`` ones (e.g. a path).
    Identities placed before keep their place as the starting point, so showing more does not
    scramble what the examiner has already looked at."""
    order = ranked(graph)
    chosen = list(dict.fromkeys(order[:count] + [node for node in pinned if graph.has(node)]))
    sub = graph.graph.subgraph(chosen)
    if not chosen:
        return GraphLayout(graph=graph, visible=(), positions={}, total=0)
    start = {node: (x / LAYOUT_SCALE, y / LAYOUT_SCALE) for node, (x, y) in (previous or {}).items()
             if node in sub}
    # Unweighted: message counts span five orders of magnitude and would pull hubs into one dot.
    positions = nx.spring_layout(sub, seed=SEED, pos=start or None, weight=None, iterations=60,
                                 k=1.6 / max(1, len(chosen)) ** 0.5)
    return GraphLayout(graph=graph, visible=tuple(chosen), total=len(graph.identities),
                       positions={node: (float(x) * LAYOUT_SCALE, float(y) * LAYOUT_SCALE)
                                  for node, (x, y) in positions.items()})


def load_layout(case_dir: Path, count: int, pinned: tuple[str, ...] = (),
                previous: dict[str, tuple[float, float]] | None = None, passphrase: str | None = None) -> GraphLayout:
    return layout(case_graph(case_dir, passphrase), count, pinned=pinned, previous=previous)


@dataclass(frozen=True, kw_only=True, slots=True)
class NodeItem:
    """One message or call of an identity, for the list beside the graph."""

    artifact_id: int
    kind: str
    utc: str | None
    app: str
    counterpart: str                # label of the identity at the other end of the link
    text: str

    def lines(self, *, with_counterpart: bool = True) -> str:
        """Two short lines for the list: when and what; then with whom (when it varies) and the excerpt."""
        what = "Call" if self.kind == "call" else "Message"
        when = self.utc.replace("T", " ") if self.utc else "no time"
        counterpart = self.counterpart if len(self.counterpart) <= 24 else self.counterpart[:23] + "…"
        detail = self.text or "(no text)"
        return f"{when}  {what} · {self.app}\n    " + (f"with {counterpart}: {detail}" if with_counterpart else detail)


def node_items(case_dir: Path, graph: ContactGraph, node: str, limit: int = ITEMS_LIMIT,
               passphrase: str | None = None) -> tuple[list[NodeItem], int]:
    """The earliest ``limit`` messages and calls on the identity's links (of the first
    ``ITEMS_SCAN`` rows behind them), and how many there are in all."""
    links = [link for link in graph.links if node in (link.a, link.b)]
    total = sum(link.messages + link.calls for link in links)
    other = {}
    for link in sorted(links, key=lambda link: -(link.messages + link.calls)):
        counterpart = graph.identity(link.b if link.a == node else link.a).label
        for artifact_id in itertools.islice(expand_ids(link.artifact_ids), ITEMS_SCAN):
            other.setdefault(artifact_id, counterpart)
            if len(other) >= ITEMS_SCAN:
                break
        if len(other) >= ITEMS_SCAN:
            break
    items: list[NodeItem] = []
    ids = sorted(other)
    store = CaseStore.open(case_dir, passphrase=passphrase)
    try:
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            rows = store.conn.execute(f"SELECT id, kind, data FROM artifacts WHERE id IN ({', '.join('?' * len(chunk))})",
                                      chunk)
            for artifact_id, kind, text in rows:
                try:
                    data = json.loads(text)
                except ValueError:
                    continue
                if not isinstance(data, dict):
                    continue
                items.append(NodeItem(artifact_id=artifact_id, kind=kind, utc=message_time(kind, data),
                                      app=str(data.get("app") or "unknown"), counterpart=other[artifact_id],
                                      text=excerpt(kind, data)))
    finally:
        store.close()
    items.sort(key=lambda item: (time_key(item.utc) if item.utc else "~", item.artifact_id))
    return items[:limit], total


def path_between(graph: ContactGraph, a: str, b: str) -> list[str] | None:
    return graph.shortest_path(a, b)


def identity_artifact_ids(case_dir: Path, query: str, passphrase: str | None = None) -> list[int]:
    """Every message and call behind an identity's links, and the contact and account artifacts
    naming it: what the timeline shows when filtered to that identity."""
    graph = case_graph(case_dir, passphrase)
    node = resolve(graph, query)
    ids = set(expand_ids(graph.identity(node).artifact_ids))
    for link in graph.links:
        if node in (link.a, link.b):
            ids.update(expand_ids(link.artifact_ids))
    return sorted(ids)
