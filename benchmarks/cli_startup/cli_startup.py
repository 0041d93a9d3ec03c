"""How long ``stockpred --help`` and ``stockpred run --help`` take, beside ``python -c pass``.

Each command runs in a fresh process, rounds alternating between the contenders so load swings
hit them alike; the medians of wall and CPU time (user + system of the child, from
``os.wait4``) are printed with the load average and the ratio to the plain interpreter.

    PYTHONPATH=src python benchmarks/cli_startup/cli_startup.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "stockpred --help": [sys.executable, "-m", "stockpred", "--help"],
    "stockpred run --help": [sys.executable, "-m", "stockpred", "run", "--help"],
    "import stockpred.cli.main": [sys.executable, "-c", "import stockpred.cli.main"],
}


def timed(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``argv`` in a new process."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args().rounds
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in COMMANDS}
    load_before = os.getloadavg()[0]
    for _ in range(rounds):
        for name, argv in COMMANDS.items():
            runs[name].append(timed(argv))
    load_after = os.getloadavg()[0]
    print(f"{rounds} rounds, load {load_before:.2f} -> {load_after:.2f}, {os.cpu_count()} cores")
    reference = statistics.median(w for w, _ in runs["python -c pass"])
    print(f"{'command':28} {'wall s':>8} {'CPU s':>8} {'wall / python -c pass':>22}")
    for name, times in runs.items():
        wall = statistics.median(w for w, _ in times)
        cpu = statistics.median(c for _, c in times)
        print(f"{name:28} {wall:8.3f} {cpu:8.3f} {wall / reference:21.1f}x")


if __name__ == "__main__":
    main()
