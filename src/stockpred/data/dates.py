"""A date column's layout, detected from the whole column: one layout, never a guess per row.

``31/01/2015`` is day-first and ``01/31/2015`` month-first; a column where every day is 12
or less could be either, so it is refused with the way out (``date_format=``) instead of
being read one way and silently scrambling every day with its month.
"""

from __future__ import annotations

import re

import pandas as pd

from stockpred.exceptions import ConfigError, ValidationError

EPOCH = "epoch"
ISO = "ISO8601"

# (shape every value must have, formats that shape may be read with, what the layout is called)
_SHAPES: tuple[tuple[re.Pattern[str], tuple[str, ...], str], ...] = (
    (re.compile(r"\d{4}-\d{1,2}-\d{1,2}([ T].*)?"), (ISO,), "ISO (2015-01-31)"),
    (re.compile(r"\d{4}/\d{1,2}/\d{1,2}"), ("%Y/%m/%d",), "year/month/day"),
    (re.compile(r"\d{1,2}/\d{1,2}/\d{4}"), ("%m/%d/%Y", "%d/%m/%Y"), "day and month with /"),
    (re.compile(r"\d{1,2}-\d{1,2}-\d{4}"), ("%m-%d-%Y", "%d-%m-%Y"), "day and month with -"),
    (re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}"), ("%d.%m.%Y",), "day.month.year"),
    (re.compile(r"\d{8}"), ("%Y%m%d",), "compact YYYYMMDD"),
    (re.compile(r"\d{9,10}"), (EPOCH,), "epoch seconds"),
)


def _as_text(values: pd.Series) -> pd.Series:
    """Dates as stripped strings; whole-number columns (20150131, epoch) without a ``.0``."""
    if pd.api.types.is_float_dtype(values) and (values.dropna() % 1 == 0).all():
        values = values.astype("Int64")
    text = values.astype("string").str.strip()
    return (
        text.str.split(r"\s+", n=1, regex=True).str[0].where(~text.str.match(r"\d{4}-"), text)
    )  # keep ISO times (and zones); drop a time after other layouts' dates


def _parse(text: pd.Series, fmt: str) -> pd.Series:
    """Parse with one layout; values it cannot read become NaT."""
    if fmt == EPOCH:
        return pd.to_datetime(pd.to_numeric(text, errors="coerce"), unit="s", errors="coerce")
    parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=fmt == ISO)
    return parsed.dt.tz_localize(None) if fmt == ISO else parsed


def _finish(parsed: pd.Series) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(parsed).normalize()


def parse_dates(values: pd.Series, date_format: str | None = None) -> pd.DatetimeIndex:
    """Dates as tz-naive midnight timestamps, in the one layout the whole column has."""
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values.dt.tz_localize(None) if values.dt.tz is not None else values
        _refuse_missing(values, parsed, "dates")
        return _finish(parsed)
    text = _as_text(values)
    if date_format is not None:
        parsed = _parse(text, date_format)
        _refuse_missing(text, parsed, f"date_format={date_format}")
        return _finish(parsed)
    if text.str.contains(r"[A-Za-z]{3}", regex=True).all():  # month names are unambiguous
        parsed = pd.to_datetime(text, format="mixed", errors="coerce")
        _refuse_missing(text, parsed, "dates with month names")
        return _finish(parsed)
    return _finish(_detect(text))


def _detect(text: pd.Series) -> pd.Series:
    """Try every layout whose shape the column has; exactly one distinct reading must remain."""
    counts: list[int] = []
    for shape, _, _ in _SHAPES:
        counts.append(int(text.str.fullmatch(shape).sum()))
        if counts[-1] == len(text):  # none after it can fit more rows; a tie goes to the first
            break
    shape, formats, name = _SHAPES[max(range(len(counts)), key=counts.__getitem__)]
    if max(counts) < len(text):
        _refuse_missing(text, text.where(text.str.fullmatch(shape)), f"the {name} layout")
    readings = {fmt: _parse(text, fmt) for fmt in formats}
    complete = {fmt: p for fmt, p in readings.items() if p.notna().all()}
    if not complete:
        _refuse_missing(text, max(readings.values(), key=lambda p: int(p.notna().sum())), name)
    first = next(iter(complete.values()))
    if any(not p.equals(first) for p in complete.values()):
        options = " or ".join(f"date_format={f}" for f in complete)
        raise ValidationError(
            f"dates such as {text.iloc[0]!r} read both month-first and day-first (no day in the "
            f"column is above 12); say which with {options}"
        )
    return first


def _refuse_missing(text: pd.Series, parsed: pd.Series, layout: str) -> None:
    """A date that does not fit the column's layout is a user error, with an example."""
    bad = parsed.isna().to_numpy()
    if bad.any():
        example = text[bad].iloc[0]
        raise ValidationError(
            f"could not parse {int(bad.sum())} date(s), e.g. {example!r}, as {layout}; "
            "one layout per column (ISO dates like 2020-01-31 are safest), or pass date_format="
        )


def check_date(parameter: str, value: str | None) -> pd.Timestamp | None:
    """A date given as a parameter, or a one-line error naming the parameter."""
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise ConfigError(f"{parameter}: {value!r} is not a date (YYYY-MM-DD)")
    return stamp.normalize()


def check_date_options(**options: str | None) -> None:
    """Every date option at once: each bad one named in a single line; start before end."""
    problems = []
    for name, value in options.items():
        try:
            check_date(name, value)
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise ConfigError("; ".join(problems))
    start, end = options.get("start"), options.get("end")
    if start and end and pd.Timestamp(start) > pd.Timestamp(end):
        raise ConfigError(f"start={start} is after end={end}; swap them")
