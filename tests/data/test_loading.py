"""load_prices: sample and file paths unchanged, the store path, offline fallback, panels, CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from stockpred.cli.data import register
from stockpred.data import loading
from stockpred.data.calendar import sessions_between
from stockpred.data.history import PriceHistory
from stockpred.data.loading import load_prices
from stockpred.data.providers import Retry
from stockpred.data.providers.memory import MemoryProvider
from stockpred.data.store import PriceStore
from stockpred.data.sync import last_closed_session
from stockpred.exceptions import (
    ConfigError,
    ProviderError,
    ProviderUnavailable,
    StaleDataWarning,
    TickerNotFound,
)

NO_WAIT = Retry(attempts=1)


def recent_raw(sessions: int = 60, drop_last: int = 0) -> pd.DataFrame:
    """Raw rows up to the newest published session, so the store counts as up to date."""
    newest = last_closed_session("XNYS")
    days = sessions_between("XNYS", newest - pd.Timedelta(days=2 * sessions), newest)
    days = days[-sessions : len(days) - drop_last]
    close = 50.0 + np.arange(len(days))
    return pd.DataFrame(
        {
            "Date": days,
            "Open": close,
            "High": close + 1,
            "Low": close - 1,
            "Close": close,
            "Volume": 10,
        }
    )


@pytest.fixture
def store(tmp_path: Path) -> PriceStore:
    return PriceStore(tmp_path / "prices.duckdb")


def test_sample_and_file_paths_are_unchanged(tmp_path):
    msft = load_prices("MSFT")
    assert isinstance(msft, PriceHistory)
    assert (msft.source, msft.ticker, msft.price_column, len(msft)) == (
        "sample",
        "MSFT",
        "adj_close",
        3270,
    )
    path = tmp_path / "ibm_prices.csv"
    load_prices("IBM").frame.reset_index().to_csv(path, index=False)
    from_file = load_prices(csv=path, start="2012-01-03")
    assert (from_file.source, from_file.ticker, from_file.path) == ("csv", "IBM_PRICES", str(path))
    assert from_file.frame.index[0] == pd.Timestamp("2012-01-03")
    with pytest.raises(ConfigError, match="cannot be combined"):
        load_prices("IBM", csv=path, source="yahoo")


def test_network_source_fetches_into_the_store_then_reads_without_fetching(store):
    provider = MemoryProvider({"ACME": recent_raw()}, name="yahoo")
    first = load_prices("ACME", source=provider, store=store)
    assert (first.source, first.ticker, len(first)) == ("yahoo", "ACME", 60)
    assert first.frame["adj_close"].iloc[-1] == 109.0
    again = load_prices("acme", source=provider, store=store, start=str(first.dates[10].date()))
    assert len(provider.requests) == 1  # up to date: no second request
    assert len(again) == 50


def test_missing_sessions_are_fetched_incrementally(store):
    provider = MemoryProvider({"ACME": recent_raw(drop_last=3)}, name="yahoo")
    load_prices("ACME", source=provider, store=store)
    provider.frames["ACME"] = recent_raw()
    history = load_prices("ACME", source=provider, store=store)
    assert provider.requests[-1][1] is not None  # asked from a date, not the whole history
    assert len(history) == 60


def test_offline_with_stored_prices_warns_how_stale(store):
    provider = MemoryProvider({"ACME": recent_raw(drop_last=5)}, name="yahoo")
    load_prices("ACME", source=provider, store=store)
    provider.failures = [ProviderUnavailable("yahoo could not be reached for ACME")]
    with pytest.warns(
        StaleDataWarning, match=r"using stored yahoo prices .* 5 trading session\(s\) old"
    ):
        history = load_prices("ACME", source=provider, store=store, retry=NO_WAIT)
    assert len(history) == 55


def test_offline_with_nothing_stored_is_one_line_error(store):
    provider = MemoryProvider(
        name="yahoo", failures=[ProviderUnavailable("yahoo timed out fetching ACME")]
    )
    with pytest.raises(ProviderUnavailable, match="nothing is stored for ACME") as info:
        load_prices("ACME", source=provider, store=store, retry=NO_WAIT)
    assert "\n" not in str(info.value)


def test_unknown_ticker_is_not_hidden_by_stored_data(store):
    with pytest.raises(TickerNotFound, match="ZZZZ"):
        load_prices("ZZZZ", source=MemoryProvider(name="yahoo"), store=store)


def test_auto_source_follows_the_configured_order(store, monkeypatch):
    fakes = {
        "stooq": MemoryProvider(name="stooq", failures=[ProviderError("stooq answered with HTML")]),
        "yahoo": MemoryProvider({"ACME": recent_raw()}, name="yahoo"),
    }
    monkeypatch.setattr(loading, "get_provider", lambda name, path=None: fakes[name])
    monkeypatch.setenv("STOCKPRED_PROVIDERS", "stooq,yahoo")
    history = load_prices("ACME", store=store, retry=NO_WAIT)
    assert history.source == "yahoo"
    assert len(fakes["stooq"].requests) == 1


def test_a_list_of_tickers_is_a_long_panel(store):
    panel = load_prices(["MSFT", "ibm", "MSFT"], start="2013-01-02")
    assert list(panel.columns) == [
        "ticker",
        "date",
        "open",
        "high",
        "low",
        "close",
        "adj_close",
        "volume",
    ]
    assert list(panel["ticker"].unique()) == ["MSFT", "IBM"]
    assert panel.groupby("ticker")["date"].is_monotonic_increasing.all()
    assert len(panel) == 2 * len(load_prices("MSFT", start="2013-01-02"))
    provider = MemoryProvider({"A": recent_raw(), "B": recent_raw(30)}, name="yahoo")
    stored = load_prices(["A", "B"], source=provider, store=store)
    assert stored.groupby("ticker").size().to_dict() == {"A": 60, "B": 30}


def test_cli_fetch_list_export(tmp_path):
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    store = str(tmp_path / "prices.duckdb")
    tickers = tmp_path / "tickers.txt"
    tickers.write_text("MSFT, IBM  # two of the sample\n\naapl\n")
    fetched = runner.invoke(
        app, ["fetch", "--source", "sample", "--store", store, "--tickers-file", str(tickers)]
    )
    assert fetched.exit_code == 0, fetched.output
    assert [r.ticker for r in PriceStore(store).ranges()] == ["AAPL", "IBM", "MSFT"]
    listed = runner.invoke(app, ["data", "list", "--store", store])
    assert listed.exit_code == 0
    assert "AAPL" in listed.output
    assert "3270" in listed.output
    out = tmp_path / "ibm.parquet"
    exported = runner.invoke(
        app, ["data", "export", "IBM", "--format", "parquet", "--out", str(out), "--store", store]
    )
    assert exported.exit_code == 0, exported.output
    assert len(pd.read_parquet(out)) == 3270
    missing = runner.invoke(app, ["data", "export", "ZZZZ", "--store", store])
    assert isinstance(missing.exception, TickerNotFound)
    failed = runner.invoke(app, ["fetch", "ZZZZ", "MSFT", "--source", "sample", "--store", store])
    assert isinstance(failed.exception, ProviderError)
    assert "1 of 2 tickers failed" in str(failed.exception)
