"""The last sessions a fitted model keeps, so it can forecast without the original file."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from stockpred.data.history import PriceHistory
from stockpred.splits import Split
from stockpred.stats import naive_scale


def context_of(history: PriceHistory, window: int) -> PriceHistory:
    """The last sessions prediction needs, kept with the model."""
    return replace(history, frame=history.frame.iloc[-(window + 1) :].copy(), cleaning=None)


def context_to_dict(context: PriceHistory) -> dict[str, Any]:
    """JSON-ready columns of the context (dates as ISO strings)."""
    frame = context.frame
    return {
        "dates": [str(d.date()) for d in frame.index],
        **{c: frame[c].tolist() for c in frame.columns},
    }


def context_from_dict(data: dict[str, Any], meta: dict[str, Any]) -> PriceHistory:
    """Inverse of :func:`context_to_dict`, named and sourced from the model's fingerprint."""
    dates = pd.DatetimeIndex(pd.to_datetime(data.pop("dates")), name="date")
    frame = pd.DataFrame({c: np.asarray(v, dtype=np.float64) for c, v in data.items()}, index=dates)
    return PriceHistory(
        frame,
        meta["ticker"],
        meta["source"],
        meta["price_column"],
        meta["exchange"],
        None,
        meta["path"],
    )


def describe(history: PriceHistory, split: Split) -> dict[str, Any]:
    """fingerprint.json: where the prices came from, the spans, a hash of the training span."""
    dates = history.dates
    return {
        "ticker": history.ticker,
        "source": history.source,
        "path": history.path,
        "exchange": history.exchange,
        "price_column": history.price_column,
        "first_date": str(dates[0].date()),
        "train_end_date": str(dates[split.train_end - 1].date()),
        "val_end_date": str(dates[split.val_end - 1].date()),
        "last_date": str(dates[-1].date()),
        "n_sessions": len(dates),
        "train_sha256": history.fingerprint(split.train_end),
        "naive_mae_train": naive_scale(history.prices, split.train_end),
    }
