"""Date layouts are read from the whole column; ambiguous columns and bad options are refused."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from stockpred.data.dates import check_date_options, parse_dates
from stockpred.data.files import read_price_file
from stockpred.data.loading import load_prices
from stockpred.exceptions import ConfigError, ValidationError

from ..conftest import yahoo_frame

TRUE = pd.DatetimeIndex(["2015-01-05", "2015-01-13", "2015-02-02", "2015-12-31"])


@pytest.mark.parametrize(
    "values",
    [
        ["2015-01-05", "2015-01-13", "2015-02-02", "2015-12-31"],
        ["2015-01-05 00:00:00", "2015-01-13 00:00:00", "2015-02-02 00:00:00", "2015-12-31"],
        ["01/05/2015", "01/13/2015", "02/02/2015", "12/31/2015"],  # month-first
        ["05/01/2015", "13/01/2015", "02/02/2015", "31/12/2015"],  # day-first
        ["05.01.2015", "13.01.2015", "02.02.2015", "31.12.2015"],  # day.month.year
        ["20150105", "20150113", "20150202", "20151231"],
        [20150105, 20150113, 20150202, 20151231],
        [1420416000, 1421107200, 1422835200, 1451520000],  # epoch seconds
    ],
)
def test_every_layout_is_read_right(values: list[object]) -> None:
    assert parse_dates(pd.Series(values)).equals(TRUE)


def test_day_first_dates_are_not_swapped_with_their_month() -> None:
    """Was: format="mixed" read 05/01/2015 as May 1st while 13/01/2015 stayed January 13th."""
    parsed = parse_dates(pd.Series(["02/01/2015", "05/01/2015", "13/01/2015", "14/01/2015"]))
    assert list(parsed.month) == [1, 1, 1, 1]
    assert list(parsed.day) == [2, 5, 13, 14]


def test_an_ambiguous_column_is_refused_with_the_way_out() -> None:
    with pytest.raises(ValidationError, match=r"date_format=%m/%d/%Y or date_format=%d/%m/%Y"):
        parse_dates(pd.Series(["02/01/2015", "05/01/2015", "06/01/2015"]))
    told = parse_dates(pd.Series(["02/01/2015", "05/01/2015"]), "%d/%m/%Y")
    assert list(told.day) == [2, 5]


def test_mixed_layouts_in_one_column_are_refused() -> None:
    with pytest.raises(ValidationError, match=r"could not parse 1 date\(s\), e\.g\. '01/13/2015'"):
        parse_dates(pd.Series(["2015-01-05", "2015-01-06", "01/13/2015"]))


def test_day_first_csv_loads_the_true_history(tmp_path: Path) -> None:
    raw = yahoo_frame(60)
    truth = pd.to_datetime(raw["Date"])
    raw["Date"] = truth.dt.strftime("%d/%m/%Y")
    path = tmp_path / "dayfirst.csv"
    raw.to_csv(path, index=False)
    history = load_prices(csv=path)
    assert history.dates.equals(pd.DatetimeIndex(truth, name="date"))
    assert history.cleaning is not None
    assert history.cleaning.sessions_filled == 0


def test_date_options_are_checked_all_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        check_date_options(start="banana", end="2015-01-01", test_start="nope")
    message = str(caught.value)
    assert "start: 'banana' is not a date (YYYY-MM-DD)" in message
    assert "test_start: 'nope' is not a date" in message
    with pytest.raises(ConfigError, match="start=2016-01-01 is after end=2015-01-01"):
        check_date_options(start="2016-01-01", end="2015-01-01")


def test_api_start_that_is_no_date_is_one_clear_error() -> None:
    with pytest.raises(ConfigError, match=r"^start: 'banana' is not a date"):
        load_prices("MSFT", start="banana")


@pytest.mark.parametrize(
    ("sep", "decimal", "thousands"), [(";", ",", "."), ("\t", ".", ""), (",", ".", ",")]
)
def test_delimiters_and_number_styles_are_detected(
    tmp_path: Path, sep: str, decimal: str, thousands: str
) -> None:
    raw = yahoo_frame(40)
    raw["Close"] = raw["Close"] * 20  # above 1,000 so a thousands separator shows
    text = raw.to_csv(index=False, sep=sep, decimal=decimal, float_format="%.4f")
    if thousands:  # 2211.0253 -> 2.211,0253 (semicolon files) or "2,211.0253" (quoted)
        text = _group_thousands(text, sep, decimal, thousands)
    path = tmp_path / "prices.csv"
    path.write_text(text)
    table = read_price_file(path)
    assert list(table.columns)[:2] == ["Date", "Open"]
    assert table["Close"].astype(float).round(4).tolist() == raw["Close"].round(4).tolist()
    assert len(load_prices(csv=path)) == 40


def _group_thousands(text: str, sep: str, decimal: str, thousands: str) -> str:
    lines = text.splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        fields = line.split(sep)
        close = fields[4]
        whole, frac = close.split(decimal)
        grouped = f"{whole[:-3]}{thousands}{whole[-3:]}{decimal}{frac}" if len(whole) > 3 else close
        fields[4] = f'"{grouped}"' if sep == "," else grouped
        out.append(sep.join(fields))
    return "\n".join(out) + "\n"


def test_a_column_whose_every_date_has_the_first_layout_tries_no_other(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Loading a file matched every row against all seven layouts; ISO files fit the first."""
    from pandas.core.strings.accessor import StringMethods

    shapes: list[str] = []
    fullmatch = StringMethods.fullmatch

    def counting(self: StringMethods, pat: object, *args: object, **kwargs: object) -> pd.Series:
        shapes.append(str(pat))
        return fullmatch(self, pat, *args, **kwargs)

    monkeypatch.setattr(StringMethods, "fullmatch", counting)
    assert parse_dates(pd.Series([str(d.date()) for d in TRUE])).equals(TRUE)
    assert len(shapes) == 1
