"""Exchange trading sessions: which days a price exists for, and which days come next."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import pandas as pd

from stockpred.exceptions import ConfigError, ValidationError

if TYPE_CHECKING:
    import exchange_calendars


@lru_cache(maxsize=16)
def _calendar(exchange: str, start_year: int) -> exchange_calendars.ExchangeCalendar:
    """One calendar per exchange and start year: building one costs ~0.1-0.5 s."""
    import exchange_calendars as xcals

    try:
        # get_calendar() alone covers only the last 20 years; real histories go back further.
        return xcals.get_calendar(exchange, start=f"{start_year}-01-01")
    except xcals.errors.InvalidCalendarName as exc:
        raise ConfigError(
            f"unknown exchange {exchange!r}; use an exchange_calendars code such as XNYS, "
            "XNAS, XLON or XTKS"
        ) from exc


def calendar_for(exchange: str, first: pd.Timestamp) -> exchange_calendars.ExchangeCalendar:
    """The exchange's calendar reaching back to at least ``first``."""
    return _calendar(exchange, min(pd.Timestamp(first).year, pd.Timestamp.today().year - 1))


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


def next_sessions(exchange: str, last: pd.Timestamp, n: int) -> pd.DatetimeIndex:
    """The ``n`` trading sessions after ``last`` (which need not itself be a session)."""
    cal = calendar_for(exchange, last)
    last = pd.Timestamp(last)
    anchor = cal.date_to_session(last, direction="previous")
    if anchor + pd.Timedelta(days=1) > cal.last_session:
        raise ValidationError(f"{exchange} calendar ends at {cal.last_session.date()}")
    window = cal.sessions_window(anchor, n + 1)[1:]
    if len(window) < n:
        raise ValidationError(
            f"{exchange} calendar does not reach {n} sessions after {last.date()}"
        )
    return pd.DatetimeIndex(window.tz_localize(None) if window.tz else window, name="date")
