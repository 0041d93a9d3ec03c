"""PriceHistory: a validated PriceFrame with where it came from; what every model reads."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stockpred.data.schema import CleaningReport, clean_prices


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

    @property
    def observed(self) -> np.ndarray:
        """True for sessions with a real price, False for sessions cleaning forward-filled."""
        filled = self.cleaning.filled_dates if self.cleaning else ()
        return ~self.dates.isin(pd.DatetimeIndex(filled))

    def observed_targets(self, origins: np.ndarray, horizon: int = 1) -> np.ndarray:
        """The origins whose next ``horizon`` sessions all have real prices: what may be scored."""
        observed = self.observed
        keep = np.ones(len(origins), dtype=bool)
        for step in range(1, horizon + 1):
            keep &= observed[origins + step]
        return origins[keep]

    def fingerprint(self, end: int) -> str:
        """sha256 of the first ``end`` sessions' dates and modelled prices."""
        digest = hashlib.sha256()
        digest.update(self.dates[:end].asi8.tobytes())
        digest.update(np.ascontiguousarray(self.prices[:end]).tobytes())
        return digest.hexdigest()


def as_history(prices: PriceHistory | pd.DataFrame, exchange: str = "XNYS") -> PriceHistory:
    """Accept a PriceHistory, or validate a raw/PriceFrame DataFrame into one."""
    if isinstance(prices, PriceHistory):
        return prices
    frame, report = clean_prices(prices, exchange=exchange)
    return PriceHistory(frame, "DATA", "frame", report.price_column, exchange, report)
