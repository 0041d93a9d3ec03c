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
from stockpred.data.history import PriceHistory
from stockpred.data.loading import load_prices
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
        "intervals": ev.intervals,
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


def interval_table(rows: list[dict[str, Any]]) -> str:
    """Markdown: per method the median coverage overall and per volatility third, the share of
    tickers with every third within 5 points of nominal, width, and Winkler against constant."""
    level = rows[0]["intervals"]["level"]
    lines = [
        "| interval | coverage | calm third | middle third | storm third | all thirds ±5 pts "
        "| mean width % | Winkler % | Winkler ÷ constant | better than constant |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for method in rows[0]["intervals"]["methods"]:
        scores = [row["intervals"]["methods"][method] for row in rows]
        base = [row["intervals"]["methods"]["constant"]["winkler_pct"] for row in rows]
        thirds = np.array([s["coverage_by_volatility_third"] for s in scores], dtype=float)
        within = np.all(np.abs(thirds - level) <= 0.05, axis=1)
        winkler = np.array([s["winkler_pct"] for s in scores])
        cells = [
            f"{np.median([s['coverage'] for s in scores]):.1%}",
            *(f"{np.median(thirds[:, k]):.1%}" for k in range(3)),
            f"{np.mean(within):.0%}",
            f"{np.median([s['mean_width_pct'] for s in scores]):.2f}",
            f"{np.median(winkler):.3f}",
            f"{np.median(winkler / np.array(base)):.4f}",
            f"{np.mean(winkler < np.array(base)):.0%}",
        ]
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


FEATURE_SETS: dict[str, tuple[str, ...]] = {
    "none": (),
    **{name: (name,) for name in ("volume", "range", "rsi", "macd", "bollinger", "atr")},
    "all": ("volume", "range", "rsi", "macd", "bollinger", "atr"),
}


TRAIN_LOSS_SETS: dict[str, dict[str, Any]] = {
    loss: {"train_loss": loss} for loss in ("mse", "mae", "huber")
}


def feature_row(
    history: PriceHistory, cfg: ForecastConfig, variants: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Test MAE ÷ naive of lstm (gated) and lstm_raw for each config variant (no baselines)."""
    out: dict[str, Any] = {"ticker": history.ticker}
    for label, update in variants.items():
        fc = Forecaster(cfg.model_copy(update=update)).fit(history, progress=False)
        origins = fc.split_.test_origins()
        actual, naive = history.prices[origins + 1], history.prices[origins]
        naive_mae = np.mean(np.abs(actual - naive))
        out[label] = {
            "lstm": float(
                np.mean(np.abs(fc.predict_origins(history, origins, 1)[:, 0] - actual)) / naive_mae
            ),
            "lstm_raw": float(
                np.mean(np.abs(fc.predict_origins(history, origins, 1, raw=True)[:, 0] - actual))
                / naive_mae
            ),
        }
    return out


def feature_table(rows: list[dict[str, Any]], variants: dict[str, Any]) -> str:
    """Markdown: per feature set, median and max MAE ÷ naive of lstm and lstm_raw."""
    lines = [
        "| variant | lstm median | lstm max | lstm_raw median | lstm_raw max | lstm_raw ≤ 1.000 |",
        "|---|---|---|---|---|---|",
    ]
    for label in variants:
        g = np.array([row[label]["lstm"] for row in rows])
        r = np.array([row[label]["lstm_raw"] for row in rows])
        lines.append(
            f"| {label} | {np.median(g):.4f} | {g.max():.4f} | {np.median(r):.4f} | {r.max():.4f} "
            f"| {np.mean(r <= 1.0):.0%} |"
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
    parser.add_argument("--features", action="store_true", help="the feature ablation instead")
    parser.add_argument("--train-loss", action="store_true", help="mse, mae, huber instead")
    args = parser.parse_args()
    cfg = ForecastConfig(device="cpu")
    print(f"load before: {os.getloadavg()}")
    started = time.perf_counter()
    if args.features or args.train_loss:
        variants = (
            {k: {"features": v} for k, v in FEATURE_SETS.items()}
            if args.features
            else TRAIN_LOSS_SETS
        )
        data = histories(args.data_dir, args.tickers, args.start)
        rows = [feature_row(h, cfg, variants) for h in data]
        print(
            f"{len(rows)} tickers in {time.perf_counter() - started:.0f} s, load {os.getloadavg()}"
        )
        print(feature_table(rows, variants))
        return
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
    print()
    print(interval_table(rows))
    print(gate_lines(rows))
    if args.out is not None:
        with args.out.open("a") as fh:
            fh.writelines(json.dumps(row) + "\n" for row in rows)


if __name__ == "__main__":
    main()
