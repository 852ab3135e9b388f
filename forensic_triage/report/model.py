"""The report model: everything a report says, read once from the case store, with scope and
victim redaction applied, so that every format (HTML, PDF, CASE/UCO, XLSX, CSV, KML, GraphML)
shows the same findings. Writers never touch the store; they read this.

Large parts stream: `records()` and `conversations()` return a fresh iterator over the store on
each call (bounded memory whatever the case size); the small parts (exhibits, versions, custody,
tags, counts) are plain lists and dicts.

Callers: build with :func:`build_model` and `close()` it (or use it as a context manager).
"""

from __future__ import annotations

import json
import os
import platform
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from forensic_triage import __version__
from forensic_triage.errors import TriageError
from forensic_triage.graph.build import ContactGraph
from forensic_triage.progress import Progress
from forensic_triage.report.redact import Redactor, build_redactor
from forensic_triage.store.case_store import CaseStore, utc_now
from forensic_triage.store.query import (
    ArtifactRecord,
    Scope,
    custody_entries,
    file_row,
    iter_artifacts,
    kind_counts,
    primary_time,
    tagged_artifact_ids,
    warning_rows,
)
from forensic_triage.store.tags import Tag, current_tags
from forensic_triage.verify import describe as describe_verification
from forensic_triage.verify import verify_case
from forensic_triage.versions import library_versions

ProgressCallback = Callable[[Progress], None]

# Formats in the order run.py writes them.
FORMATS = ("html", "pdf", "case", "xlsx", "csv", "kml", "graphml")
# Evidence up to this size is re-hashed at report time unless the examiner says otherwise: a
# few seconds per GiB; larger images are re-hashed only with --verify-evidence (`verify --image`
# does the same job separately).
AUTO_REHASH_BYTES = 4 << 30
# Libraries a report's content depends on, beyond the evidence readers in versions.py.
REPORT_LIBRARIES = ("jinja2", "reportlab", "pypdf", "pyhanko", "cryptography", "matplotlib", "networkx",
                    "openpyxl", "phonenumbers", "tqdm", "case-utils", "basemap-data")

# The file row fields a report may show (file_info); `head` and internal columns stay out.
FILE_FIELDS = ("evidence_id", "exhibit_id", "path", "name", "type", "size", "deleted", "inode", "partition_offset",
               "mtime", "atime", "ctime", "crtime", "md5", "sha1", "sha256", "blake3")
FILE_CACHE = 100_000
NAME_CACHE = 200_000

CONVERSATION_PART = 5000                   # messages of one thread held in memory at a time

MESSAGE_ORDER = ("$.sent.utc", "$.received.utc", "$.delivered.utc", "$.read.utc")


@dataclass(frozen=True, kw_only=True)
class ReportOptions:
    """What the examiner asked for."""
    formats: tuple[str, ...]
    scope: Scope = field(default_factory=Scope)
    redact_victims: bool = False
    redact_victim_text: bool = False       # also withhold what victims wrote (implies redact_victims)
    title: str | None = None
    sign: bool = False
    requester: str | None = None
    authority: str | None = None           # the legal authority for the examination (warrant, order)
    reviewer: str | None = None
    verify_evidence: bool | None = None    # None: re-hash evidence up to AUTO_REHASH_BYTES in total

    def as_dict(self) -> dict[str, Any]:
        scope = self.scope
        return {"formats": list(self.formats), "kinds": list(scope.kinds), "from": scope.since, "to": scope.until,
                "tagged_only": scope.tagged_only, "redact_victims": self.redact_victims or self.redact_victim_text,
                "redact_victim_text": self.redact_victim_text, "title": self.title, "sign": self.sign,
                "requester": self.requester, "authority": self.authority, "reviewer": self.reviewer,
                "verify_evidence": self.verify_evidence}


@dataclass(frozen=True, kw_only=True)
class ExhibitSummary:
    evidence_id: int
    exhibit_id: str
    description: str | None
    received_from: str | None
    received_at: str | None
    path_name: str                         # the image's file name (the full path is the examiner's disk)
    container: str
    container_meta: dict[str, Any]
    partition_table: str | None
    media_size: int
    acquisition: dict[str, Any]            # hashes stored in the container (E01) and whether they matched at add
    ingest_hashes: dict[str, str]          # md5, sha1, sha256, blake3 computed when the evidence was added
    report_time_hashes: dict[str, str] | None
    verdict: str                           # "match", "MISMATCH" or "not re-read"
    verdict_detail: str
    added_utc: str


@dataclass(frozen=True, kw_only=True)
class Conversation:
    app: str
    thread: str                            # thread id, or the other party when the app keeps none
    thread_name: str | None
    participants: tuple[str, ...]          # display forms, redacted
    messages: tuple[ArtifactRecord, ...]   # in time order (no time last)
    part: int = 1                          # a thread longer than CONVERSATION_PART comes in parts 1, 2, …
    continues: bool = False                # True when the next Conversation is the next part of this thread

    @property
    def first_utc(self) -> str | None:
        return next((message.time for message in self.messages if message.time), None)

    @property
    def last_utc(self) -> str | None:
        return next((message.time for message in reversed(self.messages) if message.time), None)


class ReportModel:
    """See the module docstring. Attributes are read-only by convention."""

    def __init__(self, *, store: CaseStore, owns_store: bool, options: ReportOptions, redactor: Redactor,
                 graph: ContactGraph | None, graph_built: bool) -> None:
        self._store = store
        self._owns_store = owns_store
        self._redactor = redactor
        self._graph = graph
        self._graph_built = graph_built
        self._redacted_graph: ContactGraph | None = None
        self._allowed: frozenset[int] | None = None
        self._owner_victim: dict[str, str] = {}
        self._file_cache: dict[int, dict[str, Any] | None] = {}
        self._names: dict[tuple[str, str | None], str] = {}
        self._access: dict[int, Any] = {}
        self.options = options
        self.report_id: str = str(uuid.uuid4())
        self.generated_utc: str = utc_now()
        self.case: dict[str, Any] = {}
        self.title: str = ""
        self.exhibits: list[ExhibitSummary] = []
        self.tool_version: str = __version__
        self.plugin_versions: dict[str, str] = {}
        self.library_versions: dict[str, str] = {}
        self.host: str = platform.node()
        self.time_zone: str | None = None
        self.time_zone_policy: str = ""
        self.methodology: list[str] = []
        self.counts: dict[str, int] = {}
        self.warnings_by_plugin: dict[str, int] = {}
        self.limitations: list[str] = []
        self.custody: list[dict[str, Any]] = []
        self.verification: dict[str, Any] = {}
        self.tags: list[Tag] = []
        self.redaction: dict[str, Any] = {"enabled": False}

    # --- lifetime ---------------------------------------------------------------------------------------

    def close(self) -> None:
        for access in self._access.values():
            access.close()
        self._access.clear()
        if self._owns_store:
            self._store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def redacting(self) -> bool:
        return self._redactor.active

    @property
    def redactor(self) -> Redactor:
        return self._redactor

    # --- findings -------------------------------------------------------------------------------------

    def kinds(self) -> list[str]:
        """Artifact kinds with at least one record in scope."""
        return [kind for kind, count in self.counts.items() if not kind.startswith("_") and count
                and kind not in ("files", "deleted_files", "warnings")]

    def records(self, kind: str) -> Iterator[ArtifactRecord]:
        """Artifacts of one kind in scope, in id order, redacted when redaction is on."""
        scope = self.options.scope
        if scope.kinds and kind not in scope.kinds:
            return
        scope = replace(scope, kinds=(kind,), tagged_only=False, artifact_ids=self._allowed_ids())
        for record in iter_artifacts(self._store, scope):
            yield self._redacted(record)

    def _allowed_ids(self) -> frozenset[int] | None:
        scope = self.options.scope
        if self._allowed is None and scope.tagged_only:
            tagged = tagged_artifact_ids(self._store)
            self._allowed = tagged if scope.artifact_ids is None else tagged & scope.artifact_ids
        return self._allowed if scope.tagged_only else scope.artifact_ids

    def _redacted(self, record: ArtifactRecord) -> ArtifactRecord:
        if not self._redactor.active:
            return record
        owner = self._owner_victim.get(str(record.provenance.get("evidence")))
        return replace(record, data=self._redactor.data(record.kind, record.data, owner_is_victim=owner),
                       provenance=self._redactor.value(record.provenance))

    def conversations(self) -> Iterator[Conversation]:
        """Messages in scope grouped by (app, thread), each in time order; one conversation in memory
        at a time. The store sorts (by app, thread, time), so memory does not grow with the case."""
        scope = self.options.scope
        if scope.kinds and "message" not in scope.kinds:
            return
        allowed = self._allowed_ids()
        order = ", ".join(f"json_extract(data, '{path}')" for path in MESSAGE_ORDER)
        thread = ("COALESCE(json_extract(data, '$.thread_id'), json_extract(data, '$.sender'), "
                  "json_extract(data, '$.recipients[0]'), '')")
        cursor = self._store.conn.execute(
            f"SELECT id, kind, plugin, plugin_version, file_id, evidence_id, data, provenance, digest, "
            f"json_extract(data, '$.app') AS app_key, {thread} AS thread_key FROM artifacts WHERE kind = 'message' "
            f"ORDER BY app_key, CAST(thread_key AS TEXT), COALESCE({order}) IS NULL, COALESCE({order}), id")
        current: tuple[str, str] | None = None
        batch: list[ArtifactRecord] = []
        part = 1
        for row in cursor:
            if allowed is not None and row["id"] not in allowed:
                continue
            data = json.loads(row["data"])
            if not scope.admits_time(primary_time("message", data)):
                continue
            key = (str(row["app_key"] or "unknown"), str(row["thread_key"]))
            if key != current:
                if batch:
                    yield self._conversation(current, batch, part)
                batch, part = [], 1
            elif len(batch) >= CONVERSATION_PART:
                # One huge group chat must not fill memory: it comes in parts of CONVERSATION_PART.
                yield self._conversation(current, batch, part, continues=True)
                batch, part = [], part + 1
            current = key
            batch.append(self._redacted(ArtifactRecord(
                id=row["id"], kind=row["kind"], plugin=row["plugin"], plugin_version=row["plugin_version"],
                file_id=row["file_id"], evidence_id=row["evidence_id"], data=data,
                provenance=json.loads(row["provenance"]), digest=row["digest"])))
        if batch:
            yield self._conversation(current, batch, part)

    def _conversation(self, key: tuple[str, str] | None, messages: list[ArtifactRecord], part: int = 1, *,
                      continues: bool = False) -> Conversation:
        app, thread = key or ("unknown", "")
        names = next((m.data.get("thread_name") for m in messages if m.data.get("thread_name")), None)
        people: dict[str, None] = {}
        for message in messages:
            data = message.data
            for party in [data.get("sender"), *(data.get("recipients") or [])]:
                if isinstance(party, str) and party:
                    people[party] = None
        return Conversation(app=app, thread=self._redactor.address(thread, app) if self.redacting else thread,
                            thread_name=names, participants=tuple(people), messages=tuple(messages), part=part,
                            continues=continues)

    def contact_graph(self) -> ContactGraph | None:
        """The contact graph (identities merged across apps), victims renamed when redacting; None
        when the case has no communications or contacts."""
        graph = self._contact_graph_raw()
        if graph is None or not graph.identities:
            return None
        if not self.redacting:
            return graph
        if self._redacted_graph is None:
            self._redacted_graph = _redacted_graph(graph, self._redactor)
        return self._redacted_graph

    def _contact_graph_raw(self) -> ContactGraph | None:
        if not self._graph_built:
            self._graph = _build_graph(self._store)
            self._graph_built = True
        return self._graph

    def display_name(self, identifier: str, app: str | None = None) -> str:
        """How a person is named in the report: the pseudonym for a victim when redacting, else the
        contact name the graph knows for that address, else the address as stored. ``app`` (the
        record's app) tells a Telegram user id from a phone number."""
        cache_key = (identifier, app)
        cached = self._names.get(cache_key)
        if cached is not None:
            return cached
        if len(self._names) > NAME_CACHE:
            self._names.clear()
        name = self._display_name(identifier, app)
        self._names[cache_key] = name
        return name

    def _display_name(self, identifier: str, app: str | None) -> str:
        if self.redacting:
            pseudonym = self._redactor.pseudonym_for(identifier, app)
            if pseudonym:
                return pseudonym
            if identifier in {victim.pseudonym for victim in self._redactor.victims}:
                return identifier
        graph = self._contact_graph_raw()
        if graph is not None and identifier:
            from forensic_triage.graph.identities import app_namespace, identifier_key
            key = identifier_key(identifier, app_namespace(app) if app else "unknown", self.case.get("region"))
            identity_id = graph.key_to_id.get(key) if key else None
            if identity_id and graph.has(identity_id):
                identity = graph.identity(identity_id)
                if identity.names:
                    return self._redactor.text(f"{identity.names[0]} ({identifier})")
        return self._redactor.text(identifier) if self.redacting else identifier

    def photo_allowed(self, record: ArtifactRecord) -> bool:
        """False for a picture of or from a victim when redacting (their message attachments, their
        contact card, photos on a victim's own device)."""
        if not self.redacting:
            return True
        if self._owner_victim.get(str(record.provenance.get("evidence"))):
            return False
        data = record.data
        if any(victim.pseudonym in (data.get("sender"), *(data.get("parties") or []), data.get("display_name"))
               for victim in self._redactor.victims):
            return False
        return self._redactor.involves(record.kind, data) is None

    def provenance_short(self, record: ArtifactRecord) -> str:
        """One line: exhibit · path · deleted · sha256[:12] · plugin@version · locator."""
        prov = record.provenance
        parts = [str(prov.get("evidence") or "?"), str(prov.get("path") or "?")]
        if prov.get("deleted") or record.data.get("deleted"):
            parts.append("deleted")
        if record.data.get("recovered"):
            parts.append("recovered")
        if prov.get("sha256"):
            parts.append(f"sha256 {str(prov['sha256'])[:12]}")
        parts.append(f"{record.plugin}@{record.plugin_version}")
        locator = locator_text(prov.get("locator"))
        if locator:
            parts.append(locator)
        return " · ".join(parts)

    def provenance_full(self, record: ArtifactRecord) -> dict[str, Any]:
        """Everything that traces a finding to the evidence, for the appendix."""
        prov = record.provenance
        out = {"artifact_id": record.id, "kind": record.kind, "artifact_digest": record.digest,
               "exhibit": prov.get("evidence"), "path": prov.get("path"), "inode": prov.get("inode"),
               "partition_offset": prov.get("partition_offset"), "deleted": bool(prov.get("deleted")),
               "file_id": record.file_id, "file_sha256": prov.get("sha256"), "plugin": record.plugin,
               "plugin_version": record.plugin_version, "locator": locator_text(prov.get("locator"))}
        for extra in sorted(set(prov) - {"evidence", "path", "inode", "partition_offset", "deleted", "sha256",
                                          "plugin", "plugin_version", "locator"}):
            out[extra] = prov[extra]
        return out

    def file_info(self, file_id: int | None) -> dict[str, Any] | None:
        """The source file row of a finding (exhibit, path, name, size, deleted, inode, times, hashes),
        its path and name redacted like provenance; None for no file."""
        if file_id is None:
            return None
        if file_id not in self._file_cache:
            row = file_row(self._store, int(file_id))
            info = None
            if row is not None:
                info = {key: row.get(key) for key in FILE_FIELDS}
                info["id"] = row["id"]
                info["deleted"] = bool(row.get("deleted"))
                info["path"] = self._redactor.text(row["path"]) if self.redacting else row["path"]
                info["name"] = self._redactor.text(row["name"]) if self.redacting else row["name"]
            if len(self._file_cache) > FILE_CACHE:
                self._file_cache.clear()
            self._file_cache[file_id] = info
        return self._file_cache[file_id]

    def attachment_file(self, record: ArtifactRecord, attachment: dict[str, Any]) -> dict[str, Any] | None:
        """The file row (see file_info) of a message or call attachment, found by its path in the same
        exhibit as the record; None when the evidence does not hold it."""
        row = self._attachment_row(record, attachment)
        return self.file_info(row["id"]) if row is not None else None

    def attachment_bytes(self, record: ArtifactRecord, attachment: dict[str, Any], limit: int = 8 << 20
                         ) -> bytes | None:
        """The content of an attachment's file, read from the evidence; None when it is not in the
        evidence, larger than ``limit``, unreadable, does not match its stored SHA-256, or is a
        victim's picture while redacting."""
        if not self.photo_allowed(record):
            return None
        row = self._attachment_row(record, attachment)
        if row is None or row["size"] is None or row["size"] > limit or row["sha256"] is None:
            return None
        try:
            access = self._evidence_access(row["evidence_id"])
            from forensic_triage.ingest.file_rows import entry_from_row
            content = access.read(entry_from_row(row), 0, row["size"])
        except (TriageError, OSError, ValueError):
            return None
        import hashlib
        return content if hashlib.sha256(content).hexdigest() == row["sha256"] else None

    def _attachment_row(self, record: ArtifactRecord, attachment: dict[str, Any]) -> Any:
        path = str((attachment or {}).get("path") or "").strip()
        if not path or record.evidence_id is None:
            return None
        conn = self._store.conn
        for candidate in dict.fromkeys((path, path.lstrip("/"), "/" + path.lstrip("/"))):
            row = conn.execute("SELECT * FROM files WHERE evidence_id = ? AND path = ? AND type = 'regular' "
                               "ORDER BY deleted, id LIMIT 1", (record.evidence_id, candidate)).fetchone()
            if row is not None:
                return row
        # Apps store absolute device paths ("/storage/emulated/0/WhatsApp/Media/x.jpg") while the image
        # holds them under its own root: match on the path's tail when exactly one file has it.
        tail = path.lstrip("/").split("/")
        suffix = "/".join(tail[-3:]) if len(tail) >= 3 else "/".join(tail)
        rows = conn.execute("SELECT * FROM files WHERE evidence_id = ? AND name = ? AND type = 'regular' "
                            "AND (path = ? OR path LIKE ?) LIMIT 2",
                            (record.evidence_id, tail[-1], suffix, "%/" + suffix)).fetchall()
        return rows[0] if len(rows) == 1 else None

    def _evidence_access(self, evidence_id: int) -> Any:
        if evidence_id not in self._access:
            from forensic_triage.evidence.access import EvidenceAccess
            from forensic_triage.ingest.run import evidence_location
            (evidence,) = self._store.evidence(evidence_id)
            self._access[evidence_id] = EvidenceAccess(evidence_location(self._store, evidence))
        return self._access[evidence_id]

    def local_time(self, utc: str | None) -> str | None:
        """A UTC time in the case's display zone (ISO 8601 with offset), or None."""
        if not utc or not self.time_zone:
            return None
        try:
            moment = datetime.fromisoformat(utc)
            return moment.astimezone(ZoneInfo(self.time_zone)).isoformat()
        except (ValueError, ZoneInfoNotFoundError):
            return None


# --- building --------------------------------------------------------------------------------------------

def build_model(case: Path | str | CaseStore, options: ReportOptions, progress: ProgressCallback | None = None
                ) -> ReportModel:
    """Read a case into a report model. ``case`` is a case folder or an open store (then the caller
    keeps owning it). ``progress`` receives Progress events (re-hashing, verifying)."""
    owns = not isinstance(case, CaseStore)
    store = CaseStore.open(Path(case)) if owns else case
    try:
        return _build(store, owns, options, progress or (lambda event: None))
    except BaseException:
        if owns:
            store.close()
        raise


def _build(store: CaseStore, owns: bool, options: ReportOptions, progress: ProgressCallback) -> ReportModel:
    info = store.case_info()
    redact = options.redact_victims or options.redact_victim_text
    graph, built = None, False
    victim_tags = [(tag.id, tag.target_id) for tag in current_tags(store, target_kind="identity", victims_only=True)]
    if redact:
        progress(Progress(stage="contact graph", done=0, total=None, unit="artifacts"))
        graph, built = _build_graph(store), True
        redactor = build_redactor(graph, victim_tags, region=info.get("region"),
                                  redact_text=options.redact_victim_text)
    else:
        redactor = Redactor()
    model = ReportModel(store=store, owns_store=owns, options=options, redactor=redactor, graph=graph,
                        graph_built=built)
    model.case = info
    model.title = options.title or info.get("title") or f"Forensic examination report, case {info.get('case_number')}"
    model.time_zone = info.get("display_tz")
    if redactor.active:
        model._owner_victim = _owner_victims(graph, redactor)
        model.redaction = {"enabled": True, **redactor.summary()}
    elif redact:
        model.redaction = {"enabled": True, "victims": 0, "victim_tag_ids": [],
                           "victim_text_withheld": options.redact_victim_text, "strings_replaced": 0}
    model.exhibits = _exhibits(store, options, progress)
    model.plugin_versions = _plugin_versions(store)
    model.library_versions = _libraries()
    model.time_zone_policy = _time_zone_policy(model.time_zone)
    model.methodology = _methodology(model)
    model.counts = _counts(store, model)
    model.warnings_by_plugin, model.limitations = _limitations(store, redactor)
    model.custody = [redactor.value(entry) for entry in custody_entries(store)]
    model.verification = _verification(store, progress)
    model.tags = [_redacted_tag(tag, redactor) for tag in current_tags(store)]
    return model


def _build_graph(store: CaseStore) -> ContactGraph | None:
    from forensic_triage.graph.build import build_graph

    if not store.conn.execute("SELECT 1 FROM artifacts WHERE kind IN ('message', 'call', 'contact', 'account') "
                              "LIMIT 1").fetchone():
        return None
    return build_graph(store)


def _owner_victims(graph: ContactGraph | None, redactor: Redactor) -> dict[str, str]:
    """Exhibit id -> pseudonym, for exhibits whose owner is a victim."""
    out = {}
    for victim in redactor.victims:
        for key in victim.keys:
            if key.startswith("owner:"):
                out[key.split(":", 1)[1]] = victim.pseudonym
    return out


def _redacted_graph(graph: ContactGraph, redactor: Redactor) -> ContactGraph:
    from forensic_triage.graph.build import ContactGraph as Graph

    by_id = {victim.identity_id: victim.pseudonym for victim in redactor.victims}
    identities = []
    for identity in graph.identities:
        pseudonym = by_id.get(identity.id)
        if pseudonym:
            owner = [key for key in identity.identifiers if key.startswith("owner:")]
            identities.append(replace(identity, label=pseudonym, identifiers=(f"redacted:{pseudonym}", *owner),
                                      names=()))
        else:
            identities.append(replace(identity, label=redactor.text(identity.label),
                                      identifiers=tuple(redactor.text(key) for key in identity.identifiers),
                                      names=tuple(redactor.text(name) for name in identity.names)))
    links = [replace(link) for link in graph.links]
    victim_keys = {key for victim in redactor.victims for key in victim.keys}
    key_to_id = {key: value for key, value in graph.key_to_id.items() if key not in victim_keys}
    redacted = Graph(identities=identities, links=links, params=dict(graph.params), stats=dict(graph.stats),
                     case=dict(graph.case), key_to_id=key_to_id)
    redacted.seal()
    return redacted


def _exhibits(store: CaseStore, options: ReportOptions, progress: ProgressCallback) -> list[ExhibitSummary]:
    evidence = store.evidence()
    total = sum(row["media_size"] for row in evidence)
    rehash = options.verify_evidence if options.verify_evidence is not None else total <= AUTO_REHASH_BYTES
    out = []
    for row in evidence:
        ingest = {name: row[name] for name in ("md5", "sha1", "sha256", "blake3")}
        report_time, verdict, detail = None, "not re-read", (
            "not re-read at report time (evidence larger than the automatic limit; use --verify-evidence)"
            if options.verify_evidence is None else "not re-read at report time (--no-verify-evidence)")
        if rehash:
            report_time, problem = _rehash(store, row, progress)
            if report_time is None:
                verdict, detail = "not re-read", problem or "could not be re-read"
            elif all(report_time.get(name) == value for name, value in ingest.items()):
                verdict, detail = "match", "MD5, SHA-1, SHA-256 and BLAKE3 re-computed now equal those computed at ingest"
            else:
                changed = [name.upper() for name, value in ingest.items() if report_time.get(name) != value]
                verdict, detail = "MISMATCH", f"{', '.join(changed)} differ from ingest: the evidence changed"
        acquisition = _json(row["acquisition"])
        if str(acquisition.get("verdict", "")).upper() == "MISMATCH":
            # The image never matched what the acquisition tool recorded: that outranks a re-hash.
            verdict = "MISMATCH"
            detail = f"the hashes stored in the container do not match the image: {acquisition.get('detail', '')}"
        out.append(ExhibitSummary(
            evidence_id=row["id"], exhibit_id=row["exhibit_id"], description=row["description"],
            received_from=row["received_from"], received_at=row["received_at"], path_name=Path(row["path"]).name,
            container=row["container"], container_meta=_json(row["container_meta"]),
            partition_table=row["partition_table"], media_size=row["media_size"], acquisition=acquisition,
            ingest_hashes=ingest, report_time_hashes=report_time, verdict=verdict, verdict_detail=detail,
            added_utc=row["added_utc"]))
    return out


def _rehash(store: CaseStore, row: dict[str, Any], progress: ProgressCallback
            ) -> tuple[dict[str, str] | None, str | None]:
    """Re-read one exhibit as ingest did; its four digests, or None and why not."""
    from forensic_triage.evidence.detect import ContainerSpec
    from forensic_triage.evidence.evidence_hash import hash_logical, hash_media
    from forensic_triage.evidence.media import open_media
    from forensic_triage.progress import Finished
    from forensic_triage.verify import _hash_gzip

    path = Path(row["path"])
    if not path.exists():
        return None, f"{path.name} is not reachable at {path.parent} now"
    segments = tuple(path.parent / item["name"] for item in _json(row["segments"]) or [])
    spec = ContainerSpec(kind=row["container"], path=path, segments=segments)

    def work():
        if spec.logical:
            digests, _meta = yield from hash_logical(spec)
        elif spec.kind == "gzip_raw":
            # Streamed, as verify does: no working copy of the evidence is written for a re-hash.
            digests = yield from _hash_gzip(spec)
        else:
            reader = open_media(spec)
            try:
                digests = yield from hash_media(reader, spec.path.name)
            finally:
                reader.close()
        yield Finished(result=digests.as_dict())

    result = None
    try:
        for event in work():
            if isinstance(event, Finished):
                result = event.result
            elif isinstance(event, Progress):
                progress(replace(event, stage=f"re-hashing {row['exhibit_id']}"))
    except (TriageError, OSError) as exc:
        return None, f"could not be re-read: {exc}"
    return ({name: result[name] for name in ("md5", "sha1", "sha256", "blake3")} if result else None), None


def _plugin_versions(store: CaseStore) -> dict[str, str]:
    """Every plugin that ran on this case (some versions: "1.0.0, 1.1.0" if runs differ)."""
    found: dict[str, set[str]] = {}
    rows = store.conn.execute("SELECT DISTINCT plugin, plugin_version FROM plugin_runs WHERE status != 'not_selected' "
                              "UNION SELECT DISTINCT plugin, plugin_version FROM artifacts")
    for name, plugin_version in rows:
        found.setdefault(name, set()).add(plugin_version)
    return {name: ", ".join(sorted(found[name])) for name in sorted(found)}


def _libraries() -> dict[str, str]:
    found = library_versions()
    for name in REPORT_LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return dict(sorted(found.items()))


def _time_zone_policy(zone: str | None) -> str:
    text = ("All times in this report are in Coordinated Universal Time (UTC), written as ISO 8601 with a "
            "trailing Z. Each time was decoded from the value the device stored (seconds or milliseconds since "
            "an epoch, Apple or Windows time, text with an offset); the stored value and its encoding are kept "
            "with every finding. A time the device stored without a zone is marked as such and was not shifted.")
    if zone:
        text += (f" Where useful, the local time in {zone} (the case's display zone) is shown beside the UTC "
                 "time; the UTC time is authoritative.")
    return text


def _methodology(model: ReportModel) -> list[str]:
    exhibits = ", ".join(exhibit.exhibit_id for exhibit in model.exhibits) or "no exhibits"
    paragraphs = [
        (f"Each exhibit ({exhibits}) was opened read-only with forensic-triage {model.tool_version}. When it was "
        "added, the whole image was read and its MD5, SHA-1, SHA-256 and BLAKE3 hashes recorded; an E01 image's "
        "own stored hashes were compared with them."),
        ("The file systems were listed with The Sleuth Kit (and libfsapfs for APFS), including deleted names, and "
        "every file's content was hashed. Parser plugins then read known databases and files (messages, calls, "
        "contacts, locations, bookings) and each finding was stored with the exhibit, path, file hash, plugin "
        "version and the exact place (table and row, offset or line) it came from."),
        ("Every step was written to a hash-chained custody log; the log and every stored row were checked again "
        "when this report was produced (see Verification)."),
        ("Contacts seen in different apps were joined into one person only where the evidence ties them together "
        "(the same phone number in E.164 form, the same e-mail address, the phones and e-mails of one contact "
        "card); names alone never join two people."),
    ]
    if model.redacting:
        paragraphs.append("At the examiner's request the names, phone numbers, e-mail addresses and handles of "
                          "people tagged as victims are replaced by pseudonyms (V1, V2, …) throughout, and their "
                          "photographs are not shown. The key to the pseudonyms is not part of this report.")
    scope = model.options.scope
    limits = []
    if scope.kinds:
        limits.append(f"only these kinds of finding: {', '.join(scope.kinds)}")
    if scope.since or scope.until:
        limits.append(f"only findings dated from {scope.since or 'the start'} to {scope.until or 'the end'}")
    if scope.tagged_only:
        limits.append("only findings the examiner tagged")
    if limits:
        paragraphs.append("This report is limited in scope: " + "; ".join(limits) + ".")
    return paragraphs


def _counts(store: CaseStore, model: ReportModel) -> dict[str, int]:
    scope = model.options.scope
    if not scope.kinds and not scope.time_bounded() and not scope.tagged_only and scope.artifact_ids is None:
        counts = kind_counts(store)
    else:
        tally: Counter[str] = Counter()
        for kind in kind_counts(store):
            if scope.kinds and kind not in scope.kinds:
                continue
            narrowed = replace(scope, kinds=(kind,), tagged_only=False, artifact_ids=model._allowed_ids())
            tally[kind] = sum(1 for _ in iter_artifacts(store, narrowed))
        counts = dict(sorted(tally.items()))
    counts["files"] = store.count("files")
    counts["deleted_files"] = store.count("files", "WHERE deleted = 1")
    counts["warnings"] = store.count("warnings")
    return counts


def _limitations(store: CaseStore, redactor: Redactor) -> tuple[dict[str, int], list[str]]:
    by_plugin: Counter[str] = Counter()
    by_code: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], str] = {}
    for row in warning_rows(store):
        plugin = row.get("plugin") or "core (listing and hashing)"
        by_plugin[plugin] += 1
        key = (plugin, row["code"])
        by_code[key] += 1
        examples.setdefault(key, redactor.text(str(row["message"])))
    notes = []
    for (plugin, code), count in sorted(by_code.items()):
        notes.append(f"{plugin}: {count} × {code} (e.g. {examples[(plugin, code)]})")
    for name, status, count in store.conn.execute(
            "SELECT plugin, status, COUNT(*) FROM plugin_runs WHERE status NOT IN ('ok', 'not_selected') "
            "GROUP BY plugin, status ORDER BY plugin, status"):
        notes.append(f"{name}: {count} file(s) could not be parsed ({status})")
    unread = store.count("files", "WHERE read_error IS NOT NULL")
    if unread:
        notes.append(f"{unread} file(s) could not be read from the image (see the warnings)")
    return dict(sorted(by_plugin.items())), notes


def _verification(store: CaseStore, progress: ProgressCallback) -> dict[str, Any]:
    from forensic_triage.progress import Finished

    report = None
    for event in verify_case(store, image=False):
        if isinstance(event, Finished):
            report = event.result
        elif isinstance(event, Progress):
            progress(event)
    return {"utc": utc_now(), "ok": report.ok,
            "checks": [{"name": check.name, "ok": check.ok, "detail": check.detail} for check in report.checks],
            "lines": describe_verification(report)}


def _redacted_tag(tag: Tag, redactor: Redactor) -> Tag:
    if not redactor.active:
        return tag
    target = tag.target_id
    if tag.target_kind == "identity":
        target = redactor.pseudonym_for(target) or redactor.text(target)
        if tag.victim and target == tag.target_id:
            target = "victim (redacted)"
    return replace(tag, target_id=target, note=redactor.text(tag.note) if tag.note else tag.note)


def locator_text(locator: Any) -> str:
    """{"table": "sms", "rowid": 3} -> "table sms row 3"; offsets, lines, members, pointers likewise."""
    if not isinstance(locator, dict):
        return ""
    parts = []
    if locator.get("table") is not None:
        parts.append(f"table {locator['table']}")
    if locator.get("rowid") is not None:
        parts.append(f"row {locator['rowid']}")
    if locator.get("member"):
        parts.append(f"member {locator['member']}")
    if locator.get("pointer"):
        parts.append(f"at {locator['pointer']}")
    if locator.get("line") is not None:
        parts.append(f"line {locator['line']}")
    if locator.get("offset") is not None:
        parts.append(f"offset {locator['offset']}" + (f" length {locator['length']}"
                                                      if locator.get("length") is not None else ""))
    return " ".join(parts)


def _json(text: Any) -> Any:
    if not text:
        return {}
    try:
        return json.loads(text)
    except ValueError:
        return {}


def report_environment() -> dict[str, str]:
    """Host facts for the cover and custody (no user secrets)."""
    return {"host": platform.node(), "os": platform.platform(), "user": os.environ.get("USER", "")}
