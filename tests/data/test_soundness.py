"""Prices whose numbers would be made of nothing or of the wrong rows are refused (issue 20)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stockpred.config import ForecastConfig
from stockpred.data.calendar import sessions_between
from stockpred.data.schema import clean_prices
from stockpred.data.soundness import MAX_FLAT_TAIL, MIN_USABLE_SESSIONS
from stockpred.exceptions import ValidationError
from stockpred.splits import minimum_sessions

from ..conftest import FIXED_TODAY
from .test_schema_boundaries import raw_table


def test_gap_advice_leaves_what_the_default_config_needs() -> None:
    assert minimum_sessions(ForecastConfig()) == MIN_USABLE_SESSIONS


def test_a_constant_price_is_refused() -> None:
    raw = raw_table(200).assign(Close=100.0, **{"Adj Close": 100.0})
    with pytest.raises(ValidationError, match="price is 100 on all 200 sessions: a price that "):
        clean_prices(raw)


def test_a_price_that_barely_moves_is_refused() -> None:
    raw = raw_table(200)
    steps = np.where(np.arange(200) % 3 == 0, 0.25, 0.0)  # moves on a third of the sessions
    raw["Adj Close"] = 100.0 + np.cumsum(steps)
    with pytest.raises(ValidationError, match="moves on only 66 of 199 sessions"):
        clean_prices(raw)


def _flat_tail(sessions: int) -> tuple[pd.DataFrame, str]:
    """200 rows whose price does not move on the last ``sessions``; the last move's date."""
    raw = raw_table(200)
    last = 199 - sessions
    raw.loc[last:, "Adj Close"] = raw["Adj Close"].iloc[last]
    return raw, raw["Date"].iloc[last]


def test_a_price_that_stopped_moving_is_refused_with_the_end_to_pass() -> None:
    raw, last_move = _flat_tail(MAX_FLAT_TAIL)
    with pytest.raises(ValidationError, match=f"not moved since {last_move} .*end={last_move}"):
        clean_prices(raw)
    frame, _ = clean_prices(raw, end=last_move)
    assert str(frame.index[-1].date()) == last_move


def test_a_flat_tail_one_session_shorter_is_accepted() -> None:
    raw, _ = _flat_tail(MAX_FLAT_TAIL - 1)
    assert len(clean_prices(raw)[0]) == 200


def test_dates_after_today_are_refused_naming_the_first() -> None:
    raw = raw_table(40, start=str((FIXED_TODAY - pd.Timedelta(days=30)).date()))
    tomorrow = FIXED_TODAY + pd.Timedelta(days=1)  # already today on an exchange further east
    future = raw["Date"][pd.to_datetime(raw["Date"]) > tomorrow].iloc[0]
    with pytest.raises(
        ValidationError,
        match=f"in the future \\(after 2025-06-03; today is 2025-06-02\\), the first {future}; .*end=2025-06-02",
    ):
        clean_prices(raw)
    frame, _ = clean_prices(raw, end=str(tomorrow.date()))
    assert frame.index[-1] == tomorrow


def test_rows_before_the_calendar_are_reported_as_outside_it() -> None:
    sessions = sessions_between("XTKS", pd.Timestamp("1997-01-01"), pd.Timestamp("1997-12-31"))
    early = pd.bdate_range("1996-12-02", periods=3)
    dates = [*early.strftime("%Y-%m-%d"), *sessions.strftime("%Y-%m-%d")]
    raw = pd.DataFrame({"Date": dates, "Close": 100.0 + 0.25 * np.arange(len(dates))})
    frame, report = clean_prices(raw, exchange="XTKS")
    assert frame.index[0] == sessions[0]
    assert report.off_calendar_dropped == ()
    assert report.messages()[0] == (
        "dropped 3 row(s) outside the exchange calendar's range (XTKS 1997-01-06.."
        "2026-06-02): 1996-12-02, 1996-12-03, 1996-12-04"
    )


def _with_gaps(n: int, cuts: list[tuple[int, int]]) -> pd.DataFrame:
    raw = raw_table(n)
    return raw.drop(index=[i for lo, hi in cuts for i in range(lo, hi)])


def test_no_usable_span_is_said_when_every_stretch_is_too_short() -> None:
    raw = _with_gaps(120, [(40, 50), (80, 90)])
    with pytest.raises(ValidationError, match=r"no stretch between them holds the 67 sessions"):
        clean_prices(raw)


def test_an_earlier_stretch_is_advised_with_its_start_and_end() -> None:
    raw = _with_gaps(150, [(100, 110)])  # 100 sessions, the gap, then 40
    first, last = raw["Date"].iloc[0], raw["Date"].iloc[99]
    with pytest.raises(ValidationError, match=f"pass start={first} and end={last} \\(the longe"):
        clean_prices(raw)
