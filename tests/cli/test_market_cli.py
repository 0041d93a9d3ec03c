"""``--market``: the index loaded like the ticker, saved with the model, refused in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stockpred.data.loading import load_prices
from stockpred.data.options import LoadOptions

from .test_cli import TINY_ARGS, run_cli, train_then_predict


def test_market_trains_predicts_and_is_saved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["MSFT", "--market", "AAPL", "--start", "2010-06-01", "--out", str(tmp_path / "m")]
    model = train_then_predict(argv, capsys, monkeypatch)
    config = json.loads((model / "config.json").read_text())
    assert config["market"] == "AAPL"
    assert config["features"] == ["market"]


def test_index_file_not_covering_training_is_one_line_and_no_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    late = tmp_path / "INDEX.csv"
    load_prices("AAPL", start="2012-06-01").frame.to_csv(late)
    out = tmp_path / "m"
    argv = ["train", "MSFT", "--market", str(late), "--start", "2010-06-01", "--out", str(out)]
    code, _, err = run_cli([*argv, *TINY_ARGS], capsys, monkeypatch)
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert "no price on or before" in err
    assert not out.exists()


def test_a_universe_takes_the_market_and_an_uncovered_ticker_fails_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "prices"
    folder.mkdir()
    load_prices("MSFT", start="2005-01-01").frame.to_csv(folder / "msft.csv")
    load_prices("IBM", start="2008-01-01").frame.to_csv(folder / "ibm.csv")
    index = tmp_path / "INDEX.csv"  # covers IBM's training span, not MSFT's
    load_prices("AAPL", start="2006-06-01").frame.to_csv(index)
    out = tmp_path / "u"
    argv = ["run", "--csv", str(folder), "--market", str(index), "--workers", "1"]
    code, _, err = run_cli(
        [*argv, "--days", "2", "--out", str(out), *TINY_ARGS], capsys, monkeypatch
    )
    assert code == 3, err
    failed = (out / "failed.csv").read_text()
    assert "MSFT" in failed
    assert "no price on or before" in failed
    config = json.loads((out / "IBM" / "model" / "config.json").read_text())
    assert config["features"] == ["market"]


def test_a_universe_takes_its_market_from_its_own_tickers(tmp_path: Path) -> None:
    from stockpred.universe.inputs import TickerSource, universe_market

    path = tmp_path / "aapl.csv"
    load_prices("AAPL", start="2010-01-04").frame.to_csv(path)
    sources = [TickerSource("AAPL", str(path)), TickerSource("IBM")]
    market = universe_market("aapl", sources, LoadOptions())
    assert market is not None
    assert market.dates[0].year == 2010  # the universe's file, not the sample's longer AAPL
    assert universe_market(None, sources, LoadOptions()) is None


def test_tune_takes_the_market_index_as_run_and_train_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: --market was lost on the way to tune's loading, so every trial failed with
    "the 'market' feature needs the index's prices: --market AAPL on the command line"."""
    out = tmp_path / "t"
    argv = ["tune", "MSFT", "--market", "AAPL", "--start", "2010-06-01", "--trials", "1"]
    code, _, err = run_cli([*argv, "--out", str(out), *TINY_ARGS], capsys, monkeypatch)
    assert code == 0, err
    assert "market" in (out / "best.toml").read_text()
