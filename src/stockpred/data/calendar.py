"""Exchange trading sessions: which days a price exists for, and which days come next."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from stockpred.data import clock
from stockpred.exceptions import ConfigError, ValidationError

if TYPE_CHECKING:
    import exchange_calendars


@dataclass(frozen=True)
class _Span:
    """An exchange's calendar as one built from ``first_session`` would be: the sessions of a
    wider calendar, from ``first_session`` on."""

    calendar: exchange_calendars.ExchangeCalendar
    first_session: pd.Timestamp

    @property
    def last_session(self) -> pd.Timestamp:
        """The last session the calendar knows."""
        return self.calendar.last_session

    def sessions_in_range(self, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DatetimeIndex:
        """The sessions from ``lo`` to ``hi`` (``lo`` no earlier than ``first_session``)."""
        return self.calendar.sessions_in_range(lo, hi)


# By (exchange, end): the calendar reaching back furthest built so far, and the start it was
# asked for. Building one costs ~0.14 s whatever its span and a universe's tickers start in
# many decades (a worker built ~10), so one is built and only rebuilt to reach further back.
_widest: dict[tuple[str, str], tuple[pd.Timestamp, exchange_calendars.ExchangeCalendar]] = {}


def _calendar(exchange: str, start_year: int, end: str) -> _Span:
    """The exchange's calendar from ``start_year`` (or as far back as it goes) to ``end``."""
    start = pd.Timestamp(f"{start_year}-01-01")
    built = _widest.get((exchange, end))
    if built is None or built[0] > start:
        built = _widest[(exchange, end)] = (start, _build(exchange, start, end))
    sessions = built[1].sessions
    # The first session on or after ``start``: where a calendar built from it would begin.
    return _Span(built[1], sessions[sessions.searchsorted(start)])


def _build(exchange: str, start: pd.Timestamp, end: str) -> exchange_calendars.ExchangeCalendar:
    """A calendar from ``start``, or from the earliest date the exchange's calendar can.

    get_calendar() alone covers only the last 20 years; real histories go back further, as
    far as the exchange's calendar can (XTKS: 1997). The end is exchange_calendars' own
    default (a year after today), from our clock.
    """
    import exchange_calendars as xcals

    try:
        return xcals.get_calendar(exchange, start=str(start.date()), end=end)
    except xcals.errors.InvalidCalendarName as exc:
        raise ConfigError(
            f"unknown exchange {exchange!r}; use an exchange_calendars code such as XNYS, "
            "XNAS, XLON or XTKS"
        ) from exc
    except ValueError:
        # Before the earliest date the calendar can be built from: build it from there
        # (exchange_calendars' default calendar knows that date; only here is it built).
        bound = xcals.get_calendar(exchange).bound_min()
        if bound is None or start >= pd.Timestamp(bound):
            raise
        return xcals.get_calendar(exchange, start=str(pd.Timestamp(bound).date()), end=end)


def calendar_for(exchange: str, first: pd.Timestamp) -> _Span:
    """The exchange's calendar reaching back to at least ``first``."""
    today = clock.today()
    end = str((today + pd.DateOffset(years=1)).date())
    # By decade: a universe's tickers start in many years and would each build their own.
    year = min(pd.Timestamp(first).year, today.year - 1)
    return _calendar(exchange, year - year % 10, end)


def calendar_range(exchange: str, first: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first and last session the exchange's calendar knows, reaching back to ``first``."""
    cal = calendar_for(exchange, first)
    return _naive(cal.first_session), _naive(cal.last_session)


def _naive(stamp: pd.Timestamp) -> pd.Timestamp:
    return stamp.tz_localize(None) if stamp.tz is not None else stamp


def sessions_between(exchange: str, first: pd.Timestamp, last: pd.Timestamp) -> pd.DatetimeIndex:
    """All trading sessions from ``first`` to ``last``, both included, tz-naive."""
    cal = calendar_for(exchange, first)
    lo = max(pd.Timestamp(first), cal.first_session)
    hi = min(pd.Timestamp(last), cal.last_session)
    if lo > hi:
        raise ValidationError(
            f"the dates {pd.Timestamp(first).date()}..{pd.Timestamp(last).date()} lie outside "
            f"the {exchange} calendar ({cal.first_session.date()}..{cal.last_session.date()})"
        )
    sessions = cal.sessions_in_range(lo, hi)
    return pd.DatetimeIndex(sessions.tz_localize(None) if sessions.tz else sessions, name="date")


def sessions_after(exchange: str, last: pd.Timestamp, n: int) -> pd.DatetimeIndex:
    """Up to ``n`` trading sessions after ``last``: fewer where the calendar ends (about a
    year after today)."""
    last = pd.Timestamp(last)
    cal = calendar_for(exchange, last)
    if last >= cal.last_session:
        return pd.DatetimeIndex([], name="date")
    following = cal.sessions_in_range(
        max(last + pd.Timedelta(days=1), cal.first_session), cal.last_session
    )[:n]
    naive = following.tz_localize(None) if following.tz else following
    return pd.DatetimeIndex(naive.to_numpy(dtype="datetime64[ns]"), name="date")  # plain, no freq


def next_sessions(exchange: str, last: pd.Timestamp, n: int) -> pd.DatetimeIndex:
    """The ``n`` trading sessions after ``last`` (which need not itself be a session)."""
    sessions = sessions_after(exchange, last, n)
    if len(sessions) < n:
        raise ValidationError(
            f"the {exchange} calendar knows only {len(sessions)} sessions after "
            f"{pd.Timestamp(last).date()}; ask for at most {len(sessions)} days"
        )
    return sessions
