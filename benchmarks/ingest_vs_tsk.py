#!/usr/bin/env python3
"""Benchmark: our ingest against The Sleuth Kit's `tsk_loaddb -h` (Autopsy's ingest core).

Both tools run on the same large, generated ext4 image in the same run; the report gives
the wall-time ratio ours / tsk_loaddb and the peak memory of our ingest (parent process plus
its worker processes), checks that both listed the same regular files with the same MD5s,
and writes everything to benchmarks/work/ingest_vs_tsk-<timestamp>.json.

    .venv/bin/python benchmarks/ingest_vs_tsk.py             # two scales (25k files/0.4 GiB, 100k/1.6 GiB)
    .venv/bin/python benchmarks/ingest_vs_tsk.py --quick     # ~2,000 files / 50 MiB smoke run
    .venv/bin/python benchmarks/ingest_vs_tsk.py --files 50000 --gb 0.8 --jobs 2
    .venv/bin/python benchmarks/ingest_vs_tsk.py --sizes 10000:0.2,50000:0.8,100000:1.6

Needs `tsk_loaddb` and `mkfs.ext4` (Debian: apt-get install sleuthkit e2fsprogs); the
Sleuth Kit's command-line tools are a benchmark oracle only, never a dependency of the
project. Nothing here needs root: the image is built with `mkfs.ext4 -d`, and no cache is
dropped; instead each tool runs once untimed (warming the page cache) before the timed run.

It is a report, not a test: no time is asserted, and it exits 0 whenever it ran.
Exit 2: a required tool is missing or the arguments are unusable; 1: a tool failed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "benchmarks" / "work"          # git-ignored
GEN_VERSION = 1                              # bump when the generator's output changes
GIB = 1 << 30
MIB = 1 << 20
BLOCK = 4096
POOL_BYTES = 64 * MIB                        # the seeded byte pool every file's content is cut from
DEFAULT_SIZES = "25000:0.4,100000:1.6"
QUICK_SIZES = "2000:0.05"
DEFAULT_SEED = 20240611
TARGET_RATIO = 0.5


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the generated tree ---------------------------------------------------------------------------

DIR_WORDS = ["home", "Documents", "Pictures", "Camera", "Downloads", "Music", "Videos", "projects", "src",
             "lib", "cache", "mail", "backup", "archive", "invoices", "reports", "notes", "logs", "config",
             "data", "Desktop", "WhatsApp Media", "Screenshots", "tmp", "share", "assets", "build", "Takeout",
             "2019", "2020", "2021", "2022", "2023", "photos", "scans", "exports", "db", "old", "misc"]
FILE_WORDS = ["IMG", "DSC", "report", "invoice", "notes", "readme", "config", "index", "data", "log",
              "message", "contact", "chat", "draft", "scan", "export", "thumb", "cache", "part", "record"]
EXTENSIONS = {  # by size class
    "empty": [".lock", ".txt", ".keep"],
    "small": [".txt", ".json", ".xml", ".ini", ".log", ".html", ".js", ".css", ".csv", ".md", ".jpg",
              ".png", ".pdf", ".docx", ".sqlite", ".plist", ".eml", ".gif"],
    "mb": [".jpg", ".pdf", ".mp3", ".zip", ".png", ".sqlite", ".docx", ".heic"],
    "large": [".mp4", ".mov", ".zip", ".tar", ".bin", ".pst"],
}


@dataclass(frozen=True, slots=True)
class PlannedFile:
    index: int
    path: str        # relative, "/"-separated, no leading slash (like our files.path)
    size: int
    mtime: int


@dataclass(slots=True)
class Plan:
    dirs: list[str]
    files: list[PlannedFile]

    @property
    def total_bytes(self) -> int:
        return sum(item.size for item in self.files)


def plan_sizes(rng: random.Random, n_files: int, total: int) -> tuple[list[int], list[str]]:
    """A skewed size mix: 0.5% empty, most files a few KiB (log-normal, capped at 1 MiB), ~0.3%
    MiB-size files, and about one in 10,000 a file of tens of MiB. Returns sizes and classes,
    shuffled, summing to `total` exactly."""
    n_empty = n_files // 200
    n_large = max(1, n_files // 10_000)
    n_mb = max(2, n_files * 3 // 1000)
    n_small = n_files - n_empty - n_large - n_mb
    if n_small < 1:
        raise ValueError(f"{n_files} files are too few for the size mix")
    budget_large, budget_mb = int(total * 0.22), int(total * 0.38)
    budget_small = total - budget_large - budget_mb

    def spread(weights: list[float], budget: int, cap: int | None = None) -> list[int]:
        for _ in range(8):   # clip at the cap and hand the excess back to the rest
            scale = budget / sum(weights)
            if cap is None or max(weights) * scale <= cap:
                break
            weights = [min(w, cap / scale) for w in weights]
        scale = budget / sum(weights)
        return [max(1, int(w * scale)) for w in weights]

    sizes = [0] * n_empty
    classes = ["empty"] * n_empty
    sizes += spread([rng.uniform(0.5, 1.5) for _ in range(n_large)], budget_large)
    classes += ["large"] * n_large
    sizes += spread([rng.lognormvariate(0.0, 0.6) for _ in range(n_mb)], budget_mb)
    classes += ["mb"] * n_mb
    sizes += spread([rng.lognormvariate(0.0, 1.6) for _ in range(n_small)], budget_small, cap=MIB)
    classes += ["small"] * n_small
    sizes[n_empty] += total - sum(sizes)   # rounding: the first large file takes the difference
    order = list(range(n_files))
    rng.shuffle(order)
    return [sizes[i] for i in order], [classes[i] for i in order]


def plan_tree(n_files: int, total: int, seed: int) -> Plan:
    """Deterministic in (n_files, total, seed): a nested directory tree of about 1.25*sqrt(n)
    directories (a few hundred at 100,000 files), files spread unevenly over them."""
    rng = random.Random(f"tree:{seed}:{n_files}:{total}")
    n_dirs = max(10, min(1000, int(1.25 * math.sqrt(n_files))))
    dirs = [""]
    depth = [0]
    children: dict[int, int] = {}
    while len(dirs) < n_dirs + 1:
        weights = [1.0 / (1 + d) ** 1.5 if d < 9 else 0.0 for d in depth]
        parent = rng.choices(range(len(dirs)), weights=weights)[0]
        word = rng.choice(DIR_WORDS)
        count = children.get(parent, 0)
        children[parent] = count + 1
        name = word if rng.random() < 0.5 else f"{word}_{count:03d}"
        path = _join(dirs[parent], name)
        if path in dirs:
            path = _join(dirs[parent], f"{name}.{len(dirs)}")
        dirs.append(path)
        depth.append(depth[parent] + 1)
    # Uneven: a few folders hold thousands of files (caches, camera rolls), most hold dozens.
    folder_weights = [min(60.0, rng.paretovariate(1.1)) for _ in dirs]
    placement = rng.choices(range(len(dirs)), weights=folder_weights, k=n_files)
    sizes, classes = plan_sizes(rng, n_files, total)
    now = 1_700_000_000
    files = []
    for index in range(n_files):
        klass = classes[index]
        name = f"{rng.choice(FILE_WORDS)}_{index:06d}{rng.choice(EXTENSIONS[klass])}"
        mtime = now - rng.randrange(0, 5 * 365 * 86400)
        files.append(PlannedFile(index, _join(dirs[placement[index]], name), sizes[index], mtime))
    return Plan(dirs=dirs[1:], files=files)


def _join(parent: str, name: str) -> str:
    return f"{parent}/{name}" if parent else name


def make_pool(seed: int) -> bytes:
    return random.Random(f"content:{seed}").randbytes(POOL_BYTES)


def content_chunks(pool: bytes, item: PlannedFile, seed: int):
    """A file's bytes: a 32-byte header naming the file, then the seeded pool read from a
    per-file offset (wrapping), so every file differs and hashing it is real work."""
    header = f"{seed:010d}:{item.index:010d}:{item.size:09d}\n".encode()[:32].ljust(32, b"\n")
    remaining = item.size
    first = header[:remaining]
    yield first
    remaining -= len(first)
    view = memoryview(pool)
    position = (item.index * 2_654_435_761) % (POOL_BYTES - BLOCK)
    while remaining > 0:
        take = min(remaining, POOL_BYTES - position, 8 * MIB)
        yield view[position:position + take]
        remaining -= take
        position = (position + take) % POOL_BYTES


def expected_md5(pool: bytes, item: PlannedFile, seed: int) -> str:
    digest = hashlib.md5()
    for chunk in content_chunks(pool, item, seed):
        digest.update(chunk)
    return digest.hexdigest()


# --- building and caching the image ---------------------------------------------------------------

@dataclass(slots=True)
class Scale:
    files: int
    gib: float

    @property
    def total_bytes(self) -> int:
        return round(self.gib * GIB)

    def key(self, seed: int) -> str:
        return f"ext4-n{self.files}-b{self.total_bytes}-s{seed}-g{GEN_VERSION}"


def image_size_bytes(plan: Plan) -> tuple[int, int]:
    """(image bytes, inode count) with room for metadata, the journal and some slack."""
    data_blocks = sum(-(-item.size // BLOCK) for item in plan.files)
    name_bytes = sum(len(item.path.rsplit("/", 1)[-1]) + 12 for item in plan.files)
    dir_blocks = len(plan.dirs) + 2 * (name_bytes // BLOCK + 1)
    inodes = int((len(plan.files) + len(plan.dirs)) * 1.05) + 1024
    raw = (data_blocks + dir_blocks) * BLOCK
    size = int(raw * 1.06) + inodes * 256 + 160 * MIB
    return -(-size // MIB) * MIB, inodes


def ensure_image(scale: Scale, seed: int, rebuild: bool) -> tuple[Path, dict, Plan]:
    WORK.mkdir(parents=True, exist_ok=True)
    key = scale.key(seed)
    image = WORK / f"{key}.img"
    manifest_path = WORK / f"{key}.json"
    plan = plan_tree(scale.files, scale.total_bytes, seed)
    if not rebuild and image.exists() and manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("image_bytes") == image.stat().st_size:
            log(f"using cached image {image.relative_to(REPO)}")
            return image, manifest, plan
    size, inodes = image_size_bytes(plan)
    free = shutil.disk_usage(WORK).free
    if free < plan.total_bytes * 1.1 + size:
        raise SystemExit(_fail(2, f"not enough free disk space in {WORK} to build the image "
                                  f"({(plan.total_bytes * 1.1 + size) / GIB:.1f} GiB needed, {free / GIB:.1f} free)"))
    tree = Path(tempfile.mkdtemp(prefix=f".tree-{key}-", dir=WORK))
    partial = WORK / f"{key}.img.partial"
    try:
        started = time.perf_counter()
        write_tree(tree, plan, seed)
        wrote = time.perf_counter() - started
        log(f"tree written in {wrote:.0f} s; mkfs.ext4 -d into {size / GIB:.2f} GiB image "
            f"({inodes} inodes)")
        started = time.perf_counter()
        attempt_size = size
        for attempt in range(3):
            partial.unlink(missing_ok=True)
            uuid = f"{seed % (1 << 32):08x}-0000-4000-8000-{scale.files:012x}"
            command = ["mkfs.ext4", "-q", "-F", "-b", str(BLOCK), "-m", "0", "-N", str(inodes), "-L", "bench",
                       "-U", uuid, "-E", f"hash_seed={uuid}", "-d", str(tree), str(partial),
                       f"{attempt_size // 1024}k"]
            env = dict(os.environ, E2FSPROGS_FAKE_TIME="1700000000")
            done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
            if done.returncode == 0:
                break
            log(f"mkfs.ext4 failed (attempt {attempt + 1}): {(done.stderr or done.stdout).strip()[-400:]}")
            attempt_size = int(attempt_size * 1.3) // MIB * MIB
        else:
            raise SystemExit(_fail(1, "mkfs.ext4 could not build the image; see the messages above"))
        built = time.perf_counter() - started
        os.replace(partial, image)
    finally:
        shutil.rmtree(tree, ignore_errors=True)
        partial.unlink(missing_ok=True)
    manifest = {
        "key": key, "generator_version": GEN_VERSION, "seed": seed, "files": len(plan.files),
        "directories": len(plan.dirs), "content_bytes": plan.total_bytes, "image_bytes": image.stat().st_size,
        "inodes": inodes, "size_histogram": size_histogram(plan), "largest_files": sorted(
            (item.size for item in plan.files), reverse=True)[:10],
        "max_depth": max(item.path.count("/") for item in plan.files),
        "build_seconds": {"write_tree": round(wrote, 1), "mkfs": round(built, 1)},
    }
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    log(f"image built in {built:.0f} s: {image.relative_to(REPO)} ({image.stat().st_size / GIB:.2f} GiB)")
    return image, manifest, plan


def write_tree(tree: Path, plan: Plan, seed: int) -> None:
    log(f"writing {len(plan.files):,} files ({plan.total_bytes / GIB:.2f} GiB) in {len(plan.dirs)} "
        f"folders under {tree.relative_to(REPO)}")
    pool = make_pool(seed)
    for directory in plan.dirs:
        (tree / directory).mkdir(parents=True, exist_ok=True)
    next_report = time.monotonic() + 15
    written = 0
    for item in plan.files:
        target = tree / item.path
        with open(target, "wb") as handle:
            handle.writelines(content_chunks(pool, item, seed))
        os.utime(target, (item.mtime, item.mtime))
        written += item.size
        if time.monotonic() >= next_report:
            next_report += 15
            log(f"  {item.index + 1:,} files, {written / GIB:.2f} GiB written")
    for directory in plan.dirs:
        os.utime(tree / directory, (1_690_000_000, 1_690_000_000))


def size_histogram(plan: Plan) -> dict[str, int]:
    edges = [(0, "0"), (4 * 1024, "<4K"), (64 * 1024, "4K-64K"), (MIB, "64K-1M"), (10 * MIB, "1M-10M")]
    counts = {label: 0 for _, label in edges} | {">=10M": 0}
    for item in plan.files:
        for edge, label in edges:
            if (item.size == 0 and label == "0") or (0 < item.size < edge and label != "0"):
                counts[label] += 1
                break
        else:
            counts[">=10M"] += 1
    return counts


# --- running a command: wall time and the process tree's memory ------------------------------------

def _children_map() -> dict[int, list[int]]:
    """ppid -> pids, from /proc/*/stat (the kernel here lacks /proc/<pid>/task/*/children)."""
    tree: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split(None, 2)[1])
        tree.setdefault(ppid, []).append(int(name))
    return tree


def _has_children_files() -> bool:
    return bool(list(Path(f"/proc/{os.getpid()}/task").glob("*/children")))


def descendants(root: int, use_children_files: bool) -> list[int]:
    found = [root]
    if use_children_files:
        index = 0
        while index < len(found):
            for task in Path(f"/proc/{found[index]}/task").glob("*/children"):
                try:
                    found.extend(int(pid) for pid in task.read_text().split())
                except OSError:
                    pass
            index += 1
        return found
    tree = _children_map()
    index = 0
    while index < len(found):
        found.extend(tree.get(found[index], ()))
        index += 1
    return found


def _status_kib(pid: int) -> tuple[int, int] | None:
    """(VmRSS, VmHWM) in KiB, or None if the process is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            text = handle.read()
    except OSError:
        return None
    rss = hwm = None
    for line in text.splitlines():
        if line.startswith(b"VmRSS:"):
            rss = int(line.split()[1])
        elif line.startswith(b"VmHWM:"):
            hwm = int(line.split()[1])
    return None if rss is None else (rss, hwm or rss)


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_cpu_seconds(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return None
    fields = stat[stat.rindex(b")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS   # utime + stime


def _role(pid: int, root: int) -> str:
    if pid == root:
        return "parent"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            command = handle.read()
    except OSError:
        return "child"
    if b"resource_tracker" in command:
        return "resource-tracker"
    return "worker" if b"spawn_main" in command else "child"


@dataclass
class ProcessPeak:
    role: str
    hwm_kib: int = 0          # VmHWM: the process's own high-water mark
    cpu_seconds: float = 0.0  # utime + stime, as last seen


@dataclass
class TreeMemory:
    interval: float = 0.05
    samples: int = 0
    peak_sum_kib: int = 0
    peak_pss_sum_kib: int = 0
    peak_processes: int = 0
    processes: dict[int, ProcessPeak] = field(default_factory=dict)

    @property
    def peak_single_kib(self) -> int:
        return max((item.hwm_kib for item in self.processes.values()), default=0)

    def cpu_by_role(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for item in self.processes.values():
            out[item.role] = round(out.get(item.role, 0.0) + item.cpu_seconds, 2)
        return out


class TreeMonitor(threading.Thread):
    """Polls the process tree under one pid every `interval` seconds: the peak of the summed
    VmRSS (and PSS, which splits shared pages fairly), and each process's VmHWM and CPU time."""

    def __init__(self, root: int, interval: float = 0.05) -> None:
        super().__init__(name="rss-monitor", daemon=True)
        self.root = root
        self.result = TreeMemory(interval=interval)
        self._halt = threading.Event()
        self._children_files = _has_children_files()

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(self.result.interval)

    def sample(self) -> None:
        result = self.result
        total = pss = alive = 0
        for pid in descendants(self.root, self._children_files):
            status = _status_kib(pid)
            if status is None:
                continue
            rss, hwm = status
            alive += 1
            total += rss
            pss += _pss_kib(pid)
            peak = result.processes.get(pid)
            if peak is None:
                peak = result.processes[pid] = ProcessPeak(role=_role(pid, self.root))
            peak.hwm_kib = max(peak.hwm_kib, hwm)
            cpu = _stat_cpu_seconds(pid)
            if cpu is not None:
                peak.cpu_seconds = cpu
        result.samples += 1
        result.peak_sum_kib = max(result.peak_sum_kib, total)
        result.peak_pss_sum_kib = max(result.peak_pss_sum_kib, pss)
        result.peak_processes = max(result.peak_processes, alive)

    def stop(self) -> TreeMemory:
        self._halt.set()
        self.join()
        return self.result


def _system_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat") as handle:
        values = [int(value) for value in handle.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (values + [0] * 8)[:8]
    busy = user + nice + system + irq + softirq + steal
    return busy / CLOCK_TICKS, (busy + idle + iowait) / CLOCK_TICKS


@dataclass
class Timed:
    seconds: float
    returncode: int
    output: str
    memory: TreeMemory | None = None
    cpu_seconds: float = 0.0           # the command's CPU time (utime + stime, reaped descendants included)
    other_load: float = 0.0            # share of the machine's CPU busy with anything else meanwhile


def run_timed(command: list[str], log_path: Path, *, monitor: bool = False, cwd: Path | None = None,
              check: bool = True) -> Timed:
    # The wait4() rusage gives the tree's CPU time. Its ru_maxrss is not used: with vfork the
    # child inherits this (launching) process's high-water mark, so it overstates the peak.
    busy_before, total_before = _system_cpu()
    self_before = sum(os.times()[:2])
    with open(log_path, "wb") as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, cwd=cwd)
        watcher = TreeMonitor(process.pid) if monitor else None
        if watcher:
            watcher.start()
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    memory = watcher.stop() if watcher else None
    busy_after, total_after = _system_cpu()
    cpu = usage.ru_utime + usage.ru_stime
    own = sum(os.times()[:2]) - self_before
    capacity = max(total_after - total_before, 1e-6)
    other = max(0.0, (busy_after - busy_before) - cpu - own) / capacity
    text = log_path.read_text(errors="replace")
    if check and process.returncode != 0:
        raise SystemExit(_fail(1, f"command failed with exit code {process.returncode}: {' '.join(command)}\n"
                                  f"{text[-3000:]}"))
    return Timed(seconds=seconds, returncode=process.returncode, output=text, memory=memory, cpu_seconds=cpu,
                 other_load=other)


def machine_load(seconds: float = 1.0) -> float:
    """Share of the machine's CPU busy over the next `seconds` (other people's work)."""
    busy_before, total_before = _system_cpu()
    time.sleep(seconds)
    busy_after, total_after = _system_cpu()
    return (busy_after - busy_before) / max(total_after - total_before, 1e-6)


def _fail(code: int, message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


# --- the two tools --------------------------------------------------------------------------------

def our_command() -> list[str]:
    script = Path(sys.executable).parent / "forensic-triage"
    if script.exists():
        return [str(script)]
    found = shutil.which("forensic-triage")
    if found:
        return [found]
    return [sys.executable, "-m", "forensic_triage"]


def run_tsk(image: Path, db: Path, log_path: Path) -> Timed:
    db.unlink(missing_ok=True)
    return run_timed(["tsk_loaddb", "-h", "-d", str(db), str(image)], log_path, monitor=True)


def run_ours(image: Path, case: Path, logs: Path, jobs: int | None) -> dict[str, Timed]:
    ours = our_command()
    if case.exists():
        shutil.rmtree(case)
    timed = {"create": run_timed(ours + ["case", "create", str(case), "--case-number", "BENCH",
                                         "--examiner", "bench"], logs / "create.log")}
    timed["add"] = run_timed(ours + ["-q", "add", str(case), str(image)], logs / "add.log", monitor=True)
    ingest = ours + ["-q", "ingest", str(case), "--no-plugins"] + (["--jobs", str(jobs)] if jobs else [])
    timed["ingest"] = run_timed(ingest, logs / "ingest.log", monitor=True)
    return timed


# --- checks ---------------------------------------------------------------------------------------

def check_results(tsk_db: Path, case: Path, plan: Plan, seed: int, sample_size: int) -> dict:
    tsk = sqlite3.connect(f"file:{tsk_db}?mode=ro", uri=True)
    # type 0 = a file system file (not slack, unallocated-block or layout files); meta_type 1 = regular.
    tsk_rows = tsk.execute("SELECT parent_path, name, md5, size FROM tsk_files "
                           "WHERE type = 0 AND meta_type = 1").fetchall()
    tsk_md5 = {(parent or "/").lstrip("/") + name: md5 for parent, name, md5, _size in tsk_rows}
    tsk_all_regular = tsk.execute("SELECT COUNT(*) FROM tsk_files WHERE meta_type = 1").fetchone()[0]
    tsk.close()
    store = sqlite3.connect(f"file:{case / 'case.sqlite'}?mode=ro", uri=True)
    our_rows = store.execute("SELECT path, md5, size FROM files WHERE type = 'regular'").fetchall()
    our_other = dict(store.execute("SELECT type, COUNT(*) FROM files WHERE type != 'regular' GROUP BY type"))
    our_errors = store.execute("SELECT COUNT(*) FROM files WHERE read_error IS NOT NULL").fetchone()[0]
    store.close()
    our_md5 = {path: md5 for path, md5, _size in our_rows}
    only_tsk = sorted(set(tsk_md5) - set(our_md5))
    only_ours = sorted(set(our_md5) - set(tsk_md5))

    rng = random.Random(f"sample:{seed}")
    by_path = {item.path: item for item in plan.files}
    common = sorted(set(tsk_md5) & set(our_md5))
    sample = rng.sample(common, min(sample_size, len(common))) if sample_size else common
    # Always include the largest files: the ones most likely to go wrong (multi-chunk reads).
    largest = [item.path for item in sorted(plan.files, key=lambda item: -item.size)[:5] if item.path in tsk_md5]
    sample = list(dict.fromkeys(largest + sample))
    pool = make_pool(seed)
    disagreements = []
    for path in sample:
        truth = expected_md5(pool, by_path[path], seed) if path in by_path else None
        ours, theirs = our_md5[path], tsk_md5[path]
        if not (ours == theirs and (truth is None or truth == ours)):
            disagreements.append({"path": path, "ours": ours, "tsk_loaddb": theirs, "generated": truth})
    return {
        "generated_regular_files": len(plan.files),
        "tsk_regular_files": len(tsk_md5), "tsk_meta_type_1_rows_all_kinds": tsk_all_regular,
        "our_regular_files": len(our_md5), "our_other_rows": our_other, "our_read_errors": our_errors,
        "tsk_md5_missing": sum(1 for md5 in tsk_md5.values() if not md5),
        "our_md5_missing": sum(1 for md5 in our_md5.values() if not md5),
        "only_in_tsk": len(only_tsk), "only_in_ours": len(only_ours),
        "only_in_tsk_examples": only_tsk[:5], "only_in_ours_examples": only_ours[:5],
        "md5_sample": len(sample), "md5_disagreements": disagreements,
    }


def describe_checks(checks: dict) -> list[str]:
    if "error" in checks:
        return [f"  CHECKS NOT RUN: {checks['error']}"]
    lines = []
    counts = (checks["generated_regular_files"], checks["tsk_regular_files"], checks["our_regular_files"])
    verdict = "agree" if len(set(counts)) == 1 else "DISAGREE"
    lines.append(f"  regular files: generated {counts[0]:,}, tsk_loaddb {counts[1]:,}, ours {counts[2]:,} "
                 f"-> {verdict}")
    if checks["only_in_tsk"] or checks["only_in_ours"]:
        lines.append(f"  paths only in tsk_loaddb: {checks['only_in_tsk']} {checks['only_in_tsk_examples']}")
        lines.append(f"  paths only in ours: {checks['only_in_ours']} {checks['only_in_ours_examples']}")
    if checks["tsk_md5_missing"] or checks["our_md5_missing"] or checks["our_read_errors"]:
        lines.append(f"  files without an MD5: tsk_loaddb {checks['tsk_md5_missing']}, ours "
                     f"{checks['our_md5_missing']}; our read errors: {checks['our_read_errors']}")
    bad = checks["md5_disagreements"]
    lines.append(f"  MD5 of {checks['md5_sample']} sampled files (ours = tsk_loaddb = generated): "
                 + ("all agree" if not bad else f"{len(bad)} DISAGREE"))
    for item in bad[:20]:
        lines.append(f"    {item['path']}: ours {item['ours']} tsk_loaddb {item['tsk_loaddb']} "
                     f"generated {item['generated']}")
    return lines


# --- one scale ------------------------------------------------------------------------------------

def wait_until_quiet(limit: float) -> float:
    """The machine's CPU load (other work) now; with a limit, wait up to `limit` seconds for it
    to drop below 10% first (a shared machine makes every number here noisy)."""
    load = machine_load(1.0)
    deadline = time.monotonic() + limit
    if load >= 0.10 and limit > 0:
        log(f"machine busy ({load:.0%} CPU used by other work): waiting up to {limit:.0f} s for it to settle")
        while load >= 0.10 and time.monotonic() < deadline:
            load = machine_load(2.0)
    if load >= 0.10:
        log(f"warning: {load:.0%} of the CPU is busy with other work; timings will be noisy")
    return load


def _median(values: list[float]) -> float:
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def run_scale(scale: Scale, args: argparse.Namespace) -> dict:
    log(f"=== scale: {scale.files:,} files, {scale.gib} GiB of content ===")
    image, manifest, plan = ensure_image(scale, args.seed, args.rebuild)
    run_dir = Path(tempfile.mkdtemp(prefix=f"run-{scale.key(args.seed)}-", dir=WORK))
    try:
        if not args.no_warmup:
            log("warm-up (untimed): tsk_loaddb -h, then our add + ingest")
            warm = run_dir / "warm"
            warm.mkdir()
            run_tsk(image, warm / "tsk.db", warm / "tsk.log")
            run_ours(image, warm / "case", warm, args.jobs)
            shutil.rmtree(warm)
        runs = []
        for repeat in range(args.repeat):
            logs = run_dir / f"run{repeat}"
            logs.mkdir()
            order = ["tsk", "ours"] if repeat % 2 == 0 else ["ours", "tsk"]
            result: dict = {"load_before": {}}
            for tool in order:
                result["load_before"][tool] = wait_until_quiet(args.wait_idle)
                if tool == "tsk":
                    log(f"timed run {repeat + 1}/{args.repeat}: tsk_loaddb -h")
                    result["tsk"] = run_tsk(image, logs / "tsk.db", logs / "tsk.log")
                    log(f"  tsk_loaddb -h: {result['tsk'].seconds:.2f} s "
                        f"(CPU {result['tsk'].cpu_seconds:.1f} s; other load {result['tsk'].other_load:.0%})")
                else:
                    log(f"timed run {repeat + 1}/{args.repeat}: forensic-triage add + ingest --no-plugins")
                    result["ours"] = run_ours(image, logs / "case", logs, args.jobs)
                    ingest = result["ours"]["ingest"]
                    log(f"  add: {result['ours']['add'].seconds:.2f} s, ingest: {ingest.seconds:.2f} s "
                        f"(CPU {ingest.cpu_seconds:.1f} s {ingest.memory.cpu_by_role()}; "
                        f"other load {ingest.other_load:.0%})")
            runs.append((logs, result))
        last_logs, _ = runs[-1]
        log(f"checking listings and MD5s ({args.md5_sample or 'all'} sampled)")
        try:
            checks = check_results(last_logs / "tsk.db", last_logs / "case", plan, args.seed, args.md5_sample)
        except (sqlite3.Error, KeyError) as exc:   # e.g. a schema change: keep the timings anyway
            log(f"warning: the listing/MD5 checks could not run: {exc!r}")
            checks = {"error": repr(exc)}
        tsk_db_bytes = (last_logs / "tsk.db").stat().st_size
        case_bytes = sum(p.stat().st_size for p in (last_logs / "case").rglob("*") if p.is_file())
    finally:
        if args.keep:
            log(f"kept {run_dir.relative_to(REPO)}")
        else:
            shutil.rmtree(run_dir, ignore_errors=True)

    tsk_runs = [result["tsk"] for _, result in runs]
    ingest_runs = [result["ours"]["ingest"] for _, result in runs]
    add_runs = [result["ours"]["add"] for _, result in runs]
    tsk_seconds = [timed.seconds for timed in tsk_runs]
    ingest_seconds = [timed.seconds for timed in ingest_runs]
    tsk_median, ours_median = _median(tsk_seconds), _median(ingest_seconds)
    last = ingest_runs[-1].memory
    content = manifest["content_bytes"]
    return {
        "files": manifest["files"], "directories": manifest["directories"], "content_bytes": content,
        "content_gib": content / GIB, "image_bytes": manifest["image_bytes"], "image": str(image),
        "size_histogram": manifest["size_histogram"], "largest_files": manifest["largest_files"],
        "tsk_loaddb_seconds": tsk_median, "tsk_loaddb_runs": tsk_seconds,
        "tsk_loaddb_cpu_seconds": [round(t.cpu_seconds, 2) for t in tsk_runs],
        "tsk_loaddb_peak_rss_mib": max(t.memory.peak_sum_kib for t in tsk_runs) / 1024,
        "ours_ingest_seconds": ours_median, "ours_ingest_runs": ingest_seconds,
        "ours_ingest_cpu_seconds": [round(t.cpu_seconds, 2) for t in ingest_runs],
        "ours_ingest_cpu_by_role": [t.memory.cpu_by_role() for t in ingest_runs],
        "ratio_ours_over_tsk": ours_median / tsk_median, "target_ratio": TARGET_RATIO,
        "ours_add_seconds": _median([t.seconds for t in add_runs]), "ours_add_runs": [t.seconds for t in add_runs],
        "ours_add_peak_rss_sum_mib": max(t.memory.peak_sum_kib for t in add_runs) / 1024,
        "ours_ingest_peak_rss_sum_mib": max(t.memory.peak_sum_kib for t in ingest_runs) / 1024,
        "ours_ingest_peak_pss_sum_mib": max(t.memory.peak_pss_sum_kib for t in ingest_runs) / 1024,
        "ours_ingest_peak_rss_single_mib": max(t.memory.peak_single_kib for t in ingest_runs) / 1024,
        "ours_ingest_processes": [{"role": item.role, "peak_rss_mib": round(item.hwm_kib / 1024, 1),
                                   "cpu_seconds": round(item.cpu_seconds, 2)}
                                  for item in sorted(last.processes.values(), key=lambda item: -item.hwm_kib)],
        "rss_samples": last.samples,
        "other_load_during_runs": {"tsk_loaddb": [round(t.other_load, 3) for t in tsk_runs],
                                   "ours_ingest": [round(t.other_load, 3) for t in ingest_runs]},
        "load_before_runs": [result["load_before"] for _, result in runs],
        "ingest_mib_per_second": content / MIB / ours_median, "tsk_mib_per_second": content / MIB / tsk_median,
        "tsk_db_bytes": tsk_db_bytes, "case_dir_bytes": case_bytes, "checks": checks,
        "ingest_output": ingest_runs[-1].output.strip().splitlines()[-3:],
    }


# --- report ---------------------------------------------------------------------------------------

def machine_facts(jobs: int | None) -> dict:
    facts = {"cores": os.cpu_count(), "usable_cores": len(os.sched_getaffinity(0)), "jobs": jobs or "default (all cores)",
             "python": platform.python_version(), "python_executable": sys.executable,
             "platform": platform.platform(), "cpu": _cpu_model(), "memory_gib": _mem_gib()}
    try:
        import pytsk3

        facts["pytsk3"] = pytsk3.get_version()
    except Exception as exc:  # noqa: BLE001 - a fact we could not get is reported, not fatal
        facts["pytsk3"] = f"unknown ({exc})"
    try:
        import forensic_triage

        facts["forensic_triage"] = forensic_triage.__version__
    except Exception:  # noqa: BLE001
        facts["forensic_triage"] = "unknown"
    facts["forensic_triage_source_blake2b"] = source_fingerprint()
    for name, command in (("tsk_loaddb", ["tsk_loaddb", "-V"]), ("mkfs.ext4", ["mkfs.ext4", "-V"])):
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
            facts[name] = (done.stdout + done.stderr).strip().splitlines()[0]
        except (OSError, subprocess.SubprocessError, IndexError):
            facts[name] = "unknown"
    return facts


def source_fingerprint() -> str:
    """A digest of the project's Python sources, so a result can be tied to the code measured
    (the tree may hold uncommitted work)."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted((REPO / "forensic_triage").rglob("*.py")):
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / (1 << 20), 1)
    except OSError:
        pass
    return None


def render(results: list[dict], facts: dict) -> str:
    machine = (f"Machine: {facts['cores']} cores ({facts['usable_cores']} usable), {facts['cpu']}, "
               f"{facts['memory_gib']} GiB RAM; Python {facts['python']}; pytsk3 {facts['pytsk3']}; "
               f"{facts['tsk_loaddb']}; forensic-triage {facts['forensic_triage']}; jobs: {facts['jobs']}")
    lines = [machine, ""]
    header = (f"{'files':>9} {'GiB':>5} {'tsk_loaddb -h s':>15} {'our ingest s':>12} {'ours/tsk':>8} "
              f"{'target':>7} {'our add s':>9} {'RSS sum MB':>10} {'RSS max1 MB':>11} {'PSS sum MB':>10}")
    lines += [header, "-" * len(header)]
    for item in results:
        met = "met" if item["ratio_ours_over_tsk"] <= TARGET_RATIO else "MISSED"
        lines.append(f"{item['files']:>9,} {item['content_gib']:>5.2f} {item['tsk_loaddb_seconds']:>15.2f} "
                     f"{item['ours_ingest_seconds']:>12.2f} {item['ratio_ours_over_tsk']:>8.2f} "
                     f"{met:>7} {item['ours_add_seconds']:>9.2f} {item['ours_ingest_peak_rss_sum_mib']:>10.0f} "
                     f"{item['ours_ingest_peak_rss_single_mib']:>11.0f} {item['ours_ingest_peak_pss_sum_mib']:>10.0f}")
    lines.append("")
    lines.append(f"ours/tsk: our `ingest --no-plugins` (list + MD5/SHA-1/SHA-256/BLAKE3 of every file) over "
                 f"`tsk_loaddb -h` (list + MD5); target <= {TARGET_RATIO}.")
    lines.append("our add: `forensic-triage add` (MD5/SHA-1/SHA-256/BLAKE3 of the whole image, volume probe).")
    lines.append("RSS sum: peak of the summed VmRSS over the ingest's process tree (parent + workers; shared "
                 "pages counted once per process); RSS max1: largest single process (VmHWM); PSS sum: peak of "
                 "the summed PSS (shared pages split).")
    for item in results:
        lines.append("")
        lines.append(f"{item['files']:,} files / {item['content_gib']:.2f} GiB "
                     f"(image {item['image_bytes'] / GIB:.2f} GiB, {item['directories']} folders; sizes "
                     f"{item['size_histogram']}):")
        lines.append(f"  tsk_loaddb -h: {item['tsk_mib_per_second']:.0f} MiB/s, CPU "
                     f"{_median(item['tsk_loaddb_cpu_seconds']):.1f} s, peak RSS "
                     f"{item['tsk_loaddb_peak_rss_mib']:.0f} MB, database {item['tsk_db_bytes'] / MIB:.0f} MB")
        processes = ", ".join(f"{p['role']} {p['peak_rss_mib']:.0f} MB/{p['cpu_seconds']:.1f} s"
                              for p in item["ours_ingest_processes"])
        lines.append(f"  our ingest: {item['ingest_mib_per_second']:.0f} MiB/s, CPU "
                     f"{_median(item['ours_ingest_cpu_seconds']):.1f} s; per process (peak RSS/CPU): {processes}; "
                     f"case folder {item['case_dir_bytes'] / MIB:.0f} MB")
        loads = item["other_load_during_runs"]
        worst = max(loads["tsk_loaddb"] + loads["ours_ingest"])
        if worst >= 0.10:
            lines.append(f"  NOTE: other work used up to {worst:.0%} of the CPU during the timed runs "
                         f"(tsk_loaddb {loads['tsk_loaddb']}, ours {loads['ours_ingest']}): noisy numbers")
        if len(item["tsk_loaddb_runs"]) > 1:
            lines.append(f"  runs: tsk_loaddb {[round(s, 2) for s in item['tsk_loaddb_runs']]}, ours "
                         f"{[round(s, 2) for s in item['ours_ingest_runs']]} (medians above)")
        lines += describe_checks(item["checks"])
    return "\n".join(lines)


def parse_scales(text: str) -> list[Scale]:
    scales = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            files, gib = part.split(":")
            scale = Scale(int(files.replace("_", "")), float(gib))
        except ValueError:
            raise SystemExit(_fail(2, f"--sizes wants FILES:GIB[,FILES:GIB...], e.g. {DEFAULT_SIZES}; not {part!r}"))
        if scale.files < 100 or scale.gib <= 0:
            raise SystemExit(_fail(2, f"scale {part!r}: need at least 100 files and some content"))
        scales.append(scale)
    return scales


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, help="Files in the image (one scale; with --gb).")
    parser.add_argument("--gb", type=float, help="GiB of file content (one scale; with --files).")
    parser.add_argument("--sizes", help=f"Several scales, FILES:GIB,... (default {DEFAULT_SIZES}).")
    parser.add_argument("--quick", action="store_true", help=f"Tiny smoke run ({QUICK_SIZES}).")
    parser.add_argument("--jobs", type=int, help="Our ingest's --jobs (default: ours picks one per core).")
    parser.add_argument("--repeat", type=int, default=1, help="Timed runs per tool, alternating order (median).")
    parser.add_argument("--no-warmup", action="store_true", help="Skip the untimed page-cache warm-up runs.")
    parser.add_argument("--md5-sample", type=int, default=200, help="Files whose MD5 is compared (0 = all).")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Generator seed.")
    parser.add_argument("--rebuild", action="store_true", help="Rebuild cached images.")
    parser.add_argument("--keep", action="store_true", help="Keep the tsk database and case folder.")
    parser.add_argument("--wait-idle", type=float, default=0.0, metavar="SECONDS",
                        help="Before each timed run, wait up to SECONDS for other CPU load to drop below 10%%.")
    args = parser.parse_args(argv)

    missing = [tool for tool in ("tsk_loaddb", "mkfs.ext4") if shutil.which(tool) is None]
    if missing:
        print(f"error: {' and '.join(missing)} not found on PATH. This benchmark needs The Sleuth Kit's "
              f"command-line tools and e2fsprogs (benchmark tools only, not project dependencies):\n"
              f"    apt-get install sleuthkit e2fsprogs", file=sys.stderr)
        return 2
    if args.jobs is not None and not 1 <= args.jobs <= 256:
        return _fail(2, "--jobs must be between 1 and 256")
    if args.repeat < 1:
        return _fail(2, "--repeat must be at least 1")
    if args.quick:
        scales = parse_scales(QUICK_SIZES)
    elif args.sizes:
        scales = parse_scales(args.sizes)
    elif args.files or args.gb:
        scales = [Scale(args.files or 100_000, args.gb or 1.6)]
        parse_scales(f"{scales[0].files}:{scales[0].gib}")
    else:
        scales = parse_scales(DEFAULT_SIZES)

    facts = machine_facts(args.jobs)
    started = datetime.now(UTC)
    results = [run_scale(scale, args) for scale in scales]
    report = render(results, facts)
    if source_fingerprint() != facts["forensic_triage_source_blake2b"]:
        facts["sources_changed_during_run"] = True
        report += ("\n\nNOTE: forensic_triage's sources changed while the benchmark ran; the numbers may mix "
                   "two versions of the code.")
    print()
    print(report)
    WORK.mkdir(parents=True, exist_ok=True)
    out = WORK / f"ingest_vs_tsk-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps({"started_utc": started.isoformat(), "argv": sys.argv[1:], "machine": facts,
                               "seed": args.seed, "generator_version": GEN_VERSION, "results": results},
                              indent=2, default=str) + "\n")
    print(f"\nResults written to {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
