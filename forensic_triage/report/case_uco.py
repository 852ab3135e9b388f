"""CASE/UCO JSON-LD export of a report (CASE 1.5.0 / UCO 1.x, as checked by `case_validate` from
the `case-utils` package, which ships the ontology and needs no network).

What goes in, and how each finding is expressed:

- The tool (`tool:Tool`, with `tool:version`), every plugin that produced a finding (one
  `tool:Tool` each, named `plugin@version`), the examiner and reviewer (`identity:Identity`), the
  investigation (`case-investigation:Investigation`, with an `Authorization` when the examiner
  gave the legal authority).
- Each exhibit: the image as an `observable:File` whose `ContentDataFacet` holds the hashes
  computed when it was added; a `case-investigation:ProvenanceRecord` with its exhibit number;
  an `InvestigativeAction` for its acquisition/add (time and hashes from the custody log) and
  one for the report-time re-hash with its verdict.
- Each plugin run (plugin@version over an exhibit): an `InvestigativeAction` with
  instrument = the tool and the plugin, performer = the examiner, object = the files it read,
  result = a `ProvenanceRecord` whose objects are the findings it produced.
- Source files: `observable:File` with `FileFacet` (name, path, size, allocation status,
  times) and `ContentDataFacet` (hashes). Every finding is linked to its file by a
  `core:Relationship` "Contained_Within" whose description is the locator (table and row,
  offset, line) — the exact place in the file.
- Messages: `observable:Message` + `MessageFacet` (text, sent time, from, to, application),
  grouped per conversation (app and thread) in an `observable:MessageThread` whose
  `types:Thread` lists them as unordered `co:element`s (each message's sent time orders them);
  calls: `observable:Call` + `CallFacet`; contacts: `observable:Contact` + `ContactFacet`
  (phones, e-mails, handles as `ContactPhone`/`ContactEmail`/`ContactMessaging`); addresses
  are `PhoneAccount` / `EmailAddress` / `ApplicationAccount` objects shared by every finding
  that names them; geo points: `location:Location` + `LatLongCoordinatesFacet`, and, when the
  point has a time, a `core:Event` ("location observation") at that time in that place.
- Reservations: CASE has no booking class. The closest is `core:Event` ("an Event is a
  noteworthy occurrence (something that happens or might happen)"): eventType
  "<type> reservation", start and end times, eventContext = the departure and arrival
  `location:Location`s and the travellers (`identity:Identity`), and an `eventAttribute`
  dictionary with the booking's own fields (trip and reservation numbers, provider, status,
  seat, booking time, price ...).
- Other kinds (SQLite inventories, signature mismatches, future kinds): a `core:Annotation` on
  the source file whose statements are the finding's fields as canonical JSON.
- Examiner tags: `core:Annotation` on the tagged finding or file.

Hashes: MD5, SHA-1 and SHA-256 are `types:Hash` nodes with `types:hashMethod` "MD5", "SHA1",
"SHA256" (plain xsd:string, as UCO 1.4+ asks) and an xsd:hexBinary `types:hashValue`.
BLAKE3 is not in UCO's HashNameVocab. The vocabulary is open (hashMethod's range is the
vocabulary *or* any xsd:string), but a `types:Hash` with method "BLAKE3" draws an sh:Info result
from case_validate, which then reports "Conforms: False" unless run with --allow-info. So BLAKE3
is recorded beside the other hashes, on the same ContentDataFacet, with this project's own
property `triage:blake3` (IRI urn:forensic-triage:vocab:blake3, xsd:hexBinary, defined in the
document's @context): a clean `case_validate` run, and no information lost.

Identifiers: every node's IRI ends with a UUID (version 5, from the case's UUID and a stable
key such as "artifact:42"), so the same finding has the same IRI in every export of a case.

Bounded memory: the document is written node by node. The only things remembered are the ids
of files, accounts and applications already written (bounded by the number of files and
identities, not of findings) and a buffer of at most CHUNK finding IRIs per plugin run; the
lists of a plugin run's results are written as several partial node objects with the same @id,
which JSON-LD merges into one node.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any, TextIO

from forensic_triage.canonical import dumps
from forensic_triage.progress import Progress
from forensic_triage.report.model import ProgressCallback, ReportModel, locator_text
from forensic_triage.store.query import ArtifactRecord

CASE_VERSION = "1.5.0"
FILE_NAME = "case-uco.jsonld"
CHUNK = 1000
VOCAB = "urn:forensic-triage:vocab:"

CONTEXT = {
    "case-investigation": "https://ontology.caseontology.org/case/investigation/",
    "core": "https://ontology.unifiedcyberontology.org/uco/core/",
    "observable": "https://ontology.unifiedcyberontology.org/uco/observable/",
    "tool": "https://ontology.unifiedcyberontology.org/uco/tool/",
    "types": "https://ontology.unifiedcyberontology.org/uco/types/",
    "action": "https://ontology.unifiedcyberontology.org/uco/action/",
    "identity": "https://ontology.unifiedcyberontology.org/uco/identity/",
    "location": "https://ontology.unifiedcyberontology.org/uco/location/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "triage": VOCAB,
    "co": "http://purl.org/co/",
}
# Kinds with a CASE class of their own; the rest become annotations on their source file.
MAPPED_KINDS = ("message", "call", "contact", "account", "geo_point", "reservation")
# UCO's ActionStatusTypeVocab words for the exhibit re-hash verdicts (the verdict itself is in the name).
STATUS = {"match": "Success", "MISMATCH": "Fail", "not re-read": "Unknown"}
HASH_NAMES = {"md5": "MD5", "sha1": "SHA1", "sha256": "SHA256"}
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ().-]{4,}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def write_case_uco(model: ReportModel, out: Path, *, progress: ProgressCallback | None = None) -> list[Path]:
    """Write the CASE/UCO JSON-LD document. ``out`` is the report folder (the file is
    case-uco.jsonld in it) or a path ending in .jsonld/.json."""
    out = Path(out)
    target = out if out.suffix in (".jsonld", ".json") else out / FILE_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8", newline="\n") as handle:
        _CaseWriter(model, handle, progress).write()
    return [target]


def _dt(value: str | None) -> dict[str, str] | None:
    """An xsd:dateTime literal, or None for anything that is not a well-formed UTC/offset time."""
    if isinstance(value, str) and _DATETIME.match(value):
        return {"@type": "xsd:dateTime", "@value": value}
    return None


def _int(value: int) -> dict[str, str]:
    return {"@type": "xsd:integer", "@value": str(int(value))}


def _dec(value: float) -> dict[str, str]:
    return {"@type": "xsd:decimal", "@value": repr(float(value))}


def _ref(iri: str) -> dict[str, str]:
    return {"@id": iri}


def _utc(value: Any) -> str | None:
    return value.get("utc") if isinstance(value, dict) else None


def _prune(node: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in node.items() if value not in (None, [], "")}


class _CaseWriter:
    def __init__(self, model: ReportModel, handle: TextIO, progress: ProgressCallback | None) -> None:
        self.model, self.handle, self.progress = model, handle, progress
        case_uuid = str(model.case.get("case_uuid") or "")
        try:
            self.namespace = uuid.UUID(case_uuid)
        except ValueError:
            self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"urn:forensic-triage:case:{case_uuid}")
        self.first = True
        self.files: dict[int, str] = {}
        self.addresses: dict[tuple[str, str], str] = {}
        self.apps: dict[str, str] = {}
        self.run_files: dict[tuple[str, str, str], set[int]] = {}
        self.run_results: dict[tuple[str, str, str], list[str]] = {}
        self.done = 0
        # Conversations: (app, thread id) -> participants seen, and message IRIs not yet written out.
        self.threads: dict[tuple[str, str], set[str]] = {}
        self.thread_pending: dict[tuple[str, str], list[str]] = {}
        self.pending_total = 0
        # Tags are few: the findings they name are noted as they are written.
        self.tagged: dict[int, str | None] = {int(tag.target_id): None for tag in model.tags
                                              if tag.target_kind == "artifact" and str(tag.target_id).isdigit()}

    # --- output -----------------------------------------------------------------------------------------

    def iri(self, prefix: str, key: str) -> str:
        return f"kb:{prefix}-{uuid.uuid5(self.namespace, f'{prefix}:{key}')}"

    def node(self, node: dict[str, Any]) -> None:
        self.handle.write(("\n" if self.first else ",\n") + json.dumps(_prune(node), ensure_ascii=False))
        self.first = False

    def write(self) -> None:
        model = self.model
        context = dict(CONTEXT, kb=f"urn:forensic-triage:case:{self.namespace}:")
        self.handle.write('{"@context": ' + json.dumps(context) + ',\n"@graph": [')
        self.tool = self.iri("tool", f"forensic-triage@{model.tool_version}")
        self.node({"@id": self.tool, "@type": "tool:Tool", "core:name": "forensic-triage",
                   "tool:version": model.tool_version, "tool:toolType": "digital forensic triage",
                   "core:description": "Libraries: " + ", ".join(f"{name} {version}" for name, version
                                                                 in sorted(model.library_versions.items()))})
        self.examiner = self.identity(str(model.case.get("examiner") or "unknown examiner"), "examiner")
        reviewer = self.identity(model.options.reviewer, "reviewer") if model.options.reviewer else None
        exhibit_actions = [iri for exhibit in model.exhibits for iri in self.exhibit(exhibit)]
        self.investigation(exhibit_actions + ([reviewer] if reviewer else []))
        for kind in model.kinds():
            for record in model.records(kind):
                self.finding(record)
        self.plugin_runs()
        self.message_threads()
        self.tags()
        self.verification()
        self.handle.write("\n]}\n")
        self.report(force=True)

    def report(self, force: bool = False) -> None:
        if self.progress is not None and (force or self.done % 2000 == 0):
            total = sum(count for kind, count in self.model.counts.items() if kind in self.model.kinds())
            self.progress(Progress(stage="CASE/UCO", done=self.done, total=total, unit="artifacts"))

    # --- people, tool, investigation, exhibits ---------------------------------------------------------------

    def identity(self, name: str, role: str) -> str:
        iri = self.iri("identity", f"{role}:{name}")
        self.node({"@id": iri, "@type": "identity:Identity", "core:name": name, "core:description": role})
        return iri

    def investigation(self, objects: list[str]) -> None:
        model, case = self.model, self.model.case
        authorization = None
        if model.options.authority:
            authorization = self.iri("authorization", model.options.authority)
            self.node({"@id": authorization, "@type": "case-investigation:Authorization",
                       "core:name": model.options.authority,
                       "core:description": f"requested by {model.options.requester}" if model.options.requester
                       else None})
        head = model.custody[-1].get("entry_hash") if model.custody else None
        self.node({"@id": self.iri("investigation", str(case.get("case_number"))),
                   "@type": "case-investigation:Investigation", "core:name": str(case.get("case_number") or ""),
                   "core:description": f"{model.title} (report {model.report_id}, generated {model.generated_utc}"
                                       f"{f', custody log head {head}' if head else ''})",
                   "case-investigation:focus": model.title,
                   "case-investigation:relevantAuthorization": _ref(authorization) if authorization else None,
                   "core:object": [_ref(iri) for iri in objects]})

    def exhibit(self, exhibit) -> list[str]:
        """Nodes for one exhibit; returns the IRIs the investigation lists."""
        image = self.iri("exhibit-file", exhibit.exhibit_id)
        self.node({"@id": image, "@type": "observable:File", "core:name": exhibit.path_name,
                   "core:description": f"exhibit {exhibit.exhibit_id}: {exhibit.description or ''} "
                                       f"({exhibit.container}{', ' + exhibit.partition_table if exhibit.partition_table else ''})",
                   "core:hasFacet": [
                       {"@id": self.iri("filefacet", f"exhibit:{exhibit.exhibit_id}"), "@type": "observable:FileFacet",
                        "observable:fileName": exhibit.path_name, "observable:sizeInBytes": _int(exhibit.media_size)},
                       self.content_facet(f"exhibit:{exhibit.exhibit_id}", exhibit.ingest_hashes, exhibit.media_size)]})
        record = self.iri("provenance", f"exhibit:{exhibit.exhibit_id}")
        self.node({"@id": record, "@type": "case-investigation:ProvenanceRecord",
                   "case-investigation:exhibitNumber": exhibit.exhibit_id,
                   "core:description": f"received from {exhibit.received_from or 'unknown'}"
                                       f" at {exhibit.received_at or 'an unrecorded time'}",
                   "core:object": [_ref(image)]})
        added = next((entry for entry in self.model.custody if entry.get("action") == "evidence.add"
                      and entry.get("details", {}).get("exhibit_id") == exhibit.exhibit_id), None)
        acquisition = self.iri("action", f"add:{exhibit.exhibit_id}")
        stored = exhibit.acquisition or {}
        self.node({"@id": acquisition, "@type": "case-investigation:InvestigativeAction",
                   "core:name": f"acquisition: exhibit {exhibit.exhibit_id} added and hashed",
                   "core:description": "image read in full and hashed (MD5, SHA-1, SHA-256, BLAKE3)"
                                       + (f"; hashes stored in the container: {dumps(stored)}" if stored else ""),
                   "action:startTime": _dt(added.get("utc") if added else exhibit.added_utc),
                   "action:instrument": [_ref(self.tool)], "action:performer": _ref(self.examiner),
                   "action:result": [_ref(image), _ref(record)]})
        check = self.iri("action", f"report-rehash:{exhibit.exhibit_id}:{self.model.report_id}")
        self.node({"@id": check, "@type": "case-investigation:InvestigativeAction",
                   "core:name": f"verification of exhibit {exhibit.exhibit_id} at report time: {exhibit.verdict}",
                   "core:description": exhibit.verdict_detail
                   + (f"; re-computed {dumps(exhibit.report_time_hashes)}" if exhibit.report_time_hashes else ""),
                   "action:actionStatus": STATUS.get(exhibit.verdict, "Unknown"),
                   "action:startTime": _dt(self.model.generated_utc),
                   "action:instrument": [_ref(self.tool)], "action:performer": _ref(self.examiner),
                   "action:object": [_ref(image)], "action:result": [_ref(record)]})
        return [image, record, acquisition, check]

    def content_facet(self, key: str, hashes: dict[str, Any], size: int | None) -> dict[str, Any]:
        facet: dict[str, Any] = {"@id": self.iri("contentdatafacet", key), "@type": "observable:ContentDataFacet"}
        if size is not None:
            facet["observable:sizeInBytes"] = _int(size)
        facet["observable:hash"] = [
            {"@id": self.iri("hash", f"{key}:{name}"), "@type": "types:Hash", "types:hashMethod": method,
             "types:hashValue": {"@type": "xsd:hexBinary", "@value": str(hashes[name]).lower()}}
            for name, method in HASH_NAMES.items() if _is_hex(hashes.get(name))]
        if _is_hex(hashes.get("blake3")):
            facet["triage:blake3"] = {"@type": "xsd:hexBinary", "@value": str(hashes["blake3"]).lower()}
        return facet

    # --- files ----------------------------------------------------------------------------------------------

    def file(self, record: ArtifactRecord) -> str | None:
        """The source file of a finding (written once); its IRI, or None when the finding has none."""
        file_id = record.file_id
        if file_id is None:
            return None
        found = self.files.get(file_id)
        if found:
            return found
        return self.file_node(file_id, _file_info(self.model, record))

    def file_node(self, file_id: int, info: dict[str, Any]) -> str:
        """An evidence file's node (written once per file); its IRI."""
        found = self.files.get(file_id)
        if found:
            return found
        iri = self.iri("file", str(file_id))
        path = str(info.get("path") or "")
        name = info.get("name") or path.rpartition("/")[2]
        deleted = bool(info.get("deleted"))
        self.node({"@id": iri, "@type": "observable:File", "core:name": name or None,
                   "core:description": f"file in exhibit {info.get('exhibit') or '?'}"
                                       + (f", inode {info['inode']}" if info.get("inode") else ""),
                   "core:hasFacet": [
                       _prune({"@id": self.iri("filefacet", str(file_id)), "@type": "observable:FileFacet",
                               "observable:fileName": name or None, "observable:filePath": path or None,
                               "observable:sizeInBytes": _int(info["size"]) if info.get("size") is not None else None,
                               "observable:isDirectory": False,
                               "observable:allocationStatus": "unallocated (deleted)" if deleted else "allocated",
                               "observable:modifiedTime": _dt(info.get("mtime")),
                               "observable:accessedTime": _dt(info.get("atime")),
                               "observable:metadataChangeTime": _dt(info.get("ctime")),
                               "observable:observableCreatedTime": _dt(info.get("crtime"))}),
                       self.content_facet(f"file:{file_id}", info, info.get("size"))]})
        self.files[file_id] = iri
        return iri

    # --- addresses and applications ---------------------------------------------------------------------------

    def application(self, app: str | None) -> str | None:
        if not app:
            return None
        found = self.apps.get(app)
        if not found:
            found = self.apps[app] = self.iri("application", app)
            self.node({"@id": found, "@type": "observable:Application", "core:name": app})
        return found

    def address(self, value: Any, app: str | None) -> str | None:
        """A phone number, e-mail address or app handle as a shared observable object."""
        if not isinstance(value, str) or not value.strip():
            return None
        value = value.strip()
        if _EMAIL.match(value) and "whatsapp.net" not in value:
            key = ("email", value.lower())
        elif _PHONE.match(value):
            key = ("phone", value)
        else:
            key = ("handle", f"{app or ''}:{value}")
        found = self.addresses.get(key)
        if found:
            return found
        iri = self.addresses[key] = self.iri(f"address-{key[0]}", key[1])
        facet_key = f"{key[0]}:{key[1]}"
        if key[0] == "email":
            self.node({"@id": iri, "@type": "observable:EmailAddress", "core:hasFacet": [
                {"@id": self.iri("emailaddressfacet", facet_key), "@type": "observable:EmailAddressFacet",
                 "observable:addressValue": value}]})
        elif key[0] == "phone":
            self.node({"@id": iri, "@type": "observable:PhoneAccount", "core:hasFacet": [
                {"@id": self.iri("phoneaccountfacet", facet_key), "@type": "observable:PhoneAccountFacet",
                 "observable:phoneNumber": value}]})
        else:
            self.node({"@id": iri, "@type": "observable:ApplicationAccount", "core:hasFacet": [
                {"@id": self.iri("accountfacet", facet_key), "@type": "observable:AccountFacet",
                 "observable:accountIdentifier": value,
                 "observable:accountIssuer": _ref(self.application(app)) if app else None}]})
        return iri

    # --- findings -------------------------------------------------------------------------------------------

    def finding(self, record: ArtifactRecord) -> None:
        source = self.file(record)
        iri = self.iri(record.kind.replace("_", ""), f"artifact:{record.id}")
        writer = getattr(self, f"kind_{record.kind}", None) if record.kind in MAPPED_KINDS else None
        if writer is not None:
            writer(record, iri)
        else:
            self.annotation(record, iri, source)
        if record.id in self.tagged:
            self.tagged[record.id] = iri
        provenance = record.provenance
        if source:
            self.node({"@id": self.iri("relationship", f"artifact:{record.id}:file"), "@type": "core:Relationship",
                       "core:source": [_ref(iri)], "core:target": _ref(source),
                       "core:kindOfRelationship": "Contained_Within", "core:isDirectional": True,
                       "core:description": locator_text(provenance.get("locator")) or None})
        key = (record.plugin, record.plugin_version, str(provenance.get("evidence") or ""))
        if source:
            self.run_files.setdefault(key, set()).add(record.file_id)
        pending = self.run_results.setdefault(key, [])
        pending.append(iri)
        if len(pending) >= CHUNK:
            self.flush_results(key)
        self.done += 1
        self.report()

    def common(self, record: ArtifactRecord, iri: str, type_: str, name: str | None = None) -> dict[str, Any]:
        tags = []
        if record.data.get("deleted") or record.provenance.get("deleted"):
            tags.append("deleted")
        if record.data.get("recovered"):
            tags.append("recovered")
        return {"@id": iri, "@type": type_, "core:name": name,
                "core:description": f"{record.kind} #{record.id}: {self.model.provenance_short(record)}",
                "core:tag": tags}

    def kind_message(self, record: ArtifactRecord, iri: str) -> None:
        data = record.data
        app = data.get("app")
        sent = _dt(_utc(data.get("sent"))) or _dt(_utc(data.get("received")))
        facet = {"@id": self.iri("messagefacet", f"artifact:{record.id}"), "@type": "observable:MessageFacet",
                 "observable:messageText": data.get("body") if isinstance(data.get("body"), str) else None,
                 "observable:sentTime": sent,
                 "observable:from": _maybe_ref(self.address(data.get("sender"), app)),
                 "observable:to": [_ref(found) for party in data.get("recipients") or []
                                   if (found := self.address(party, app))],
                 "observable:application": _maybe_ref(self.application(app)),
                 "observable:messageType": " ".join(part for part in (data.get("service"), data.get("direction"))
                                                    if isinstance(part, str) and part) or None}
        node = self.common(record, iri, "observable:Message", data.get("subject"))
        node["core:hasFacet"] = [_prune(facet)]
        self.node(node)
        self.thread_member(record, iri, [facet.get("observable:from"), *facet["observable:to"]])
        for index, attachment in enumerate(data.get("attachments") or []):
            self.attachment(record, iri, index, attachment)

    def thread_member(self, record: ArtifactRecord, iri: str, parties: list[Any]) -> None:
        """Note a message as a member of its conversation (the app's thread id, else the other party)."""
        data = record.data
        thread = data.get("thread_id") or data.get("sender") or next(iter(data.get("recipients") or []), None)
        if not isinstance(thread, str) or not thread:
            return
        key = (str(data.get("app") or ""), thread)
        self.threads.setdefault(key, set()).update(party["@id"] for party in parties if party)
        self.thread_pending.setdefault(key, []).append(iri)
        self.pending_total += 1
        if self.pending_total >= CHUNK * 10:
            self.flush_threads()

    def flush_threads(self) -> None:
        for key, pending in self.thread_pending.items():
            if pending:
                self.node({"@id": self.iri("thread", "\x1f".join(key)), "co:element": [_ref(iri) for iri in pending]})
                pending.clear()
        self.pending_total = 0

    def message_threads(self) -> None:
        """One observable:MessageThread per conversation; its types:Thread holds the messages as
        unordered elements (each message carries its own sent time, which gives the order)."""
        self.flush_threads()
        for key in sorted(self.threads):
            app, thread = key
            joined = "\x1f".join(key)
            bag = self.iri("thread", joined)
            self.node({"@id": bag, "@type": "types:Thread"})
            self.node({"@id": self.iri("messagethread", joined), "@type": "observable:MessageThread",
                       "core:name": f"{app} conversation {thread}",
                       "core:hasFacet": [_prune({
                           "@id": self.iri("messagethreadfacet", joined), "@type": "observable:MessageThreadFacet",
                           "observable:messageThread": _ref(bag),
                           "observable:participant": [_ref(iri) for iri in sorted(self.threads[key])]})]})

    def attachment(self, record: ArtifactRecord, message: str, index: int, attachment: dict[str, Any]) -> None:
        key = f"artifact:{record.id}:attachment:{index}"
        lookup = getattr(self.model, "attachment_file", None)
        info = lookup(record, attachment) if callable(lookup) and isinstance(attachment, dict) else None
        if info and info.get("id") is not None:
            # The attachment is a file of the evidence: link the message to that file's own node.
            self.node({"@id": self.iri("relationship", f"{key}:message"), "@type": "core:Relationship",
                       "core:source": [_ref(self.file_node(int(info["id"]), {"exhibit": info.get("exhibit_id"),
                                                                             **info}))],
                       "core:target": _ref(message), "core:kindOfRelationship": "Attached_To",
                       "core:isDirectional": True})
            return
        iri = self.iri("file", key)
        size = attachment.get("size") if isinstance(attachment.get("size"), int) else None
        self.node({"@id": iri, "@type": "observable:File", "core:name": attachment.get("name"),
                   "core:description": f"attachment of {record.kind} #{record.id}"
                                       + (f" ({attachment['mime_type']})" if attachment.get("mime_type") else ""),
                   "core:hasFacet": [
                       _prune({"@id": self.iri("filefacet", key), "@type": "observable:FileFacet",
                               "observable:fileName": attachment.get("name"),
                               "observable:filePath": attachment.get("path"),
                               "observable:sizeInBytes": _int(size) if size is not None else None}),
                       _prune(self.content_facet(key, {"sha256": attachment.get("sha256")}, size))]})
        self.node({"@id": self.iri("relationship", f"{key}:message"), "@type": "core:Relationship",
                   "core:source": [_ref(iri)], "core:target": _ref(message),
                   "core:kindOfRelationship": "Attached_To", "core:isDirectional": True})

    def kind_call(self, record: ArtifactRecord, iri: str) -> None:
        data = record.data
        app = data.get("app")
        parties = [_ref(found) for party in data.get("parties") or [] if (found := self.address(party, app))]
        owner = _maybe_ref(self.address(data.get("account"), app))
        incoming = data.get("direction") == "incoming"
        words = [data.get("direction") or "unknown"]
        if data.get("missed"):
            words.append("missed")
        if data.get("video"):
            words.append("video")
        duration = data.get("duration_s")
        facet = {"@id": self.iri("callfacet", f"artifact:{record.id}"), "@type": "observable:CallFacet",
                 "observable:application": _maybe_ref(self.application(app)),
                 "observable:startTime": _dt(_utc(data.get("start"))),
                 "observable:duration": _int(round(duration)) if isinstance(duration, (int, float)) else None,
                 "observable:callType": " ".join(words),
                 "observable:participant": parties,
                 "observable:from": (parties[0] if incoming and parties else owner),
                 "observable:to": ([owner] if incoming and owner else [] if incoming else parties)}
        node = self.common(record, iri, "observable:Call")
        node["core:hasFacet"] = [_prune(facet)]
        self.node(node)

    def kind_contact(self, record: ArtifactRecord, iri: str) -> None:
        data = record.data
        app = data.get("app")
        key = f"artifact:{record.id}"
        phones = list(data.get("phones_e164") or []) or list(data.get("phones") or [])
        facet = {"@id": self.iri("contactfacet", key), "@type": "observable:ContactFacet",
                 "observable:displayName": data.get("display_name"),
                 "observable:sourceApplication": _maybe_ref(self.application(app)),
                 "observable:contactPhone": [
                     {"@id": self.iri("contactphone", f"{key}:{index}"), "@type": "observable:ContactPhone",
                      "observable:contactPhoneNumber": _ref(found)}
                     for index, phone in enumerate(phones) if (found := self.address(phone, app))],
                 "observable:contactEmail": [
                     {"@id": self.iri("contactemail", f"{key}:{index}"), "@type": "observable:ContactEmail",
                      "observable:emailAddress": _ref(found)}
                     for index, email in enumerate(data.get("emails") or []) if (found := self.address(email, app))],
                 "observable:contactMessaging": [
                     {"@id": self.iri("contactmessaging", f"{key}:{index}"), "@type": "observable:ContactMessaging",
                      "observable:messagingAddress": _ref(found),
                      "observable:contactMessagingPlatform": _maybe_ref(self.application(app))}
                     for index, handle in enumerate(data.get("handles") or []) if (found := self.address(handle, app))],
                 "observable:contactNote": [f"organisation: {data['organisation']}"] if data.get("organisation") else []}
        node = self.common(record, iri, "observable:Contact", data.get("display_name"))
        node["core:hasFacet"] = [_prune(facet)]
        self.node(node)

    def kind_account(self, record: ArtifactRecord, iri: str) -> None:
        data = record.data
        app = data.get("app")
        node = self.common(record, iri, "observable:ApplicationAccount", data.get("display_name"))
        node["core:description"] = f"device owner's account in {app}; " + node["core:description"]
        node["core:hasFacet"] = [_prune({
            "@id": self.iri("accountfacet", f"artifact:{record.id}"), "@type": "observable:AccountFacet",
            "observable:accountIdentifier": data.get("identifier"),
            "observable:accountIssuer": _maybe_ref(self.application(app))})]
        self.node(node)

    def location(self, key: str, latitude: Any, longitude: Any, name: str | None = None,
                 altitude: Any = None, description: str | None = None) -> str | None:
        if not isinstance(latitude, (int, float)) or not isinstance(longitude, (int, float)):
            return None
        iri = self.iri("location", key)
        self.node({"@id": iri, "@type": "location:Location", "core:name": name, "core:description": description,
                   "core:hasFacet": [_prune({
                       "@id": self.iri("latlongcoordinatesfacet", key), "@type": "location:LatLongCoordinatesFacet",
                       "location:latitude": _dec(latitude), "location:longitude": _dec(longitude),
                       "location:altitude": _dec(altitude) if isinstance(altitude, (int, float)) else None})]})
        return iri

    def kind_geo_point(self, record: ArtifactRecord, iri: str) -> None:
        data = record.data
        details = [f"origin {data.get('origin')}"]
        for label, field in (("accuracy (m)", "accuracy_m"), ("country", "country_code"), ("zone", "time_zone"),
                             ("local time", "local_time"), ("camera", "camera_model"), ("media", "media_path")):
            if data.get(field) not in (None, ""):
                details.append(f"{label} {data[field]}")
        common = self.common(record, iri, "location:Location", data.get("place_name"))
        self.node({**common, "core:description": "; ".join(details) + "; " + common["core:description"],
                   "core:hasFacet": [_prune({
                       "@id": self.iri("latlongcoordinatesfacet", f"artifact:{record.id}"),
                       "@type": "location:LatLongCoordinatesFacet",
                       "location:latitude": _dec(data["latitude"]), "location:longitude": _dec(data["longitude"]),
                       "location:altitude": _dec(data["altitude"])
                       if isinstance(data.get("altitude"), (int, float)) else None})]})
        when = _dt(_utc(data.get("time")))
        if when:
            self.node({"@id": self.iri("event", f"artifact:{record.id}:observed"), "@type": "core:Event",
                       "core:eventType": "location observation", "core:startTime": when,
                       "core:eventContext": [_ref(iri)],
                       "core:description": f"the device recorded this position ({data.get('origin')})"})

    def kind_reservation(self, record: ArtifactRecord, iri: str) -> None:
        data = record.data
        key = f"artifact:{record.id}"
        context = []
        for end in ("departure", "arrival"):
            place = data.get(end) or {}
            if not isinstance(place, dict):
                continue
            label = " ".join(str(part) for part in (place.get("name"), f"({place['code']})" if place.get("code")
                                                    else None, place.get("address")) if part)
            found = self.location(f"{key}:{end}", place.get("latitude"), place.get("longitude"), label or None,
                                  description=f"{end} of {data.get('type')} reservation #{record.id}")
            if found is None and label:
                found = self.iri("location", f"{key}:{end}")
                self.node({"@id": found, "@type": "location:Location", "core:name": label,
                           "core:description": f"{end} of {data.get('type')} reservation #{record.id}"})
            if found:
                context.append(_ref(found))
        for index, traveller in enumerate(data.get("travellers") or []):
            if isinstance(traveller, str) and traveller:
                person = self.iri("identity", f"{key}:traveller:{index}")
                self.node({"@id": person, "@type": "identity:Identity", "core:name": traveller,
                           "core:description": f"traveller named in reservation #{record.id}"})
                context.append(_ref(person))
        entries = []
        for field in ("origin", "name", "trip_number", "reservation_number", "status", "provider", "seat",
                      "ticket_token", "price", "currency", "url", "start_time_zone", "end_time_zone"):
            if data.get(field) not in (None, ""):
                entries.append((field, str(data[field])))
        if _utc(data.get("booked")):
            entries.append(("booked", _utc(data["booked"])))
        for field in ("start", "end", "booked"):
            value = data.get(field)
            if isinstance(value, dict) and not value.get("utc") and value.get("raw") not in (None, ""):
                # e.g. a boarding pass's day of the flight: no time of day, no zone, so no xsd:dateTime.
                entries.append((f"{field}_as_stored", f"{value['raw']} ({value.get('encoding')})"))
        node = self.common(record, iri, "core:Event", data.get("name"))
        node.update({"core:eventType": f"{data.get('type') or 'travel'} reservation",
                     "core:startTime": _dt(_utc(data.get("start"))), "core:endTime": _dt(_utc(data.get("end"))),
                     "core:eventContext": context,
                     "core:eventAttribute": [{
                         "@id": self.iri("dictionary", key), "@type": "types:Dictionary",
                         "types:entry": [{"@id": self.iri("dictionaryentry", f"{key}:{name}"),
                                          "@type": "types:DictionaryEntry", "types:key": name, "types:value": value}
                                         for name, value in entries]}] if entries else []})
        self.node(node)

    def annotation(self, record: ArtifactRecord, iri: str, source: str | None) -> None:
        node = self.common(record, iri, "core:Annotation", f"{record.kind} finding")
        node.update({"core:statement": [dumps(record.data)],
                     "core:object": [_ref(source)] if source else [_ref(self.tool)]})
        self.node(node)

    # --- plugin runs, tags, verification --------------------------------------------------------------------

    def flush_results(self, key: tuple[str, str, str]) -> None:
        pending = self.run_results.get(key)
        if pending:
            self.node({"@id": self.iri("provenance", "run:" + "@".join(key)), "core:object": [_ref(iri) for iri in pending]})
            pending.clear()

    def plugin_runs(self) -> None:
        model = self.model
        for key in sorted(set(self.run_results) | set(self.run_files)):
            plugin, version, exhibit = key
            self.flush_results(key)
            tool = self.iri("tool", f"{plugin}@{version}")
            self.node({"@id": tool, "@type": "tool:Tool", "core:name": f"{plugin}@{version}", "tool:version": version,
                       "tool:toolType": "forensic-triage parser plugin"})
            record = self.iri("provenance", "run:" + "@".join(key))
            self.node({"@id": record, "@type": "case-investigation:ProvenanceRecord",
                       "case-investigation:exhibitNumber": exhibit or None,
                       "core:description": f"findings of {plugin}@{version} in exhibit {exhibit or '?'}"})
            start, end = _ingest_times(model.custody, exhibit)
            self.node({"@id": self.iri("action", "run:" + "@".join(key)),
                       "@type": "case-investigation:InvestigativeAction",
                       "core:name": f"plugin run: {plugin}@{version} on exhibit {exhibit or '?'}",
                       "action:startTime": _dt(start), "action:endTime": _dt(end),
                       "action:instrument": [_ref(self.tool), _ref(tool)], "action:performer": _ref(self.examiner),
                       "action:object": [_ref(self.files[file_id]) for file_id in sorted(self.run_files.get(key, ()))],
                       "action:result": [_ref(record)]})

    def tags(self) -> None:
        for tag in self.model.tags:
            if tag.target_kind == "file" and tag.target_id.isdigit() and int(tag.target_id) in self.files:
                target = self.files[int(tag.target_id)]
            elif tag.target_kind == "artifact" and tag.target_id.isdigit():
                target = self.tagged.get(int(tag.target_id))   # None: the finding is out of scope
            else:
                continue
            if target is None:
                continue
            self.node({"@id": self.iri("annotation", f"tag:{tag.id}"), "@type": "core:Annotation",
                       "core:name": f"examiner tag: {tag.label}", "core:tag": [tag.label],
                       "core:statement": [tag.note] if tag.note else [],
                       "core:description": f"tagged by {tag.examiner} at {tag.created_utc}"
                                           + ("; victim" if tag.victim else ""),
                       "core:object": [_ref(target)]})

    def verification(self) -> None:
        result = self.model.verification or {}
        if not result:
            return
        self.node({"@id": self.iri("action", f"verify:{self.model.report_id}"),
                   "@type": "case-investigation:InvestigativeAction",
                   "core:name": "verification of the case store at report time",
                   "core:description": "; ".join(result.get("lines") or []) or None,
                   "action:actionStatus": "Success" if result.get("ok") else "Fail",
                   "action:startTime": _dt(result.get("utc")),
                   "action:instrument": [_ref(self.tool)], "action:performer": _ref(self.examiner)})


def _maybe_ref(iri: str | None) -> dict[str, str] | None:
    return _ref(iri) if iri else None


def _is_hex(value: Any) -> bool:
    return isinstance(value, str) and bool(_HEX.match(value)) and len(value) % 2 == 0


def _file_info(model: ReportModel, record: ArtifactRecord) -> dict[str, Any]:
    """What the model says about a finding's source file. The file's own row (size, times, all four
    hashes) when the model offers it; else what the finding's provenance carries."""
    lookup = getattr(model, "file_info", None)
    info = lookup(record.file_id) if callable(lookup) else None
    if info:
        return {"exhibit": info.get("exhibit_id") or record.provenance.get("evidence"), **info}
    provenance = record.provenance
    return {"exhibit": provenance.get("evidence"), "path": provenance.get("path"), "inode": provenance.get("inode"),
            "deleted": provenance.get("deleted"), "sha256": provenance.get("sha256")}


def _ingest_times(custody: list[dict[str, Any]], exhibit: str) -> tuple[str | None, str | None]:
    """When the plugin stage ran on an exhibit: the first ingest start and the last ingest finish."""
    start = end = None
    for entry in custody:
        details = entry.get("details") or {}
        if details.get("exhibit_id") != exhibit:
            continue
        if entry.get("action") == "ingest.start" and start is None:
            start = entry.get("utc")
        elif entry.get("action") == "ingest.finish":
            end = entry.get("utc")
    return start, end
