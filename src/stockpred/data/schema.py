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

from stockpred.data.calendar import calendar_range, sessions_between
from stockpred.data.dates import check_date, parse_dates
from stockpred.data.options import DEFAULT_MAX_FILLED, DEFAULT_MAX_GAP
from stockpred.data.soundness import (
    Keep,
    check_gaps,
    drop_duplicates,
    few,
    gaps,
    refuse_flat,
    refuse_future,
)
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
    "closelast": "close",  # Nasdaq.com's "Close/Last"
    "adjclose": "adj_close",
    "adjustedclose": "adj_close",
    "closeadj": "adj_close",
    "volume": "volume",
    "vol": "volume",
}

# A long run of bad rows means the file is not what it claims to be; a few are typos.
MAX_BAD_FRACTION = 0.01
MAX_BAD_ROWS_ALWAYS_REPAIRED = 5
MAX_FILLED_ALWAYS = 5  # a handful of filled sessions is fine in any history, even a short one


@dataclass(frozen=True)
class CleaningReport:
    """What cleaning changed, so the user is told rather than surprised."""

    rows_in: int
    price_column: str
    duplicates_dropped: int = 0  # conflicting rows dropped, keeping ``duplicates_kept``'s
    duplicates_kept: str = "last"
    identical_dropped: int = 0
    bad_rows_dropped: tuple[str, ...] = ()
    off_calendar_dropped: tuple[str, ...] = ()
    outside_calendar_dropped: tuple[str, ...] = ()
    calendar_span: str = ""
    sessions_filled: int = 0
    filled_dates: tuple[str, ...] = ()
    high_low_repaired: int = 0
    notes: tuple[str, ...] = field(default=())

    def messages(self) -> list[str]:
        """One human sentence per change, empty when the input was clean."""
        out: list[str] = []
        if self.identical_dropped:
            out.append(f"dropped {self.identical_dropped} row(s) repeating an earlier row exactly")
        if self.duplicates_dropped:
            out.append(
                f"dropped {self.duplicates_dropped} row(s) of dates given twice with different "
                f"prices, kept the {self.duplicates_kept} row of each as asked"
            )
        if self.bad_rows_dropped:
            out.append(
                f"dropped {len(self.bad_rows_dropped)} row(s) with non-positive or missing "
                f"prices: {few(self.bad_rows_dropped)}"
            )
        if self.off_calendar_dropped:
            out.append(
                f"dropped {len(self.off_calendar_dropped)} row(s) on days the exchange was "
                f"closed: {few(self.off_calendar_dropped)}"
            )
        if self.outside_calendar_dropped:
            out.append(
                f"dropped {len(self.outside_calendar_dropped)} row(s) outside the exchange "
                f"calendar's range ({self.calendar_span}): {few(self.outside_calendar_dropped)}"
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
            "duplicates_kept": self.duplicates_kept,
            "identical_dropped": self.identical_dropped,
            "bad_rows_dropped": list(self.bad_rows_dropped),
            "off_calendar_dropped": list(self.off_calendar_dropped),
            "outside_calendar_dropped": list(self.outside_calendar_dropped),
            "sessions_filled": self.sessions_filled,
            "high_low_repaired": self.high_low_repaired,
            "messages": self.messages(),
        }


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


_THOUSANDS = r"-?\d{1,3}(,\d{3})+(\.\d+)?"


def _without_dollar(values: pd.Series) -> pd.Series:
    """Nasdaq.com's prices, ``$123.45`` and ``$1,234.50``, as plain numbers' text."""
    text = values.astype("string").str.strip()
    dollar = text.str.startswith("$", na=False)
    text = text.str.replace(r"^\$\s*", "", regex=True)
    grouped = dollar & text.str.fullmatch(_THOUSANDS, na=False)
    return text.where(~grouped, text.str.replace(",", "", regex=False))


def _to_float(frame: pd.DataFrame) -> pd.DataFrame:
    for col in frame.columns:
        values = frame[col]
        if not pd.api.types.is_numeric_dtype(values):
            values = _without_dollar(values)
        frame[col] = pd.to_numeric(values, errors="coerce").astype("float64")
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


def _fill_sessions(
    frame: pd.DataFrame, exchange: str, max_gap: int, max_filled: float
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Reindex to the exchange's sessions; forward-fill short gaps, refuse long or many ones."""
    sessions = sessions_between(exchange, frame.index[0], frame.index[-1])
    full = frame.reindex(sessions)
    missing = full["close"].isna().to_numpy()
    if not missing.any():
        return full, ()
    check_gaps(gaps(sessions, missing), sessions, max_gap, max_filled, MAX_FILLED_ALWAYS)
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
    duplicates: Keep | None = None,
) -> tuple[pd.DataFrame, CleaningReport]:
    """Turn a raw daily price table into a PriceFrame and say what was changed.

    A date given twice with the same prices keeps one row; with different prices it is
    refused unless ``duplicates`` says which row of the file to keep (``first``/``last``).
    """
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
    refuse_future(frame.index)
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

    frame, identical, conflicting = drop_duplicates(frame, duplicates, strict=strict)

    bad = _bad_price_rows(frame)
    bad_dates = tuple(str(d.date()) for d in frame.index[bad])
    _check_bad_rows(
        len(bad_dates), len(frame), strict=strict, example=bad_dates[0] if bad_dates else ""
    )
    frame = frame[~bad]
    if len(frame) < 2:
        raise ValidationError("fewer than two usable rows of prices remain after cleaning")

    frame, off_dates, outside, span = _on_calendar(frame, exchange)
    refuse_flat(frame[price_column], price_column)  # real rows only: a filled one never moves
    frame, filled = _fill_sessions(frame, exchange, max_gap, max_filled)
    repaired = _repair_high_low(frame)
    frame = frame[list(PRICE_COLUMNS)].astype("float64")
    frame.index.name = "date"

    report = CleaningReport(
        rows_in=rows_in,
        price_column=price_column,
        duplicates_dropped=conflicting,
        duplicates_kept=duplicates or "last",
        identical_dropped=identical,
        bad_rows_dropped=bad_dates,
        off_calendar_dropped=off_dates,
        outside_calendar_dropped=outside,
        calendar_span=span,
        sessions_filled=len(filled),
        filled_dates=filled,
        high_low_repaired=repaired,
        notes=tuple(notes),
    )
    return frame, report


def _on_calendar(
    frame: pd.DataFrame, exchange: str
) -> tuple[pd.DataFrame, tuple[str, ...], tuple[str, ...], str]:
    """Rows on the exchange's sessions, and the dates dropped: on days it was closed, and
    outside the range its calendar knows (with that range)."""
    sessions = sessions_between(exchange, frame.index[0], frame.index[-1])  # none inside: refused
    lo, hi = calendar_range(exchange, frame.index[0])
    outside = (frame.index < lo) | (frame.index > hi)
    closed = ~frame.index.isin(sessions) & ~outside
    listed = [tuple(str(d.date()) for d in frame.index[mask]) for mask in (closed, outside)]
    span = f"{exchange} {lo.date()}..{hi.date()}" if outside.any() else ""
    return frame[~(closed | outside)], listed[0], listed[1], span


def _text(value: str | pd.Timestamp | None) -> str | None:
    return None if value is None else str(value)


def adjusted_ohlc(frame: pd.DataFrame) -> pd.DataFrame:
    """Open/High/Low/Close scaled by adj_close/close, so splits do not look like crashes."""
    factor = frame["adj_close"] / frame["close"]
    return frame[list(OHLC)].mul(factor, axis=0)
