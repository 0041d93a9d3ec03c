"""The peers benchmark: stockpred, Darts, NeuralForecast, a plain PyTorch loop,
naive and drift, each in its own process, one after another, on the same prepared data.

    make bench-peers                                  # builds benchmarks/peers/.venv first
    .venv/bin/python benchmarks/peers/bench.py --seeds 0 --datasets SPY --universe 0   # smoke

1. ``prepare.py`` writes the data files with stockpred's loader and 70/15/15 split;
2. every (dataset, seed, system) runs in a fresh process with one CPU thread and writes its
   one-step test predictions (price scale) and figures to ``OUT/runs/*.json``; the system order
   is reversed on odd seeds so neither end of the list always meets the busier minutes;
3. ``score.py`` scores every record against one test vector per dataset.

Standard library only: it drives two virtual environments (stockpred's and the peers').
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PEERS_PYTHON = HERE / ".venv" / "bin" / "python"
RUNNERS = {
    "stockpred-default": "run_stockpred.py",
    "stockpred-net": "run_stockpred.py",
    "stockpred-per-ticker": "run_stockpred.py",
    "stockpred-global": "run_stockpred.py",
    "reference": "run_reference.py",
    "naive": "run_reference.py",
    "drift": "run_reference.py",
    "darts": "run_darts.py",
    "darts-rin": "run_darts.py",
    "nf-robust": "run_neuralforecast.py",
    "nf-minmax": "run_neuralforecast.py",
}
PEER_RUNNERS = {"run_darts.py", "run_neuralforecast.py"}
SINGLE = [
    "naive",
    "drift",
    "stockpred-default",
    "stockpred-net",
    "reference",
    "darts",
    "darts-rin",
    "nf-robust",
    "nf-minmax",
]
UNIVERSE = ["stockpred-per-ticker", "stockpred-global", "darts", "nf-robust"]


def load() -> list[float]:
    """The 1/5/15-minute load averages, rounded."""
    return [round(x, 2) for x in os.getloadavg()]


def run_one(
    system: str, data: Path, seed: int, epochs: int, out: Path, timeout: float
) -> dict[str, object]:
    """One system in a fresh process; its index entry (exit code, wall, load before/after)."""
    runner = RUNNERS[system]
    python = PEERS_PYTHON if runner in PEER_RUNNERS else Path(sys.executable)
    record = out / f"{data.stem}-{system}-s{seed}.json"
    cmd = [str(python), str(HERE / runner), "--system", system, "--data", str(data)]
    cmd += ["--seed", str(seed), "--epochs", str(epochs), "--out", str(record)]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "OMP_NUM_THREADS": "1"}
    entry: dict[str, object] = {"system": system, "dataset": data.stem, "seed": seed}
    entry["load_before"] = load()
    tick = time.perf_counter()
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        rc, err = proc.returncode, proc.stderr.strip().splitlines()[-1:] if proc.returncode else []
    except subprocess.TimeoutExpired:
        rc, err = 124, [f"timed out after {timeout:.0f} s"]
    entry |= {"rc": rc, "wall_s": round(time.perf_counter() - tick, 2), "load_after": load()}
    entry |= {"record": record.name if rc == 0 else None, "error": err[0] if err else None}
    print(json.dumps(entry), flush=True)
    return entry


class Index:
    """``index.json``: every run so far, rewritten after each, kept across invocations."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries = json.loads(path.read_text()) if path.is_file() else []

    def add(self, entry: dict[str, object]) -> None:
        """Append one entry and save, so a cut-short benchmark can still be scored."""
        self.entries.append(entry)
        self.path.write_text(json.dumps(self.entries, indent=1))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--out", type=Path, default=REPO / "runs" / "peers")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--datasets", nargs="*", default=["MSFT", "SPY"])
    p.add_argument("--systems", nargs="+", default=SINGLE, choices=SINGLE)
    p.add_argument("--epochs", type=int, default=5, help="budget for capped rows (passes)")
    p.add_argument("--universe", type=int, default=50, help="first N tickers; 0 = no universe")
    p.add_argument("--universe-epochs", type=int, default=1)
    p.add_argument("--universe-since", default="2013-01-01", help="first date kept")
    p.add_argument("--universe-systems", nargs="*", default=UNIVERSE, choices=UNIVERSE)
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per process")
    a = p.parse_args()
    if not PEERS_PYTHON.is_file():
        print(f"{PEERS_PYTHON} is missing: run `make bench-peers` to build it", file=sys.stderr)
        raise SystemExit(1)
    data, runs = a.out / "data", a.out / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    prep = [sys.executable, str(HERE / "prepare.py"), "--out", str(data)]
    prep += ["--universe", str(a.universe), "--universe-since", a.universe_since]
    subprocess.run(prep, check=True, env=env)
    started = time.perf_counter()
    index = Index(a.out / "index.json")
    index.add({"kind": "start", "load": load(), "args": {k: str(v) for k, v in vars(a).items()}})
    for seed in a.seeds:
        for name in a.datasets:
            order = a.systems if seed % 2 == 0 else list(reversed(a.systems))
            for system in order:
                index.add(run_one(system, data / f"{name}.npz", seed, a.epochs, runs, a.timeout))
        if a.universe:
            order = a.universe_systems if seed % 2 == 0 else reversed(a.universe_systems)
            for system in order:
                universe = data / "universe.npz"
                index.add(run_one(system, universe, seed, a.universe_epochs, runs, a.timeout))
    index.add({"kind": "end", "load": load(), "wall_s": round(time.perf_counter() - started)})
    subprocess.run([sys.executable, str(HERE / "score.py"), str(a.out)], check=True, env=env)


if __name__ == "__main__":
    main()
