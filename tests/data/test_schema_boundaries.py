"""Cleaning's limits at their exact edges, on synthetic tables (no ../shared data needed).

A gap of ``max_gap`` missing sessions is filled and one more is refused; the bad-row limit
(5 rows, or 1 % of a long history) accepts exactly that many and refuses one more.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stockpred.data.calendar import sessions_between
from stockpred.data.schema import (
    DEFAULT_MAX_GAP,
    MAX_BAD_FRACTION,
    MAX_BAD_ROWS_ALWAYS_REPAIRED,
    clean_prices,
)
from stockpred.exceptions import ValidationError


def raw_table(n: int, start: str = "2015-01-02") -> pd.DataFrame:
    """``n`` clean rows on consecutive XNYS sessions, prices all different."""
    sessions = sessions_between(
        "XNYS", pd.Timestamp(start), pd.Timestamp(start) + pd.Timedelta(days=2 * n)
    )
    close = 100.0 + np.arange(n) * 0.25
    return pd.DataFrame(
        {
            "Date": sessions[:n].strftime("%Y-%m-%d"),
            "Open": close,
            "High": close + 1,
            "Low": close - 1,
            "Close": close,
            "Adj Close": close,
            "Volume": 1000.0,
        }
    )


def test_the_limits_are_the_documented_ones() -> None:
    assert (DEFAULT_MAX_GAP, MAX_BAD_ROWS_ALWAYS_REPAIRED, MAX_BAD_FRACTION) == (5, 5, 0.01)


@pytest.mark.parametrize("max_gap", [1, DEFAULT_MAX_GAP])
def test_a_gap_of_exactly_max_gap_is_filled_with_the_last_price(max_gap: int) -> None:
    raw = raw_table(60)
    dropped = raw.iloc[30 : 30 + max_gap]
    frame, report = clean_prices(raw.drop(index=dropped.index), max_gap=max_gap)
    assert len(frame) == 60
    assert report.sessions_filled == max_gap
    filled = frame.loc[pd.to_datetime(dropped["Date"])]
    assert (filled["adj_close"] == raw["Adj Close"].iloc[29]).all()
    assert (filled["close"] == raw["Close"].iloc[29]).all()
    assert (filled["volume"] == 0).all()


@pytest.mark.parametrize("max_gap", [1, DEFAULT_MAX_GAP])
def test_one_session_more_than_max_gap_is_refused(max_gap: int) -> None:
    raw = raw_table(150)
    gap = raw.iloc[30 : 31 + max_gap]
    refusal = f"longer than the {max_gap} cleaning fills: .*\\({max_gap + 1}\\)"
    with pytest.raises(ValidationError, match=refusal) as info:
        clean_prices(raw.drop(index=gap.index), max_gap=max_gap)
    after = raw["Date"].iloc[31 + max_gap]  # the first session after the gap
    assert f"pass start={after} (the longest stretch" in str(info.value)


def test_the_default_max_gap_applies_without_the_argument() -> None:
    raw = raw_table(60)
    clean_prices(raw.drop(index=raw.index[30 : 30 + DEFAULT_MAX_GAP]))
    with pytest.raises(ValidationError, match="consecutive trading sessions are missing"):
        clean_prices(raw.drop(index=raw.index[30 : 31 + DEFAULT_MAX_GAP]))


def with_bad_rows(n_rows: int, n_bad: int) -> pd.DataFrame:
    """A table with ``n_bad`` rows of zero, negative or missing prices, spread out."""
    raw = raw_table(n_rows)
    rows = np.linspace(5, n_rows - 5, n_bad).astype(int)  # far apart: no long gap appears
    kinds = [0.0, -1.0, np.nan]
    for i, row in enumerate(rows):
        raw.loc[raw.index[row], "Close"] = kinds[i % 3]
    return raw


@pytest.mark.parametrize(
    ("n_rows", "limit"),
    [(100, 5), (499, 5), (2000, 20)],  # 5 rows, until 1 % of the history is more
)
def test_the_bad_row_limit_at_its_edge(n_rows: int, limit: int) -> None:
    assert max(MAX_BAD_ROWS_ALWAYS_REPAIRED, int(MAX_BAD_FRACTION * n_rows)) == limit
    frame, report = clean_prices(with_bad_rows(n_rows, limit))
    assert len(report.bad_rows_dropped) == limit
    assert len(frame) == n_rows  # dropped rows are trading sessions, so they are filled again
    assert report.sessions_filled == limit
    with pytest.raises(ValidationError, match=f"{limit + 1} of {n_rows} rows .* \\({limit}\\)"):
        clean_prices(with_bad_rows(n_rows, limit + 1))


def test_strict_refuses_a_single_bad_row() -> None:
    with pytest.raises(ValidationError, match="1 row\\(s\\) have non-positive"):
        clean_prices(with_bad_rows(100, 1), strict=True)
