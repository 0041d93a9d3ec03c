"""An in-memory provider: the fake that tests and offline demos use instead of the network."""

from __future__ import annotations

import pandas as pd

from stockpred.exceptions import TickerNotFound


class MemoryProvider:
    """Serves raw tables (with a ``Date`` column) per ticker, records every request, can fail.

    ``failures`` are raised, in order, by the next calls: e.g. one ``ProviderUnavailable``
    followed by success exercises the retry.
    """

    def __init__(
        self,
        frames: dict[str, pd.DataFrame] | None = None,
        *,
        name: str = "memory",
        failures: list[Exception] | None = None,
    ) -> None:
        self.frames = {k.upper(): v for k, v in (frames or {}).items()}
        self.name = name
        self.failures = list(failures or [])
        self.requests: list[tuple[str, pd.Timestamp | None, pd.Timestamp | None]] = []

    def fetch_raw(
        self, ticker: str, start: pd.Timestamp | None, end: pd.Timestamp | None
    ) -> pd.DataFrame:
        """The stored rows of ``ticker`` between ``start`` and ``end`` (both included)."""
        self.requests.append((ticker, start, end))
        if self.failures:
            raise self.failures.pop(0)
        frame = self.frames.get(ticker.upper())
        if frame is None:
            raise TickerNotFound(f"{self.name} does not know ticker {ticker!r}")
        dates = pd.to_datetime(frame["Date"])
        keep = (dates >= (start or dates.min())) & (dates <= (end or dates.max()))
        return frame[keep.to_numpy()].reset_index(drop=True)
