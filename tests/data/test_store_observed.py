"""The store keeps observed sessions only: a stored file is the same history as the file itself."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from stockpred.cli.app import app
from stockpred.config import ForecastConfig
from stockpred.data.calendar import sessions_between
from stockpred.data.loading import load_prices
from stockpred.data.providers.memory import MemoryProvider
from stockpred.data.store import PriceStore
from stockpred.evaluation.forecaster import Forecaster
from stockpred.exceptions import StoreError, ValidationError

MISSING = [40, 41, 150]  # sessions the file lacks: cleaning forward-fills them


def gappy_raw(n: int = 260) -> pd.DataFrame:
    """A random walk on XNYS sessions with three sessions missing and no 'Adj Close' (as KO's
    file in the shared data), so a run models 'close'."""
    days = sessions_between("XNYS", pd.Timestamp("2015-01-02"), pd.Timestamp("2016-06-30"))[:n]
    close = 50.0 * np.exp(np.cumsum(np.random.default_rng(3).normal(0, 0.01, n)))
    raw = pd.DataFrame(
        {
            "Date": days.strftime("%Y-%m-%d"),
            "Open": close * 0.999,
            "High": close * 1.01,
            "Low": close * 0.99,
            "Close": close,
            "Volume": 1000.0 + np.arange(n),
        }
    )
    return raw.drop(index=MISSING).reset_index(drop=True)


def imported(tmp_path: Path) -> tuple[Path, str]:
    """The gappy file, and a store it was imported into with ``stockpred data import``."""
    path = tmp_path / "gappy.csv"
    gappy_raw().to_csv(path, index=False)
    store = str(tmp_path / "s.duckdb")
    result = CliRunner().invoke(app, ["data", "import", str(path), "--store", store])
    assert result.exit_code == 0, result.output
    return path, store


def test_import_stores_observed_sessions_only_and_export_writes_those(tmp_path: Path) -> None:
    _, store = imported(tmp_path)
    (held,) = PriceStore(store).ranges("GAPPY")
    assert held.rows == 257  # 260 sessions, 3 missing: the file's rows, not 260
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["data", "export", "GAPPY", "--store", store, "--out", out])
    assert "wrote 257 rows" in result.output
    exported = pd.read_csv(out)
    assert list(exported["date"]) == list(gappy_raw()["Date"])
    assert "adj_close" not in exported.columns  # the file had none: the store invents none


def test_a_file_and_its_import_are_the_same_history_and_the_same_model(
    tmp_path: Path, tiny_config: ForecastConfig
) -> None:
    path, store = imported(tmp_path)
    from_file = load_prices(csv=path)
    from_store = load_prices("GAPPY", source="store", store=store)
    assert from_file.price_column == from_store.price_column == "close"
    pd.testing.assert_frame_equal(from_file.frame, from_store.frame, check_freq=False)
    assert from_store.observed.sum() == 257
    np.testing.assert_array_equal(from_file.observed, from_store.observed)
    first, second = (
        Forecaster(tiny_config).fit(h, progress=False).evaluate(h) for h in (from_file, from_store)
    )
    pd.testing.assert_frame_equal(first.table, second.table)
    pd.testing.assert_frame_equal(first.predictions, second.predictions)
    assert first.filled_left_out == second.filled_left_out


def test_store_reads_take_the_run_cleaning_options(tmp_path: Path) -> None:
    _, store = imported(tmp_path)
    late = load_prices("GAPPY", source="store", store=store, start="2015-09-01")
    assert late.observed.all()  # the missing sessions lie before the start
    with pytest.raises(ValidationError, match="gap"):
        load_prices("GAPPY", source="store", store=store, max_gap=1)


def test_a_fetch_stores_observed_sessions_and_the_history_knows_the_filled_ones(
    tmp_path: Path,
) -> None:
    raw = gappy_raw()
    raw["Adj Close"] = raw["Close"] * 0.5
    store = PriceStore(tmp_path / "s.duckdb")
    history = load_prices("ACME", source=MemoryProvider({"ACME": raw}, name="yahoo"), store=store)
    assert store.ranges("ACME")[0].rows == 257
    assert history.price_column == "adj_close"
    assert (~history.observed).sum() == 3
    assert not history.observed[MISSING[0]]


def test_a_store_of_the_previous_format_is_refused_in_one_line_and_left_alone(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:  # the previous schema: no store_format table
        con.execute(
            "CREATE TABLE prices (ticker VARCHAR, date DATE, source VARCHAR, open DOUBLE, "
            "high DOUBLE, low DOUBLE, close DOUBLE, adj_close DOUBLE, volume DOUBLE, "
            "fetched_at TIMESTAMP, PRIMARY KEY (ticker, date, source))"
        )
        con.execute(
            "INSERT INTO prices VALUES ('KO', '2017-01-03', 'import', 1, 1, 1, 1, 1, 1, now())"
        )
    before = path.read_bytes()
    for action in (
        lambda s: s.read("KO"),
        lambda s: s.write("KO", "import", load_prices("MSFT").frame),
    ):
        with pytest.raises(StoreError, match="older stockpred") as caught:
            action(PriceStore(path))
        assert "\n" not in str(caught.value)
        assert f"mv {path}" in str(caught.value)
    assert path.read_bytes() == before
