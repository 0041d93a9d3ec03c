"""data/calendar.py: one calendar built per exchange, giving what a calendar per decade gave."""

from __future__ import annotations

import exchange_calendars as xcals
import pandas as pd
import pytest

from stockpred.data import calendar
from stockpred.data.calendar import calendar_range, sessions_after, sessions_between

FIRSTS = ("1962-03-05", "1995-06-01", "2003-01-02")  # three decades, the earliest first


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """Every calendar exchange_calendars is asked to build, with a fresh cache."""
    monkeypatch.setattr(calendar, "_widest", {}, raising=False)
    asked: list[dict[str, object]] = []
    real = xcals.get_calendar

    def counting(name: str, **kwargs: object) -> xcals.ExchangeCalendar:
        asked.append(kwargs)
        return real(name, **kwargs)

    monkeypatch.setattr(xcals, "get_calendar", counting)
    return asked


def test_histories_from_many_decades_share_one_calendar(builds: list[dict[str, object]]) -> None:
    """A worker loading tickers that start in many decades built two calendars a decade
    (one of them only to read how far back the exchange goes)."""
    for first in FIRSTS:
        sessions_between("XNYS", pd.Timestamp(first), pd.Timestamp("2015-12-31"))
        calendar_range("XNYS", pd.Timestamp(first))
    sessions_after("XNYS", pd.Timestamp("2015-12-31"), 5)
    assert builds == [{"start": "1960-01-01", "end": builds[0]["end"]}]


@pytest.mark.parametrize(("exchange", "bound"), [("XNYS", None), ("XTKS", "1997-01-01")])
def test_sessions_and_span_are_those_of_a_calendar_built_from_the_decade(
    exchange: str, bound: str | None
) -> None:
    """Same sessions, span and freq as a calendar built from the decade's start (or from how
    far back the exchange's calendar goes: XTKS's begins in 1997)."""
    end = str((calendar.clock.today() + pd.DateOffset(years=1)).date())
    last = pd.Timestamp("2024-12-31")
    for first in (*FIRSTS, "2020-01-01"):
        stamp = pd.Timestamp(first)
        start = pd.Timestamp(f"{stamp.year - stamp.year % 10}-01-01")
        if bound is not None:
            start = max(start, pd.Timestamp(bound))
        own = xcals.get_calendar(exchange, start=str(start.date()), end=end)
        assert calendar_range(exchange, stamp) == (own.first_session, own.last_session)
        got = sessions_between(exchange, stamp, last)
        assert got.equals(own.sessions_in_range(max(stamp, own.first_session), last))
        assert got.freq == own.sessions.freq
        day_after = max(stamp + pd.Timedelta(days=1), own.first_session)
        after = own.sessions_in_range(day_after, own.last_session)[:30]
        assert list(sessions_after(exchange, stamp, 30)) == list(after)
