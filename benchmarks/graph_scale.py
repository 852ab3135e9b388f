#!/usr/bin/env python3
"""Benchmark: building the contact graph of a case with many identities and messages.

Synthetic artifact rows (messages, calls, contacts, an account) are written straight into a new
case store, the way the host writes them (provenance, artifact digests, custody seal), for a
phone owner and N other people who appear under several apps and address forms: SMS numbers in
international format, WhatsApp JIDs, national numbers in the call log, e-mails on contact cards,
Telegram handles. Then, in a fresh child process per scale, the graph is built and measured:
wall time of each step and the process's peak RSS (VmHWM), against its RSS just before the build.

    .venv/bin/python benchmarks/graph_scale.py                                  # 10,000 identities; 100k, 300k messages
    .venv/bin/python benchmarks/graph_scale.py --messages 1000000               # one scale
    .venv/bin/python benchmarks/graph_scale.py --identities 2000 --messages 20000 --quick-check

It is a report, not a test: nothing is asserted except that the graph found the identities the
generator made (a wrong graph is not a benchmark). Results go to benchmarks/work/graph_scale-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "benchmarks" / "work"
sys.path.insert(0, str(REPO))

BATCH = 20_000
T0 = 1_700_000_000_000          # 2023-11-14T22:13:20Z, in unix ms


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the synthetic case ---------------------------------------------------------------------------

def phone(person: int) -> str:
    return f"+49176{person:08d}"


def generate(case_dir: Path, identities: int, messages: int, seed: int) -> dict:
    """A case whose contact graph has exactly ``identities`` identities (owner included)."""
    from forensic_triage.canonical import dumps
    from forensic_triage.ingest.plugin_stage import artifact_digest, provenance
    from forensic_triage.sdk import times
    from forensic_triage.sdk.context import Source
    from forensic_triage.store.case_store import CaseStore

    rng = random.Random(seed)
    people = identities - 1
    telegram_only = people // 10                  # people known only by a Telegram handle
    phones = people - telegram_only
    store = CaseStore.create(case_dir, case_number="BENCH", examiner="Benchmark", region="DE")
    source = Source(path="data/data/app.db", name="app.db", size=1, sha256="00" * 32, inode="1", evidence="E001")
    # Zipf-like: a few people get most of the messages, as on a real phone.
    weights = [1.0 / (rank + 1) ** 0.9 for rank in range(people)]
    # Group chats the owner is in: fixed memberships, so links between other people saturate as
    # on a real phone instead of growing with every message.
    groups = [rng.sample(range(1, phones + 1), rng.randrange(3, 9)) for _ in range(max(1, people // 20))]
    group_weights = [1.0 / (rank + 1) for rank in range(len(groups))]
    counts = {"message": 0, "call": 0, "contact": 0, "account": 0}
    rows: list[dict] = []

    def add(kind: str, data: dict, rowid: int) -> None:
        stamped = provenance(source, 0, f"bench.{kind}", "1.0.0", {"table": kind, "rowid": rowid})
        rows.append({"kind": kind, "file_id": None, "evidence_id": None, "plugin": f"bench.{kind}",
                     "plugin_version": "1.0.0", "data": dumps(data), "provenance": dumps(stamped),
                     "digest": artifact_digest(kind, data, stamped)})
        counts[kind] += 1
        if len(rows) >= BATCH:
            flush()

    def flush() -> None:
        if rows:
            with store.transaction():
                store.insert("artifacts", rows)
                store.append_custody("benchmark.artifacts", {"artifacts": len(rows)})
            rows.clear()

    def when(index: int) -> dict:
        value = times.unix_ms(T0 + index * 60_000)
        return {"utc": value.utc, "raw": value.raw, "encoding": value.encoding, "status": value.status}

    def address(person: int, app: str) -> str:
        if person > phones:
            return f"user{person}"
        if app == "WhatsApp":
            return f"49176{person:08d}@s.whatsapp.net"
        if app == "Phone":
            return f"0176 {person:08d}"
        return phone(person)[:3] + " " + phone(person)[3:6] + " " + phone(person)[6:]

    add("account", {"app": "WhatsApp", "identifier": "4915100000001@s.whatsapp.net", "display_name": "Owner",
                    "phone": "+4915100000001", "email": None}, 1)
    # Contact cards for 60% of the people with numbers; half of those carry an e-mail too.
    for person in range(1, phones + 1):
        if person % 5 in (1, 2, 3):
            add("contact", {"app": "Contacts", "display_name": f"Person {person}", "phones": [f"0176 {person:08d}"],
                            "phones_e164": [phone(person)],
                            "emails": [f"person{person}@example.org"] if person % 2 else [], "handles": [],
                            "organisation": None, "deleted": False}, person)
    # Every person writes at least once (so every identity is in the graph), then Zipf.
    chosen = list(range(1, people + 1)) + rng.choices(range(1, people + 1), weights, k=max(0, messages - people))
    for index, person in enumerate(chosen[:messages]):
        if person > phones:
            app = "Telegram"
        elif person % 7 == 0:
            app = "iMessage"                          # by e-mail where the contact card has one
        else:
            app = ("SMS", "WhatsApp")[index % 2]
        sender = (f"person{person}@example.org" if app == "iMessage" and person % 5 in (1, 2, 3) and person % 2
                  else address(person, app))
        roll = rng.random() if index >= people else rng.random() * 0.9    # first messages: everyone in person
        if roll < 0.45:
            data = {"app": app, "sender": sender, "recipients": [], "direction": "incoming"}
        elif roll < 0.90:
            data = {"app": app, "sender": None, "recipients": [sender], "direction": "outgoing"}
        else:                                          # a group the owner is in: a member writes to the others
            group = rng.choices(range(len(groups)), group_weights)[0]
            members = groups[group]
            writer = members[index % len(members)]
            app = "WhatsApp"
            sender = address(writer, app)
            others = [address(member, app) for member in members if member != writer]
            data = {"app": app, "sender": sender, "recipients": others, "direction": "incoming"}
        data.update({"account": None, "thread_id": str(person), "thread_name": None, "service": None,
                     "body": f"message {index} " + "lorem ipsum dolor sit amet " * rng.randrange(1, 6),
                     "sent": when(index), "received": None, "delivered": None, "read": None,
                     "attachments": [], "deleted": False, "recovered": False})
        add("message", data, index + 1)
    for index in range(messages // 10):
        person = rng.choices(range(1, phones + 1), weights[:phones])[0]
        add("call", {"app": "Phone", "parties": [address(person, "Phone")], "account": None,
                     "direction": ("incoming", "outgoing")[index % 2], "start": when(index * 7),
                     "duration_s": float(rng.randrange(0, 900)), "video": False, "missed": index % 9 == 0,
                     "deleted": False}, index + 1)
    flush()
    store.close()
    return counts


# --- the measured build (child process) -----------------------------------------------------------

def _status_kib(field: str) -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def child(case_dir: Path) -> None:
    from forensic_triage.graph.build import ANALYSING, LINKING, graph_work
    from forensic_triage.graph.export import dumps
    from forensic_triage.progress import Finished
    from forensic_triage.store.case_store import CaseStore

    store = CaseStore.open(case_dir)
    rss_before = _status_kib("VmRSS")
    started = time.perf_counter()
    marks = {}
    graph = None
    for event in graph_work(store):
        if isinstance(event, Finished):
            graph = event.result
        elif event.detail in (LINKING, ANALYSING):
            marks[event.detail] = time.perf_counter() - started
    built = time.perf_counter() - started
    peak_build = _status_kib("VmHWM")
    export_started = time.perf_counter()
    size = len(dumps(graph, "graphml"))
    exported = time.perf_counter() - export_started
    print(json.dumps({
        "build_s": round(built, 3), "merge_identities_s": round(marks[LINKING], 3),
        "link_s": round(marks[ANALYSING] - marks[LINKING], 3), "analyse_s": round(built - marks[ANALYSING], 3),
        "graphml_export_s": round(exported, 3), "graphml_bytes": size,
        "rss_before_build_mib": round(rss_before / 1024, 1), "peak_rss_mib": round(peak_build / 1024, 1),
        "peak_rss_with_export_mib": round(_status_kib("VmHWM") / 1024, 1),
        "identities": len(graph.identities), "links": len(graph.links), "owners": len(graph.owners()),
        "betweenness": graph.params["betweenness"], "stats": graph.stats, "digest": graph.digest}))


def measure(case_dir: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", str(case_dir)], capture_output=True, text=True,
                          cwd=REPO)
    if done.returncode != 0:
        raise SystemExit(f"the build failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--identities", type=int, default=10_000)
    parser.add_argument("--messages", default="100000,300000", help="comma-separated message counts (scales)")
    parser.add_argument("--seed", type=int, default=20240611)
    parser.add_argument("--repeat", type=int, default=1, help="timed builds per scale (the table shows the median)")
    parser.add_argument("--keep", action="store_true", help="keep the generated cases under benchmarks/work")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    scales = [int(value) for value in args.messages.split(",") if value.strip()]
    if args.identities < 10 or any(scale < args.identities for scale in scales):
        parser.error("need at least 10 identities, and at least as many messages as identities")
    WORK.mkdir(parents=True, exist_ok=True)
    results = []
    with tempfile.TemporaryDirectory(dir=WORK) as scratch:
        for messages in scales:
            case_dir = Path(scratch) / f"case-{messages}"
            log(f"generating {args.identities:,} identities, {messages:,} messages ...")
            started = time.perf_counter()
            counts = generate(case_dir, args.identities, messages, args.seed)
            generated = time.perf_counter() - started
            log(f"  {sum(counts.values()):,} artifact rows in {generated:.1f} s; building the graph ...")
            runs = [measure(case_dir) for _ in range(max(1, args.repeat))]
            runs.sort(key=lambda run: run["build_s"])
            result = runs[len(runs) // 2]
            if result["identities"] != args.identities or len({run["digest"] for run in runs}) != 1:
                raise SystemExit(f"wrong graph: {result['identities']} identities for {args.identities} made, "
                                 f"digests {sorted({run['digest'] for run in runs})}")
            result.update({"messages": messages, "artifact_rows": counts, "generate_s": round(generated, 1),
                           "store_mib": round(os.path.getsize(case_dir / "case.sqlite") / 2**20, 1),
                           "artifacts_per_s": round((counts["message"] + counts["call"]) / result["build_s"])})
            results.append(result)
            log(f"  built in {result['build_s']} s, peak RSS {result['peak_rss_mib']} MiB")
            if args.keep:
                kept = WORK / f"graph-case-{args.identities}-{messages}"
                if not kept.exists():
                    case_dir.rename(kept)
    print(f"\nContact graph build ({platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} cores)")
    print(f"{'identities':>10} {'messages':>9} {'calls':>7} {'links':>7} {'build s':>8} {'(merge':>7} "
          f"{'link':>6} {'analyse)':>8} {'msg+call/s':>10} {'RSS before':>10} {'peak RSS':>9} "
          f"{'+GraphML':>9} {'GraphML s':>9}")
    for result in results:
        print(f"{result['identities']:>10,} {result['messages']:>9,} {result['artifact_rows']['call']:>7,} "
              f"{result['links']:>7,} {result['build_s']:>8} {result['merge_identities_s']:>7} {result['link_s']:>6} "
              f"{result['analyse_s']:>8} {result['artifacts_per_s']:>10,} {result['rss_before_build_mib']:>8} M "
              f"{result['peak_rss_mib']:>7} M {result['peak_rss_with_export_mib']:>7} M "
              f"{result['graphml_export_s']:>9}")
    print(f"betweenness: {results[-1]['betweenness']}" if results else "")
    out = WORK / f"graph_scale-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps({"identities": args.identities, "seed": args.seed, "results": results}, indent=1))
    print(f"\nwritten to {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
