"""Is stockpred's forecast ever worse than the random walk? Point forecasts over 50+1 tickers.

Usage: python benchmarks/accuracy.py [--tickers N] [--start DATE] [--out results.jsonl]

The first N tickers (alphabetical) of ../shared/data/us-daily and the bundled MSFT sample
are each fitted with the default config and evaluated on their own test span. For every
model the table gives the median, share ≤ 1.000 and the maximum of test MAE ÷ naive MAE,
and the seconds each model took a ticker (fit + one-step forecasts of the test span).
The gate's decisions, p-values and α are listed per ticker. The load average is printed
with the figures: other jobs share this machine's cores.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from stockpred.config import ForecastConfig
from stockpred.data.loading import PriceHistory, load_prices
from stockpred.exceptions import StockpredError
from stockpred.models.baselines import default_baselines
from stockpred.models.forecaster import Forecaster

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "us-daily"


def histories(data_dir: Path, count: int, start: str | None) -> list[PriceHistory]:
    """The bundled MSFT sample and the first ``count`` loadable shared tickers."""
    out = [load_prices("MSFT")]
    for path in sorted(data_dir.glob("*.csv.gz")):
        if len(out) > count:
            break
        try:
            out.append(load_prices(path.name.split(".")[0], csv=path, start=start))
        except StockpredError as exc:
            print(f"skipped {path.name}: {exc}")
    return out


def point_row(history: PriceHistory, cfg: ForecastConfig) -> dict[str, Any]:
    """Fit, evaluate; MAE ÷ naive per model, the gate, and seconds per model."""
    started = time.perf_counter()
    fc = Forecaster(cfg).fit(history, progress=False)
    lstm_seconds = time.perf_counter() - started
    ev = fc.evaluate(history)
    ratios = {str(m): ev.mae_ratio(str(m)) for m in ev.table.index}
    return {
        "ticker": history.ticker,
        "sessions": len(history),
        "test": [ev.test_start, ev.test_end],
        "ratios": ratios,
        "gate": fc.gate_.to_dict(),
        "seconds": {"lstm": lstm_seconds, **baseline_seconds(history, fc, cfg)},
    }


def baseline_seconds(
    history: PriceHistory, fc: Forecaster, cfg: ForecastConfig
) -> dict[str, float]:
    """Seconds each baseline takes to fit on the training span and forecast the test span."""
    split = fc.split_
    origins = split.test_origins()
    out = {}
    for model in default_baselines(cfg):
        started = time.perf_counter()
        model.fit(history, split).predict_origins(history, origins, 1)
        out[model.name] = time.perf_counter() - started
    return out


def point_table(rows: list[dict[str, Any]]) -> str:
    """Markdown: per model median, share ≤ 1.000, max of MAE ÷ naive, median seconds."""
    lines = [
        "| model | median MAE ÷ naive | share ≤ 1.000 | share ≤ 1.005 | max | median s/ticker |",
        "|---|---|---|---|---|---|",
    ]
    for model in rows[0]["ratios"]:
        r = np.array([row["ratios"][model] for row in rows])
        s = [row["seconds"].get(model, np.nan) for row in rows]
        lines.append(
            f"| {model} | {np.median(r):.4f} | {np.mean(r <= 1.0):.0%} | "
            f"{np.mean(r <= 1.005):.0%} | {r.max():.4f} | {np.nanmedian(s):.2f} |"
        )
    return "\n".join(lines)


def gate_lines(rows: list[dict[str, Any]]) -> str:
    """How often the gate opened, and the α it kept where it did."""
    opened = [row for row in rows if row["gate"]["open"]]
    alphas = ", ".join(f"{row['ticker']} {row['gate']['alpha']:.2f}" for row in opened)
    return f"gate open on {len(opened)} of {len(rows)} tickers" + (
        f" (α: {alphas})" if opened else ""
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickers", type=int, default=50)
    parser.add_argument("--start", default=None, help="first date for the shared tickers")
    parser.add_argument("--data-dir", type=Path, default=SHARED)
    parser.add_argument("--out", type=Path, default=None, help="append rows as JSON lines")
    args = parser.parse_args()
    cfg = ForecastConfig(device="cpu")
    print(f"load before: {os.getloadavg()}")
    started = time.perf_counter()
    rows = []
    for history in histories(args.data_dir, args.tickers, args.start):
        rows.append(point_row(history, cfg))
        lstm = rows[-1]["ratios"]
        print(
            f"{history.ticker:6s} lstm {lstm['lstm']:.4f} raw {lstm['lstm_raw']:.4f} "
            f"gate p {rows[-1]['gate']['p_value']:.3f}",
            flush=True,
        )
    print(f"\n{len(rows)} tickers in {time.perf_counter() - started:.0f} s, load {os.getloadavg()}")
    print(point_table(rows))
    print(gate_lines(rows))
    if args.out is not None:
        with args.out.open("a") as fh:
            fh.writelines(json.dumps(row) + "\n" for row in rows)


if __name__ == "__main__":
    main()
