"""The read-side query API: streaming in id order, scope by kind, time and tags, counts, paging."""

from __future__ import annotations

from forensic_triage.store.case_store import CaseStore
from forensic_triage.store.query import (
    Scope,
    app_counts,
    get_artifact,
    iter_artifacts,
    kind_counts,
    page_artifacts,
    primary_time,
)
from forensic_triage.store.tags import add_tag
from tests.conftest import run_cli


def _case(tmp_path):
    assert run_cli("-q", "demo", tmp_path / "demo").returncode == 0   # has messages with times
    return tmp_path / "demo" / "case"


def test_stream_scope_counts_and_pages(tmp_path):
    case = _case(tmp_path)
    store = CaseStore.open(case)
    everything = list(iter_artifacts(store, batch=2))
    assert [record.id for record in everything] == sorted(record.id for record in everything) and everything
    counts = kind_counts(store)
    assert sum(counts.values()) == len(everything)
    messages = list(iter_artifacts(store, Scope(kinds=("message",))))
    assert len(messages) == counts.get("message", 0) > 0
    assert sum(app_counts(store, "message").values()) == len(messages)
    times = sorted(record.time for record in messages)
    bounded = list(iter_artifacts(store, Scope(kinds=("message",), since=times[1], until=times[-1])))
    assert len(bounded) == len(messages) - 1
    assert page_artifacts(store, limit=2, after_id=everything[0].id)[0].id == everything[1].id
    assert get_artifact(store, everything[0].id) == everything[0]
    store.close()
    assert list(iter_artifacts(CaseStore.open(case), Scope(tagged_only=True))) == []
    writer = CaseStore.open(case, write="tag")
    add_tag(writer, target_kind="artifact", target_id=str(messages[0].id), label="relevant")
    writer.close()
    assert [r.id for r in iter_artifacts(CaseStore.open(case), Scope(tagged_only=True))] == [messages[0].id]


def test_primary_time_prefers_sent_and_ignores_missing():
    assert primary_time("message", {"sent": None, "received": {"utc": "2026-01-01T00:00:00Z"}}) == "2026-01-01T00:00:00Z"
    assert primary_time("contact", {"sent": {"utc": "x"}}) is None
    assert primary_time("call", {"start": {"utc": None}}) is None
