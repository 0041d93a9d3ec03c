"""``load_prices``: one entry point from a ticker or a file to a validated price history."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from stockpred.data.files import read_price_file
from stockpred.data.samples import DEFAULT_TICKER, load_sample_raw
from stockpred.data.schema import DEFAULT_MAX_GAP, CleaningReport, clean_prices


@dataclass(frozen=True)
class PriceHistory:
    """A PriceFrame with where it came from and which column is modelled."""

    frame: pd.DataFrame
    ticker: str
    source: str
    price_column: str
    exchange: str = "XNYS"
    cleaning: CleaningReport | None = None
    path: str | None = None

    @property
    def prices(self) -> np.ndarray:
        """The modelled price series as float64."""
        return self.frame[self.price_column].to_numpy(dtype=np.float64)

    @property
    def dates(self) -> pd.DatetimeIndex:
        """The trading sessions, one per price."""
        return pd.DatetimeIndex(self.frame.index)

    def __len__(self) -> int:
        return len(self.frame)

    def head_sessions(self, n: int) -> PriceHistory:
        """The first ``n`` sessions: what was known at the end of session ``n - 1``."""
        return PriceHistory(
            self.frame.iloc[:n],
            self.ticker,
            self.source,
            self.price_column,
            self.exchange,
            self.cleaning,
            self.path,
        )

    def fingerprint(self, end: int) -> str:
        """sha256 of the first ``end`` sessions' dates and modelled prices."""
        digest = hashlib.sha256()
        digest.update(self.dates[:end].asi8.tobytes())
        digest.update(np.ascontiguousarray(self.prices[:end]).tobytes())
        return digest.hexdigest()


def load_prices(
    ticker: str = DEFAULT_TICKER,
    *,
    csv: str | Path | None = None,
    exchange: str = "XNYS",
    strict: bool = False,
    max_gap: int = DEFAULT_MAX_GAP,
    start: str | None = None,
    end: str | None = None,
) -> PriceHistory:
    """Prices for a ticker from the bundled sample, or from a local CSV/Parquet file."""
    if csv is not None:
        raw = read_price_file(csv)
        source, name, path = (
            "csv",
            ticker if ticker != DEFAULT_TICKER else Path(csv).name.split(".")[0].upper(),
            str(csv),
        )
    else:
        raw = load_sample_raw(ticker)
        source, name, path = "sample", ticker.upper(), None
    frame, report = clean_prices(
        raw, exchange=exchange, strict=strict, max_gap=max_gap, start=start, end=end
    )
    return PriceHistory(frame, name, source, report.price_column, exchange, report, path)
