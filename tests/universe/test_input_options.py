"""Every loading option reaches every file path: a lone file, a folder's file, a panel's rows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from stockpred.data.calendar import sessions_between
from stockpred.exceptions import StockpredError
from stockpred.universe.inputs import universe_sources


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


def every_tenth_missing(raw: pd.DataFrame) -> pd.DataFrame:
    return raw[raw.index % 10 != 5]  # 10 % of sessions: over the default 2 % fill


def dotted_dates(raw: pd.DataFrame) -> pd.DataFrame:
    return raw.assign(Date=pd.to_datetime(raw["Date"]).dt.strftime("%Y.%m.%d"))


# (option, value, the raw table that makes the option matter)
CASES: list[tuple[str, Any, Callable[[pd.DataFrame], pd.DataFrame]]] = [
    ("exchange", "XLON", lambda raw: raw),
    ("strict", True, one_bad_price),
    ("max_gap", 1, two_missing),
    ("max_filled", 0.15, every_tenth_missing),
    ("date_format", "%Y.%m.%d", dotted_dates),
    ("start", "2015-03-02", lambda raw: raw),
    ("end", "2015-09-30", lambda raw: raw),
]


def outcome(source_path: Path, options: dict[str, Any]) -> pd.DataFrame | str:
    """The one ticker's cleaned frame, or the error it raised, through ``universe_sources``."""
    (source,) = universe_sources([], source_path)
    try:
        return source.load(options).frame
    except StockpredError as exc:
        return f"{type(exc).__name__}: {exc}"


def paths(tmp_path: Path, raw: pd.DataFrame) -> dict[str, Path]:
    """The same rows as a lone file, as a folder's only file and as a one-ticker panel."""
    (tmp_path / "folder").mkdir()
    raw.to_csv(tmp_path / "ACME.csv", index=False)
    raw.to_csv(tmp_path / "folder" / "ACME.csv", index=False)
    raw.assign(Ticker="ACME").to_csv(tmp_path / "panel.csv", index=False)
    return {
        "file": tmp_path / "ACME.csv",
        "folder": tmp_path / "folder",
        "panel": tmp_path / "panel.csv",
    }


@pytest.mark.parametrize(("option", "value", "shape"), CASES, ids=[c[0] for c in CASES])
def test_each_loading_option_acts_the_same_through_file_folder_and_panel(
    tmp_path: Path, option: str, value: Any, shape: Callable[[pd.DataFrame], pd.DataFrame]
) -> None:
    where = paths(tmp_path, shape(walk()))
    given = {kind: outcome(path, {option: value}) for kind, path in where.items()}
    default = outcome(where["file"], {})
    for kind in ("folder", "panel"):
        if isinstance(given["file"], str):
            assert given[kind] == given["file"], kind
        else:
            assert isinstance(given[kind], pd.DataFrame), (kind, given[kind])
            pd.testing.assert_frame_equal(given[kind], given["file"], check_freq=False)
    # and the option mattered: without it the same rows give another outcome
    if isinstance(default, str) or isinstance(given["file"], str):
        assert type(default) is not type(given["file"]) or default != given["file"]
    else:
        assert not default.equals(given["file"])
