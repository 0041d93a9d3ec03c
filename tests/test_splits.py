"""One calendar for a universe: the cutoff rule, its overrides, and a universe of one."""

from __future__ import annotations

import pandas as pd
import pytest

from stockpred.config import ForecastConfig
from stockpred.exceptions import ConfigError, InsufficientHistory
from stockpred.splits import Split, chronological_split, universe_calendar

CFG = ForecastConfig(window=10)
END = "2020-12-31"


def _sessions(start: str, end: str = END) -> pd.DatetimeIndex:
    return pd.bdate_range(start, end, name="date")


def _own_cutoffs(dates: pd.DatetimeIndex) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Where a lone ticker's 70/15/15 split starts validation and test (the rule before
    calendars, written out)."""
    n = len(dates)
    val_end = n - round(n * 0.15)
    return dates[val_end - round(n * 0.15)], dates[val_end]


def test_a_universe_of_one_keeps_its_own_70_15_15_split() -> None:
    for n in (67, 100, 1003, 2517):
        dates = _sessions("2000-01-03")[:n]
        val_end = n - round(n * 0.15)
        assert chronological_split(dates, CFG) == Split(val_end - round(n * 0.15), val_end, n)


def test_tickers_of_different_ages_are_cut_at_the_median_tickers_own_dates() -> None:
    starts = ("2004-01-01", "2008-01-01", "2012-01-01", "2014-06-01", "2016-01-01")
    histories = [_sessions(s) for s in starts]
    calendar = universe_calendar(histories, CFG)
    own = sorted(_own_cutoffs(d) for d in histories)
    assert (calendar.val_start, calendar.test_start) == own[2]  # the middle ticker's
    resolved = calendar.config(CFG)
    for dates in histories[:4]:
        split = chronological_split(dates, resolved)
        assert dates[split.train_end - 1] < calendar.val_start <= dates[split.train_end]
        assert dates[split.val_end - 1] < calendar.test_start == dates[split.val_end]


def test_an_even_universe_takes_the_lower_median_an_actual_session() -> None:
    histories = [_sessions("2010-01-01"), _sessions("2014-01-01")]
    calendar = universe_calendar(histories, CFG)
    assert calendar.test_start == _own_cutoffs(histories[0])[1]  # the earlier of the two
    assert calendar.test_start in histories[0]


def test_test_start_alone_splits_the_sessions_before_it_70_15() -> None:
    dates = _sessions("2010-01-01")
    cfg = CFG.model_copy(update={"test_start": "2019-01-02"})
    calendar = universe_calendar([dates], cfg)
    val_end = int(dates.searchsorted(pd.Timestamp("2019-01-02")))
    assert calendar.val_start == dates[val_end - round(val_end * 0.15 / 0.85)]
    assert calendar.test_start == pd.Timestamp("2019-01-02")


def test_val_start_overrides_the_validation_cutoff() -> None:
    dates = _sessions("2010-01-01")
    cfg = ForecastConfig(window=10, val_start="2017-03-01", test_start="2019-01-02")
    split = chronological_split(dates, cfg)
    assert dates[split.train_end] == pd.Timestamp("2017-03-01")
    assert dates[split.val_end] == pd.Timestamp("2019-01-02")
    alone = universe_calendar([dates], ForecastConfig(window=10, val_start="2017-03-01"))
    assert alone.test_start == _own_cutoffs(dates)[1]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"val_start": "2019-06-03", "test_start": "2019-01-02"}, "is not before test_start"),
        ({"val_start": "2020-06-01"}, "is not before the test start"),
        ({"val_start": "2009-01-02"}, "is not after the first session"),
        ({"val_start": "2019-13-01"}, "val_start: '2019-13-01' is not a date"),
    ],
)
def test_a_val_start_that_cannot_split_is_a_config_error(
    options: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        chronological_split(_sessions("2010-01-01"), ForecastConfig(window=10, **options))


def test_a_history_too_short_for_the_calendar_says_so() -> None:
    cfg = ForecastConfig(window=10, val_start="2019-01-02", test_start="2020-01-02")
    with pytest.raises(InsufficientHistory, match="too short for the calendar") as caught:
        chronological_split(_sessions("2018-12-20"), cfg)
    assert "validation from 2019-01-02, test from 2020-01-02" in str(caught.value)
    assert "training samples 0" in str(caught.value)
