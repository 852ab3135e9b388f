#!/usr/bin/env python3
"""The long fuzz campaign: mutated disk images through `case create` / `add` / `ingest` / `verify`,
and mutated artifact files (app stores, photos, mails, passes, vCards, calendars, chat exports)
through every plugin, in logical-folder exhibits of a few hundred files each.

Inputs: evidence the project generates (tests/fuzz/fuzz_seeds.py: FAT16 and ext2 images holding app
stores, and one file per plugin family) plus, when present, ../shared/corpus read in place (never
copied into the project). Mutations: tests/fuzz/fuzz_mutators.py (bit flips, truncation, zeroed and
duplicated blocks, inflated and swapped length fields, SQLite/FAT/ext/EXIF/zip header damage, FAT and
ext directory loops, line-level damage of text). How results are classified: tests/fuzz/fuzz_driver.py
and docs/fuzzing.md.

    .venv/bin/python benchmarks/fuzz_campaign.py                              # 1,000 images + 5,000 files
    .venv/bin/python benchmarks/fuzz_campaign.py --images 50 --files 500 --seed 7
    .venv/bin/python benchmarks/fuzz_campaign.py --time-budget 600 --no-corpus

At most two processes work at a time (the campaign's child running the commands, and one ingest
worker; --jobs raises the workers). Findings go to benchmarks/work/fuzz-<seed>-<time>.json with the
seed and mutation of each input, which regenerates it exactly (see docs/fuzzing.md).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "plugins"))
sys.path.insert(0, str(REPO / "tests" / "fuzz"))
WORK = REPO / "benchmarks" / "work"


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--images", type=int, default=1000, help="mutated disk images (default 1000)")
    parser.add_argument("--files", type=int, default=5000, help="mutated artifact files (default 5000)")
    parser.add_argument("--seed", type=int, default=1, help="campaign seed: same seed, same inputs (default 1)")
    parser.add_argument("--time-budget", type=float, default=None,
                        help="stop starting new inputs after this many seconds (split between images and files "
                             "in proportion to their counts)")
    parser.add_argument("--batch", type=int, default=250, help="artifact files per logical exhibit (default 250)")
    parser.add_argument("--jobs", type=int, default=1, help="ingest worker processes (default 1)")
    parser.add_argument("--no-corpus", action="store_true", help="only the project's generated evidence")
    parser.add_argument("--plugin-time-limit", type=float, default=20.0,
                        help="per-file time limit of plugins that keep the default (120 s), so a hang costs less")
    parser.add_argument("--walk-deadline", type=float, default=20.0,
                        help="FORENSIC_TRIAGE_CHUNK_DEADLINE for the hash walk's workers (default 20 s)")
    parser.add_argument("--image-deadline", type=float, default=90.0,
                        help="seconds one image's create/add/ingest/verify may take before the tool counts as hung "
                             "(default 90; a clean one takes about a second)")
    parser.add_argument("--batch-deadline", type=float, default=900.0,
                        help="the same for one batch of artifact files (default 900)")
    return parser.parse_args()


def main() -> int:
    args = parse()
    # Read by the hash stage at import time: set before anything of the project is imported.
    os.environ["FORENSIC_TRIAGE_CHUNK_DEADLINE"] = str(args.walk_deadline)
    os.environ.pop("FORENSIC_TRIAGE_DEBUG", None)

    import fuzz_driver
    import fuzz_seeds

    from forensic_triage.sdk.extractor import Extractor

    Extractor.time_limit = args.plugin_time_limit
    started = time.monotonic()
    image_seeds = list(fuzz_seeds.generated_image_seeds())
    file_seeds = list(fuzz_seeds.generated_artifact_seeds())
    if not args.no_corpus:
        image_seeds += fuzz_seeds.corpus_image_seeds()
        file_seeds += fuzz_seeds.corpus_artifact_seeds()
    log(f"seeds: {len(image_seeds)} images, {len(file_seeds)} artifact files "
        f"({'with' if fuzz_seeds.CORPUS.is_dir() and not args.no_corpus else 'without'} the corpus)")

    total = fuzz_driver.Tally()
    with tempfile.TemporaryDirectory(prefix="ft-fuzz-") as folder:
        work = Path(folder)
        baseline = fuzz_driver.warm_up(image_seeds, file_seeds, work)
        log(f"baseline (unmutated seeds): {baseline.unhandled} unhandled, {baseline.verify_failed} verify failures, "
            f"{baseline.artifacts} artifacts; warm-up took {time.monotonic() - started:.0f} s")
        budget = args.time_budget
        share = args.images / max(1, args.images + args.files)
        image_deadline = started + budget * share if budget else None
        for number, result in enumerate(fuzz_driver.campaign_images(image_seeds, args.images, args.seed, work,
                                                                    jobs=args.jobs, deadline=args.image_deadline),
                                         start=1):
            total.add(result)
            if number % 50 == 0 or number == args.images:
                log(f"images {number}/{args.images}: unhandled {total.unhandled}, refused {total.refused}, "
                    f"crashes survived {total.crashes_survived}, hangs stopped {total.hangs_stopped}")
            if image_deadline and time.monotonic() > image_deadline:
                log("time budget for images spent")
                break
        file_deadline = started + budget if budget else None
        done = 0
        for result in fuzz_driver.campaign_files(file_seeds, args.files, args.seed, work, batch=args.batch,
                                                 jobs=args.jobs, deadline=args.batch_deadline):
            total.add(result)
            done += result.files
            log(f"files {done}/{args.files}: unhandled {total.unhandled}, crashes survived {total.crashes_survived}, "
                f"hangs stopped {total.hangs_stopped}")
            if file_deadline and time.monotonic() > file_deadline:
                log("time budget spent")
                break

    elapsed = time.monotonic() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_kb = max(total.peak_rss_kb, own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    unique: dict[tuple[str, str], int] = {}
    for finding in total.findings:
        text = fuzz_driver.PLUGIN_PREFIX.sub("", finding.detail.split(": ", 1)[-1])
        key = (finding.kind, re.sub(r"\b(?:position|byte|offset) \S+", "", text)[:160])
        unique[key] = unique.get(key, 0) + 1

    print(f"fuzz campaign (seed {args.seed}, {elapsed:.0f} s)")
    print(f"  inputs tried:            {total.images + total.files} "
          f"({total.images} mutated images, {total.files} mutated artifact files)")
    print(f"  unhandled exceptions:    {total.unhandled}")
    print(f"  verify failures:         {total.verify_failed}")
    print(f"  worker crashes survived: {total.crashes_survived}")
    print(f"  hangs stopped:           {total.hangs_stopped}")
    print(f"  peak RSS:                {peak_kb / 1024:.0f} MB (largest single process)")
    print(f"  evidence read errors:    {total.read_errors} (a plugin's read of a damaged image failed: expected)")
    print(f"  refused with exit 2:     {total.refused} (expected: one-line input errors)")
    print(f"  plugin warnings:         {total.plugin_warnings}; artifacts stored: {total.artifacts}")
    for (kind, detail), count in sorted(unique.items(), key=lambda item: -item[1]):
        print(f"  finding x{count} [{kind}] {detail}")

    WORK.mkdir(parents=True, exist_ok=True)
    report = WORK / f"fuzz-{args.seed}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    summary = {key: value for key, value in asdict(total).items() if key != "findings"}
    report.write_text(json.dumps({"args": vars(args), "seconds": round(elapsed, 1), **summary, "peak_rss_kb": peak_kb,
                                  "findings": [asdict(finding) for finding in total.findings]}, indent=1))
    print(f"  details: {report.relative_to(REPO)}")
    return 1 if total.unhandled or total.verify_failed else 0


if __name__ == "__main__":
    sys.exit(main())
