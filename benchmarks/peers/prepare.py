"""Write the benchmark's data files with stockpred's own loader and split (project venv).

Every system then reads the same prices and the same split bounds from these files, so the
test sessions are identical by construction:

* ``MSFT.npz``: MSFT 1986-2017, ``SPY.npz``: SPY 2005-2017 (``../shared/data/us-daily``);
* ``universe.npz``: the first N tickers of us-daily (sorted file names), from a start date.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Series, fail, save_dataset

from stockpred import ForecastConfig, load_prices
from stockpred.splits import chronological_split

US_DAILY = Path(__file__).resolve().parents[3] / "shared" / "data" / "us-daily"


def series_for(path: Path, since: str = "") -> Series:
    """One file's prices from ``since`` on, with stockpred's default 70/15/15 split."""
    history = load_prices(csv=str(path), start=since or None)
    split = chronological_split(history.dates, ForecastConfig())
    ticker = path.name.split(".")[0]
    return Series(ticker, history.prices, split.train_end, split.val_end, str(path), since)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--universe", type=int, default=50, help="first N tickers of us-daily")
    p.add_argument("--universe-since", default="2013-01-01")
    a = p.parse_args()
    if not US_DAILY.is_dir():
        fail(f"{US_DAILY} not found: the peers benchmark needs ../shared/data/us-daily")
    a.out.mkdir(parents=True, exist_ok=True)
    save_dataset(a.out / "MSFT.npz", [series_for(US_DAILY / "MSFT.csv.gz")])
    save_dataset(a.out / "SPY.npz", [series_for(US_DAILY / "SPY.csv.gz")])
    if a.universe > 0:
        files = sorted(US_DAILY.glob("*.csv.gz"))[: a.universe]
        save_dataset(a.out / "universe.npz", [series_for(f, a.universe_since) for f in files])


if __name__ == "__main__":
    main()
