"""A price-level model cannot forecast outside the prices it was trained on: say so when it must."""

from __future__ import annotations

import numpy as np
import pandas as pd

# How far past the training span's lowest or highest price a level forecast may go unremarked.
RANGE_MARGIN = 0.10


def _outside(values: np.ndarray, low: float, high: float) -> int:
    return int(np.sum((values > high * (1 + RANGE_MARGIN)) | (values < low * (1 - RANGE_MARGIN))))


def level_range_warning(
    target: str,
    prices: np.ndarray,
    dates: pd.DatetimeIndex,
    train_end_date: str,
    val_end_date: str,
    forecast: np.ndarray | None = None,
) -> str | None:
    """A sentence when ``target="price"`` test prices or forecasts leave the training range.

    It speaks the API's words (``target=price``); the CLI gives them as ``--target price``.
    """
    if target != "price":
        return None
    train_end = int(dates.searchsorted(pd.Timestamp(train_end_date), side="right"))
    val_end = int(dates.searchsorted(pd.Timestamp(val_end_date), side="right"))
    low, high = float(prices[:train_end].min()), float(prices[:train_end].max())
    found = []
    if n_test := _outside(prices[val_end:], low, high):
        found.append(f"{n_test} test price(s)")
    if forecast is not None and (n_ahead := _outside(np.asarray(forecast), low, high)):
        found.append(f"{n_ahead} forecast(s)")
    if not found:
        return None
    return (
        f"target=price: {' and '.join(found)} lie more than {RANGE_MARGIN:.0%} outside the "
        f"training prices {low:.4g}..{high:.4g}, which a price-level model cannot forecast "
        "beyond; the default target=return is made for this"
    )
