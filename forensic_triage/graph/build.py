"""Building the contact graph from a case store, in two streaming passes over the artifacts.

Pass 1 reads contact and account artifacts (and the ``account`` of every message and call) and
merges identifiers that belong to one person. Pass 2 reads messages and calls in id order and
adds each one to the links between the identities it connects. Memory grows with the number of
identities and links, plus 8 bytes per artifact id kept on a link; never with message bodies.

How an artifact becomes links (``owner`` is the owner of the artifact's exhibit):

- message, outgoing: owner -> each recipient (no recipients: -> the sender, which some stores
  use for the other party);
- message, incoming: sender -> owner and -> each other recipient;
- message, direction unknown: sender -> recipients (or -> owner); with no sender, owner -- each
  recipient, counted as "direction unknown";
- call: outgoing owner -> each party, incoming each party -> owner, unknown owner -- party;
- a message addressed to more than ``max_recipients`` identities (a large group) links only its
  sender and the owner (nothing when the owner wrote it, and nothing for such a conference call),
  so one busy group cannot turn a million messages into a billion links;
- an address that names no one (a withheld number, a group JID) gives no link; a message with
  no counterpart at all is counted in ``stats["unlinked"]``.
"""

from __future__ import annotations

import json
from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import blake3
import networkx as nx

from forensic_triage.canonical import dumps as canonical_dumps
from forensic_triage.graph import centrality
from forensic_triage.graph.identities import (EMAIL, OWNER, TEL, UnionFind, app_namespace, describe,
                                              identifier_key, identity_id, key_kind, label_order, owner_key)
from forensic_triage.progress import Finished, Progress, Work, run_silently
from forensic_triage.store.case_store import CaseStore

FORMAT = "forensic-triage.contact-graph"
FORMAT_VERSION = 1
MAX_RECIPIENTS = 100
EXACT_BETWEENNESS_LIMIT = 2000     # above this many identities betweenness is estimated ...
BETWEENNESS_SAMPLES = 256          # ... from this many sampled sources (seeded: still deterministic)
SEED = 20240611
MAX_NAMES = 20
STAGE = "contact graph"
MERGING, LINKING, ANALYSING = "merging identities", "linking messages and calls", "centrality and communities"
PROGRESS_EVERY = 20_000
_DIGEST_MOD = 1 << 256

# Per-link counters, in this order.
_MSG_AB, _MSG_BA, _MSG_UNK, _CALL_AB, _CALL_BA, _CALL_UNK, _MISSED, _VIDEO, _DELETED = range(9)


# --- results ---------------------------------------------------------------------------------------

@dataclass(kw_only=True, slots=True)
class Identity:
    id: str
    label: str
    identifiers: tuple[str, ...]       # typed identifiers, sorted (see identities.py)
    names: tuple[str, ...] = ()        # display names from contact cards and accounts
    apps: tuple[str, ...] = ()
    exhibits: tuple[str, ...] = ()
    owner: bool = False
    messages: int = 0                  # message artifacts this identity is a party to
    calls: int = 0
    artifact_ids: str = ""             # contact and account artifacts naming it (compact ranges)
    artifacts_digest: str = ""         # sum mod 2**256 of their artifact digests (row-id free)
    degree: int = 0
    degree_centrality: float = 0.0
    betweenness: float = 0.0
    community: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "identifiers": list(self.identifiers), "names": list(self.names),
                "apps": list(self.apps), "exhibits": list(self.exhibits), "owner": self.owner,
                "messages": self.messages, "calls": self.calls, "artifact_ids": self.artifact_ids,
                "artifacts_digest": self.artifacts_digest, "degree": self.degree,
                "degree_centrality": self.degree_centrality, "betweenness": self.betweenness,
                "community": self.community}


@dataclass(kw_only=True, slots=True)
class Link:
    """An edge between identities ``a`` < ``b``; "a_to_b" counts what ``a`` sent or placed."""

    a: str
    b: str
    messages_a_to_b: int = 0
    messages_b_to_a: int = 0
    messages_undirected: int = 0       # direction not recorded
    calls_a_to_b: int = 0
    calls_b_to_a: int = 0
    calls_undirected: int = 0
    calls_missed: int = 0
    calls_video: int = 0
    call_seconds: float = 0.0
    deleted: int = 0                   # artifacts flagged deleted or recovered
    first_utc: str | None = None
    last_utc: str | None = None
    apps: tuple[str, ...] = ()
    artifact_ids: str = ""             # the message/call artifact rows behind it (compact ranges)
    artifacts_digest: str = ""

    @property
    def messages(self) -> int:
        return self.messages_a_to_b + self.messages_b_to_a + self.messages_undirected

    @property
    def calls(self) -> int:
        return self.calls_a_to_b + self.calls_b_to_a + self.calls_undirected

    def as_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "messages": self.messages, "messages_a_to_b": self.messages_a_to_b,
                "messages_b_to_a": self.messages_b_to_a, "messages_undirected": self.messages_undirected,
                "calls": self.calls, "calls_a_to_b": self.calls_a_to_b, "calls_b_to_a": self.calls_b_to_a,
                "calls_undirected": self.calls_undirected, "calls_missed": self.calls_missed,
                "calls_video": self.calls_video, "call_seconds": self.call_seconds, "deleted": self.deleted,
                "first_utc": self.first_utc, "last_utc": self.last_utc, "apps": list(self.apps),
                "artifact_ids": self.artifact_ids, "artifacts_digest": self.artifacts_digest,
                "weight": self.messages + self.calls}


@dataclass(kw_only=True)
class ContactGraph:
    identities: list[Identity]                      # sorted by id
    links: list[Link]                               # sorted by (a, b)
    params: dict[str, Any]
    stats: dict[str, Any]
    case: dict[str, Any] = field(default_factory=dict)
    key_to_id: dict[str, str] = field(default_factory=dict, repr=False)
    digest: str = ""                                # over everything in as_dict() but the digests
    content_digest: str = ""                        # the same without case and row ids: equal for equal evidence
    _by_id: dict[str, Identity] = field(default_factory=dict, repr=False)
    _links: dict[tuple[str, str], Link] = field(default_factory=dict, repr=False)
    _graph: nx.Graph | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {identity.id: identity for identity in self.identities}

    def has(self, identity_id: str) -> bool:
        return identity_id in self._by_id

    def identity(self, identity_id: str) -> Identity:
        return self._by_id[identity_id]

    def link(self, a: str, b: str) -> Link | None:
        if not self._links and self.links:
            self._links = {(link.a, link.b): link for link in self.links}
        return self._links.get((a, b) if a < b else (b, a))

    def owners(self) -> list[Identity]:
        return [identity for identity in self.identities if identity.owner]

    @property
    def graph(self) -> nx.Graph:
        """Undirected networkx graph: nodes are identity ids (in id order), edges carry ``weight``."""
        if self._graph is None:
            graph = nx.Graph()
            graph.add_nodes_from(identity.id for identity in self.identities)
            graph.add_weighted_edges_from((link.a, link.b, link.messages + link.calls) for link in self.links)
            self._graph = graph
        return self._graph

    def shortest_path(self, a: str, b: str) -> list[str] | None:
        """Fewest hops from identity ``a`` to ``b`` (ties broken the same way every time), or None."""
        try:
            return nx.shortest_path(self.graph, a, b)
        except nx.NetworkXNoPath:
            return None

    def as_dict(self, *, with_digests: bool = True) -> dict[str, Any]:
        """The whole graph as one plain object (for small graphs and tests; exports stream
        :meth:`json_chunks`, which writes the same object)."""
        document = {"format": FORMAT, "format_version": FORMAT_VERSION, "case": self.case, "params": self.params,
                    "stats": self.stats, "identities": [identity.as_dict() for identity in self.identities],
                    "links": [link.as_dict() for link in self.links]}
        if with_digests:
            document["digest"] = self.digest
            document["content_digest"] = self.content_digest
        return document

    def json_chunks(self, *, with_digests: bool = True, row_ids: bool = True, separator: str = "") -> Iterator[str]:
        """Canonical JSON of :meth:`as_dict` (sorted keys, no spaces) in pieces, one identity or
        link at a time, so that neither the object nor its text is ever whole in memory. With
        ``separator="\n"`` each identity and link starts a line: still the same JSON value.
        ``row_ids=False`` leaves out the case and every ``artifact_ids`` (the content digest)."""
        head: dict[str, Any] = {"format": FORMAT, "format_version": FORMAT_VERSION, "params": self.params,
                                "stats": self.stats}
        if row_ids:
            head["case"] = self.case
        if with_digests:
            head["digest"] = self.digest
            head["content_digest"] = self.content_digest
        lists = {"identities": self.identities, "links": self.links}
        keys = sorted([*head, *lists])
        yield "{"
        for number, key in enumerate(keys):
            yield ("," if number else "") + canonical_dumps(key) + ":"
            if key in head:
                yield canonical_dumps(head[key])
                continue
            yield "["
            for index, item in enumerate(lists[key]):
                data = item.as_dict()
                if not row_ids:
                    data.pop("artifact_ids")
                yield ("," if index else "") + separator + canonical_dumps(data)
            yield separator + "]"
        yield "}"

    def seal(self) -> None:
        self.digest = _streamed_digest(self.json_chunks(with_digests=False))
        # The content digest leaves out what names this case's rows rather than the evidence:
        # the case and the row ids (their artifacts are still bound through artifacts_digest).
        self.content_digest = _streamed_digest(self.json_chunks(with_digests=False, row_ids=False))


def _streamed_digest(chunks: Iterator[str]) -> str:
    """forensic_triage.canonical.digest of the value whose canonical JSON comes in ``chunks``."""
    hasher = blake3.blake3()
    batch: list[str] = []
    size = 0
    for chunk in chunks:
        batch.append(chunk)
        size += len(chunk)
        if size >= 1 << 16:
            hasher.update("".join(batch).encode("utf-8"))
            batch.clear()
            size = 0
    hasher.update("".join(batch).encode("utf-8"))
    return hasher.hexdigest()


# --- reading artifacts -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Endpoints:
    """Who an artifact connects: (from, to) identifier pairs; ``directed`` False when only the
    fact of contact is known."""

    pairs: tuple[tuple[str, str], ...]
    directed: bool
    large_group: bool = False


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return [value]
    return []


def _keys(values: list[Any], namespace: str, region: str | None, limit: int | None = None) -> list[str]:
    """Distinct identifiers of ``values`` in order; with ``limit``, stop once there are more than
    that many (enough to know a group is large, however long a hostile list is)."""
    found: dict[str, None] = {}
    for value in values:
        key = identifier_key(value, namespace, region)
        if key is not None:
            found[key] = None
            if limit is not None and len(found) > limit:
                break
    return list(found)


def endpoints(kind: str, data: dict[str, Any], exhibit: str | None, region: str | None,
              max_recipients: int = MAX_RECIPIENTS, is_owner=None) -> Endpoints:
    """The identifier pairs a message or call artifact connects (see the module docstring).
    ``is_owner(key)`` tells whether a key belongs to the owner (default: only the owner key)."""
    namespace = app_namespace(data.get("app"))
    owner = owner_key(exhibit)
    owns = is_owner or (lambda key: key == owner)
    direction = _text(data.get("direction")) or "unknown"
    if kind == "call":
        parties = [key for key in _keys(_list(data.get("parties")), namespace, region, limit=max_recipients + 1)
                   if not owns(key)]
        if len(parties) > max_recipients:
            return Endpoints((), direction in ("outgoing", "incoming"), large_group=True)
        if direction == "outgoing":
            return Endpoints(tuple((owner, party) for party in parties), True)
        if direction == "incoming":
            return Endpoints(tuple((party, owner) for party in parties), True)
        return Endpoints(tuple((owner, party) for party in parties), False)
    sender = identifier_key(data.get("sender"), namespace, region)
    recipients = _keys(_list(data.get("recipients")), namespace, region, limit=max_recipients + 1)
    directed = True
    if direction == "outgoing":
        source = owner
        targets = recipients or ([sender] if sender is not None else [])
    elif direction == "incoming":
        source = sender
        targets = recipients + [owner]
    elif sender is not None:
        source = sender
        targets = recipients or [owner]
    else:
        source, targets, directed = owner, recipients, False
    if source is None:
        return Endpoints((), directed)
    targets = [target for target in dict.fromkeys(targets) if target != source]
    if len(targets) > max_recipients:
        pairs = () if owns(source) else ((source, owner),)
        return Endpoints(pairs, directed, large_group=True)
    return Endpoints(tuple((source, target) for target in targets), directed)


_CACHE_SIZE = 100_000


def _signature(kind: str, exhibit: Any, data: dict[str, Any]) -> tuple | None:
    """What :func:`endpoints` reads from a row, as a hashable key; None for rows not worth
    caching (large groups) or whose values could compare equal across types (1 == True)."""
    addresses = data.get("parties" if kind == "call" else "recipients")
    if isinstance(addresses, list):
        if len(addresses) > 64 or any(type(each) is not str for each in addresses):
            return None
        addresses = tuple(addresses)
    elif addresses is not None and type(addresses) is not str:
        return None
    values = (data.get("app"), data.get("direction"), data.get("sender"), exhibit)
    if any(value is not None and type(value) is not str for value in values):
        return None
    return (kind, addresses, *values)


def message_time(kind: str, data: dict[str, Any]) -> str | None:
    """UTC of a message (sent, else received, delivered, read) or call (start)."""
    for name in (("start",) if kind == "call" else ("sent", "received", "delivered", "read")):
        value = data.get(name)
        if isinstance(value, dict) and value.get("status", "ok") == "ok":
            utc = value.get("utc")
            if isinstance(utc, str) and utc.endswith("Z") and len(utc) >= 20:
                return utc
    return None


def time_key(utc: str) -> str:
    """Comparable form of an ISO UTC text with or without a fraction of a second."""
    main, _, fraction = utc[:-1].partition(".")
    return f"{main}.{fraction:0<9}"


def _load(text: Any) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _rows(store: CaseStore, kinds: tuple[str, ...]) -> Iterator[Any]:
    marks = ", ".join("?" * len(kinds))
    yield from store.conn.execute(
        "SELECT id, kind, data, digest, CASE WHEN json_valid(provenance) THEN json_extract(provenance, '$.evidence') "
        f"END AS exhibit FROM artifacts WHERE kind IN ({marks}) ORDER BY id", kinds)


def compact_ids(ids: Any) -> str:
    """Sorted ids as ranges: [1, 2, 3, 7, 9, 10] -> "1-3,7,9-10"."""
    parts: list[str] = []
    start = previous = None
    for value in ids:
        if previous is not None and value == previous + 1:
            previous = value
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = value
    if start is not None:
        parts.append(str(start) if start == previous else f"{start}-{previous}")
    return ",".join(parts)


def expand_ids(text: str) -> Iterator[int]:
    for part in filter(None, (text or "").split(",")):
        first, _, last = part.partition("-")
        yield from range(int(first), int(last or first) + 1)


# --- the build -------------------------------------------------------------------------------------

class _NodeFacts:
    __slots__ = ("names", "account_names", "apps", "exhibits", "ids", "digest_sum", "messages", "calls")

    def __init__(self) -> None:
        self.names: Counter[str] = Counter()
        self.account_names: Counter[str] = Counter()
        self.apps: set[str] = set()
        self.exhibits: set[str] = set()
        self.ids = array("q")
        self.digest_sum = 0
        self.messages = 0
        self.calls = 0

    def merge(self, other: _NodeFacts) -> None:
        self.names.update(other.names)
        self.account_names.update(other.account_names)
        self.apps |= other.apps
        self.exhibits |= other.exhibits
        self.ids.extend(other.ids)
        self.digest_sum = (self.digest_sum + other.digest_sum) % _DIGEST_MOD
        self.messages += other.messages
        self.calls += other.calls


class _LinkFacts:
    __slots__ = ("apps", "counts", "digest_sum", "first", "first_key", "ids", "last", "last_key", "seconds")

    def __init__(self) -> None:
        self.counts = [0] * 9
        self.seconds = 0.0
        self.first: str | None = None        # UTC texts as stored, and their time_key()
        self.first_key = ""
        self.last: str | None = None
        self.last_key = ""
        self.apps: tuple[str, ...] = ()
        self.ids = array("q")
        self.digest_sum = 0


class _Builder:
    def __init__(self, store: CaseStore, region: str | None, max_recipients: int) -> None:
        self.store = store
        self.region = region
        self.max_recipients = max_recipients
        self.uf = UnionFind()
        self.facts: dict[str, _NodeFacts] = {}       # pass 1: by a contact's first key; pass 2: by root
        self.links: dict[tuple[str, str], _LinkFacts] = {}
        self.stats: Counter[str] = Counter()
        self.interned: dict[str, str] = {}
        self.tallies: dict[tuple, int] = {}

    def _facts(self, key: str) -> _NodeFacts:
        facts = self.facts.get(key)
        if facts is None:
            facts = self.facts[key] = _NodeFacts()
        return facts

    # pass 1 ---------------------------------------------------------------------------------------

    def merge_identities(self) -> None:
        """Union the identifiers of each contact card, and each device owner with their accounts.

        A phone number or e-mail address is strong evidence: two owners who share one (a phone
        and a tablet on one Apple ID) are one person. A handle or bare number from an account is
        not: Android's call log names a SIM slot "1" on every phone, and a profile may be called
        "Me". Such weak owner identifiers are joined last, in sorted order (so the result does not
        depend on row order), and never to an identity that already holds another device's owner."""
        weak: set[tuple[str, str]] = set()
        for row in _rows(self.store, ("contact", "account")):
            data = _load(row["data"])
            if data is None:
                self.stats["malformed"] += 1
                continue
            app = _text(data.get("app")) or "unknown"
            namespace = app_namespace(app)
            self.stats[f"{row['kind']}s"] += 1
            if row["kind"] == "contact":
                keys = sorted(_keys(_list(data.get("phones_e164")) + _list(data.get("phones"))
                                    + _list(data.get("emails")) + _list(data.get("handles")), namespace, self.region))
                if not keys:
                    self.stats["contacts_without_identifiers"] += 1
                    continue
                anchor = keys[0]
                for key in keys:
                    self.uf.union(anchor, key)
                name, account_name = _text(data.get("display_name")), None
            else:
                anchor = owner_key(row["exhibit"])
                self.uf.add(anchor)
                for key in _keys([data.get("identifier"), data.get("phone"), data.get("email")], namespace,
                                 self.region):
                    self._owner_identifier(anchor, key, weak)
                name, account_name = None, _text(data.get("display_name"))
            facts = self._facts(anchor)
            if name and name.strip():
                facts.names[name.strip()] += 1
            if account_name and account_name.strip():
                facts.account_names[account_name.strip()] += 1
            facts.apps.add(app)
            if row["exhibit"]:
                facts.exhibits.add(str(row["exhibit"]))
            facts.ids.append(row["id"])
            facts.digest_sum = (facts.digest_sum + _digest_int(row["digest"])) % _DIGEST_MOD
        # The owner's identifier in each app, as messages and calls name it.
        query = ("SELECT DISTINCT json_extract(data, '$.app'), json_extract(data, '$.account'), "
                 "json_extract(provenance, '$.evidence') FROM artifacts WHERE kind IN ('message', 'call') "
                 "AND json_valid(data) AND json_valid(provenance) AND json_type(data, '$.account') = 'text'")
        for app, account, exhibit in self.store.conn.execute(query):
            key = identifier_key(account, app_namespace(app), self.region)
            if key is not None:
                self._owner_identifier(owner_key(exhibit), key, weak)
        self._join_weak(sorted(weak))
        # Facts gathered under a contact's first key now move to the identity's root.
        by_root: dict[str, _NodeFacts] = {}
        for key, facts in self.facts.items():
            root = self.uf.find(key)
            if root in by_root:
                by_root[root].merge(facts)
            else:
                by_root[root] = facts
        self.facts = by_root

    def _owner_identifier(self, owner: str, key: str, weak: set[tuple[str, str]]) -> None:
        if key_kind(key) in (TEL, EMAIL):
            self.uf.union(owner, key)
        else:
            weak.add((owner, key))

    def _join_weak(self, pairs: list[tuple[str, str]]) -> None:
        find = self.uf.find
        owners_of: dict[str, set[str]] = {}
        for key in list(self.uf.parent):
            if key_kind(key) == OWNER:
                owners_of.setdefault(find(key), set()).add(key)
        for owner, key in pairs:
            owner_root, key_root = find(owner), find(key)
            if owner_root == key_root:
                continue
            if owners_of.get(key_root):
                self.stats["owner_identifiers_not_joined"] += 1
                continue
            self.uf.union(owner, key)
            owners_of[find(owner)] = owners_of.pop(owner_root, set()) | owners_of.pop(key_root, set())

    # pass 2 ---------------------------------------------------------------------------------------

    def add_communications(self) -> Work:
        total = self.store.count("artifacts", "WHERE kind IN ('message', 'call')")
        find, known = self.uf.find, self.uf.known_root
        cache: dict[tuple, tuple] = {}
        done = 0
        yield Progress(stage=STAGE, done=0, total=total, unit="artifacts", detail=LINKING)
        for row in _rows(self.store, ("message", "call")):
            done += 1
            if done % PROGRESS_EVERY == 0:
                yield Progress(stage=STAGE, done=done, total=total, unit="artifacts")
            kind = row["kind"]
            self.stats[f"{kind}s"] += 1
            data = _load(row["data"])
            if data is None:
                self.stats["malformed"] += 1
                continue
            exhibit = row["exhibit"]
            # Rows of one conversation are addressed alike: resolve each addressing once.
            signature = _signature(kind, exhibit, data)
            resolved = cache.get(signature) if signature is not None else None
            if resolved is None:
                owner_root = find(owner_key(exhibit))
                found = endpoints(kind, data, exhibit, self.region, self.max_recipients,
                                  is_owner=lambda key, root=owner_root: known(key) == root)
                pairs: dict[tuple[str, str], bool] = {}        # link key (a < b) -> a is the source
                for source, target in found.pairs:
                    a, b = find(source), find(target)
                    if a != b:
                        pairs.setdefault((a, b) if a < b else (b, a), a < b)
                parties = tuple(sorted({party for pair in pairs for party in pair}))
                resolved = (tuple(pairs.items()), parties, found.directed, found.large_group)
                if signature is not None:
                    if len(cache) >= _CACHE_SIZE:
                        cache.clear()
                    cache[signature] = resolved
            pairs, parties, directed, large_group = resolved
            if large_group:
                self.stats["large_group_messages"] += 1
            if not pairs:
                self.stats["unlinked"] += 1
                continue
            self._add(row, kind, data, pairs, parties, directed)
        self._spread_tallies()
        yield Progress(stage=STAGE, done=done, total=total, unit="artifacts")

    def _add(self, row: Any, kind: str, data: dict[str, Any], pairs: tuple[tuple[tuple[str, str], bool], ...],
             parties: tuple[str, ...], directed: bool) -> None:
        app = self._intern(_text(data.get("app")) or "unknown")
        utc = message_time(kind, data)
        moment = time_key(utc) if utc else None
        artifact_id = row["id"]
        value = _digest_int(row["digest"])
        flagged = data.get("deleted") is True or data.get("recovered") is True
        is_call = kind == "call"
        missed = video = False
        seconds = 0.0
        if is_call:
            forward_slot, back_slot = (_CALL_AB, _CALL_BA) if directed else (_CALL_UNK, _CALL_UNK)
            missed, video = data.get("missed") is True, data.get("video") is True
            duration = data.get("duration_s")
            if not isinstance(duration, bool) and isinstance(duration, (int, float)) and 0 <= duration < 1e9:
                seconds = duration
        else:
            forward_slot, back_slot = (_MSG_AB, _MSG_BA) if directed else (_MSG_UNK, _MSG_UNK)
        links = self.links
        for key, forward in pairs:
            link = links.get(key)
            if link is None:
                link = links[key] = _LinkFacts()
            counts = link.counts
            counts[forward_slot if forward else back_slot] += 1
            if is_call:
                counts[_MISSED] += missed
                counts[_VIDEO] += video
                link.seconds += seconds
            if flagged:
                counts[_DELETED] += 1
            if moment is not None:
                if link.first is None or moment < link.first_key:
                    link.first, link.first_key = utc, moment
                if link.last is None or moment > link.last_key:
                    link.last, link.last_key = utc, moment
            if app not in link.apps:
                link.apps = (*link.apps, app)
            link.ids.append(artifact_id)
            link.digest_sum = (link.digest_sum + value) % _DIGEST_MOD
        # What each party took part in, tallied per addressing and spread over the parties at the end.
        exhibit = self._intern(str(row["exhibit"])) if row["exhibit"] else None
        tally = (parties, app, exhibit, is_call)
        self.tallies[tally] = self.tallies.get(tally, 0) + 1

    def _spread_tallies(self) -> None:
        for (parties, app, exhibit, is_call), count in self.tallies.items():
            for party in parties:
                facts = self._facts(party)
                facts.apps.add(app)
                if exhibit:
                    facts.exhibits.add(exhibit)
                if is_call:
                    facts.calls += count
                else:
                    facts.messages += count
        self.tallies.clear()

    def _intern(self, text: str) -> str:
        """One string object per app name or exhibit, however many links hold it."""
        return self.interned.setdefault(text, text)

    # the result -----------------------------------------------------------------------------------

    def result(self, *, seed: int, exact_limit: int, samples: int, case: dict[str, Any]) -> ContactGraph:
        groups = self.uf.groups()
        root_id = {root: identity_id(keys) for root, keys in groups.items()}
        key_to_id = {key: root_id[root] for root, keys in groups.items() for key in keys}
        identities = []
        for root, keys in groups.items():
            keys.sort()
            facts = self.facts.get(root) or _NodeFacts()
            owner = any(key_kind(key) == OWNER for key in keys)
            names = _ranked(facts.names) + [name for name in _ranked(facts.account_names) if name not in facts.names]
            identities.append(Identity(
                id=root_id[root], label=_label(keys, names, owner), identifiers=tuple(keys),
                names=tuple(names[:MAX_NAMES]), apps=tuple(sorted(facts.apps)), exhibits=tuple(sorted(facts.exhibits)),
                owner=owner, messages=facts.messages, calls=facts.calls, artifact_ids=compact_ids(sorted(facts.ids)),
                artifacts_digest=f"{facts.digest_sum:064x}"))
        identities.sort(key=lambda identity: identity.id)
        links = []
        while self.links:                           # emptied as it goes: one copy of each link at a time
            (ra, rb), facts = self.links.popitem()
            a, b = root_id[ra], root_id[rb]
            counts = facts.counts
            if a > b:
                a, b = b, a
                counts = list(counts)
                counts[_MSG_AB], counts[_MSG_BA] = counts[_MSG_BA], counts[_MSG_AB]
                counts[_CALL_AB], counts[_CALL_BA] = counts[_CALL_BA], counts[_CALL_AB]
            links.append(Link(
                a=a, b=b, messages_a_to_b=counts[_MSG_AB], messages_b_to_a=counts[_MSG_BA],
                messages_undirected=counts[_MSG_UNK], calls_a_to_b=counts[_CALL_AB], calls_b_to_a=counts[_CALL_BA],
                calls_undirected=counts[_CALL_UNK], calls_missed=counts[_MISSED], calls_video=counts[_VIDEO],
                call_seconds=round(facts.seconds, 3), deleted=counts[_DELETED],
                first_utc=facts.first, last_utc=facts.last,
                apps=tuple(sorted(facts.apps)), artifact_ids=compact_ids(facts.ids),
                artifacts_digest=f"{facts.digest_sum:064x}"))
        links.sort(key=lambda link: (link.a, link.b))
        params = {"region": self.region, "max_recipients": self.max_recipients, "seed": seed,
                  "exact_betweenness_limit": exact_limit, "betweenness_samples": samples,
                  "networkx": nx.__version__}
        stats = dict(sorted(self.stats.items()))
        stats["identities"] = len(identities)
        stats["links"] = len(links)
        stats["owners"] = sum(1 for identity in identities if identity.owner)
        graph = ContactGraph(identities=identities, links=links, params=params, stats=stats, case=case,
                             key_to_id=key_to_id)
        params["betweenness"] = _analyse(graph, seed=seed, exact_limit=exact_limit, samples=samples)
        graph.seal()
        return graph


def _digest_int(value: Any) -> int:
    try:
        return int(value, 16)
    except (TypeError, ValueError):
        return 0


def _ranked(counter: Counter[str]) -> list[str]:
    return [name for name, _count in sorted(counter.items(), key=lambda item: (-item[1], item[0]))]


def _label(keys: list[str], names: list[str], owner: bool) -> str:
    if owner:
        exhibits = ", ".join(key.split(":", 1)[1] for key in keys if key_kind(key) == OWNER)
        # An account often stores only a first name; the fullest name known for the owner reads best.
        person = max(names, key=lambda name: (len(name.split()), len(name))) if names else next((describe(key) for key in sorted(keys, key=label_order)
                                              if key_kind(key) != OWNER), None)
        return f"Owner of {exhibits}" + (f": {person}" if person else "")
    if names:
        return names[0]
    return describe(min(keys, key=label_order))


def _analyse(graph: ContactGraph, *, seed: int, exact_limit: int, samples: int) -> str:
    """Degree, betweenness (see centrality.py) and Louvain communities, computed on a copy whose
    nodes are integers in id order: integer hashing does not change between runs, so set
    iteration inside the algorithms (and so their result) is the same every time."""
    numbered = nx.Graph()
    numbered.add_nodes_from(range(len(graph.identities)))
    index = {identity.id: number for number, identity in enumerate(graph.identities)}
    numbered.add_weighted_edges_from((index[link.a], index[link.b], link.messages + link.calls)
                                     for link in graph.links)
    count = numbered.number_of_nodes()
    if count == 0:
        return "exact"
    degree_centrality = nx.degree_centrality(numbered)
    adjacency = [list(numbered.adj[number]) for number in range(count)]
    if count <= exact_limit:
        method = "exact"
        betweenness = centrality.betweenness(adjacency)
    else:
        method = f"estimated from {samples} sampled sources"
        betweenness = centrality.betweenness(adjacency, k=min(samples, count), seed=seed)
    communities = nx.community.louvain_communities(numbered, weight="weight", seed=seed)
    ordered = sorted((sorted(members) for members in communities), key=lambda members: (-len(members), members[0]))
    community_of = {member: number for number, members in enumerate(ordered) for member in members}
    for number, identity in enumerate(graph.identities):
        identity.degree = numbered.degree(number)
        identity.degree_centrality = round(degree_centrality[number], 10)
        identity.betweenness = round(betweenness[number], 10)
        identity.community = community_of[number]
    return method


def graph_work(store: CaseStore, *, region: str | None = None, max_recipients: int = MAX_RECIPIENTS,
               seed: int = SEED, exact_betweenness_limit: int = EXACT_BETWEENNESS_LIMIT,
               betweenness_samples: int = BETWEENNESS_SAMPLES) -> Work:
    """Build the contact graph of a case, yielding progress; the result comes as ``Finished``.
    ``region`` defaults to the case's phone-number region."""
    if max_recipients < 1 or betweenness_samples < 2 or exact_betweenness_limit < 0:
        raise ValueError("max_recipients must be at least 1, betweenness_samples at least 2")
    info = store.case_info()
    region = region if region is not None else info.get("region")
    builder = _Builder(store, region, max_recipients)
    yield Progress(stage=STAGE, done=0, total=None, unit="artifacts", detail=MERGING)
    builder.merge_identities()
    yield from builder.add_communications()
    yield Progress(stage=STAGE, done=builder.stats["messages"] + builder.stats["calls"], total=None,
                   unit="artifacts", detail=ANALYSING)
    case = {"case_number": info.get("case_number"), "case_uuid": info.get("case_uuid")}
    yield Finished(result=builder.result(seed=seed, exact_limit=exact_betweenness_limit,
                                         samples=betweenness_samples, case=case))


def build_graph(store: CaseStore, **options: Any) -> ContactGraph:
    """The contact graph of a case (see :func:`graph_work` for the options)."""
    return run_silently(graph_work(store, **options))
