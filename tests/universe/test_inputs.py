"""Universe inputs: folders, panels, safe ticker names; the store import."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from stockpred.data.loading import load_prices
from stockpred.data.options import LoadOptions
from stockpred.exceptions import StockpredError
from stockpred.universe.inputs import ticker_folder, universe_sources

from ..conftest import yahoo_frame


def test_a_folder_gives_one_source_a_file_named_after_it(tmp_path: Path) -> None:
    raw = yahoo_frame(n=40)
    raw.to_csv(tmp_path / "aaa.csv", index=False)
    raw.to_csv(tmp_path / "BRK.B.csv.gz", index=False)
    raw.to_parquet(tmp_path / "ccc.parquet", index=False)
    (tmp_path / "notes.txt").write_text("not prices")
    sources = universe_sources([], tmp_path)
    assert [s.ticker for s in sources] == ["AAA", "BRK.B", "CCC"]
    history = sources[1].load(LoadOptions(exchange="XNYS"))
    assert history.ticker == "BRK.B"
    assert len(history) == 40


def test_a_long_panel_is_split_by_its_symbol_column(tmp_path: Path) -> None:
    parts = [yahoo_frame(n=30).assign(Symbol=name) for name in ("x", "y")]
    path = tmp_path / "panel.csv"
    pd.concat(parts).to_csv(path, index=False)
    sources = universe_sources([], path)
    assert [s.ticker for s in sources] == ["X", "Y"]
    assert len(sources[0].load(LoadOptions())) == 30


def test_a_panels_tickers_are_cleaned_with_every_loading_option(tmp_path: Path) -> None:
    raw = yahoo_frame(n=60)
    sparse = raw.iloc[::2].assign(
        Date=pd.to_datetime(raw["Date"].iloc[::2]).dt.strftime("%d/%m/%Y")
    )
    pd.concat([sparse.assign(symbol="S"), raw.assign(symbol="F")]).to_csv(
        tmp_path / "p.csv", index=False
    )
    sparse_source = universe_sources([], tmp_path / "p.csv")[0]
    args = LoadOptions(max_gap=1, max_filled=0.6, date_format="%d/%m/%Y")
    assert len(sparse_source.load(args)) == 59  # half its sessions filled, as max_filled allows
    with pytest.raises(StockpredError, match="max_filled="):
        sparse_source.load(args.model_copy(update={"max_filled": 0.02}))


def test_one_plain_file_is_one_source(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    yahoo_frame(n=30).to_csv(path, index=False)
    assert [s.ticker for s in universe_sources([], path)] == ["PRICES"]


@pytest.mark.parametrize("name", ["../x", "..", "/", "a/b", "a\\b", "C:", ".hidden", "", "x" * 40])
def test_a_ticker_name_never_escapes_out(name: str, tmp_path: Path) -> None:
    with pytest.raises(StockpredError, match=r"not a ticker name|cannot name a folder"):
        ticker_folder(tmp_path, name)


def test_ordinary_tickers_are_kept(tmp_path: Path) -> None:
    assert [
        ticker_folder(tmp_path, t).name for t in ("msft", "BRK.B", "^GSPC", "EURUSD=X", "RDS-A")
    ] == [
        "MSFT",
        "BRK.B",
        "^GSPC",
        "EURUSD=X",
        "RDS-A",
    ]


def test_data_import_puts_files_in_the_store(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from stockpred.cli.app import app

    folder = tmp_path / "in"
    folder.mkdir()
    yahoo_frame(n=40).to_csv(folder / "aaa.csv", index=False)
    yahoo_frame(n=10).drop(columns="Date").to_csv(folder / "bad.csv", index=False)
    store = str(tmp_path / "s.duckdb")
    result = CliRunner().invoke(app, ["data", "import", str(folder), "--store", store])
    assert "BAD: no date column" in result.output
    assert "1 of 2 files failed" in str(result.exception)
    history = load_prices("AAA", source="store", store=store)
    assert len(history) == 40
    assert history.source == "import"


@pytest.mark.parametrize(
    ("file_name", "ticker"),
    [
        ("MY STOCK.csv", "MY_STOCK"),
        ("Ölpreis März.csv.gz", "OLPREIS_MARZ"),
        ("BRK.B.csv", "BRK.B"),
        ("aapl.us.txt", "AAPL.US"),
        ("Café (EUR).parquet", "CAFE_EUR"),
    ],
)
def test_a_file_is_the_same_ticker_alone_and_in_a_folder(
    tmp_path: Path, file_name: str, ticker: str
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    raw = yahoo_frame(n=30)
    for where in (tmp_path, folder):
        if file_name.endswith(".parquet"):
            raw.to_parquet(where / file_name, index=False)
        else:
            raw.to_csv(where / file_name, index=False)
    assert load_prices(csv=tmp_path / file_name).ticker == ticker
    (source,) = universe_sources([], tmp_path / file_name)
    assert source.ticker == ticker
    if file_name.endswith((".csv", ".csv.gz", ".parquet")):  # a folder takes price files only
        (source,) = universe_sources([], folder)
        assert (source.ticker, source.load(LoadOptions()).ticker) == (ticker, ticker)


def test_two_files_with_one_ticker_name_are_refused_naming_both(tmp_path: Path) -> None:
    yahoo_frame(n=30).to_csv(tmp_path / "my stock.csv", index=False)
    yahoo_frame(n=30).to_csv(tmp_path / "MY_STOCK.csv.gz", index=False)
    with pytest.raises(
        StockpredError, match=r"MY_STOCK\.csv\.gz and my stock\.csv both name ticker MY_STOCK"
    ):
        universe_sources([], tmp_path)


def three_ticker_panel(tmp_path: Path) -> Path:
    path = tmp_path / "panel.csv"
    parts = [yahoo_frame(n=30).assign(Ticker=name) for name in ("ACME", "BETA", "GAMMA")]
    pd.concat(parts).to_csv(path, index=False)
    return path


def test_tickers_given_with_a_panel_or_folder_run_those_only(tmp_path: Path) -> None:
    from stockpred.cli.universe import is_universe

    panel = three_ticker_panel(tmp_path)
    assert is_universe(["beta"], panel, "per-ticker")
    assert [s.ticker for s in universe_sources(["beta"], panel)] == ["BETA"]
    assert [s.ticker for s in universe_sources(["GAMMA", "acme"], panel)] == ["GAMMA", "ACME"]
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("aaa", "bbb"):
        yahoo_frame(n=30).to_csv(folder / f"{name}.csv", index=False)
    assert [s.ticker for s in universe_sources(["bbb"], folder)] == ["BBB"]


def test_a_ticker_the_panel_lacks_is_refused_listing_some_it_holds(tmp_path: Path) -> None:
    with pytest.raises(StockpredError) as caught:
        universe_sources(["KO", "BETA"], three_ticker_panel(tmp_path))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("KO is not in ")
    assert "which holds ACME, BETA, GAMMA" in message
