#!/usr/bin/env python3
"""Benchmark: does the workstation stay responsive on a case with a million messages?

The case: N message artifacts (default 1,000,000) written straight into a new case store the way
the ingest's plugin stage writes them (provenance stamped by `provenance()`, the artifact digest by
`artifact_digest_of_json`, row digests by the store, a custody entry sealing every batch), with
bodies drawn from a word list so full-text search has realistic work: a rare word (in ~0.1% of
the messages), a medium one (~2%) and a common one (~30%). Then the search index is built with
the project's own `forensic_triage.store.search.build_search_index`. The case is kept in
benchmarks/work/ and reused by later runs with the same N (--fresh rebuilds it).

Measured with Qt offscreen (QT_QPA_PLATFORM=offscreen), in this process:

1. first rows: from creating the messages table (the GUI's ArtifactTableModel + a QTableView)
   to the end of the first paint that shows rows. Target < 100 ms.
2. search: from setting the typed words on the model (`update_query(text=...)`) to the end of the
   first paint of the results, for the rare, medium and common word. Target < 300 ms.
3. event-loop heartbeats: a 10 ms QTimer on the GUI thread records the largest gap between its
   ticks while a real ingest runs the way the window runs it (forensic_triage.gui.workers: add the
   demo phone image, then ingest it with every plugin and index it for search; both as child
   processes of `forensic-triage --progress-json`, read with QProcess). Target < 50 ms.
   `--ingest-path thread` measures the earlier way instead (the core's generators in a QThread
   of the GUI process), for comparison. The same is measured while the timeline view loads the
   million-message case in its worker.

It prints the figures and writes them to benchmarks/work/gui_responsiveness-<time>.json; it
asserts nothing about time.

    .venv/bin/python benchmarks/gui_responsiveness.py                     # 1,000,000 messages
    .venv/bin/python benchmarks/gui_responsiveness.py --messages 100000   # a quicker run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "benchmarks" / "work"
sys.path.insert(0, str(REPO))

BATCH = 50_000
T0 = 1_735_689_600_000          # 2025-01-01T00:00:00Z, in unix ms
WORDS = ("ok", "see", "you", "later", "tomorrow", "meet", "at", "the", "station", "call", "me", "when", "back",
         "thanks", "send", "photo", "where", "are", "now", "going", "home", "late", "train", "dinner", "money")
RARE, MEDIUM, COMMON = "passport", "airport", "tonight"
TARGETS_MS = {"first_rows": 100.0, "search": 300.0, "heartbeat_gap": 50.0}


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the case -------------------------------------------------------------------------------------

def body(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randrange(3, 12))
    roll = rng.random()
    if roll < 0.001:
        words.insert(rng.randrange(len(words)), RARE)
    if roll < 0.02:
        words.insert(rng.randrange(len(words)), MEDIUM)
    if roll < 0.30:
        words.insert(rng.randrange(len(words)), COMMON)
    return " ".join(words)


def generate(case_dir: Path, messages: int, seed: int = 20261123) -> dict[str, float]:
    """A case of ``messages`` messages from 2,000 people to the owner and back, one every 20 s."""
    from forensic_triage.canonical import dumps
    from forensic_triage.ingest.plugin_stage import artifact_digest_of_json, provenance
    from forensic_triage.sdk import times
    from forensic_triage.sdk.context import Source
    from forensic_triage.store.case_store import CaseStore
    from forensic_triage.store.search import build_search_index

    rng = random.Random(seed)
    started = time.perf_counter()
    store = CaseStore.create(case_dir, case_number="GUI-BENCH", examiner="Benchmark", region="GB")
    source = Source(path="data/data/com.android.providers.telephony/databases/mmssms.db", name="mmssms.db",
                    size=1, sha256="00" * 32, inode="70", evidence="PHONE-01")
    rows: list[dict] = []

    def flush() -> None:
        with store.transaction():
            store.insert("artifacts", rows)
            store.append_custody("benchmark.artifacts", {"artifacts": len(rows)})
        rows.clear()

    for number in range(messages):
        sent = times.unix_ms(T0 + number * 20_000)
        person = f"+4477009{rng.randrange(2000):05d}"
        incoming = rng.random() < 0.5
        data = {"app": "Android SMS/MMS", "account": None, "attachments": [], "body": body(rng), "deleted": False,
                "direction": "incoming" if incoming else "outgoing", "recipients": [] if incoming else [person],
                "sender": person if incoming else None, "recovered": False, "service": "SMS",
                "sent": {"utc": sent.utc, "raw": sent.raw, "encoding": sent.encoding, "status": sent.status},
                "thread_id": person, "thread_name": None}
        data_json = dumps(data)
        provenance_json = dumps(provenance(source, 1_048_576, "android.sms", "1.0.0",
                                           {"table": "sms", "rowid": number + 1}))
        rows.append({"kind": "message", "file_id": None, "evidence_id": None, "plugin": "android.sms",
                     "plugin_version": "1.0.0", "data": data_json, "provenance": provenance_json,
                     "digest": artifact_digest_of_json("message", data_json, provenance_json)})
        if len(rows) >= BATCH:
            flush()
            log(f"  {number + 1:,} messages written")
    if rows:
        flush()
    written = time.perf_counter() - started
    started = time.perf_counter()
    build_search_index(store)
    indexed = time.perf_counter() - started
    store.close()
    return {"write_s": round(written, 1), "search_index_s": round(indexed, 1)}


# --- measuring ------------------------------------------------------------------------------------

def wait_until(app, done, timeout_s: float = 60.0, *, idle: bool = False) -> None:
    """Turn the event loop until ``done()``. With ``idle`` the GUI thread sleeps between events as
    a real event loop does (a spinning loop would fight the worker thread for the GIL)."""
    from PyQt6.QtCore import QEventLoop

    flags = (QEventLoop.ProcessEventsFlag.WaitForMoreEvents if idle else QEventLoop.ProcessEventsFlag.AllEvents)
    limit = time.perf_counter() + timeout_s
    while not done():
        app.processEvents(flags)
        if time.perf_counter() > limit:
            raise TimeoutError("the GUI did not get there in time")


def paint_probe():
    """A QTableView that notes when a paint with rows has finished."""
    from PyQt6.QtWidgets import QTableView

    class ProbedTable(QTableView):
        def __init__(self) -> None:
            super().__init__()
            self.painted_at: float | None = None
            self.armed = False

        def paintEvent(self, event) -> None:
            super().paintEvent(event)
            if self.armed and self.model() is not None and self.model().rowCount() > 0:
                self.painted_at = time.perf_counter()
                self.armed = False

    return ProbedTable


def measure_table(app, case_dir: Path) -> dict:
    from forensic_triage.gui.models.artifact_table import ArtifactTableModel
    from forensic_triage.store.case_store import CaseStore
    from forensic_triage.store.search import TableQuery

    table_class = paint_probe()
    started = time.perf_counter()
    store = CaseStore.open(case_dir)
    opened_ms = (time.perf_counter() - started) * 1000
    table = table_class()
    table.resize(1200, 700)
    table.show()
    wait_until(app, lambda: table.isVisible())
    app.processEvents()

    table.armed = True
    started = time.perf_counter()
    model = ArtifactTableModel(store, TableQuery(kind="message"))
    table.setModel(model)
    wait_until(app, lambda: table.painted_at is not None)
    first_rows_ms = (table.painted_at - started) * 1000
    result = {"store_open_ms": round(opened_ms, 1), "first_rows_ms": round(first_rows_ms, 1),
              "rows_loaded_for_first_paint": model.loaded(), "search": {}}
    log(f"first rows painted in {first_rows_ms:.1f} ms ({model.loaded()} rows loaded)")

    # Scrolling to the end of what is loaded pages in more: how long does one page take?
    started = time.perf_counter()
    model.fetchMore()
    result["next_page_ms"] = round((time.perf_counter() - started) * 1000, 1)

    for label, word in (("rare", RARE), ("medium", MEDIUM), ("common", COMMON)):
        table.painted_at = None
        table.armed = True
        started = time.perf_counter()
        model.update_query(text=word)
        wait_until(app, lambda: table.painted_at is not None or (model.rowCount() == 0 and not table.armed))
        elapsed = (table.painted_at - started) * 1000 if table.painted_at else (time.perf_counter() - started) * 1000
        table.painted_at = None
        count_started = time.perf_counter()
        total = model.total()
        result["search"][label] = {"word": word, "results_painted_ms": round(elapsed, 1), "matches": total,
                                   "count_ms": round((time.perf_counter() - count_started) * 1000, 1)}
        log(f"search {word!r} ({label}, {total:,} matches): results painted in {elapsed:.1f} ms")
        model.update_query(text=None)
    table.close()
    store.close()
    return result


class Heartbeat:
    """A 10 ms QTimer on the GUI thread; the largest gap between ticks is how long the GUI froze."""

    def __init__(self) -> None:
        from PyQt6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.last: float | None = None
        self.gaps: list[float] = []
        self.stage = ""                        # what the worker said it was doing (progress events)
        self.worst: list[tuple[float, str]] = []

    def _tick(self) -> None:
        now = time.perf_counter()
        if self.last is not None:
            gap = (now - self.last) * 1000
            self.gaps.append(gap)
            if gap > 30:
                self.worst.append((round(gap, 1), self.stage))
        self.last = now

    def start(self) -> None:
        self.last, self.gaps, self.worst, self.stage = None, [], [], ""
        self.timer.start()

    def stop(self) -> dict:
        self.timer.stop()
        gaps = sorted(self.gaps)
        if not gaps:
            return {"ticks": 0}
        return {"ticks": len(gaps) + 1, "max_gap_ms": round(gaps[-1], 1),
                "p99_gap_ms": round(gaps[max(0, int(len(gaps) * 0.99) - 1)], 1),
                "median_gap_ms": round(gaps[len(gaps) // 2], 1),
                "gaps_over_50ms": sum(1 for gap in gaps if gap > 50),
                "worst_gaps": sorted(self.worst, reverse=True)[:5]}


def measure_idle(app, seconds: float = 3.0) -> dict:
    """The heartbeat with nothing running: how much of a gap the machine itself causes."""
    heartbeat = Heartbeat()
    heartbeat.start()
    until = time.perf_counter() + seconds
    wait_until(app, lambda: time.perf_counter() > until, idle=True)
    beats = heartbeat.stop()
    log(f"idle baseline: largest heartbeat gap {beats.get('max_gap_ms')} ms over {seconds:g} s")
    return beats


def run_job(app, worker, heartbeat: Heartbeat) -> tuple[dict, float, int]:
    """Run a job (a WorkThread or a ProcessJob: the same signals and start/wait) to its end while
    the heartbeat runs."""
    outcome: dict = {}
    progress = [0]
    worker.runner.finished.connect(lambda result: outcome.setdefault("result", result))
    worker.runner.failed.connect(lambda message, details: outcome.setdefault("error", message + "\n" + details))
    def on_progress(event) -> None:
        progress[0] += 1
        heartbeat.stage = f"{event.stage}: {event.detail or ''}".strip(": ")

    worker.runner.progress.connect(on_progress)
    started = time.perf_counter()
    heartbeat.start()
    worker.start()
    wait_until(app, lambda: "result" in outcome or "error" in outcome, timeout_s=600, idle=True)
    beats = heartbeat.stop()
    elapsed = time.perf_counter() - started
    # A thread quits through a queued call to the GUI thread: keep the event loop turning (not
    # idle: once the timer is stopped no further event may come to wake an idle loop).
    wait_until(app, lambda: worker.wait(20), timeout_s=60)
    if "error" in outcome:
        raise RuntimeError(outcome["error"])
    return beats, elapsed, progress[0]


def ingest_jobs(path: str, case_dir: Path, image: Path):
    """The add-evidence and ingest jobs, made the way the window's dialogs make them ("process"),
    or run in a QThread of this process ("thread", the earlier way)."""
    from forensic_triage.gui import workers

    if path == "process":
        return (lambda: workers.add_evidence_process(case_dir, image, exhibit_id="PHONE-01"),
                lambda: workers.ingest_process(case_dir))
    return (lambda: workers.WorkThread(*workers.add_evidence_job(case_dir, image, exhibit_id="PHONE-01")),
            lambda: workers.WorkThread(*workers.ingest_job(case_dir)))


def measure_ingest(app, folder: Path, path: str = "process") -> dict:
    from forensic_triage.demo.evidence import build_demo_image
    from forensic_triage.store.case_store import CaseStore

    image = build_demo_image(folder / "phone.img")
    case_dir = folder / "case"
    CaseStore.create(case_dir, case_number="GUI-INGEST", examiner="Benchmark", region="GB").close()
    heartbeat = Heartbeat()
    make_add, make_ingest = ingest_jobs(path, case_dir, image)
    where = "a child process" if path == "process" else "a worker thread"
    add_beats, add_s, _ = run_job(app, make_add(), heartbeat)
    log(f"add evidence in {where}: {add_s:.2f} s, largest heartbeat gap {add_beats.get('max_gap_ms')} ms")
    ingest_beats, ingest_s, relayed = run_job(app, make_ingest(), heartbeat)
    store = CaseStore.open(case_dir)
    artifacts = store.count("artifacts")
    store.close()
    log(f"ingest in {where}: {ingest_s:.2f} s, {artifacts} artifacts, {relayed} progress signals, "
        f"largest heartbeat gap {ingest_beats.get('max_gap_ms')} ms")
    return {"path": path, "add_evidence": {"seconds": round(add_s, 2), **add_beats},
            "ingest": {"seconds": round(ingest_s, 2), "artifacts": artifacts, "progress_signals": relayed,
                       **ingest_beats}}


def measure_timeline(app, case_dir: Path) -> dict:
    from forensic_triage.gui.views.timeline_view import TimelineView

    view = TimelineView()
    view.resize(1200, 500)
    view.show()
    heartbeat = Heartbeat()
    done: list[bool] = []
    view.loaded.connect(lambda: done.append(True))
    started = time.perf_counter()
    heartbeat.start()
    view.set_case(case_dir)
    wait_until(app, lambda: bool(done), timeout_s=600, idle=True)
    beats = heartbeat.stop()
    elapsed = time.perf_counter() - started
    view.canvas.repaint()
    # One zoom step redrawn: counts and density bars over the whole million.
    repaint_started = time.perf_counter()
    view.canvas.zoom(1.25)
    view.canvas.repaint()
    repaint_ms = (time.perf_counter() - repaint_started) * 1000
    count = view.shown.count if view.shown is not None else 0
    view.close()
    log(f"timeline of {count:,} artifacts loaded in its worker in {elapsed:.2f} s, "
        f"largest heartbeat gap {beats.get('max_gap_ms')} ms; a zoom step repaints in {repaint_ms:.1f} ms")
    return {"artifacts": count, "load_s": round(elapsed, 2), "zoom_repaint_ms": round(repaint_ms, 1), **beats}


def measure_graph(app, folder: Path, identities: int, messages: int) -> dict:
    """The contact graph view on a case of ``identities`` people (benchmarks/graph_scale.py's
    generator): build + layout in the worker, the heartbeat meanwhile, then "Show more"."""
    from benchmarks.graph_scale import generate as generate_graph_case
    from forensic_triage.gui.views.graph_view import GraphView

    case_dir = folder / "graph-case"
    started = time.perf_counter()
    generate_graph_case(case_dir, identities, messages, seed=7)
    log(f"graph case of {identities:,} identities, {messages:,} messages written in "
        f"{time.perf_counter() - started:.1f} s")
    view = GraphView()
    view.resize(1200, 700)
    view.show()
    heartbeat = Heartbeat()
    done: list[bool] = []
    view.loaded.connect(lambda: done.append(True))
    started = time.perf_counter()
    heartbeat.start()
    view.set_case(case_dir)
    wait_until(app, lambda: bool(done), timeout_s=900, idle=True)
    first = heartbeat.stop()
    first_s = time.perf_counter() - started
    drawn = len(view.nodes)
    repaint_started = time.perf_counter()
    view.canvas.viewport().repaint()
    repaint_ms = (time.perf_counter() - repaint_started) * 1000
    done.clear()
    started = time.perf_counter()
    heartbeat.start()
    view.show_more()
    wait_until(app, lambda: bool(done), timeout_s=900, idle=True)
    more = heartbeat.stop()
    more_s = time.perf_counter() - started
    result = {"identities": identities, "messages": messages, "first_view_s": round(first_s, 2),
              "nodes_drawn": drawn, "repaint_ms": round(repaint_ms, 1), "first_view_heartbeat": first,
              "show_more_s": round(more_s, 2), "nodes_after_show_more": len(view.nodes), "show_more_heartbeat": more}
    view.close()
    log(f"graph view: built and laid out in {first_s:.2f} s ({drawn} of {identities:,} drawn, largest heartbeat gap "
        f"{first.get('max_gap_ms')} ms), repaint {repaint_ms:.1f} ms; show more -> {len(view.nodes)} nodes in "
        f"{more_s:.2f} s (largest gap {more.get('max_gap_ms')} ms)")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--fresh", action="store_true", help="rebuild the case even if one is kept")
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--ingest-path", choices=("process", "thread"), default="process",
                        help="how add evidence and ingest run: child processes as the window runs them (default), "
                             "or the core's generators in a QThread of this process (the earlier way)")
    parser.add_argument("--skip-timeline", action="store_true")
    parser.add_argument("--graph-identities", type=int, default=5000,
                        help="people in the contact-graph case (0 skips the graph view)")
    parser.add_argument("--graph-messages", type=int, default=50_000)
    parser.add_argument("--gc-freeze", action="store_true",
                        help="gc.freeze() once the GUI is up, as an application can: the collector's full passes "
                             "then skip everything created at start-up (measures what that buys)")
    parser.add_argument("--only", choices=("table", "timeline", "ingest", "graph"),
                        help="run one measurement (the case is still made if needed)")
    args = parser.parse_args()

    from PyQt6.QtWidgets import QApplication

    from forensic_triage.netguard import install as guard_network

    guard_network()
    app = QApplication.instance() or QApplication([])
    if args.gc_freeze:
        import gc

        gc.freeze()
    WORK.mkdir(parents=True, exist_ok=True)
    case_dir = WORK / f"gui_case_{args.messages}"
    result: dict = {"messages": args.messages, "gc_freeze": args.gc_freeze, "machine": {"python": platform.python_version(),
                                                           "cpus": os.cpu_count(), "platform": platform.platform()},
                    "targets_ms": TARGETS_MS}
    if args.fresh and case_dir.exists():
        shutil.rmtree(case_dir)
    if not (case_dir / "case.sqlite").exists():
        if case_dir.exists():
            shutil.rmtree(case_dir)
        log(f"writing a case of {args.messages:,} messages to {case_dir}")
        result["generate"] = generate(case_dir, args.messages)
        log(f"written in {result['generate']['write_s']} s, search index in {result['generate']['search_index_s']} s")
    else:
        log(f"reusing {case_dir} (--fresh to rebuild)")

    def wanted(name: str) -> bool:
        return args.only in (None, name)

    result["idle"] = measure_idle(app)
    if wanted("table"):
        result["table"] = measure_table(app, case_dir)
    if wanted("timeline") and not args.skip_timeline:
        result["timeline"] = measure_timeline(app, case_dir)
    if wanted("ingest") and not args.skip_ingest:
        with tempfile.TemporaryDirectory(prefix="gui-bench-") as folder:
            result["ingest"] = measure_ingest(app, Path(folder), args.ingest_path)
    if wanted("graph") and args.graph_identities:
        with tempfile.TemporaryDirectory(prefix="gui-bench-graph-") as folder:
            result["graph"] = measure_graph(app, Path(folder), args.graph_identities, args.graph_messages)

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = WORK / f"gui_responsiveness-{stamp}.json"
    out.write_text(json.dumps(result, indent=2))
    print_summary(result)
    print(f"\nresults: {out}")


def print_summary(result: dict) -> None:
    rows = []
    if "table" in result:
        table = result["table"]
        rows.append(("open the messages table -> first rows painted", table["first_rows_ms"],
                     TARGETS_MS["first_rows"]))
        for label, search in table["search"].items():
            rows.append((f"search {search['word']!r} ({label}, {search['matches']:,} hits) -> results painted",
                         search["results_painted_ms"], TARGETS_MS["search"]))
    if "ingest" in result:
        where = "a child process" if result["ingest"]["path"] == "process" else "the worker thread"
        rows.append((f"largest heartbeat gap while adding evidence in {where}",
                     result["ingest"]["add_evidence"].get("max_gap_ms"), TARGETS_MS["heartbeat_gap"]))
        rows.append((f"largest heartbeat gap while ingesting in {where}",
                     result["ingest"]["ingest"].get("max_gap_ms"), TARGETS_MS["heartbeat_gap"]))
    if "timeline" in result:
        rows.append(("largest heartbeat gap while the timeline loads the case",
                     result["timeline"].get("max_gap_ms"), TARGETS_MS["heartbeat_gap"]))
    if "graph" in result:
        graph = result["graph"]
        rows.append((f"largest heartbeat gap while the graph view builds {graph['identities']:,} identities",
                     graph["first_view_heartbeat"].get("max_gap_ms"), TARGETS_MS["heartbeat_gap"]))
        rows.append(("largest heartbeat gap during the graph's Show more",
                     graph["show_more_heartbeat"].get("max_gap_ms"), TARGETS_MS["heartbeat_gap"]))
    rows.append(("(baseline) largest heartbeat gap with nothing running", result["idle"].get("max_gap_ms"),
                 TARGETS_MS["heartbeat_gap"]))
    print(f"\nGUI responsiveness, {result['messages']:,} messages")
    for name, value, target in rows:
        verdict = "ok" if value is not None and value < target else "OVER TARGET"
        print(f"  {name:<78} {value:>9} ms   (target < {target:g} ms: {verdict})")


if __name__ == "__main__":
    main()
