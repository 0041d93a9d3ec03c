"""The bundled real sample: daily prices of five US stocks, so everything works offline."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import pandas as pd

from stockpred.exceptions import TickerNotFound

SAMPLE_FILE = "stocks.csv.gz"
DEFAULT_TICKER = "MSFT"


@lru_cache(maxsize=1)
def _all_samples() -> pd.DataFrame:
    path = resources.files("stockpred.data").joinpath("_data", SAMPLE_FILE)
    with resources.as_file(path) as file:
        return pd.read_csv(file, dtype={"Ticker": "string"})


def sample_tickers() -> list[str]:
    """Tickers the bundled sample holds."""
    return sorted(_all_samples()["Ticker"].unique().tolist())


def load_sample_raw(ticker: str = DEFAULT_TICKER) -> pd.DataFrame:
    """One ticker's raw rows (``Date,Open,High,Low,Close,Volume,Adj Close``)."""
    frame = _all_samples()
    rows = frame[frame["Ticker"] == ticker.upper()]
    if rows.empty:
        raise TickerNotFound(
            f"unknown ticker {ticker!r} for the bundled sample (it holds "
            f"{', '.join(sample_tickers())}); pass csv=FILE for other data"
        )
    return rows.drop(columns="Ticker").reset_index(drop=True)
