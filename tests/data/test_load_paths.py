"""Every loading option reaches every input path through ``load_history``, or is refused there.

The paths: a lone file, a folder's file, a panel's rows, the market index from a file and by
name, the store, a provider (fetched into the store) and the bundled sample. Each option is
given rows that make it matter; it must change the outcome (a history, or a one-line
refusal), and where it cannot act (a file's date layout on typed stored dates) it is refused
in one line naming it, never ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from stockpred.data import samples
from stockpred.data.calendar import sessions_between
from stockpred.data.loading import Where, load_history
from stockpred.data.market import load_market
from stockpred.data.options import LoadOptions
from stockpred.data.providers.memory import MemoryProvider
from stockpred.data.store import PriceStore
from stockpred.exceptions import ConfigError, StockpredError
from stockpred.universe.inputs import universe_sources

Shape = Callable[[pd.DataFrame], pd.DataFrame]


def walk(n: int = 200) -> pd.DataFrame:
    """A clean random walk on XNYS sessions, in Yahoo's layout."""
    days = sessions_between("XNYS", pd.Timestamp("2015-01-02"), pd.Timestamp("2016-06-30"))[:n]
    close = 50.0 * np.exp(np.cumsum(np.random.default_rng(5).normal(0, 0.01, n)))
    return pd.DataFrame(
        {
            "Date": days.strftime("%Y-%m-%d"),
            "Open": close,
            "High": close * 1.01,
            "Low": close * 0.99,
            "Close": close,
            "Adj Close": close * 0.9,
            "Volume": 1000.0,
        }
    )


def one_bad_price(raw: pd.DataFrame) -> pd.DataFrame:
    return raw.assign(Close=raw["Close"].where(raw.index != 50, -1.0))


def two_missing(raw: pd.DataFrame) -> pd.DataFrame:
    return raw.drop(index=[60, 61])


def twelve_percent_missing(raw: pd.DataFrame) -> pd.DataFrame:
    return raw[~raw.index.isin(range(5, 200, 8))]  # 25 of 200: over the default 2 % fill


def dotted_dates(raw: pd.DataFrame) -> pd.DataFrame:
    return raw.assign(Date=pd.to_datetime(raw["Date"]).dt.strftime("%Y.%m.%d"))


def a_date_twice(raw: pd.DataFrame) -> pd.DataFrame:
    again = raw.iloc[[70]].assign(Close=raw["Close"].iloc[70] * 1.05)
    return pd.concat([raw, again], ignore_index=True)


def same(raw: pd.DataFrame) -> pd.DataFrame:
    return raw


# (option, value, the raw rows that make the option matter)
CASES: list[tuple[str, Any, Shape]] = [
    ("exchange", "XLON", same),
    ("strict", True, one_bad_price),
    ("max_gap", 1, two_missing),
    ("max_filled", 0.15, twelve_percent_missing),
    ("date_format", "%Y.%m.%d", dotted_dates),
    ("duplicates", "last", a_date_twice),
    ("start", "2015-03-02", same),
    ("end", "2015-09-30", same),
]
# Where an option cannot act, so giving it is refused: stored and fetched rows have typed
# dates, and the sample and the store hold one row a date.
REFUSED = {
    ("date_format", "store"),
    ("date_format", "provider"),
    ("date_format", "sample"),
    ("duplicates", "store"),
    ("duplicates", "sample"),
}
FILE_PATHS = ("file", "folder", "panel", "market-file")
PATHS = (*FILE_PATHS, "store", "provider", "sample", "market-name")


def stored(raw: pd.DataFrame, store: Path) -> None:
    """The rows, uncleaned, in a store (as an older import or another tool may have left them)."""
    frame = raw.rename(columns=lambda c: c.lower().replace(" ", "_"))
    frame = frame.assign(date=pd.to_datetime(frame["date"], format="mixed")).set_index("date")
    PriceStore(store).write("ACME", "import", frame[~frame.index.duplicated()])


def load_via(path: str, raw: pd.DataFrame, where: Path, options: LoadOptions) -> pd.DataFrame:
    """ACME's cleaned frame through one input path."""
    if path in ("file", "folder", "panel"):
        (tmp := where / path).mkdir(exist_ok=True)
        if path == "panel":
            raw.assign(Ticker="ACME").to_csv(tmp / "panel.csv", index=False)
            (source,) = universe_sources([], tmp / "panel.csv")
        else:
            raw.to_csv(tmp / "ACME.csv", index=False)
            (source,) = universe_sources([], tmp if path == "folder" else tmp / "ACME.csv")
        return source.load(options).frame
    if path == "market-file":
        raw.to_csv(where / "ACME.csv", index=False)
        return load_market(str(where / "ACME.csv"), options).frame
    store = where / f"{path}.duckdb"
    if path == "provider":
        provider = MemoryProvider({"ACME": raw}, name="yahoo")
        return load_history("ACME", options, Where(provider, PriceStore(store))).frame
    if path == "sample":
        return load_history("MSFT", options).frame
    stored(raw, store)
    named = options.model_copy(update={"store": str(store), "source": "store"})
    if path == "market-name":
        return load_market("ACME", named).frame
    return load_history("ACME", named).frame


def outcome(path: str, raw: pd.DataFrame, where: Path, options: LoadOptions) -> Any:
    """The frame, or the error as ``Type: message``."""
    try:
        return load_via(path, raw, where, options)
    except StockpredError as exc:
        return f"{type(exc).__name__}: {exc}"


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("option", "value", "shape"), CASES, ids=[c[0] for c in CASES])
def test_each_loading_option_acts_on_each_input_path_or_is_refused_there(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    option: str,
    value: Any,
    shape: Shape,
) -> None:
    raw = shape(walk())
    monkeypatch.setattr(samples, "_all_samples", lambda: raw.assign(Ticker="MSFT"))
    (tmp_path / "given").mkdir()
    (tmp_path / "default").mkdir()
    given = outcome(path, raw, tmp_path / "given", LoadOptions(**{option: value}))
    default = outcome(path, raw, tmp_path / "default", LoadOptions())
    if (option, path) in REFUSED:
        assert isinstance(given, str), f"{option}= was not refused on {path}"
        assert given.startswith(ConfigError.__name__), given
        assert f"{option}=" in given
        assert "\n" not in given
        return
    if path == "market-name" and option in ("date_format", "duplicates"):
        # An index named by ticker is no file: the options of the run's file leave it be.
        pd.testing.assert_frame_equal(given, default)
        return
    if isinstance(given, str) or isinstance(default, str):  # one refused, or both alike
        assert not (isinstance(given, str) and isinstance(default, str) and given == default)
    else:
        assert not given.equals(default), path


@pytest.mark.parametrize(("option", "value", "shape"), CASES, ids=[c[0] for c in CASES])
def test_a_file_alone_a_folders_file_a_panel_and_an_index_file_clean_alike(
    tmp_path: Path, option: str, value: Any, shape: Shape
) -> None:
    raw = shape(walk())
    results = [
        outcome(path, raw, tmp_path / path, LoadOptions(**{option: value}))
        for path in FILE_PATHS
        if (tmp_path / path).mkdir() is None
    ]
    for other in results[1:]:
        if isinstance(results[0], str):
            assert other == results[0]
        else:
            pd.testing.assert_frame_equal(other, results[0], check_freq=False)


def test_a_panel_ticker_missing_twelve_percent_fails_at_the_default_and_passes_at_15(
    tmp_path: Path,
) -> None:
    raw = twelve_percent_missing(walk())
    assert "max_filled=" in outcome("panel", raw, tmp_path, LoadOptions())
    frame = outcome("panel", raw, tmp_path, LoadOptions(max_filled=0.15))
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == 200
