from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
import pytest

from stockpred.data.schema import PRICE_COLUMNS, adjusted_ohlc, clean_prices, normalise_columns
from stockpred.exceptions import ValidationError

from ..conftest import shared_file, yahoo_frame


def test_yahoo_layout_models_adj_close() -> None:
    frame, report = clean_prices(yahoo_frame())
    assert list(frame.columns) == list(PRICE_COLUMNS)
    assert report.price_column == "adj_close"
    assert frame.index.name == "date"
    assert frame.index.is_monotonic_increasing
    assert report.messages() == []


def test_kaggle_layout_without_adj_close_models_close() -> None:
    raw = yahoo_frame().drop(columns="Adj Close").assign(OpenInt=0)
    frame, report = clean_prices(raw)
    assert report.price_column == "close"
    assert (frame["adj_close"] == frame["close"]).all()


@pytest.mark.parametrize(
    "names",
    [["date", "close"], [" Date ", "Adj Close"], ["DATE", "adj_close"], ["timestamp", "Close"]],
)
def test_column_spellings(names: list[str]) -> None:
    raw = yahoo_frame()[["Date", "Close"]].set_axis(names, axis=1)
    frame, _ = clean_prices(raw)
    assert len(frame) == 30


def test_missing_date_column_is_one_clear_error() -> None:
    with pytest.raises(ValidationError, match="no date column"):
        normalise_columns(pd.DataFrame({"Close": [1.0]}))


def test_missing_price_column_is_one_clear_error() -> None:
    with pytest.raises(ValidationError, match="no price column"):
        normalise_columns(pd.DataFrame({"Date": ["2020-01-02"], "Volume": [1]}))


def test_unparseable_dates() -> None:
    raw = yahoo_frame()
    raw.loc[3, "Date"] = "not a date"
    with pytest.raises(ValidationError, match="could not parse 1 date"):
        clean_prices(raw)


def test_conflicting_duplicates_are_refused_naming_the_dates() -> None:
    raw = yahoo_frame()
    dup = raw.iloc[[5, 8]].assign(**{"Adj Close": 999.0})
    with pytest.raises(
        ValidationError,
        match=r"2 date\(s\) .* different prices: 2021-01-11, "
        r"2021-01-14; .*duplicates=first or duplicates=last",
    ):
        clean_prices(pd.concat([raw, dup]))


@pytest.mark.parametrize(("keep", "price"), [("last", 999.0), ("first", None)])
def test_duplicates_keep_the_row_asked_for_and_unsorted_rows_are_sorted(
    keep: Literal["first", "last"], price: float | None
) -> None:
    raw = yahoo_frame()
    dup = raw.iloc[[5]].assign(**{"Adj Close": 999.0})
    unsorted = pd.concat([raw.sample(frac=1.0, random_state=1), dup])  # the duplicate comes last
    frame, report = clean_prices(unsorted, duplicates=keep)
    assert report.duplicates_dropped == 1
    assert frame["adj_close"].iloc[5] == (price or raw["Adj Close"].iloc[5])
    assert frame.index.is_monotonic_increasing
    assert frame.index.is_unique
    assert f"kept the {keep} row of each as asked" in " ".join(report.messages())


def test_identical_duplicates_are_dropped_and_said() -> None:
    raw = yahoo_frame()
    frame, report = clean_prices(pd.concat([raw, raw.iloc[[3, 4]]]))
    assert len(frame) == len(raw)
    assert report.identical_dropped == 2
    assert report.messages() == ["dropped 2 row(s) repeating an earlier row exactly"]


def test_strict_refuses_duplicates_and_bad_prices() -> None:
    raw = yahoo_frame()
    with pytest.raises(ValidationError, match="duplicate"):
        clean_prices(pd.concat([raw, raw.iloc[[2]]]), strict=True)
    raw.loc[4, "Close"] = -1.0
    with pytest.raises(ValidationError, match="drop strict=True"):
        clean_prices(raw, strict=True)


def test_few_bad_rows_dropped_and_filled_with_their_dates_reported() -> None:
    raw = yahoo_frame()
    raw.loc[7, "Close"] = 0.0
    raw.loc[9, "Adj Close"] = np.nan
    frame, report = clean_prices(raw)
    assert report.bad_rows_dropped == (raw.loc[7, "Date"], raw.loc[9, "Date"])
    assert report.sessions_filled == 2
    assert len(frame) == 30  # the sessions are still there, forward-filled
    assert frame["adj_close"].iloc[9] == frame["adj_close"].iloc[8]
    assert "non-positive or missing" in report.messages()[0]


def test_many_bad_rows_refuse_the_file() -> None:
    raw = yahoo_frame(n=200)
    raw.loc[10:30, "Close"] = -5.0
    with pytest.raises(ValidationError, match="more than cleaning repairs"):
        clean_prices(raw)


def test_short_gap_filled_long_gap_refused() -> None:
    raw = yahoo_frame(n=60)
    frame, report = clean_prices(raw.drop(index=[10, 11]))
    assert report.sessions_filled == 2
    assert len(frame) == 60
    with pytest.raises(ValidationError, match="consecutive trading sessions are missing"):
        clean_prices(raw.drop(index=range(10, 20)))
    frame, _ = clean_prices(raw.drop(index=range(10, 20)), max_gap=10, max_filled=0.2)
    assert len(frame) == 60  # 10 of 60 filled: past the default --max-filled 2 %, so raised too


def test_weekend_rows_dropped() -> None:
    raw = yahoo_frame()
    extra = raw.iloc[[0]].assign(Date="2021-01-09")  # a Saturday
    _, report = clean_prices(pd.concat([raw, extra]))
    assert report.off_calendar_dropped == ("2021-01-09",)


def test_high_low_repaired() -> None:
    raw = yahoo_frame()
    raw.loc[3, "High"] = raw.loc[3, "Close"] * 0.5
    frame, report = clean_prices(raw)
    assert report.high_low_repaired == 1
    assert frame["high"].iloc[3] >= frame["close"].iloc[3]


def test_adjusted_ohlc_removes_split_jump() -> None:
    frame, _ = clean_prices(yahoo_frame())
    adjusted = adjusted_ohlc(frame)
    assert np.allclose(adjusted["close"], frame["adj_close"])


def test_timezone_aware_dates_keep_their_local_day() -> None:
    raw = yahoo_frame()
    raw["Date"] = raw["Date"] + " 00:00:00-05:00"
    frame, _ = clean_prices(raw)
    assert str(frame.index[0].date()) == yahoo_frame()["Date"].iloc[0]


# NOM is left out: 14 % of its sessions are missing, which --max-filled now refuses
# (tests/evaluation/test_scoring_honesty.py checks that refusal).
@pytest.mark.parametrize("ticker", ["BLJ", "DRH", "FMO", "SPAB"])
def test_real_messy_files_are_cleaned_and_reported(ticker: str) -> None:
    raw = pd.read_csv(shared_file("messy", ticker))
    frame, report = clean_prices(raw)
    assert report.bad_rows_dropped  # each of these has at least one non-positive price
    assert (frame[["open", "high", "low", "close"]] > 0).all().all()


@pytest.mark.parametrize("ticker", ["BCOM", "PTX", "SPTL"])
def test_real_files_with_long_gaps_are_refused_with_a_way_out(ticker: str) -> None:
    raw = pd.read_csv(shared_file("messy", ticker))
    with pytest.raises(
        ValidationError,
        match=r"pass start=\S+ .*\(the longest stretch without one, \d+ sessions\) or raise max_gap=",
    ):
        clean_prices(raw)
