"""``--market``: the index loaded like the ticker, saved with the model, refused in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stockpred.data.loading import load_prices

from .test_cli import TINY_ARGS, run_cli


def test_market_trains_predicts_and_is_saved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "m"
    argv = ["train", "MSFT", "--market", "AAPL", "--start", "2010-06-01", "--out", str(out)]
    code, _, err = run_cli([*argv, *TINY_ARGS], capsys, monkeypatch)
    assert code == 0, err
    config = json.loads((out / "model" / "config.json").read_text())
    assert config["market"] == "AAPL"
    assert config["features"] == ["market"]
    code, printed, err = run_cli(["predict", str(out), "--days", "3"], capsys, monkeypatch)
    assert code == 0, err
    assert "next 3 sessions" in printed


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


def test_market_with_a_universe_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "u"
    argv = ["run", "MSFT", "AAPL", "--market", "AAPL", "--out", str(out)]
    code, _, err = run_cli([*argv, *TINY_ARGS], capsys, monkeypatch)
    assert code == 1
    assert err.strip().splitlines() == [err.strip()]
    assert "not built for a universe" in err
    assert not out.exists()
