from __future__ import annotations

import pandas as pd
import pytest

from stockpred import load_prices
from stockpred.data.calendar import next_sessions, sessions_between
from stockpred.data.samples import sample_tickers
from stockpred.exceptions import TickerNotFound

from ..conftest import FIXED_TODAY


def test_bundled_sample_tickers_and_ranges() -> None:
    assert sample_tickers() == ["AAPL", "FB", "GOOG", "IBM", "MSFT"]
    msft = load_prices("MSFT")
    assert msft.dates[0] == pd.Timestamp("2000-03-01")
    assert msft.dates[-1] == pd.Timestamp("2013-03-01")
    assert msft.price_column == "adj_close"
    assert msft.source == "sample"
    assert load_prices("goog").dates[0] == pd.Timestamp("2004-08-19")


def test_adjusted_close_has_no_split_crash() -> None:
    aapl = load_prices("AAPL", start="2005-02-20", end="2005-03-05")
    daily = aapl.frame["adj_close"].pct_change().abs().max()
    raw = aapl.frame["close"].pct_change().abs().max()
    assert raw > 0.4
    assert daily < 0.1


def test_unknown_sample_ticker_names_the_alternatives() -> None:
    with pytest.raises(TickerNotFound, match="AAPL, FB, GOOG, IBM, MSFT"):
        load_prices("ZZZZ", source="sample")


def test_next_sessions_skip_weekends_and_holidays() -> None:
    got = next_sessions("XNYS", pd.Timestamp("2013-03-28"), 3)  # Good Friday 2013-03-29 is closed
    assert [str(d.date()) for d in got] == ["2013-04-01", "2013-04-02", "2013-04-03"]


def test_old_histories_are_covered_by_the_calendar() -> None:
    sessions = sessions_between("XNYS", pd.Timestamp("1987-10-15"), pd.Timestamp("1987-10-21"))
    assert len(sessions) == 5


def test_sessions_beyond_the_calendar_are_a_clear_error() -> None:
    from stockpred.data.calendar import sessions_after
    from stockpred.exceptions import ValidationError

    known = sessions_after("XNYS", FIXED_TODAY, 10_000)
    assert 200 < len(known) < 400  # the calendar reaches a year past (the fixed) today
    assert known[-1] <= FIXED_TODAY + pd.DateOffset(years=1)
    with pytest.raises(ValidationError, match="ask for at most"):
        next_sessions("XNYS", FIXED_TODAY, len(known) + 1)
