"""PriceFrame: the one validated shape of daily prices that everything downstream trusts.

A PriceFrame is a pandas DataFrame with a tz-naive ``DatetimeIndex`` named ``date`` that
holds exactly the exchange's trading sessions between its first and last row, sorted and
unique, with float64 columns ``open high low close adj_close volume``. Raw tables from
files and providers pass through :func:`clean_prices` once, at the boundary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from stockpred.data.calendar import sessions_between
from stockpred.data.dates import check_date, parse_dates
from stockpred.exceptions import ValidationError

PRICE_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close", "adj_close", "volume")
OHLC = ("open", "high", "low", "close")

# Names seen in the wild (Yahoo, Kaggle, Stooq, Alpha Vantage, spreadsheets), squashed to
# lower-case letters only, mapped to PriceFrame columns.
_ALIASES: dict[str, str] = {
    "date": "date",
    "datetime": "date",
    "timestamp": "date",
    "time": "date",
    "day": "date",
    "open": "open",
    "high": "high",
    "low": "low",
    "close": "close",
    "last": "close",
    "price": "close",
    "adjclose": "adj_close",
    "adjustedclose": "adj_close",
    "closeadj": "adj_close",
    "volume": "volume",
    "vol": "volume",
}

# A long run of bad rows means the file is not what it claims to be; a few are typos.
MAX_BAD_FRACTION = 0.01
MAX_BAD_ROWS_ALWAYS_REPAIRED = 5
DEFAULT_MAX_GAP = 5
# Filled sessions have no move of their own; past this share of history they would be a
# noticeable part of what the model learns from.
DEFAULT_MAX_FILLED = 0.02
MAX_FILLED_ALWAYS = 5  # a handful of filled sessions is fine in any history, even a short one


@dataclass(frozen=True)
class CleaningReport:
    """What cleaning changed, so the user is told rather than surprised."""

    rows_in: int
    price_column: str
    duplicates_dropped: int = 0
    bad_rows_dropped: tuple[str, ...] = ()
    off_calendar_dropped: tuple[str, ...] = ()
    sessions_filled: int = 0
    filled_dates: tuple[str, ...] = ()
    high_low_repaired: int = 0
    notes: tuple[str, ...] = field(default=())

    def messages(self) -> list[str]:
        """One human sentence per change, empty when the input was clean."""
        out: list[str] = []
        if self.duplicates_dropped:
            out.append(f"dropped {self.duplicates_dropped} duplicate date(s), kept the last")
        if self.bad_rows_dropped:
            out.append(
                f"dropped {len(self.bad_rows_dropped)} row(s) with non-positive or missing "
                f"prices: {_few(self.bad_rows_dropped)}"
            )
        if self.off_calendar_dropped:
            out.append(
                f"dropped {len(self.off_calendar_dropped)} row(s) on days the exchange was "
                f"closed: {_few(self.off_calendar_dropped)}"
            )
        if self.sessions_filled:
            out.append(f"forward-filled {self.sessions_filled} missing trading session(s)")
        if self.high_low_repaired:
            out.append(
                f"widened High/Low on {self.high_low_repaired} row(s) that disagreed "
                "with Open/Close"
            )
        out.extend(self.notes)
        return out

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form for metrics.json."""
        return {
            "rows_in": self.rows_in,
            "price_column": self.price_column,
            "duplicates_dropped": self.duplicates_dropped,
            "bad_rows_dropped": list(self.bad_rows_dropped),
            "off_calendar_dropped": list(self.off_calendar_dropped),
            "sessions_filled": self.sessions_filled,
            "high_low_repaired": self.high_low_repaired,
        }


def _few(dates: tuple[str, ...], limit: int = 5) -> str:
    shown = ", ".join(dates[:limit])
    return shown + (f" and {len(dates) - limit} more" if len(dates) > limit else "")


def _squash(name: object) -> str:
    return re.sub(r"[^a-z]", "", str(name).lower())


def normalise_columns(raw: pd.DataFrame) -> pd.DataFrame:
    """Rename common column layouts to PriceFrame names and keep only those."""
    frame = raw.reset_index() if _squash(raw.index.name) in _ALIASES else raw
    renamed: dict[object, str] = {}
    for col in frame.columns:
        target = _ALIASES.get(_squash(col))
        if target is not None and target not in renamed.values():
            renamed[col] = target
    frame = frame.rename(columns=renamed)[list(renamed.values())]
    if "date" not in frame.columns:
        raise ValidationError(
            f"no date column found (columns: {', '.join(map(str, raw.columns))}); "
            "name one of them 'Date'"
        )
    if "close" not in frame.columns and "adj_close" not in frame.columns:
        raise ValidationError(
            f"no price column found (columns: {', '.join(map(str, raw.columns))}); "
            "the file needs 'Close' or 'Adj Close'"
        )
    return frame


def _to_float(frame: pd.DataFrame) -> pd.DataFrame:
    for col in frame.columns:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    return frame


def _bad_price_rows(frame: pd.DataFrame) -> pd.Series:
    prices = frame[[c for c in (*OHLC, "adj_close") if c in frame.columns]]
    return ~(np.isfinite(prices) & (prices > 0)).all(axis=1)


def _check_bad_rows(n_bad: int, n_rows: int, *, strict: bool, example: str) -> None:
    if n_bad == 0:
        return
    if strict:
        raise ValidationError(
            f"{n_bad} row(s) have non-positive or missing prices (first on {example}); "
            "fix the file or drop strict=True to let cleaning remove them"
        )
    limit = max(MAX_BAD_ROWS_ALWAYS_REPAIRED, int(MAX_BAD_FRACTION * n_rows))
    if n_bad > limit:
        raise ValidationError(
            f"{n_bad} of {n_rows} rows have non-positive or missing prices (first on "
            f"{example}), more than cleaning repairs ({limit}); check the file's price columns"
        )


def _gaps(sessions: pd.DatetimeIndex, missing: np.ndarray) -> list[tuple[str, str, int]]:
    """Runs of missing sessions as (first, last, length), in date order."""
    run_id = np.cumsum(~missing)
    gaps = []
    for _, where in pd.Series(np.flatnonzero(missing)).groupby(run_id[missing]):
        first, last = sessions[where.iloc[0]], sessions[where.iloc[-1]]
        gaps.append((str(first.date()), str(last.date()), len(where)))
    return gaps


def _check_gaps(
    gaps: list[tuple[str, str, int]], n_sessions: int, max_gap: int, max_filled: float
) -> None:
    """Refuse gaps longer than ``max_gap`` or filling over ``max_filled``: every gap at once."""
    long = [g for g in gaps if g[2] > max_gap]
    filled = sum(g[2] for g in gaps)
    if not long and filled <= max(max_filled * n_sessions, MAX_FILLED_ALWAYS):
        return
    shown = long or sorted(gaps, key=lambda g: -g[2])
    listed = ", ".join(f"{a}..{b} ({n})" for a, b, n in shown[:20])
    more = f" and {len(shown) - 20} more" if len(shown) > 20 else ""
    if long:
        raise ValidationError(
            f"consecutive trading sessions are missing in {len(long)} gap(s) longer than the "
            f"{max_gap} cleaning fills: {listed}{more}; pass start= after {long[-1][1]} or "
            f"raise max_gap= ({filled} sessions missing in all)"
        )
    raise ValidationError(
        f"{filled} of {n_sessions} trading sessions ({filled / n_sessions:.1%}) are missing, "
        f"more than the {max_filled:.0%} cleaning fills (max_filled=); largest gaps: "
        f"{listed}{more}; pass start= after the gappy years, raise max_filled=, or use a more complete file"
    )


def _fill_sessions(
    frame: pd.DataFrame, exchange: str, max_gap: int, max_filled: float
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Reindex to the exchange's sessions; forward-fill short gaps, refuse long or many ones."""
    sessions = sessions_between(exchange, frame.index[0], frame.index[-1])
    full = frame.reindex(sessions)
    missing = full["close"].isna().to_numpy()
    if not missing.any():
        return full, ()
    _check_gaps(_gaps(sessions, missing), len(sessions), max_gap, max_filled)
    prev_close = full["close"].ffill()
    for col in ("open", "high", "low", "close"):
        full[col] = full[col].fillna(prev_close)
    full["adj_close"] = full["adj_close"].ffill()
    full["volume"] = full["volume"].fillna(0.0)
    return full, tuple(str(d.date()) for d in sessions[missing])


def _repair_high_low(frame: pd.DataFrame) -> int:
    top = frame[["open", "close"]].max(axis=1)
    bottom = frame[["open", "close"]].min(axis=1)
    wrong = (frame["high"] < top) | (frame["low"] > bottom)
    frame["high"] = np.maximum(frame["high"], top)
    frame["low"] = np.minimum(frame["low"], bottom)
    return int(wrong.sum())


def clean_prices(
    raw: pd.DataFrame,
    *,
    exchange: str = "XNYS",
    strict: bool = False,
    max_gap: int = DEFAULT_MAX_GAP,
    max_filled: float = DEFAULT_MAX_FILLED,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    date_format: str | None = None,
) -> tuple[pd.DataFrame, CleaningReport]:
    """Turn a raw daily price table into a PriceFrame and say what was changed."""
    frame = normalise_columns(raw)
    if frame.empty:
        raise ValidationError("the price table has no rows")
    price_column = "adj_close" if "adj_close" in frame.columns else "close"
    first, last = check_date("start", _text(start)), check_date("end", _text(end))
    dates = parse_dates(frame.pop("date").reset_index(drop=True), date_format)
    frame = _to_float(frame.set_axis(dates, axis=0))
    frame.index.name = "date"
    rows_in = len(frame)

    if first is not None:
        frame = frame[frame.index >= first]
    if last is not None:
        frame = frame[frame.index <= last]
    notes: list[str] = []
    if "close" not in frame.columns:
        frame["close"] = frame["adj_close"]
    if "adj_close" not in frame.columns:
        frame["adj_close"] = frame["close"]
    for col in ("open", "high", "low"):
        if col not in frame.columns:
            frame[col] = frame["close"]
            notes.append(f"no {col!r} column: filled from close")
    if "volume" not in frame.columns:
        frame["volume"] = np.nan
        notes.append("no 'volume' column: volume features are unavailable")

    if strict and frame.index.has_duplicates:
        raise ValidationError(
            f"{int(frame.index.duplicated().sum())} duplicate date(s), first "
            f"{frame.index[frame.index.duplicated()][0].date()}; drop strict=True to keep the last"
        )
    frame = frame.sort_index(kind="stable")
    dup = frame.index.duplicated(keep="last")
    frame = frame[~dup]

    bad = _bad_price_rows(frame)
    bad_dates = tuple(str(d.date()) for d in frame.index[bad])
    _check_bad_rows(
        len(bad_dates), len(frame), strict=strict, example=bad_dates[0] if bad_dates else ""
    )
    frame = frame[~bad]
    if len(frame) < 2:
        raise ValidationError("fewer than two usable rows of prices remain after cleaning")

    sessions = sessions_between(exchange, frame.index[0], frame.index[-1])
    off = ~frame.index.isin(sessions)
    off_dates = tuple(str(d.date()) for d in frame.index[off])
    frame = frame[~off]
    frame, filled = _fill_sessions(frame, exchange, max_gap, max_filled)
    repaired = _repair_high_low(frame)
    frame = frame[list(PRICE_COLUMNS)].astype("float64")
    frame.index.name = "date"

    report = CleaningReport(
        rows_in=rows_in,
        price_column=price_column,
        duplicates_dropped=int(dup.sum()),
        bad_rows_dropped=bad_dates,
        off_calendar_dropped=off_dates,
        sessions_filled=len(filled),
        filled_dates=filled,
        high_low_repaired=repaired,
        notes=tuple(notes),
    )
    return frame, report


def _text(value: str | pd.Timestamp | None) -> str | None:
    return None if value is None else str(value)


def adjusted_ohlc(frame: pd.DataFrame) -> pd.DataFrame:
    """Open/High/Low/Close scaled by adj_close/close, so splits do not look like crashes."""
    factor = frame["adj_close"] / frame["close"]
    return frame[list(OHLC)].mul(factor, axis=0)
