"""The FTS5 search index: built incrementally under the write lock with one custody entry per
build that adds rows, invisible to verify, and the filtered/sorted paging of the tables."""

from __future__ import annotations

import pytest

from forensic_triage.errors import CaseError
from forensic_triage.progress import run_silently
from forensic_triage.store import search as S
from forensic_triage.store.case_store import CaseStore
from forensic_triage.verify import verify_case


@pytest.fixture(scope="module")
def demo_case(tmp_path_factory):
    from forensic_triage.demo.run import run_demo

    folder = tmp_path_factory.mktemp("search") / "demo"
    run_silently(run_demo(folder, jobs=2))
    return folder / "case"


def _actions(case_dir) -> list[str]:
    store = CaseStore.open(case_dir)
    try:
        return [row[0] for row in store.conn.execute("SELECT action FROM custody ORDER BY seq")]
    finally:
        store.close()


def test_index_build_search_and_verify(demo_case):
    before = _actions(demo_case)
    build = S.build_search_index_in(demo_case)
    if "search.index" not in before:      # the ingest may already build it
        assert build.artifacts_added > 0 and build.files_added == 0   # paths are searched by a scan
    again = S.build_search_index_in(demo_case)
    assert again.artifacts_added == 0 and again.files_added == 0
    actions = _actions(demo_case)
    assert actions.count("search.index") == 1
    store = CaseStore.open(demo_case)
    try:
        assert S.index_is_current(store)
        hits = S.search(store, "passport")
        assert hits and all(hit.target in ("artifact", "file") for hit in hits)
        messages = S.search(store, "passp", kind="message")
        assert messages and all(hit.kind == "message" for hit in messages)
        S.search(store, 'NEAR("x" OR')          # FTS5 operators in the user's text never raise
        assert S.search(store, "   ") == []
        files = S.search(store, "img jpg", kind="file")       # substrings of a path, any case
        assert files and all(hit.target == "file" for hit in files)
        assert S.search(store, "no_such_path_anywhere", kind="file") == []
        assert run_silently(verify_case(store)).ok
    finally:
        store.close()


def test_building_needs_the_write_lock(demo_case):
    holder = CaseStore.open(demo_case, write="someone else")
    try:
        with pytest.raises(CaseError, match="open in another process"):
            S.build_search_index_in(demo_case)
    finally:
        holder.close()


def test_sorted_filtered_paging_visits_every_row_once(demo_case):
    store = CaseStore.open(demo_case)
    try:
        total = S.count_table(store, S.TableQuery(kind="message"))
        for sort, descending in (("time", False), ("time", True), ("sender", False), ("id", True)):
            seen, cursor = [], None
            while True:
                page, cursor = S.page_table(store, S.TableQuery(kind="message", sort=sort, descending=descending),
                                            after=cursor, limit=3)
                seen += [record.id for record in page]
                if cursor is None:
                    break
            assert sorted(seen) == sorted(set(seen)) and len(seen) == total, sort
        times = [record.time for record in S.page_table(store, S.TableQuery(kind="message", sort="time"), limit=500)[0]]
        present = [t for t in times if t]
        assert present == sorted(present)
        some = S.page_table(store, S.TableQuery(kind="message", field_filters=(("body", "passport"),)))[0]
        assert some and all("passport" in record.data["body"].lower() for record in some)
        assert S.page_table(store, S.TableQuery(kind="message", field_filters=(("body", "100%_"),)))[0] == []
        with pytest.raises(ValueError):
            S.page_table(store, S.TableQuery(kind="message", sort="body) --"))
    finally:
        store.close()


def test_text_pages_in_id_order_with_other_filters(demo_case):
    store = CaseStore.open(demo_case)
    try:
        query = S.TableQuery(text="passport")
        total = S.count_table(store, query)
        assert total > 1
        for descending in (False, True):
            seen, cursor = [], None
            while True:
                page, cursor = S.page_table(store, S.TableQuery(text="passport", descending=descending),
                                            after=cursor, limit=1)
                seen += [record.id for record in page]
                if cursor is None:
                    break
            assert len(seen) == total == len(set(seen))
            assert seen == sorted(seen, reverse=descending)
        messages = S.page_table(store, S.TableQuery(kind="message", text="passport", app="WhatsApp"))[0]
        assert all(record.kind == "message" and record.data["app"] == "WhatsApp" for record in messages)
    finally:
        store.close()


def test_an_index_in_the_first_layout_is_rebuilt(tmp_path):
    from forensic_triage.store.case_store import CaseStore as Store

    case = tmp_path / "case"
    store = Store.create(case, case_number="L-1", examiner="Tester")
    with store.transaction():
        store.conn.execute(f"CREATE VIRTUAL TABLE {S.INDEX_TABLE} USING fts5(text, kind UNINDEXED, target UNINDEXED)")
        store.conn.execute(f"CREATE TABLE {S.STATE_TABLE} (source TEXT PRIMARY KEY, last_id INTEGER NOT NULL)")
        store.append_custody("test.old_index", {})
    assert not S.index_is_current(store)
    S.build_search_index(store)
    assert S.index_is_current(store)
    columns = [row[1] for row in store.conn.execute(f"PRAGMA table_info({S.INDEX_TABLE})")]
    assert "target" not in columns
    store.close()
