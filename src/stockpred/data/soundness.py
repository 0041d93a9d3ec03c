"""Refusals that keep numbers from being made of nothing or of the wrong rows.

Cleaning repairs what can be repaired without choosing for the user; these checks refuse
the rest in one line: dates that conflict, dates in the future, prices that do not move,
and gaps too long to fill (with advice that leaves enough sessions to run).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stockpred.data import clock
from stockpred.data.options import Keep
from stockpred.exceptions import ValidationError

# A price that trades moves on nearly every session; one unchanged on more than half of them
# (or never) gives returns of zero variance, errors of 0 vs 0 and empty intervals.
MIN_MOVING_SHARE = 0.5
# A month of sessions without a move: a delisted or suspended line, not prices to test on.
MAX_FLAT_TAIL = 20
# The fewest sessions gap advice may leave: what the default config's split needs
# (splits.minimum_sessions(ForecastConfig()), checked by a test).
MIN_USABLE_SESSIONS = 67


def few(dates: tuple[str, ...] | list[str], limit: int = 5) -> str:
    """The first ``limit`` dates, then how many more."""
    shown = ", ".join(dates[:limit])
    return shown + (f" and {len(dates) - limit} more" if len(dates) > limit else "")


def drop_duplicates(
    frame: pd.DataFrame, keep: Keep | None, *, strict: bool
) -> tuple[pd.DataFrame, int, int]:
    """``frame`` (sorted, stable) with one row per date, identical repeats dropped, conflicting
    ones refused unless ``keep`` says which row wins; returns (frame, identical, conflicting)."""
    frame = frame.sort_index(kind="stable")
    if not frame.index.has_duplicates:
        return frame, 0, 0
    if strict:
        dates = tuple(str(d.date()) for d in frame.index[frame.index.duplicated()].unique())
        raise ValidationError(
            f"{len(dates)} duplicate date(s): {few(dates)}; fix the file, or drop "
            "strict=True to drop identical repeats"
        )
    identical = frame.reset_index().duplicated(keep="first").to_numpy()
    frame = frame[~identical]
    conflicting = frame.index.duplicated(keep=keep or "last")
    if conflicting.any() and keep is None:
        dates = tuple(str(d.date()) for d in frame.index[conflicting].unique())
        raise ValidationError(
            f"{len(dates)} date(s) appear more than once with different prices: {few(dates)}; "
            "fix the file, or keep the first or the last row of each date in the file with "
            "duplicates=first or duplicates=last"
        )
    return frame[~conflicting], int(identical.sum()), int(conflicting.sum())


def refuse_future(index: pd.DatetimeIndex) -> None:
    """Prices dated after today are a mistake in the file (or its date layout), never data;
    tomorrow is let through, as an exchange east of this machine may already be there."""
    today = clock.today()
    tomorrow = today + pd.Timedelta(days=1)
    future = index[index > tomorrow]
    if len(future):
        raise ValidationError(
            f"{len(future)} row(s) are dated in the future (after {tomorrow.date()}; today is "
            f"{today.date()}), the first {future.min().date()}; check the file's dates, or "
            f"cut them off with end={today.date()}"
        )


def refuse_flat(prices: pd.Series, column: str) -> None:
    """A price that never moves, barely moves, or stopped moving has nothing to forecast."""
    values = prices.to_numpy(dtype="float64")
    moved = ~np.isclose(values[1:], values[:-1], rtol=1e-9, atol=0.0)
    n, k = len(moved), int(moved.sum())
    if k == 0:
        raise ValidationError(
            f"the {column} price is {values[0]:g} on all {len(values)} sessions: a price that "
            f"never moves has nothing to forecast; check that the file's {column} column "
            "holds the prices"
        )
    if k < MIN_MOVING_SHARE * n:
        raise ValidationError(
            f"the {column} price moves on only {k} of {n} sessions ({k / n:.0%}); at least "
            f"{MIN_MOVING_SHARE:.0%} must move to be modelled: use a file of a traded "
            "price, with one row per trading session"
        )
    tail = n - 1 - int(np.flatnonzero(moved)[-1])  # sessions since the last move
    if tail >= MAX_FLAT_TAIL:
        last_move = prices.index[-tail - 1].date()
        raise ValidationError(
            f"the {column} price has not moved since {last_move} (the last {tail} sessions): "
            f"nothing there to test a forecast on; pass end={last_move}"
        )


Gap = tuple[str, str, int]


def gaps(sessions: pd.DatetimeIndex, missing: np.ndarray) -> list[Gap]:
    """Runs of missing sessions as (first, last, length), in date order."""
    run_id = np.cumsum(~missing)
    found = []
    for _, where in pd.Series(np.flatnonzero(missing)).groupby(run_id[missing]):
        first, last = sessions[where.iloc[0]], sessions[where.iloc[-1]]
        found.append((str(first.date()), str(last.date()), len(where)))
    return found


def _longest_stretch(sessions: pd.DatetimeIndex, long: list[Gap]) -> Gap:
    """The longest run of sessions outside the long gaps, the latest on a tie: the span a run
    could still use."""
    in_long = np.zeros(len(sessions), dtype=bool)
    for first, last, _ in long:
        in_long |= (sessions >= first) & (sessions <= last)
    stretches = gaps(sessions, ~in_long)
    return max(reversed(stretches), key=lambda g: g[2]) if stretches else ("", "", 0)


def _usable_span(sessions: pd.DatetimeIndex, long: list[Gap]) -> str:
    """Advice that leaves enough sessions to run, or says no span between the gaps does."""
    first, last, n = _longest_stretch(sessions, long)
    if n < MIN_USABLE_SESSIONS:
        return (
            f"no stretch between them holds the {MIN_USABLE_SESSIONS} sessions a run needs "
            f"(the longest: {first}..{last}, {n}); use a more complete file or raise max_gap="
        )
    span = f"start={first}" + ("" if last == str(sessions[-1].date()) else f" and end={last}")
    return f"pass {span} (the longest stretch without one, {n} sessions) or raise max_gap="


def check_gaps(
    found: list[Gap], sessions: pd.DatetimeIndex, max_gap: int, max_filled: float, floor: int
) -> None:
    """Refuse gaps longer than ``max_gap`` or filling over ``max_filled`` (or ``floor``
    sessions): every gap in one line."""
    n_sessions = len(sessions)
    long = [g for g in found if g[2] > max_gap]
    filled = sum(g[2] for g in found)
    if not long and filled <= max(max_filled * n_sessions, floor):
        return
    shown = long or sorted(found, key=lambda g: -g[2])
    listed = ", ".join(f"{a}..{b} ({n})" for a, b, n in shown[:20])
    more = f" and {len(shown) - 20} more" if len(shown) > 20 else ""
    if long:
        raise ValidationError(
            f"consecutive trading sessions are missing in {len(long)} gap(s) longer than the "
            f"{max_gap} cleaning fills: {listed}{more}; {_usable_span(sessions, long)} "
            f"({filled} sessions missing in all)"
        )
    raise ValidationError(
        f"{filled} of {n_sessions} trading sessions ({filled / n_sessions:.1%}) are missing, "
        f"more than the {max_filled:.0%} cleaning fills (max_filled=); largest gaps: "
        f"{listed}{more}; pass start= after the gappy years, raise max_filled=, or use a more "
        "complete file"
    )
