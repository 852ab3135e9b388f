"""Examiner tags and notes: the one thing an examiner adds to a case. Each change is a new row
and a custody entry; the current tags are the latest row per (target, label)."""

from __future__ import annotations

from dataclasses import dataclass

from forensic_triage.errors import CaseError
from forensic_triage.store.case_store import CaseStore, utc_now

TARGET_KINDS = ("artifact", "file", "identity")
VICTIM = "victim"


@dataclass(frozen=True, kw_only=True)
class Tag:
    id: int
    target_kind: str
    target_id: str
    label: str
    victim: bool
    note: str | None
    examiner: str
    created_utc: str


def _check_target(store: CaseStore, target_kind: str, target_id: str) -> None:
    if target_kind not in TARGET_KINDS:
        raise CaseError(f"a tag goes on an artifact, a file or an identity, not {target_kind!r}")
    if target_kind in ("artifact", "file"):
        table = "artifacts" if target_kind == "artifact" else "files"
        if not str(target_id).isdigit() or store.conn.execute(
                f"SELECT 1 FROM {table} WHERE id = ?", (int(target_id),)).fetchone() is None:
            raise CaseError(f"no {target_kind} with id {target_id} in this case")


def add_tag(store: CaseStore, *, target_kind: str, target_id: str, label: str | None = None, victim: bool = False,
            note: str | None = None, remove: bool = False) -> Tag:
    """Tag (or untag) one artifact, file or identity, with a custody entry. A victim tag is the
    label "victim"; it feeds report redaction."""
    _check_target(store, target_kind, str(target_id))
    label = (VICTIM if victim else (label or "").strip()) or "tagged"
    row = {"target_kind": target_kind, "target_id": str(target_id), "label": label, "victim": int(label == VICTIM),
           "note": note, "removed": int(remove), "examiner": store.examiner(), "created_utc": utc_now()}
    with store.transaction():
        (tag_id,) = store.insert("tags", [row])
        # The note itself stays in the tags row: custody holds ids, never case content.
        store.append_custody("tag.remove" if remove else "tag.add",
                             {"tag_id": tag_id, "target": f"{target_kind}:{target_id}", "label": label,
                              "victim": label == VICTIM, "with_note": note is not None})
    return Tag(id=tag_id, target_kind=target_kind, target_id=str(target_id), label=label, victim=label == VICTIM,
               note=note, examiner=row["examiner"], created_utc=row["created_utc"])


def current_tags(store: CaseStore, *, target_kind: str | None = None, victims_only: bool = False) -> list[Tag]:
    """The tags in force: for each (target, label) its latest row, unless that row removed it."""
    where, params = "", ()
    if target_kind:
        where, params = "WHERE target_kind = ?", (target_kind,)
    latest: dict[tuple[str, str, str], dict] = {}
    for row in store.conn.execute(f"SELECT * FROM tags {where} ORDER BY id", params):
        latest[(row["target_kind"], row["target_id"], row["label"])] = dict(row)
    tags = [Tag(id=row["id"], target_kind=row["target_kind"], target_id=row["target_id"], label=row["label"],
                victim=bool(row["victim"]), note=row["note"], examiner=row["examiner"], created_utc=row["created_utc"])
            for row in latest.values() if not row["removed"]]
    if victims_only:
        tags = [tag for tag in tags if tag.victim]
    return sorted(tags, key=lambda tag: tag.id)
