"""Panel read from the DuckDB store vs the same rows straight from Parquet with pandas.

Loads N tickers x ~20 years (1997-11-10..2017-11-10, real data from ../shared/data/us-daily)
into a long panel, in one run, alternating the methods; prints one JSON line per method
(median of the repeats) and a markdown table.

    python benchmarks/store_read/store_read.py --tickers 50 --repeats 7
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from stockpred.data.schema import clean_prices
from stockpred.data.store import PriceStore

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "us-daily"
START, END = "1997-11-10", "2017-11-10"


def real_frames(n: int) -> dict[str, pd.DataFrame]:
    """The first ``n`` tickers (alphabetically) whose file covers the whole 20 years."""
    frames: dict[str, pd.DataFrame] = {}
    for path in sorted(SHARED.glob("*.csv.gz")):
        raw = pd.read_csv(path)
        if raw["Date"].iloc[0] > START:
            continue
        frames[path.name.split(".")[0]] = clean_prices(raw, start=START, end=END, max_gap=30)[0]
        if len(frames) == n:
            break
    return frames


def timed(fn: Callable[[], pd.DataFrame]) -> tuple[float, int]:
    began = time.perf_counter()
    rows = len(fn())
    return time.perf_counter() - began, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickers", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"{SHARED} is absent: this benchmark needs the shared real data beside the repo")
    frames = real_frames(args.tickers)
    tickers = list(frames)
    with tempfile.TemporaryDirectory() as tmp:
        store = PriceStore(Path(tmp) / "prices.duckdb")
        for ticker, frame in frames.items():
            store.write(ticker, "stooq", frame)
        panel_file = Path(tmp) / "panel.parquet"
        store.read_panel(tickers, start=START, end=END).to_parquet(panel_file, index=False)
        methods: dict[str, Callable[[], pd.DataFrame]] = {
            "duckdb store -> panel (PriceStore.read_panel)": lambda: store.read_panel(
                tickers, start=START, end=END
            ),
            "parquet -> panel (pandas.read_parquet)": lambda: pd.read_parquet(panel_file),
        }
        assert store.read_panel(tickers).equals(pd.read_parquet(panel_file))
        times: dict[str, list[float]] = {name: [] for name in methods}
        rows = 0
        for _ in range(args.repeats):  # alternate so drift in machine load hits both alike
            for name, fn in methods.items():
                seconds, rows = timed(fn)
                times[name].append(seconds)
    reference = statistics.median(times["parquet -> panel (pandas.read_parquet)"])
    print("| method | tickers | rows | median s | rows/s | vs parquet |")
    print("|---|---|---|---|---|---|")
    lines = []
    for name, samples in times.items():
        median = statistics.median(samples)
        record = {
            "method": name,
            "tickers": len(tickers),
            "rows": rows,
            "repeats": args.repeats,
            "median_s": round(median, 5),
            "rows_per_s": round(rows / median),
            "time_vs_parquet": round(median / reference, 2),
        }
        lines.append(json.dumps(record))
        print(
            f"| {name} | {len(tickers)} | {rows} | {median:.4f} | {rows / median:,.0f} | "
            f"{median / reference:.2f}x |"
        )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
