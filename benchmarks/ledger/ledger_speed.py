"""How long does a day's `stockpred forecast` take for N tickers with saved models?

Usage: python benchmarks/ledger/ledger_speed.py [--tickers 500] [--workers W] [--days 5] [--epochs 5]

Setup (not timed): the shared us-daily files are written into a fresh DuckDB store under N
names (cycling through the files that clean since 2012), and one model with the default config
(``--epochs`` aside, which changes nothing at prediction) is trained on AAPL up to the last
session and copied into ``DIR/TICKER/<date>/`` for every name: the forecast path is then
exactly the one a nightly run with saved models takes (load prices to as_of, load the
model, numpy forward pass, calendar, one ledger transaction a ticker), on the universe's
workers. Timed: the whole day, as ``stockpred forecast`` runs it. The issue's target is 500
tickers in 30 s or less. The load average is printed with the figures: other jobs share
this machine's cores, and a figure taken under load says little.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd

from stockpred.cluster.local import LocalBackend
from stockpred.config import ForecastConfig
from stockpred.data.loading import load_prices
from stockpred.data.options import LoadOptions
from stockpred.data.store import PriceStore
from stockpred.evaluation.forecaster import Forecaster
from stockpred.exceptions import StockpredError
from stockpred.ledger.replay import DailyJob, run_all
from stockpred.ledger.table import Ledger

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "us-daily"
AS_OF = pd.Timestamp("2017-11-10")  # the shared files' last session


def setup(root: Path, tickers: int, epochs: int) -> tuple[Path, Path, list[str]]:
    """A store holding N tickers' prices and a models folder with a saved model for each."""
    frames = []
    for file in sorted(SHARED.glob("*.csv.gz")):
        try:  # a few files miss more sessions since 2012 than cleaning fills: left out
            frames.append(load_prices(csv=file, start="2012-01-01").frame)
        except StockpredError:
            continue
    store, models = root / "store.duckdb", root / "models"
    names = [f"T{i:04d}" for i in range(tickers)]
    price_store = PriceStore(store)
    for i, name in enumerate(names):
        price_store.write(name, "csv", frames[i % len(frames)])
    aapl = load_prices("AAPL", csv=SHARED / "AAPL.csv.gz", start="2012-01-01")
    template = Forecaster(ForecastConfig(epochs=epochs), progress=False).fit(aapl)
    saved = template.save(root / "template")
    trained = str(aapl.dates[-1].date())
    for name in names:
        shutil.copytree(saved, models / name / trained)
    return store, models, names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickers", type=int, default=500)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ledger-speed-") as tmp:
        store, models, names = setup(Path(tmp), args.tickers, args.epochs)
        loading = LoadOptions(source="store", store=str(store))
        jobs = [
            DailyJob(n, loading, ForecastConfig(), models, store, 10_000, args.days, None, AS_OF)
            for n in names
        ]
        backend = LocalBackend(args.workers)
        load = os.getloadavg()
        start = time.perf_counter()
        outcomes = run_all(jobs, backend, progress=False)
        seconds = time.perf_counter() - start
        rows = len(Ledger(store).read())
    failed = [o for o in outcomes if not o.ok]
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(f"machine: {platform.machine()} {os.cpu_count()} CPUs, {platform.platform()}")
    print(f"commit {commit}; load average before {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(
        f"{len(names)} tickers ({backend}), {args.days} days: {seconds:.1f} s, "
        f"{1000 * seconds / len(names):.0f} ms a ticker, {rows} ledger rows, "
        f"{len(failed)} failed; target: 500 tickers in 30 s"
    )
    for outcome in failed[:5]:
        print(f"  {outcome.ticker}: {outcome.error}")


if __name__ == "__main__":
    main()
