"""Time a 5-fold expanding walk-forward backtest and print an honest results table.

Usage: python benchmarks/backtest/backtest_speed.py [--epochs N] [--data-dir DIR] [--start DATE]

The bundled MSFT sample and three tickers of the shared daily data are backtested and timed
(seconds, seconds per fold). Each row gives pooled one-step MAE over naive's for the LSTM and
every baseline, beside each baseline the Diebold–Mariano p-value (squared loss,
HLN-corrected) of "the LSTM is better than it", the 80% interval's coverage and the lag
detector's finding.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from stockpred.config import ForecastConfig
from stockpred.data.history import PriceHistory
from stockpred.data.loading import load_prices
from stockpred.evaluation.forecaster import Forecaster
from stockpred.evaluation.summary import summarise

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "us-daily"


def _row(history: PriceHistory, cfg: ForecastConfig, folds: int) -> str:
    """One markdown row: MAE ratios to naive with DM p-values, coverage, lag, wall time."""
    started = time.perf_counter()
    wf = Forecaster(cfg, progress=False).walk_forward(history, folds=folds)
    seconds = time.perf_counter() - started
    s = summarise(wf, history)
    naive_mae = s.models["naive"]["mae"]
    cells = [f"{s.models['lstm']['mae'] / naive_mae:.3f}"]
    for baseline, tests in s.diebold_mariano.items():
        ratio = s.models[baseline]["mae"] / naive_mae
        cells.append(f"{ratio:.3f} (p {tests[0].pooled.squared.p_better:.2g})")
    coverage = s.intervals.by_step[0].scores.coverage
    lag = "yes" if s.lag_detector.tracks_yesterday else "no"
    span = f"{s.first_test_date}–{s.last_test_date}"
    line = f"| {history.ticker} | {span} | {s.n_one_step} | " + " | ".join(cells)
    return line + f" | {coverage:.1%} | {lag} | {seconds:.0f} ({seconds / folds:.0f}) |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=ForecastConfig().epochs)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--start", default="2008-01-01", help="first date for the shared tickers")
    parser.add_argument("--data-dir", type=Path, default=SHARED)
    parser.add_argument("--tickers", nargs="*", default=["AAPL", "JPM", "XOM"])
    args = parser.parse_args()
    cfg = ForecastConfig(epochs=args.epochs, device="cpu")
    histories = [load_prices("MSFT")]
    histories += [
        load_prices(t, csv=args.data_dir / f"{t}.csv.gz", start=args.start) for t in args.tickers
    ]
    print(f"config: {cfg.model_dump(include={'window', 'hidden', 'layers', 'epochs'})}")
    print(
        "| ticker | test span | sessions | LSTM MAE / naive | naive | drift | moving average "
        "| linear AR | 80% interval covers | tracks yesterday | seconds (per fold) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for history in histories:
        print(_row(history, cfg, args.folds), flush=True)


if __name__ == "__main__":
    main()
