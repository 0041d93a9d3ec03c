"""Offline sources behind the same interface: a user's price file and the bundled sample."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from stockpred.data.files import read_price_file
from stockpred.data.samples import load_sample_raw


class FileProvider:
    """A CSV or Parquet file of one ticker's prices; the ticker name is only a label."""

    name = "csv"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def fetch_raw(
        self, ticker: str, start: pd.Timestamp | None, end: pd.Timestamp | None
    ) -> pd.DataFrame:
        """The whole file; ``clean_prices`` applies the date range."""
        return read_price_file(self.path)


class SampleProvider:
    """The bundled sample (a few US stocks to 2013), so everything works offline."""

    name = "sample"

    def fetch_raw(
        self, ticker: str, start: pd.Timestamp | None, end: pd.Timestamp | None
    ) -> pd.DataFrame:
        """The ticker's sample rows; ``clean_prices`` applies the date range."""
        return load_sample_raw(ticker)
