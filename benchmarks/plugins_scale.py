#!/usr/bin/env python3
"""Benchmark: message plugins on large stores (artifacts per second, peak memory).

Generates, with the project's own builders, an Android WhatsApp ``msgstore.db`` (post-2021
schema) with 1,000,000 messages and an ``mmssms.db`` with 200,000 SMS, then runs the WhatsApp
plugin (``android.whatsapp.msgstore``) and, when it is installed, the SMS plugin
(``android.sms``) on them in a fresh child process each, the way ``run_on_file`` does (scratch
copy through ``Context.open_sqlite``, the host's type check ``validate`` and ``to_data`` on every
artifact), and prints a table: rows, artifacts, seconds, artifacts/second, peak RSS (VmHWM) and
the RSS sampled at every tenth of the run, which shows whether memory stays flat.

Modes:

- ``plugin``: the plugin's ``extract()`` alone (SQL, decoding, artifact and TimeValue objects);
- ``stream``: as ``plugin``, and every artifact also goes through the host's one-pass type
  check and conversion (``checked_data``), then is dropped -- the per-artifact cost of a run without the runner keeping the
  results; memory must stay flat (bounded by the SQLite cursor).
- ``host`` (``--host``): what an ingest worker does: ``plugin_host.runner.execute`` with a sink
  that, for every batch of artifacts, stamps provenance and computes the artifact digest and
  row digest (the rows a worker streams to the writer), then drops them. Memory must stay flat.

    .venv/bin/python benchmarks/plugins_scale.py                      # 1,000,000 WhatsApp + 200,000 SMS
    .venv/bin/python benchmarks/plugins_scale.py --whatsapp 100000 --sms 20000 --host
    .venv/bin/python benchmarks/plugins_scale.py --quick              # 20,000 + 5,000, for the script itself

Generated stores are cached in benchmarks/work/ (git-ignored) by size and generator version.
It is a report, not a test: targets (>= 50,000 messages/s, peak RSS < 500 MB and flat) are
printed next to the numbers, never asserted. Results also go to benchmarks/work/plugins_scale-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "benchmarks" / "work"
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "plugins"))

GEN_VERSION = 1
T0 = 1_700_000_000_000          # 2023-11-14T22:13:20Z in unix ms
TARGET_RATE = 50_000
TARGET_RSS_MB = 500


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def rss_kb(field: str = "VmRSS") -> int:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


# --- generators ------------------------------------------------------------------------------------

def whatsapp_messages(count: int, people: int = 2000, groups: int = 50):
    """Deterministic traffic: 1:1 chats with `people` contacts and `groups` group chats; every
    20th message carries an image, outgoing ones have delivery/read receipts."""
    from forensic_triage.demo.apps.whatsapp_android import IMAGE, TEXT, WaMedia, WaMessage

    for index in range(count):
        person = (index * 7919) % people
        jid = f"49176{person:08d}@s.whatsapp.net"
        in_group = index % 10 == 0
        chat = f"1203630{index % groups:011d}@g.us" if in_group else jid
        outgoing = index % 3 == 0
        stamp = T0 + index * 1_000
        media = None
        kind = TEXT
        if index % 20 == 0:
            kind = IMAGE
            media = WaMedia(file_path=f"Media/WhatsApp Images/IMG-20231114-WA{index:06d}.jpg", mime_type="image/jpeg",
                            size=100_000 + index % 5000, file_hash="47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
        yield WaMessage(chat=chat, timestamp_ms=stamp, text=f"message {index} to {person} - lorem ipsum dolor sit",
                        from_me=outgoing, sender=None if outgoing or not in_group else jid,
                        received_ms=0 if outgoing else stamp + 1500, message_type=kind, media=media,
                        delivered_ms=stamp + 2000 if outgoing else 0, read_ms=stamp + 60_000 if outgoing else 0)


def sms_messages(count: int, people: int = 2000):
    from forensic_triage.demo.apps.android import SMS_INBOX, SMS_SENT, Sms

    for index in range(count):
        person = (index * 7919) % people
        yield Sms(address=f"+49176{person:08d}", date_ms=T0 + index * 1_000, date_sent_ms=T0 + index * 1_000 - 500,
                  body=f"sms {index} to {person}", type=SMS_SENT if index % 3 == 0 else SMS_INBOX)


def ensure_store(kind: str, count: int) -> Path:
    WORK.mkdir(parents=True, exist_ok=True)
    if kind == "whatsapp":
        path = WORK / f"plugins_scale-v{GEN_VERSION}-wa{count}" / "com.whatsapp" / "databases" / "msgstore.db"
    else:
        path = WORK / f"plugins_scale-v{GEN_VERSION}-sms{count}" / "com.android.providers.telephony" / "databases" \
            / "mmssms.db"
    done = path.with_name(path.name + ".complete")
    if path.exists() and done.exists():
        log(f"reusing {path.relative_to(REPO)}")
        return path
    started = time.monotonic()
    if kind == "whatsapp":
        from forensic_triage.demo.apps.whatsapp_android import WaChat, build_msgstore

        chats = [WaChat(jid=f"1203630{g:011d}@g.us", subject=f"Group {g}") for g in range(50)]
        build_msgstore(path, whatsapp_messages(count), chats=chats, schema="new")
    else:
        from forensic_triage.demo.apps.android import build_mmssms

        build_mmssms(path, sms_messages(count), owner="+4915100000001")
    done.write_text("ok")
    log(f"generated {path.relative_to(REPO)} ({path.stat().st_size / 1e6:.0f} MB) in "
        f"{time.monotonic() - started:.1f} s")
    return path


# --- the measured run (child process) --------------------------------------------------------------

def child(plugin_spec: str, path: str, mode: str, expected: int) -> dict:
    import importlib

    from forensic_triage.plugin_host.runner import execute
    from forensic_triage.sdk.artifacts import checked_data
    from forensic_triage.sdk.context import Context
    from forensic_triage.sdk.extractor import PluginWarning

    module, _, name = plugin_spec.partition(":")
    cls = getattr(importlib.import_module(module), name)
    file = Path(path)
    source, read_at = _local_source_streaming(file)
    siblings = {}
    for candidate in sorted(file.parent.iterdir()):
        if candidate != file and candidate.name.startswith(file.name) and not candidate.name.endswith(".complete"):
            siblings[candidate.name] = _local_source_streaming(candidate)
    samples = []
    baseline = rss_kb()
    with tempfile.TemporaryDirectory(prefix="ft-bench-") as scratch:
        # As an ingest runs it by default: deleted-record recovery is opt-in (--recover-deleted).
        ctx = Context(source=source, read_at=read_at, scratch=Path(scratch), siblings=siblings, region="DE",
                      recover_deleted=False)
        started = time.monotonic()
        cpu_started = time.process_time()
        artifacts = warnings = 0
        step = max(1, expected // 10)
        if mode == "host":
            from forensic_triage.ingest.plugin_stage import ArtifactRows

            rows = ArtifactRows(source, 0, cls.name, cls.version, 1, 1)

            def sink(batch) -> None:      # exactly what ingest's worker sink does (plugin_stage._Sink)
                for item in batch:
                    rows.row(item.kind, item.data, item.locator)
                if len(samples) < 10 and batch:
                    samples.append(rss_kb() // 1024)

            result = execute(cls(), ctx, source, limit=3600, sink=sink)
            artifacts, warnings = result.count, len(result.warnings)
            status = result.status
        else:
            status = "ok"
            try:
                for item in cls().extract(ctx, source):
                    if isinstance(item, PluginWarning):
                        warnings += 1
                        continue
                    if mode == "stream":
                        checked_data(item)
                    artifacts += 1
                    if artifacts % step == 0:
                        samples.append(rss_kb() // 1024)
            finally:
                ctx.close()
        seconds = time.monotonic() - started
        cpu = time.process_time() - cpu_started
    return {"plugin": cls.name, "mode": mode, "status": status, "artifacts": artifacts, "warnings": warnings,
            "seconds": round(seconds, 2), "rate": round(artifacts / seconds) if seconds else None,
            "cpu_seconds": round(cpu, 2), "cpu_rate": round(artifacts / cpu) if cpu else None,
            "baseline_rss_mb": baseline // 1024, "peak_rss_mb": rss_kb("VmHWM") // 1024, "rss_samples_mb": samples}


def _local_source_streaming(path: Path):
    """Like the pytest fixture's source, but hashing the file in chunks (a 1 GB store is not read
    into memory just to be hashed)."""
    import hashlib

    from forensic_triage.sdk.context import Source
    from forensic_triage.sdk.extractor import HEAD_BYTES

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
        digest.update(head)
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)

    def read_at(offset: int, length: int) -> bytes:
        with open(path, "rb") as handle:
            handle.seek(offset)
            return handle.read(length)

    source = Source(path=str(path.relative_to(path.parents[2])) if len(path.parents) > 2 else path.name,
                    name=path.name, size=path.stat().st_size, sha256=digest.hexdigest(), evidence="BENCH", head=head)
    return source, read_at


def run_child(plugin_spec: str, path: Path, mode: str, expected: int) -> dict:
    output = subprocess.run([sys.executable, __file__, "--child", plugin_spec, str(path), mode, str(expected)],
                            capture_output=True, text=True, check=False)
    if output.returncode != 0:
        raise RuntimeError(f"child failed for {plugin_spec}: {output.stderr[-2000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def sms_plugin_spec() -> str | None:
    import importlib.util

    if importlib.util.find_spec("forensic_triage_plugins.android_telephony") is None:
        return None
    return "forensic_triage_plugins.android_telephony:AndroidSms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--whatsapp", type=int, default=1_000_000, help="messages in msgstore.db")
    parser.add_argument("--sms", type=int, default=200_000, help="SMS in mmssms.db")
    parser.add_argument("--quick", action="store_true", help="20,000 + 5,000 rows")
    parser.add_argument("--host", action="store_true", help="also run through plugin_host.runner.execute")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        spec, path, mode, expected = args.child
        print(json.dumps(child(spec, path, mode, int(expected))))
        return 0
    if args.quick:
        args.whatsapp, args.sms = 20_000, 5_000
    runs = [("forensic_triage_plugins.android_whatsapp:WhatsAppMessages", ensure_store("whatsapp", args.whatsapp),
             args.whatsapp)]
    spec = sms_plugin_spec()
    if spec and args.sms:
        runs.append((spec, ensure_store("sms", args.sms), args.sms))
    elif not spec:
        log("android.sms plugin not installed: SMS run skipped")
    results = []
    for plugin, path, rows in runs:
        for mode in ("plugin", "stream") + (("host",) if args.host else ()):
            log(f"running {plugin.rsplit(':', 1)[1]} ({mode}) on {rows:,} rows ...")
            result = run_child(plugin, path, mode, rows)
            result["rows"] = rows
            result["file_mb"] = round(path.stat().st_size / 1e6)
            results.append(result)
    print()
    header = (f"{'plugin':<28}{'mode':<8}{'rows':>10}{'artifacts':>11}{'wall s':>8}{'art/s':>8}{'CPU s':>8}"
              f"{'art/CPU s':>10}{'peak RSS MB':>13}  RSS over the run (MB)")
    print(header)
    print("-" * len(header))
    for r in results:
        samples = " ".join(str(value) for value in r["rss_samples_mb"])
        print(f"{r['plugin']:<28}{r['mode']:<8}{r['rows']:>10,}{r['artifacts']:>11,}{r['seconds']:>8}"
              f"{r['rate'] or 0:>8,}{r['cpu_seconds']:>8}{r['cpu_rate'] or 0:>10,}{r['peak_rss_mb']:>13}  {samples}")
    print(f"\ntargets: >= {TARGET_RATE:,} messages/s, peak RSS < {TARGET_RSS_MB} MB and flat (stream mode); "
          f"'art/CPU s' divides by the child's CPU time, steadier than wall time on a shared machine")
    report = {"when": datetime.now(UTC).isoformat(), "host": platform.node(), "python": platform.python_version(),
              "cpus": os.cpu_count(), "results": results}
    WORK.mkdir(parents=True, exist_ok=True)
    out = WORK / f"plugins_scale-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"report: {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
