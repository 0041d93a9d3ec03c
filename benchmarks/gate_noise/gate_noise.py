"""How often does the validation gate open on pure noise? It should at most 5 % of the time.

Usage: python benchmarks/gate_noise/gate_noise.py [--walks N] [--drift-walks N] [--workers K] [--out PATH]

Each walk is a seeded Gaussian random walk of ``--sessions`` daily log-returns (sd ``--sd``);
``--drift-walks`` more carry a daily drift ``--drift``. Nothing in them can be forecast beyond
the drift, so a gate that opens (one-sided DM at 5 % on validation) is a false open. Only the
part of the pipeline the gate needs runs: the default config's fit (training, early stopping
on validation) and the gate's decision; no intervals, baselines or report. Prints the rate
with its Clopper–Pearson 95 % interval, machine, load and commit; writes every walk's result
as JSON to ``--out``. ``--separate`` measures the remedy the issue names instead: early stopping
on the first half of the validation span, the gate on the second.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import beta

from stockpred.config import ForecastConfig
from stockpred.data.history import PriceHistory
from stockpred.evaluation.forecaster import Forecaster
from stockpred.models.gate import Gate
from stockpred.splits import Split, chronological_split

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "benchmarks" / "gate_noise" / "results.json"
NOMINAL = 0.05  # the gate's one-sided DM level (stockpred.stats.ALPHA)


def walk(seed: int, sessions: int, sd: float, drift: float) -> PriceHistory:
    """A random walk of daily log-returns on business days, as a validated history."""
    returns = np.random.default_rng(seed).normal(drift, sd, sessions)
    dates = pd.bdate_range("2010-01-04", periods=sessions, name="date")
    price = 50.0 * np.exp(np.cumsum(returns))
    columns = dict.fromkeys(("open", "high", "low", "close", "adj_close"), price)
    frame = pd.DataFrame(columns | {"volume": 1e6}, index=dates)
    return PriceHistory(frame, f"RW{seed}", "synthetic", "adj_close", "XNYS", None)


def gate_on_walk(task: dict[str, Any]) -> dict[str, Any]:
    """Fit the config on one walk and decide its gate: one row of the results."""
    cfg = ForecastConfig(**task["config"])
    history = walk(task["seed"], task["sessions"], task["sd"], task["drift"])
    started = time.perf_counter()
    fc = Forecaster(cfg, progress=False)
    gate = separated_gate(fc, history) if task.get("separate") else fc.fit_gate(history)
    return {
        "seed": task["seed"],
        "drift": task["drift"],
        "open": gate.open,
        "p_value": gate.p_value,
        "alpha": gate.alpha,
        "n": gate.n,
        "best_epoch": fc.train_result_.best_epoch,
        "seconds": time.perf_counter() - started,
    }


def separated_gate(fc: Forecaster, history: PriceHistory) -> Gate:
    """The issue's remedy, as an experiment (``--separate``): early stopping on the first half
    of the validation span, the gate's DM test on the second half only."""
    split = chronological_split(history.dates, fc.config)
    middle = (split.train_end + split.val_end) // 2
    fc._fit_network(history, Split(split.train_end, middle, split.test_end), False)
    return fc._validation_gate(history, Split(middle, split.val_end, split.test_end))[0]


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """The exact binomial interval for a rate of ``k`` in ``n``."""
    tail = (1.0 - level) / 2.0
    low = 0.0 if k == 0 else float(beta.ppf(tail, k, n - k + 1))
    high = 1.0 if k == n else float(beta.ppf(1.0 - tail, k + 1, n - k))
    return low, high


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """False-open count, rate and interval of some walks; passes if the interval reaches 5 %."""
    k, n = sum(r["open"] for r in rows), len(rows)
    low, high = clopper_pearson(k, n)
    p = np.array([r["p_value"] for r in rows])
    return {
        "walks": n,
        "opened": k,
        "rate": k / n,
        "ci95": [low, high],
        "ok": low <= NOMINAL,
        # On noise the p-values should be uniform: a median below 0.5 leans toward opening.
        "median_p": float(np.median(p)),
        "share_p_below_half": float(np.mean(p < 0.5)),
    }


def run(
    walks: int, drift_walks: int, config: dict[str, Any], workers: int, **walk_args: Any
) -> list[dict[str, Any]]:
    """Every walk's gate, without drift (seeds 0…) then with it (seeds 100000…)."""
    tasks = [{"seed": s, "config": config, **walk_args, "drift": 0.0} for s in range(walks)] + [
        {"seed": 100_000 + s, "config": config, **walk_args} for s in range(drift_walks)
    ]
    if workers <= 1:
        return [gate_on_walk(t) for t in tasks]
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(gate_on_walk, tasks))


def machine() -> dict[str, Any]:
    """What ran it, and when: uname, cores, load and the commit."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    return {
        "uname": " ".join(platform.uname()),
        "cpu_count": os.cpu_count(),
        "load": os.getloadavg(),
        "commit": commit,
    }


def report(rows: list[dict[str, Any]], drift: float) -> dict[str, Any]:
    """The summary of each group of walks, printed and returned."""
    groups = {"no drift": [r for r in rows if r["drift"] == 0.0]}
    groups[f"drift {drift:+.4%}/day"] = [r for r in rows if r["drift"] != 0.0]
    summary = {name: summarise(g) for name, g in groups.items() if g}
    for name, s in summary.items():
        low, high = s["ci95"]
        verdict = "ok" if s["ok"] else "ABOVE the nominal 5 %"
        print(
            f"{name}: the gate opened on {s['opened']} of {s['walks']} random walks "
            f"({s['rate']:.1%}, 95 % CI {low:.1%}–{high:.1%}): {verdict}; median p "
            f"{s['median_p']:.3f}, {s['share_p_below_half']:.1%} of p below 0.5"
        )
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--walks", type=int, default=300, help="walks without drift")
    parser.add_argument("--drift-walks", type=int, default=200, help="walks with the drift")
    parser.add_argument("--drift", type=float, default=0.0005, help="daily drift (log-return)")
    parser.add_argument("--sessions", type=int, default=2500)
    parser.add_argument("--sd", type=float, default=0.015, help="daily sd of the log-returns")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--separate",
        action="store_true",
        help="experiment: early-stop on the validation span's first half, gate on the second",
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    config: dict[str, Any] = {}  # the default config
    before = machine()
    print(f"{before['uname']}; {before['cpu_count']} cores; load {before['load']}")
    started = time.perf_counter()
    rows = run(
        args.walks,
        args.drift_walks,
        config,
        args.workers,
        sessions=args.sessions,
        sd=args.sd,
        drift=args.drift,
        separate=args.separate,
    )
    seconds = time.perf_counter() - started
    summary = report(rows, args.drift)
    after = machine()
    print(f"{len(rows)} walks in {seconds:.0f} s; load {after['load']}; commit {after['commit']}")
    document = {
        "machine": before,
        "load_end": after["load"],
        "seconds": seconds,
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "config": config,
        "summary": summary,
        "walks": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(document, indent=1))
    tmp.replace(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
