"""The ``market`` input: an index's closes aligned on a ticker's sessions, never from the future."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from stockpred.data.history import PriceHistory
from stockpred.data.options import LoadOptions
from stockpred.exceptions import DataError

MARKET_COLUMN = "market"


def with_market(history: PriceHistory, index: PriceHistory) -> PriceHistory:
    """``history`` with the index's modelled price as a ``market`` column on its own sessions.

    A session the index lacks takes the index's previous close (forward fill); sessions
    before the index's first price, or after its last, stay NaN (never filled backwards).
    """
    series = pd.Series(index.prices, index=index.dates)
    both = series.index.union(history.dates)
    aligned = series.reindex(both).ffill(limit_area="inside").reindex(history.dates)
    frame = history.frame.assign(**{MARKET_COLUMN: aligned.to_numpy(np.float64)})
    return replace(history, frame=frame)


def market_prices(frame: pd.DataFrame, name: str | None) -> np.ndarray:
    """The aligned index prices of a frame; a frame loaded without them is refused."""
    if MARKET_COLUMN not in frame.columns:
        raise DataError(
            f"the 'market' feature needs the index's prices: market={name or 'INDEX'} on the "
            "command line, stockpred.data.market.with_market(history, index) in Python"
        )
    return frame[MARKET_COLUMN].to_numpy(np.float64)


def check_market_covers(history: PriceHistory, train_end: int, name: str | None) -> None:
    """Refuse a history whose index does not price every session of the training span."""
    missing = np.isnan(market_prices(history.frame, name)[:train_end])
    if missing.any():
        first = history.dates[int(np.argmax(missing))].date()
        raise DataError(
            f"the market index {name} has no price on or before {first}, inside "
            f"{history.ticker}'s training span; use an index that covers it or a later start="
        )


def load_market(name: str, options: LoadOptions | None = None) -> PriceHistory:
    """The index by ticker (sample, store, providers) or, when ``name`` is a file, from it,
    cleaned with the run's options (its own file's, never the run's ``csv``)."""
    from stockpred.data.loading import load_history

    options = options or LoadOptions()
    if Path(name).is_file():
        return load_history(None, options.model_copy(update={"csv": name, "source": None}))
    # A file's layout options describe the run's file, not an index loaded by name.
    by_name = {"csv": None, "date_format": None, "duplicates": None}
    return load_history(name, options.model_copy(update=by_name))
