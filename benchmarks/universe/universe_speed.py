"""Universe speed: a plain one-process loop over run_pipeline vs `stockpred run --csv FOLDER`.

Contenders, each a fresh process on the first N tickers of ../shared/data/us-daily at the
default config, run one after another in each round (alternated across rounds):

  (a) reference   the plain loop: for each file, load_prices + run_pipeline (full report)
  (b) workers 1   stockpred run --csv FOLDER --workers 1
  (c) workers 2   stockpred run --csv FOLDER --workers 2
  (d) global      stockpred run --csv FOLDER --model global --workers 2
  (e) ray         stockpred run --csv FOLDER --backend ray (a local Ray on this machine's CPUs)
  (m) one ticker  stockpred run MSFT (the bundled sample, full report)

Ray's start-up is timed on its own first (a process that starts Ray and stops it), so (e)'s
wall time can be read with and without it.

Speed is also stated in units (issue 22): one unit is the CPU time of a fixed LSTM workload
(``benchmarks/unit.py``), timed in this run before and after the contenders; each contender's
wall time in units and its CPU a ticker in units, the CPU of its whole process tree (the
command, the fork server and its workers: this process is their subreaper, so orphaned
descendants are reaped here and their CPU counted in ``RUSAGE_CHILDREN``).

Printed: wall time, tickers per minute, × reference, peak RSS (the sum over the process
tree, sampled every 0.2 s: an upper bound, since forked workers share pages; and the
largest single process), the load average before and after, and where a ticker's time
goes (median seconds loading, training, evaluating, reporting, writing, and their total over
all tickers: the CPU seconds the workers spent inside tickers). JSON lines too.

    python benchmarks/universe/universe_speed.py [--tickers 50] [--rounds 1] [--only a,b,c,d,m]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "us-daily"
STOCKPRED = [sys.executable, "-m", "stockpred"]
UNIT = Path(__file__).resolve().parents[1] / "unit.py"
PR_SET_CHILD_SUBREAPER = 36
PHASES = ("load", "train", "evaluate", "report", "write")  # a ticker's time, in order


def reference_loop(folder: Path, out: Path) -> None:
    """(a): what a user writes today: one process, one ticker after another, full reports."""
    from stockpred.config import ForecastConfig
    from stockpred.data.loading import load_prices
    from stockpred.data.options import LoadOptions
    from stockpred.evaluation.forecaster import Forecaster
    from stockpred.exceptions import StockpredError
    from stockpred.runs import run_pipeline

    phases: list[dict[str, float]] = []
    failed = 0
    for file in sorted(folder.iterdir()):
        seconds: dict[str, float] = {}
        started = time.perf_counter()
        try:
            history = load_prices(csv=file)
            seconds["load"] = time.perf_counter() - started
            run_pipeline(
                Forecaster(ForecastConfig(), progress=False),
                history,
                out / history.ticker,
                days=10,
                loading=LoadOptions(csv=str(file)),
                timings=seconds,
            )
            phases.append(seconds)
        except StockpredError:
            failed += 1
    medians = {n: statistics.median(p.get(n, 0.0) for p in phases) for n in PHASES if phases}
    totals = {n: sum(p.get(n, 0.0) for p in phases) for n in PHASES}
    print(json.dumps({"done": len(phases), "failed": failed, "phases": medians, "totals": totals}))


def _tree_rss(root: int) -> tuple[int, int]:
    """(sum, largest) resident set size in bytes of ``root`` and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    stack, total, largest = [root], 0, 0
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        largest = max(largest, rss.get(pid, 0))
        stack.extend(children.get(pid, []))
    return total, largest


def unit() -> float:
    """One unit in seconds: ``benchmarks/unit.py`` in a fresh process."""
    out = subprocess.run([sys.executable, str(UNIT)], check=True, capture_output=True, text=True)
    return float(out.stdout.split()[-1])


def become_subreaper() -> None:
    """Adopt this process's orphaned descendants (the fork server outlives the command that
    started it, its workers may outlive it), so that reaping them adds their CPU to
    ``RUSAGE_CHILDREN``; without this their CPU would go to init, uncounted."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1)


def reap_orphans(grace: float = 30.0) -> None:
    """Wait for every adopted descendant still alive (their CPU is counted once reaped);
    after ``grace`` seconds, kill what is left of them."""
    deadline = time.monotonic() + grace
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0 and time.monotonic() > deadline:
            for child in _children(os.getpid()):
                os.kill(child, signal.SIGKILL)
            deadline = float("inf")
        if pid == 0:
            time.sleep(0.05)


def _children(pid: int) -> list[int]:
    """The live child processes of ``pid``."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


def _children_cpu() -> float:
    """CPU seconds (user + system) of every reaped descendant so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(cmd: list[str]) -> dict[str, Any]:
    """Wall time, CPU of the whole process tree, peak tree RSS and output of one contender."""
    load_before = os.getloadavg()[0]
    cpu_before = _children_cpu()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0, 0]

    def sample() -> None:
        while proc.poll() is None:
            total, largest = _tree_rss(proc.pid)
            peak[0], peak[1] = max(peak[0], total), max(peak[1], largest)
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    sampler.join()
    reap_orphans()
    return {
        "wall_s": wall,
        "cpu_tree_s": _children_cpu() - cpu_before,
        "rc": proc.returncode,
        "peak_rss_sum_mb": peak[0] / 2**20,
        "peak_rss_largest_mb": peak[1] / 2**20,
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
        "stdout": out,
        "stderr": err[-2000:],
    }


def contenders(folder: Path, work: Path) -> dict[str, list[str]]:
    """The command line of each contender, each writing under its own folder."""
    run = [*STOCKPRED, "run", "--csv", str(folder), "--quiet"]
    return {
        "a": [sys.executable, __file__, "--reference", str(folder), str(work / "a")],
        "b": [*run, "--out", str(work / "b"), "--workers", "1"],
        "c": [*run, "--out", str(work / "c"), "--workers", "2"],
        "d": [*run, "--out", str(work / "d"), "--workers", "2", "--model", "global"],
        "e": [*run, "--out", str(work / "e"), "--backend", "ray"],
        "m": [*STOCKPRED, "run", "MSFT", "--out", str(work / "m")],
    }


LABELS = {
    "a": "reference loop",
    "b": "--workers 1",
    "c": "--workers 2",
    "d": "--model global",
    "e": "--backend ray",
    "m": "run MSFT",
}


def ray_startup() -> float:
    """Seconds for a fresh process to start a local Ray and stop it (imports included)."""
    code = "from stockpred.cluster.session import ray_session\nwith ray_session(None):\n    pass"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return time.perf_counter() - started


def summarise(key: str, result: dict[str, Any], work: Path) -> dict[str, Any]:
    """Tickers done, tickers/min and the time breakdown from the contender's own output."""
    if key == "a":
        doc = json.loads(result["stdout"].strip().splitlines()[-1])
        done, phases, totals = doc["done"], doc["phases"], doc["totals"]
    elif key == "m":
        done, phases, totals = 1, {}, {}
    else:
        universe = json.loads((work / key / "universe.json").read_text())
        done = universe["tickers"]["done"]
        seconds = universe["seconds"]
        phases = {k.removeprefix("median_"): v for k, v in seconds.items() if "median_" in k}
        totals = {k.removeprefix("total_"): v for k, v in seconds.items() if "total_" in k}
        phases.update({f"global {k}": v for k, v in seconds.get("global", {}).items()})
    return {
        "contender": LABELS[key],
        "done": done,
        "tickers_per_min": done / result["wall_s"] * 60.0,
        "phases": phases,
        "seconds_in_phases": sum(totals.values()),
        "cpu_a_ticker_s": result["cpu_tree_s"] / max(done, 1),
        **{k: v for k, v in result.items() if k not in ("stdout", "stderr")},
    }


def main() -> None:
    """Run the contenders, print the table and JSON lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickers", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--only", default="a,b,c,d,e,m")
    parser.add_argument("--reference", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.reference:
        reference_loop(*args.reference)
        return
    files = sorted(DATA.iterdir())[: args.tickers]
    print(
        f"{len(files)} tickers from {DATA} ({files[0].name} .. {files[-1].name}); "
        f"{os.cpu_count()} cores; load {os.getloadavg()}"
    )
    become_subreaper()
    unit_before = unit()
    print(f"unit before: {unit_before:.4f} s; load {os.getloadavg()}", flush=True)
    rows: dict[str, list[dict[str, Any]]] = {}
    keys = args.only.split(",")
    if "e" in keys:
        print(
            f"Ray start-up (new process, start and stop): {ray_startup():.1f} s; load {os.getloadavg()}"
        )
    for round_no in range(args.rounds):
        order = keys if round_no % 2 == 0 else keys[::-1]
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "prices"
            folder.mkdir()
            for file in files:
                (folder / file.name).symlink_to(file)
            for key in order:
                cmd = contenders(folder, Path(tmp))[key]
                result = measure(cmd)
                if result["rc"] not in (0, 3):
                    print(f"{LABELS[key]} failed (rc {result['rc']}): {result['stderr']}")
                    continue
                row = summarise(key, result, Path(tmp))
                row["round"] = round_no
                print(json.dumps(row), flush=True)
                rows.setdefault(key, []).append(row)
    unit_after = unit()
    print(f"unit after: {unit_after:.4f} s; load {os.getloadavg()}")
    in_units(rows, statistics.mean([unit_before, unit_after]))
    _table(rows)


def in_units(rows: dict[str, list[dict[str, Any]]], unit_s: float) -> None:
    """Each contender's wall and CPU a ticker in units (added to its rows); JSON lines."""
    for key, runs in rows.items():
        for row in runs:
            row["unit_s"] = unit_s
            row["wall_units"] = row["wall_s"] / unit_s
            row["cpu_a_ticker_units"] = row["cpu_a_ticker_s"] / unit_s
            wanted = ("round", "wall_s", "wall_units", "cpu_tree_s", "cpu_a_ticker_units")
            print(
                json.dumps(
                    {"contender": LABELS[key], "unit_s": unit_s, **{k: row[k] for k in wanted}}
                )
            )


def _table(rows: dict[str, list[dict[str, Any]]]) -> None:
    ref = statistics.median(
        r["tickers_per_min"] for r in rows.get("a", [{"tickers_per_min": float("nan")}])
    )
    print(
        "\n| contender | tickers done | wall s | wall units | CPU a ticker, units | tickers/min | × reference | peak RSS sum / largest MB | load before→after | s a ticker: load / train / evaluate / report / write | s in those phases, all tickers |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for key in LABELS:
        if key not in rows:
            continue
        runs = rows[key]

        def med(name: str, runs: list[dict[str, Any]] = runs) -> float:
            return statistics.median(r[name] for r in runs)

        phases = runs[0]["phases"]
        names = [n for n in PHASES if n in phases]
        split = " / ".join(f"{phases[n]:.2f}" for n in names) or ", ".join(
            f"{k} {v:.1f} s" for k, v in phases.items() if k.startswith("global")
        )
        print(
            f"| {LABELS[key]} | {runs[0]['done']} | {med('wall_s'):.1f} | {med('wall_units'):.1f} "
            f"| {med('cpu_a_ticker_units'):.2f} | {med('tickers_per_min'):.1f} "
            f"| {med('tickers_per_min') / ref:.2f} | {med('peak_rss_sum_mb'):.0f} / {med('peak_rss_largest_mb'):.0f} "
            f"| {runs[0]['load_before']:.1f}→{runs[0]['load_after']:.1f} | {split} "
            f"| {runs[0]['seconds_in_phases'] or float('nan'):.0f} |"
        )


if __name__ == "__main__":
    main()
