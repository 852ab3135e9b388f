#!/usr/bin/env python3
"""Benchmark: every report format on a large case.

The case (scale 1.0): 100,000 messages, 10,000 geo points, 1,000 reservations, calls, contact
cards and an owner account, among a 5,000-identity contact graph (the owner and 4,999 people).

How it is made: a small logical evidence folder (one placeholder file per app store) is added
and hashed by the project's own `add` and `ingest --no-plugins` code, so the exhibit, the file
rows, their MD5/SHA-1/SHA-256/BLAKE3 and the custody entries are real. Then the artifacts are
written the way the ingest's plugin stage writes them (forensic_triage/ingest/plugin_stage.py):
SDK artifact objects turned into data with `to_data`, provenance stamped with `provenance()`,
the artifact digest from `artifact_digest_of_json`, the row digest from `digest_values`, a
plugin_runs row per (file, plugin) and a custody entry sealing every batch. Generating real app
databases and running the plugins would measure the plugins, not the reports (their own
benchmark is plugins_scale.py). `forensic-triage verify` passes on the generated case.

Then each report format is made by `forensic-triage report CASE --format F` in its own
process, timed, with the peak resident memory of the whole process tree (sampled from /proc
every 50 ms, plus the kernel's own per-process peak). For HTML, headless Chromium opens the
report and the time until its page holds table rows is measured (a browser start on an empty
page is measured too, so the page's own share can be told apart).

    .venv/bin/python benchmarks/report_scale.py                    # full scale, all formats
    .venv/bin/python benchmarks/report_scale.py --scale 0.05       # a quick run
    .venv/bin/python benchmarks/report_scale.py --formats html,case --keep

Targets (issue 6): HTML < 60 s, PDF < 3 min, peak RSS < 1 GB. Results go to
benchmarks/work/report_scale-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import re
import shutil
import signal
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
T0 = 1_735_689_600_000          # 2025-01-01T00:00:00Z, in unix ms
FULL = {"messages": 100_000, "geo_points": 10_000, "reservations": 1_000, "identities": 5_000}
FORMATS = ("html", "pdf", "case", "xlsx", "csv")
TARGETS = {"html": 60.0, "pdf": 180.0}
RSS_TARGET_MIB = 1024

# One placeholder file per app store in the evidence folder: (path, plugin, plugin version).
STORES = {
    "sms": ("data/data/com.android.providers.telephony/databases/mmssms.db", "android.sms", "1.0.0"),
    "whatsapp": ("data/data/com.whatsapp/databases/msgstore.db", "android.whatsapp", "1.2.0"),
    "contacts": ("data/data/com.android.providers.contacts/databases/contacts2.db", "android.contacts", "1.0.0"),
    "calls": ("data/data/com.android.providers.contacts/databases/calllog.db", "android.calllog", "1.0.0"),
    "locations": ("data/data/com.google.android.gms/databases/location_history.db", "android.locations", "1.0.0"),
    "mail": ("sdcard/Mail/bookings.mbox", "travel.mail", "1.1.0"),
}
# Text a report must show as text, in scripts the PDF's fonts must cover.
AWKWARD = ("=HYPERLINK(\"http://example.invalid\",\"click\")", "<script>alert(1)</script>", "+1 555 0100 call me",
           "Привет, встретимся в аэропорту", "مرحبا، أراك في المطار", "空港で会いましょう", "@channel -- see you")
AIRPORTS = (("LHR", "London Heathrow", 51.4700, -0.4543), ("FRA", "Frankfurt", 50.0379, 8.5622),
            ("CDG", "Paris Charles de Gaulle", 49.0097, 2.5479), ("IST", "Istanbul", 41.2753, 28.7519),
            ("MAD", "Madrid Barajas", 40.4983, -3.5676), ("WAW", "Warsaw Chopin", 52.1657, 20.9671),
            ("OTP", "Bucharest Henri Coandă", 44.5711, 26.0850), ("DXB", "Dubai", 25.2532, 55.3657))


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the synthetic case ---------------------------------------------------------------------------

def counts_for(scale: float) -> dict[str, int]:
    counts = {name: max(1, round(value * scale)) for name, value in FULL.items()}
    counts["identities"] = max(5, counts["identities"])
    counts["messages"] = max(counts["messages"], counts["identities"])
    return counts


def _evidence_folder(folder: Path, seed: int) -> None:
    """Placeholder bytes for each store: the files are hashed like any evidence, never parsed."""
    rng = random.Random(seed)
    for name, (path, _plugin, _version) in STORES.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        head = b"SQLite format 3\x00" if path.endswith(".db") else b"From bookings@example.org\n"
        target.write_bytes(head + f"report_scale placeholder for {name}\n".encode() + rng.randbytes(4096))


def generate(case_dir: Path, scale: float = 1.0, seed: int = 20261123) -> dict[str, int]:
    """Create a case at ``case_dir`` (which must not exist yet); return its artifact counts."""
    from forensic_triage.evidence.add import add_evidence
    from forensic_triage.ingest.run import ingest
    from forensic_triage.progress import run_silently
    from forensic_triage.store.case_store import CaseStore

    sizes = counts_for(scale)
    folder = case_dir.parent / f"{case_dir.name}-evidence"
    _evidence_folder(folder, seed)
    store = CaseStore.create(case_dir, case_number="BENCH-2026-042", examiner="Benchmark Examiner",
                             agency="forensic-triage benchmark lab", title="Report scale benchmark",
                             region="GB", display_tz="Europe/London")
    try:
        run_silently(add_evidence(store, folder, exhibit_id="PHONE-BENCH", description="Generated phone extraction",
                                  received_from="Benchmark", received_at="2026-01-05T10:00:00Z"))
        run_silently(ingest(store, no_plugins=True, jobs=1))
        return _Artifacts(store, sizes, seed).write_all()
    finally:
        store.close()


class _Artifacts:
    """Writes artifact rows exactly as the plugin stage's sink and writer do."""

    def __init__(self, store, sizes: dict[str, int], seed: int) -> None:
        from forensic_triage.sdk.context import Source

        self.store, self.sizes, self.rng = store, sizes, random.Random(seed)
        self.evidence = store.evidence()[0]
        self.files: dict[str, tuple[int, Source, int | None]] = {}
        for name, (path, _plugin, _version) in STORES.items():
            row = store.conn.execute("SELECT * FROM files WHERE evidence_id = ? AND path = ?",
                                     (self.evidence["id"], path)).fetchone()
            source = Source(path=row["path"], name=row["name"], size=row["size"], sha256=row["sha256"],
                            deleted=bool(row["deleted"]), inode=row["inode"], evidence=self.evidence["exhibit_id"])
            self.files[name] = (row["id"], source, row["partition_offset"])
        self.rows: list[tuple] = []
        self.counts: dict[str, int] = {}
        self.per_store: dict[str, int] = {name: 0 for name in STORES}

    def add(self, store_name: str, artifact, locator) -> None:
        from forensic_triage.canonical import dumps
        from forensic_triage.ingest.plugin_stage import artifact_digest_of_json, provenance
        from forensic_triage.sdk.artifacts import locator_data, to_data
        from forensic_triage.store.case_store import digest_values

        file_id, source, offset = self.files[store_name]
        _path, plugin, version = STORES[store_name]
        data_json = dumps(to_data(artifact))
        provenance_json = dumps(provenance(source, offset, plugin, version, locator_data(locator)))
        values = (artifact.kind, file_id, self.evidence["id"], plugin, version, data_json, provenance_json,
                  artifact_digest_of_json(artifact.kind, data_json, provenance_json))
        self.rows.append(values + (digest_values("artifacts", values),))
        self.counts[artifact.kind] = self.counts.get(artifact.kind, 0) + 1
        self.per_store[store_name] += 1
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        from forensic_triage.ingest.plugin_stage import ARTIFACT_COLUMNS

        if not self.rows:
            return
        with self.store.transaction():
            self.store.insert_digested("artifacts", ARTIFACT_COLUMNS, self.rows)   # row_digest last
            self.store.append_custody("benchmark.artifacts", {"evidence_id": self.evidence["id"],
                                                              "artifacts": len(self.rows)},
                                      plugin_versions=self.versions())
        self.rows.clear()

    def versions(self) -> dict[str, str]:
        return {plugin: version for _path, plugin, version in STORES.values()}

    def write_all(self) -> dict[str, int]:
        self.owner_and_contacts()
        self.messages()
        self.calls()
        self.geo_points()
        self.reservations()
        self.flush()
        with self.store.transaction():
            self.store.insert("plugin_runs", [
                {"file_id": self.files[name][0], "plugin": STORES[name][1], "plugin_version": STORES[name][2],
                 "status": "ok", "artifacts": count, "warnings": 0} for name, count in self.per_store.items()])
            self.store.add_warning(code="bench.example", message="benchmark: one example warning",
                                   evidence_id=self.evidence["id"], file_id=self.files["mail"][0],
                                   path=STORES["mail"][0], plugin=STORES["mail"][1], context={})
            self.store.append_custody("benchmark.finish", {"evidence_id": self.evidence["id"],
                                                           "artifacts": self.counts}, plugin_versions=self.versions())
        return dict(self.counts)

    # --- people and their addresses -------------------------------------------------------------

    @property
    def people(self) -> int:
        return self.sizes["identities"] - 1

    def phone(self, person: int) -> str:
        return f"+44770{person:07d}"

    def address(self, person: int, app: str) -> str:
        if app == "WhatsApp":
            return f"44770{person:07d}@s.whatsapp.net"
        return self.phone(person)

    def when(self, index: int, step_ms: int):
        from forensic_triage.sdk import times

        return times.unix_ms(T0 + index * step_ms)

    def owner_and_contacts(self) -> None:
        from forensic_triage.sdk.artifacts import Account, Contact, Locator

        owner = Locator(table="wa_accounts", rowid=1)
        self.add("whatsapp", Account(app="WhatsApp", identifier="447700000000@s.whatsapp.net", display_name="Owner",
                                     phone="+447700000000", locator=owner), owner)
        for person in range(1, self.people + 1):
            if person % 5 in (1, 2, 3):           # 60% of the people have a contact card
                card = Contact(app="Contacts", display_name=f"Person {person:04d} Ünïcødé",
                               phones=(f"07700 {person:07d}",), phones_e164=(self.phone(person),),
                               emails=(f"person{person}@example.org",) if person % 2 else (),
                               handles=(f"@person{person}",) if person % 3 == 0 else (),
                               locator=Locator(table="raw_contacts", rowid=person))
                self.add("contacts", card, card.locator)

    def messages(self) -> None:
        from forensic_triage.sdk.artifacts import INCOMING, OUTGOING, Attachment, Locator, Message

        total, people, rng = self.sizes["messages"], self.people, self.rng
        weights = [1.0 / (rank + 1) ** 0.9 for rank in range(people)]
        # Every person writes at least once, so every identity is in the graph; then Zipf.
        chosen = list(range(1, people + 1)) + rng.choices(range(1, people + 1), weights, k=total - people)
        rng.shuffle(chosen)
        for index, person in enumerate(chosen):
            app = "WhatsApp" if person % 2 else "SMS"
            store = "whatsapp" if app == "WhatsApp" else "sms"
            incoming = rng.random() < 0.5
            body = (AWKWARD[index % len(AWKWARD)] if index < len(AWKWARD) or index % 97 == 0
                    else f"message {index}: " + "lorem ipsum dolor sit amet " * rng.randrange(1, 6))
            attachments = ()
            if index % 250 == 0:
                attachments = (Attachment(name=f"IMG-{index:06d}.jpg", mime_type="image/jpeg", size=120_000,
                                          sha256=f"{index:064x}", path=f"sdcard/WhatsApp/Media/IMG-{index:06d}.jpg"),)
            locator = Locator(table="message" if store == "whatsapp" else "sms", rowid=index + 1)
            self.add(store, Message(app=app, body=body, thread_id=str(person), thread_name=f"Person {person:04d}",
                                    sender=self.address(person, app) if incoming else None,
                                    recipients=() if incoming else (self.address(person, app),),
                                    direction=INCOMING if incoming else OUTGOING,
                                    service="SMS" if app == "SMS" else None,
                                    sent=self.when(index, 45_000), attachments=attachments,
                                    deleted=index % 500 == 7, locator=locator), locator)

    def calls(self) -> None:
        from forensic_triage.sdk.artifacts import INCOMING, OUTGOING, Call, Locator

        for index in range(max(1, self.sizes["messages"] // 20)):
            person = 1 + (index * 7919) % self.people
            locator = Locator(table="calls", rowid=index + 1)
            self.add("calls", Call(app="Phone", parties=(self.phone(person),),
                                   direction=(INCOMING, OUTGOING)[index % 2], start=self.when(index, 900_000),
                                   duration_s=float(self.rng.randrange(0, 900)), missed=index % 9 == 0,
                                   locator=locator), locator)

    def geo_points(self) -> None:
        from forensic_triage.sdk.artifacts import GeoPoint, Locator

        total = self.sizes["geo_points"]
        latitude, longitude = 51.5074, -0.1278
        for index in range(total):
            # A slow walk across Europe with jitter: a movement line worth drawing.
            latitude = min(70.0, max(35.0, latitude + self.rng.uniform(-0.05, 0.04)))
            longitude = min(40.0, max(-10.0, longitude + self.rng.uniform(-0.03, 0.06)))
            locator = Locator(table="locations", rowid=index + 1)
            self.add("locations", GeoPoint(latitude=round(latitude, 6), longitude=round(longitude, 6),
                                           origin="Google location history", accuracy_m=float(self.rng.randrange(5, 80)),
                                           time=self.when(index, 600_000), locator=locator), locator)

    def reservations(self) -> None:
        from forensic_triage.sdk import times
        from forensic_triage.sdk.artifacts import Locator, Place, Reservation

        for index in range(self.sizes["reservations"]):
            origin, destination = self.rng.sample(AIRPORTS, 2)
            travellers = tuple(f"Person {1 + (index * 31 + offset) % self.people:04d}" for offset in range(1 + index % 3))
            start = T0 + index * 26 * 3_600_000
            locator = Locator(line=1 + index * 40)
            self.add("mail", Reservation(
                type="flight", origin="json-ld", name=f"{origin[0]} to {destination[0]}",
                trip_number=f"BA {100 + index % 900}", reservation_number=f"PNR{index:05d}", status="confirmed",
                travellers=travellers, provider="British Airways",
                departure=Place(name=origin[1], code=origin[0], latitude=origin[2], longitude=origin[3]),
                arrival=Place(name=destination[1], code=destination[0], latitude=destination[2],
                              longitude=destination[3]),
                start=times.unix_ms(start), end=times.unix_ms(start + 3 * 3_600_000),
                booked=times.unix_ms(start - 14 * 86_400_000), seat=f"{1 + index % 30}{'ABCDEF'[index % 6]}",
                locator=locator), locator)


def verify(case_dir: Path) -> bool:
    from forensic_triage.progress import run_silently
    from forensic_triage.store.case_store import CaseStore
    from forensic_triage.verify import verify_case

    store = CaseStore.open(case_dir)
    try:
        return run_silently(verify_case(store)).ok
    finally:
        store.close()


# --- measuring ------------------------------------------------------------------------------------

def _tree_rss_kib(root: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/statm") as handle:
                pages = int(handle.read().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = pages * (os.sysconf("SC_PAGE_SIZE") // 1024)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, ()))
    return total


def run_measured(command: list[str], *, timeout: float) -> dict:
    """Run a command; its wall time, exit status and peak RSS of its process tree (the sum over
    the process and its descendants, sampled every 50 ms)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO,
                               start_new_session=True)
    peak, timed_out = 0, False
    while process.poll() is None:
        peak = max(peak, _tree_rss_kib(process.pid))
        if time.perf_counter() - started > timeout:
            os.killpg(process.pid, signal.SIGKILL)      # the report and any workers it started
            timed_out = True
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    out, err = process.communicate()
    return {"seconds": round(elapsed, 2), "rc": process.returncode, "timed_out": timed_out, "peak_tree_rss_mib": round(peak / 1024, 1),
            "stdout": out.decode(errors="replace")[-2000:], "stderr": err.decode(errors="replace")[-2000:]}


def report_command(case_dir: Path, fmt: str, out: Path) -> list[str]:
    cli = REPO / ".venv" / "bin" / "forensic-triage"
    return [str(cli), "-q", "report", str(case_dir), "--format", fmt, "--out", str(out)]


def chromium() -> str | None:
    return next((found for name in ("chromium", "chromium-browser", "google-chrome")
                 if (found := shutil.which(name))), None)


def first_rows(browser: str, page: Path, budget_ms: int = 30_000) -> dict:
    """Open ``page`` in headless Chromium, let its script run (virtual time), dump the DOM;
    the wall time of that and how many table rows the DOM holds. The same on an empty page
    gives the browser's own start-up cost."""
    def dump(url: str) -> tuple[float, str]:
        with tempfile.TemporaryDirectory() as profile:
            started = time.perf_counter()
            done = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                                   "--disable-background-networking", "--disable-component-update", "--no-first-run",
                                   f"--user-data-dir={profile}", "--allow-file-access-from-files",
                                   f"--virtual-time-budget={budget_ms}", "--dump-dom", url],
                                  capture_output=True, text=True, timeout=300, check=False)
            return time.perf_counter() - started, done.stdout

    blank_seconds, _ = dump("about:blank")
    seconds, dom = dump(page.resolve().as_uri())
    rows = len(re.findall(r"<tr[\s>]", dom))
    return {"page": str(page.name), "seconds": round(seconds, 2), "browser_start_s": round(blank_seconds, 2),
            "page_s": round(max(0.0, seconds - blank_seconds), 2), "table_rows": rows,
            "message_rows": _section_rows(dom, "messages"), "dom_bytes": len(dom)}


def _section_rows(dom: str, section: str) -> int:
    """Body rows drawn in one section of the page (from its id to the next section)."""
    start = dom.find(f'id="{section}"')
    if start < 0:
        return 0
    end = dom.find("<section", start + 1)
    return len(re.findall(r"<tr[\s>]", dom[start:end if end > 0 else len(dom)])) - 1    # minus the header row


def html_pages_with_rows(out: Path) -> list[Path]:
    """The HTML report's pages, the one most likely to hold the messages table first."""
    pages = sorted(out.rglob("*.html"))
    return sorted(pages, key=lambda page: (0 if "message" in page.name else 1 if page.name == "index.html" else 2,
                                           page.name))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full case (1.0 = 100,000 messages)")
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated report formats")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--case", type=Path, help="reuse a case made earlier with --keep instead of generating")
    parser.add_argument("--keep", action="store_true", help="keep the generated case and reports under benchmarks/work")
    parser.add_argument("--timeout", type=float, default=900, help="seconds before a format's run is stopped")
    parser.add_argument("--no-browser", action="store_true", help="skip the headless-Chromium measurement")
    args = parser.parse_args()
    formats = [value.strip() for value in args.formats.split(",") if value.strip()]
    WORK.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="report-scale-", dir=WORK))
    result: dict = {"scale": args.scale, "seed": args.seed, "python": platform.python_version(),
                    "cores": os.cpu_count(), "formats": {}}
    try:
        if args.case:
            case_dir = args.case
        else:
            case_dir = scratch / "case"
            log(f"generating the case at scale {args.scale} ({counts_for(args.scale)}) ...")
            started = time.perf_counter()
            result["artifacts"] = generate(case_dir, args.scale, args.seed)
            result["generate_s"] = round(time.perf_counter() - started, 1)
            log(f"  {sum(result['artifacts'].values()):,} artifacts in {result['generate_s']} s: {result['artifacts']}")
            started = time.perf_counter()
            result["verifies"] = verify(case_dir)
            log(f"  verify: {'ok' if result['verifies'] else 'FAILED'} in {time.perf_counter() - started:.1f} s")
        result["store_mib"] = round((case_dir / "case.sqlite").stat().st_size / 2**20, 1)
        for fmt in formats:
            out = scratch / f"report-{fmt}"
            log(f"report --format {fmt} ...")
            measured = run_measured(report_command(case_dir, fmt, out), timeout=args.timeout)
            files = [path for path in out.rglob("*") if path.is_file()] if out.exists() else []
            measured.update({"files": len(files), "bytes": sum(path.stat().st_size for path in files)})
            if measured["rc"] != 0:
                log(f"  failed (exit {measured['rc']}): {measured['stderr'].strip().splitlines()[-1:]} ")
            else:
                log(f"  {measured['seconds']} s, peak RSS {measured['peak_tree_rss_mib']} MiB, "
                    f"{len(files)} files, {measured['bytes'] / 2**20:.1f} MiB")
            if fmt == "html" and measured["rc"] == 0 and not args.no_browser:
                browser = chromium()
                pages = html_pages_with_rows(out)
                if browser and pages:
                    measured["browser"] = [first_rows(browser, page) for page in pages[:2]]
                    log(f"  browser: {measured['browser']}")
                else:
                    measured["browser"] = "skipped: " + ("no chromium on PATH" if not browser else "no HTML page")
            result["formats"][fmt] = measured
        _print_table(result)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        saved = WORK / f"report_scale-{stamp}.json"
        saved.write_text(json.dumps(result, indent=1))
        print(f"\nwritten to {saved.relative_to(REPO)}")
    finally:
        if args.keep:
            log(f"kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def _print_table(result: dict) -> None:
    print(f"\nReport formats at scale {result['scale']} ({result.get('artifacts', 'reused case')}), "
          f"store {result.get('store_mib')} MiB, {result['cores']} cores")
    print(f"{'format':<7} {'status':<8} {'seconds':>8} {'target':>7} {'peak RSS MiB':>12} {'files':>6} {'MiB out':>8}")
    for fmt, measured in result["formats"].items():
        target = TARGETS.get(fmt)
        status = "ok" if measured["rc"] == 0 else "TIMEOUT" if measured.get("timed_out") else f"exit {measured['rc']}"
        if measured["rc"] == 0 and (measured["peak_tree_rss_mib"] > RSS_TARGET_MIB
                                    or (target and measured["seconds"] > target)):
            status = "OVER"
        print(f"{fmt:<7} {status:<8} {measured['seconds']:>8} {(f'{target:.0f}' if target else '-'):>7} "
              f"{measured['peak_tree_rss_mib']:>12} {measured['files']:>6} {measured['bytes'] / 2**20:>8.1f}")
        for view in measured.get("browser", []) if isinstance(measured.get("browser"), list) else []:
            print(f"        headless Chromium, {view['page']}: {view['seconds']} s to a DOM with {view['table_rows']} "
                  f"table rows ({view['message_rows']} in Messages); browser start alone {view['browser_start_s']} s")
    if isinstance(result.get("verifies"), bool):
        print(f"case verifies: {result['verifies']}")
    if math.isclose(result["scale"], 1.0):
        print(f"targets: HTML < {TARGETS['html']:.0f} s, PDF < {TARGETS['pdf']:.0f} s, RSS < {RSS_TARGET_MIB} MiB")


if __name__ == "__main__":
    main()
