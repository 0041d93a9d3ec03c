"""Is stockpred's forecast ever worse than the random walk? Point forecasts over 50+1 tickers.

Usage: python benchmarks/accuracy/accuracy.py [--tickers N] [--start DATE] [--end DATE] [--out rows.jsonl]
       python benchmarks/accuracy/accuracy.py --features [--market SPY_FILE] (the input ablation)
       python benchmarks/accuracy/accuracy.py --ensemble 1,3,5 (seed ensembles: accuracy and cost)

The first N tickers (alphabetical) of ../shared/data/us-daily and the bundled MSFT sample
are each fitted with the default config and evaluated on their own test span. For every
model the table gives the median, share ≤ 1.000 and the maximum of test MAE ÷ naive MAE,
and the seconds each model took a ticker (fit + one-step forecasts of the test span).
The gate's decisions, p-values and α are listed per ticker. Every interval method is scored
on the same test days: coverage per ticker and pooled over every ticker's test days, by
third of realised volatility (thirds cut per ticker), width and Winkler score; the seconds
the quantile head's fit adds to a ticker are measured inside the real fit. The load
average is printed with the figures: other jobs share this machine's cores.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from stockpred.artifacts import to_json
from stockpred.config import ForecastConfig
from stockpred.data.history import PriceHistory
from stockpred.data.loading import load_prices
from stockpred.data.market import load_market, with_market
from stockpred.data.options import LoadOptions
from stockpred.evaluation.forecaster import Forecaster
from stockpred.exceptions import StockpredError
from stockpred.models.base import all_forecasts
from stockpred.models.baselines import default_baselines

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "us-daily"


def histories(
    data_dir: Path,
    count: int,
    start: str | None,
    market: str | None = None,
    end: str | None = None,
    skip: int = 0,
) -> list[PriceHistory]:
    """The bundled MSFT sample and the first ``count`` loadable shared tickers.

    With ``market`` (a ticker or file), each carries that index aligned on its sessions;
    the sample then starts at ``start`` too, so that the index can cover it. With ``end``
    the sample is cut there as well (from ``start``), for a different test period. With
    ``skip`` the first ``skip`` files and the sample are left out: another set of tickers.
    """
    cut = bool(market or end)
    out = (
        []
        if skip
        else [load_prices("MSFT", start=start if cut else None, end=end if cut else None)]
    )
    shared = 0
    for path in sorted(data_dir.glob("*.csv.gz"))[skip:]:
        if shared == count:
            break
        try:
            out.append(load_prices(path.name.split(".")[0], csv=path, start=start, end=end))
            shared += 1
        except StockpredError as exc:
            print(f"skipped {path.name}: {exc}")
    if market is None:
        return out
    index = load_market(market, LoadOptions(start=start))
    return [with_market(h, index) for h in out]


class HeadClock:
    """Seconds spent fitting the quantile head, timed inside the real fit (a wrapper)."""

    def __init__(self) -> None:
        import stockpred.training.quantile as module

        self.seconds = 0.0
        real = module.train_quantile_head

        def timed(*args: Any, **kwargs: Any) -> dict[str, np.ndarray]:
            started = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        module.train_quantile_head = timed

    def lap(self) -> float:
        """Seconds since the last lap."""
        seconds, self.seconds = self.seconds, 0.0
        return seconds


HEAD_CLOCK = HeadClock()


def point_row(history: PriceHistory, cfg: ForecastConfig) -> dict[str, Any]:
    """Fit, evaluate; MAE ÷ naive per model, the gate, intervals, and seconds per model."""
    HEAD_CLOCK.lap()
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
        "intervals": None if ev.intervals is None else to_json(ev.intervals),
        "seconds": {
            "lstm": lstm_seconds,
            "quantile_head": HEAD_CLOCK.lap(),
            **baseline_seconds(history, fc, cfg),
        },
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
        s = [row["seconds"][model] for row in rows if model in row["seconds"]]
        seconds = f"{np.median(s):.2f}" if s else "–"
        lines.append(
            f"| {model} | {np.median(r):.4f} | {np.mean(r <= 1.0):.0%} | "
            f"{np.mean(r <= 1.005):.0%} | {r.max():.4f} | {seconds} |"
        )
    return "\n".join(lines)


def interval_table(rows: list[dict[str, Any]]) -> str:
    """Markdown: per method the median coverage per ticker overall and per volatility third,
    the coverage pooled over every ticker's test days per third, the share of tickers with
    every third within 5 points of nominal, width, and Winkler against constant."""
    level = rows[0]["intervals"]["level"]
    lines = [
        "| interval | coverage | calm | middle | storm | pooled calm | pooled middle "
        "| pooled storm | all thirds ±5 pts | mean width % | Winkler % | Winkler ÷ constant "
        "| better than constant |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for method in rows[0]["intervals"]["methods"]:
        scores = [row["intervals"]["methods"][method] for row in rows]
        base = np.array([row["intervals"]["methods"]["constant"]["winkler_pct"] for row in rows])
        thirds = np.array([s["coverage_by_volatility_third"] for s in scores], dtype=float)
        counts = np.array([s["n_by_volatility_third"] for s in scores], dtype=float)
        pooled = (thirds * counts).sum(axis=0) / counts.sum(axis=0)
        within = np.all(np.abs(thirds - level) <= 0.05, axis=1)
        winkler = np.array([s["winkler_pct"] for s in scores])
        cells = [
            f"{np.median([s['coverage'] for s in scores]):.1%}",
            *(f"{np.median(thirds[:, k]):.1%}" for k in range(3)),
            *(f"{p:.1%}" for p in pooled),
            f"{np.mean(within):.0%}",
            f"{np.median([s['mean_width_pct'] for s in scores]):.2f}",
            f"{np.median(winkler):.3f}",
            f"{np.median(winkler / base):.4f}",
            f"{np.mean(winkler < base):.0%}",
        ]
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    per_third = [row["intervals"]["methods"]["constant"]["n_by_volatility_third"] for row in rows]
    lines.append(
        f"\nA perfectly calibrated {level:.0%} interval would have every third within ±5 points "
        f"on {np.mean([calibrated_share(n, level) for n in per_third]):.0%} of these tickers "
        "(binomial sampling alone, from each ticker's sessions per third)."
    )
    return "\n".join(lines)


def calibrated_share(counts: list[int], level: float) -> float:
    """P(every third's coverage within 5 points of ``level``) for an exactly calibrated interval."""
    from scipy.stats import binom

    p = 1.0
    for n in counts:
        low, high = np.ceil((level - 0.05) * n - 1e-9), np.floor((level + 0.05) * n + 1e-9)
        p *= binom.cdf(high, n, level) - binom.cdf(low - 1, n, level)
    return float(p)


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


def ensemble_row(history: PriceHistory, cfg: ForecastConfig, sizes: list[int]) -> dict[str, Any]:
    """Test MAE ÷ naive of lstm and lstm_raw for ensembles of each size, and seconds a network.

    One fit of the largest ensemble: its first k networks are exactly the ensemble of k
    (network j has seed ``seed + j`` whatever k is, tests/models/test_ensemble.py), so each
    smaller one is that subset, calibrated (gate, intervals) on its own forecasts.
    """
    from stockpred.network.numpy_lstm import member_prefix

    largest = Forecaster(cfg.model_copy(update={"ensemble": max(sizes)})).fit(
        history, progress=False
    )
    origins = largest.split_.test_origins()
    actual, naive = history.prices[origins + 1], history.prices[origins]
    naive_mae = np.mean(np.abs(actual - naive))
    out: dict[str, Any] = {
        "ticker": history.ticker,
        "seconds_a_network": [m.seconds for m in largest.train_result_.members],
    }
    for k in sizes:
        prefixes = tuple(member_prefix(j) for j in range(1, k))
        weights = {
            name: value
            for name, value in largest.weights_.items()
            if not name.startswith("member") or name.startswith(prefixes)
        }
        fc = Forecaster.from_network(
            cfg.model_copy(update={"ensemble": k}),
            weights,
            largest.scaler_,
            largest.train_result_,
        ).calibrate(history, largest.split_)
        forecasts = all_forecasts(fc, history, origins, 1)
        out[f"k={k}"] = {
            name: float(np.mean(np.abs(f[:, 0] - actual)) / naive_mae)
            for name, f in forecasts.items()
        }
        out[f"k={k}"]["gate_open"] = fc.gate_.open
    return out


def ensemble_table(rows: list[dict[str, Any]], sizes: list[int]) -> str:
    """Markdown: per ensemble size, median/max MAE ÷ naive, share ≤ 1, gates open, cost."""
    seconds = float(np.median([s for row in rows for s in row["seconds_a_network"]]))
    lines = [
        "| networks | lstm median | lstm max | lstm ≤ 1.000 | lstm_raw median | lstm_raw max "
        "| lstm_raw ≤ 1.000 | gates open | training s/ticker (median a network × k) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for k in sizes:
        g = np.array([row[f"k={k}"]["lstm"] for row in rows])
        r = np.array([row[f"k={k}"]["lstm_raw"] for row in rows])
        opened = sum(row[f"k={k}"]["gate_open"] for row in rows)
        lines.append(
            f"| {k} | {np.median(g):.4f} | {g.max():.4f} | {np.mean(g <= 1.0):.0%} "
            f"| {np.median(r):.4f} | {r.max():.4f} | {np.mean(r <= 1.0):.0%} | {opened} "
            f"| {k * seconds:.1f} |"
        )
    return "\n".join(lines)


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
    parser.add_argument("--end", default=None, help="last date (the sample's too)")
    parser.add_argument("--skip", type=int, default=0, help="leave out the first N files")
    parser.add_argument(
        "--ensemble", default=None, help="ensemble sizes to compare instead, e.g. 1,3,5"
    )
    parser.add_argument("--data-dir", type=Path, default=SHARED)
    parser.add_argument("--out", type=Path, default=None, help="append rows as JSON lines")
    parser.add_argument("--features", action="store_true", help="the feature ablation instead")
    parser.add_argument("--train-loss", action="store_true", help="mse, mae, huber instead")
    parser.add_argument(
        "--market", default=None, help="with --features: none vs this index (file or ticker)"
    )
    args = parser.parse_args()
    cfg = ForecastConfig(device="cpu", compare_intervals=True)  # the five-way interval table
    print(f"load before: {os.getloadavg()}")
    started = time.perf_counter()
    if args.features or args.train_loss:
        variants = (
            {k: {"features": v} for k, v in FEATURE_SETS.items()}
            if args.features
            else TRAIN_LOSS_SETS
        )
        market = args.market if args.features else None
        if market:  # the market row beside 'none', on the same tickers and sessions
            variants = {
                "none": variants["none"],
                "market": {"features": ("market",), "market": market},
            }
        data = histories(args.data_dir, args.tickers, args.start, market)
        rows = [feature_row(h, cfg, variants) for h in data]
        print(
            f"{len(rows)} tickers in {time.perf_counter() - started:.0f} s, load {os.getloadavg()}"
        )
        print(feature_table(rows, variants))
        return
    if args.ensemble:
        sizes = [int(k) for k in args.ensemble.split(",")]
        rows = []
        for history in histories(args.data_dir, args.tickers, args.start, end=args.end):
            rows.append(ensemble_row(history, cfg, sizes))
            print(history.ticker, {k: v for k, v in rows[-1].items() if k.startswith("k=")})
        print(
            f"{len(rows)} tickers in {time.perf_counter() - started:.0f} s, load {os.getloadavg()}"
        )
        print(ensemble_table(rows, sizes))
        return
    rows = []
    for history in histories(args.data_dir, args.tickers, args.start, end=args.end, skip=args.skip):
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
    head = [row["seconds"]["quantile_head"] for row in rows]
    print(f"quantile head fit: median {np.median(head):.2f} s a ticker (max {max(head):.2f})")
    if args.out is not None:
        with args.out.open("a") as fh:
            fh.writelines(json.dumps(row) + "\n" for row in rows)


if __name__ == "__main__":
    main()
