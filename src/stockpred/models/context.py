"""The last sessions a fitted model keeps, so it can forecast without the original file."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from stockpred.data.history import PriceHistory

if TYPE_CHECKING:
    from stockpred.models.state import ContextColumns, Fingerprint


def context_of(history: PriceHistory, window: int) -> PriceHistory:
    """The last sessions prediction needs, kept with the model."""
    return replace(history, frame=history.frame.iloc[-(window + 1) :].copy(), cleaning=None)


def context_to_dict(context: PriceHistory) -> ContextColumns:
    """JSON-ready columns of the context (dates as ISO strings)."""
    frame = context.frame
    columns: ContextColumns = {"dates": [str(d.date()) for d in frame.index]}
    return columns | {str(c): frame[c].tolist() for c in frame.columns}


def context_from_dict(data: ContextColumns, meta: Fingerprint) -> PriceHistory:
    """Inverse of :func:`context_to_dict`, named and sourced from the model's fingerprint."""
    dates = pd.DatetimeIndex(pd.to_datetime(data["dates"]), name="date")
    frame = pd.DataFrame(
        {c: np.asarray(v, dtype=np.float64) for c, v in data.items() if c != "dates"},
        index=dates,
    )
    return PriceHistory(
        frame, meta.ticker, meta.source, meta.price_column, meta.exchange, None, meta.path
    )
