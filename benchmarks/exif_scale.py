#!/usr/bin/env python3
"""EXIF plugin at scale: N generated JPEGs through media.exif_gps, in one process.

    .venv/bin/python benchmarks/exif_scale.py                 # 20,000 small geotagged JPEGs
    .venv/bin/python benchmarks/exif_scale.py --count 2000 --scan-kb 512   # photo-sized files

The JPEGs are written by the project's own builder (forensic_triage.demo.apps.photos): 90% with
GPS at seeded random positions on land and sea, 10% without; with --scan-kb each carries that
much (structurally valid) compressed-scan data, so the plugin's integrity walk reads a
photo-sized file. Each file is run the way an ingest worker runs a plugin (Source + Context +
plugin_host.runner.execute), after one untimed warm-up file that loads the offline gazetteer
and time-zone tables. Printed: items per second, MB per second, artifacts and warnings, and the
process's peak RSS. With ExifTool on PATH the same files go through `exiftool -n -fast` (one
process, reading the same three values) in the same run, and the ratio is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "plugins"))

from forensic_triage.demo.apps import photos as P  # noqa: E402
from forensic_triage.plugin_host.runner import execute  # noqa: E402
from forensic_triage.sdk.context import Context, Source  # noqa: E402
from forensic_triage.sdk.extractor import HEAD_BYTES  # noqa: E402
from forensic_triage_plugins.exif_geo import ExifGps  # noqa: E402

WORK = ROOT / "benchmarks" / "work"


def _scan(size: int, rng: random.Random) -> bytes:
    data = rng.randbytes(size).replace(b"\xff", b"\xff\x00")
    return data[:size]


def generate(folder: Path, count: int, scan_kb: int, seed: int) -> int:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    total = 0
    for index in range(count):
        moment = start + timedelta(seconds=rng.randrange(0, 365 * 86400))
        if rng.random() < 0.9:
            latitude, longitude = rng.uniform(-60, 70), rng.uniform(-180, 180)
        else:
            latitude = longitude = None
        block = P.photo_exif(latitude, longitude, altitude=rng.uniform(-10, 3000) if latitude is not None else None,
                             gps_time=moment if latitude is not None else None,
                             date_time_original=moment.strftime("%Y:%m:%d %H:%M:%S"), offset_time_original="+00:00",
                             make="BenchCam", model=f"B-{index % 7}", width=4032, height=3024)
        data = P.jpeg(block, width=64, height=48)
        if scan_kb:
            body = _scan(scan_kb * 1024, rng)
            data = data[:-2] + body + b"\xff\xd9"      # more entropy-coded data before EOI
        path = folder / f"IMG_{index:06d}.JPG"
        path.write_bytes(data)
        total += len(data)
    (folder / "done.json").write_text(json.dumps({"count": count, "bytes": total, "seed": seed, "scan_kb": scan_kb}))
    return total


def run_plugin(files: list[Path]) -> dict:
    plugin = ExifGps()
    artifacts = warnings = errors = 0
    with tempfile.TemporaryDirectory(prefix="exif-bench-") as scratch:
        scratch_path = Path(scratch)

        def one(path: Path) -> None:
            nonlocal artifacts, warnings, errors
            size = path.stat().st_size
            with open(path, "rb") as handle:
                head = handle.read(HEAD_BYTES)

                def read_at(offset: int, length: int) -> bytes:
                    handle.seek(offset)
                    return handle.read(length)

                source = Source(path=f"DCIM/100BENCH/{path.name}", name=path.name, size=size, sha256=None,
                                evidence="BENCH", head=head)
                ctx = Context(source=source, read_at=read_at, scratch=scratch_path)
                result = execute(plugin, ctx, source)
            artifacts += len(result.artifacts)
            warnings += len(result.warnings)
            errors += result.status != "ok"

        warm = time.perf_counter()
        one(files[0])                      # loads the gazetteer and zone tables (once per worker)
        warm_up = time.perf_counter() - warm
        artifacts = warnings = errors = 0
        started = time.perf_counter()
        for path in files:
            one(path)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "warm_up_seconds": warm_up, "artifacts": artifacts, "warnings": warnings,
            "errors": errors}


def run_exiftool(folder: Path) -> float | None:
    exiftool = shutil.which("exiftool")
    if exiftool is None:
        return None
    started = time.perf_counter()
    subprocess.run([exiftool, "-n", "-fast", "-q", "-q", "-csv", "-GPSLatitude", "-GPSLongitude",
                    "-DateTimeOriginal", "-ext", "JPG", str(folder)], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--scan-kb", type=int, default=0, help="compressed-scan bytes per file, in KiB")
    parser.add_argument("--seed", type=int, default=20240611)
    parser.add_argument("--no-exiftool", action="store_true", help="skip the ExifTool comparison")
    parser.add_argument("--keep", action="store_true", help="keep the generated files for the next run")
    args = parser.parse_args()

    folder = WORK / f"exif-n{args.count}-s{args.scan_kb}-{args.seed}"
    marker = folder / "done.json"
    if marker.exists():
        total = json.loads(marker.read_text())["bytes"]
    else:
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        total = generate(folder, args.count, args.scan_kb, args.seed)
        print(f"generated {args.count} JPEGs ({total / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s")
    files = sorted(folder.glob("*.JPG"))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ours = run_plugin(files)
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rate = len(files) / ours["seconds"]
    print(f"media.exif_gps: {len(files)} files, {total / 1e6:.1f} MB in {ours['seconds']:.2f} s: "
          f"{rate:,.0f} items/s, {total / 1e6 / ours['seconds']:.1f} MB/s "
          f"(warm-up {ours['warm_up_seconds']:.2f} s, not counted)")
    print(f"  {ours['artifacts']} geo points, {ours['warnings']} warnings, {ours['errors']} runs not ok")
    print(f"  peak RSS {rss_peak:.0f} MiB (before the run {rss_before:.0f} MiB)")
    report = {"count": len(files), "bytes": total, "scan_kb": args.scan_kb, **ours, "items_per_s": rate,
              "peak_rss_mib": rss_peak, "cpu": os.cpu_count()}
    if not args.no_exiftool:
        peer = run_exiftool(folder)
        if peer is None:
            print("  exiftool not on PATH: no peer comparison (apt-get install libimage-exiftool-perl)")
        else:
            print(f"exiftool -n -fast (same files, same run): {peer:.2f} s: {len(files) / peer:,.0f} items/s; "
                  f"ours is {peer / ours['seconds']:.2f}x ExifTool's speed")
            report["exiftool_seconds"] = peer
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    (WORK / f"exif_scale-{stamp}.json").write_text(json.dumps(report, indent=2))
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
