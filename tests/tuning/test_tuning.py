"""Tuning: the search space, reproducibility, no peeking at the test span, the output folder."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import tomllib

pytest.importorskip("optuna", reason="tuning needs optuna: pip install 'stockpred[tune]'")

from stockpred.config import ForecastConfig, make_config
from stockpred.data.history import PriceHistory
from stockpred.exceptions import ConfigError
from stockpred.features import Dataset
from stockpred.splits import chronological_split
from stockpred.tuning.objective import TuningSeries, naive_val_loss
from stockpred.tuning.outputs import config_toml
from stockpred.tuning.search import tune
from stockpred.tuning.space import DEFAULT_SPACE, SearchSpace

from ..conftest import TINY

# Small ranges keep every trial a fraction of a second.
SMALL_SPACE = """
window = { low = 5, high = 15 }
hidden = { low = 4, high = 12 }
layers = [1, 2]
dropout = { low = 0.0, high = 0.3 }
learning_rate = { low = 1e-3, high = 1e-2, log = true }
batch_size = [32, 64]
"""


@pytest.fixture
def small_space(tmp_path: Path) -> Path:
    path = tmp_path / "space.toml"
    path.write_text(SMALL_SPACE)
    return path


def _trials(history: PriceHistory, space: SearchSpace, n: int = 4) -> pd.DataFrame:
    base = ForecastConfig(**{**TINY, "epochs": 2})
    result = tune([TuningSeries.cut(history, base)], base, space, trials=n, seed=3)
    return pd.DataFrame([t.row() for t in result.trials]).drop(columns="seconds")


def test_space_file_overrides_ranges_and_fixed_fields_are_not_searched(small_space: Path) -> None:
    space = SearchSpace.load(small_space, frozenset({"layers", "epochs"}))
    assert "layers" not in space.params
    assert space.params["window"].high == 15
    assert space.params["batch_size"].choices == (32, 64)
    assert set(SearchSpace.load().params) == set(DEFAULT_SPACE)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("epochs = { low = 1, high = 3 }", "cannot search epochs"),
        ("window = { low = 30, high = 10 }", "invalid window"),
        ("window = { low = 3 }", "invalid window"),
        ("window = [", "cannot read search space"),
    ],
)
def test_bad_space_file_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "space.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        SearchSpace.load(path)


def test_tuning_series_drops_the_test_span(msft: PriceHistory) -> None:
    cfg = ForecastConfig(**TINY)
    series = TuningSeries.cut(msft, cfg)
    split = chronological_split(msft.dates, cfg)
    assert len(series.past) == split.val_end < len(msft)
    assert series.split.test_end == split.val_end
    assert naive_val_loss(series, Dataset.build(series.past, cfg, series.split), cfg) > 0


@pytest.mark.slow
def test_same_seed_same_trials_and_best(msft: PriceHistory, small_space: Path) -> None:
    space = SearchSpace.load(small_space)
    first, second = _trials(msft, space), _trials(msft, space)
    pd.testing.assert_frame_equal(first, second)
    assert first["val_loss"].notna().all()
    assert first[["window", "hidden", "learning_rate"]].drop_duplicates().shape[0] > 1


@pytest.mark.slow
def test_tripling_test_prices_changes_no_trial(msft: PriceHistory, small_space: Path) -> None:
    """The objective is validation loss only: the test span is never read while tuning."""
    split = chronological_split(msft.dates, ForecastConfig(**TINY))
    frame = msft.frame.copy()
    price_columns = ["open", "high", "low", "close", "adj_close"]
    frame.iloc[split.val_end :, frame.columns.get_indexer(price_columns)] *= 3.0
    tripled = replace(msft, frame=frame)
    space = SearchSpace.load(small_space)
    pd.testing.assert_frame_equal(_trials(msft, space), _trials(tripled, space))


def test_best_toml_round_trips_into_the_config() -> None:
    cfg = ForecastConfig(window=17, learning_rate=3.5e-4, features=("volume",), dropout=0.0)
    text = config_toml(cfg)
    assert ForecastConfig(**tomllib.loads(text)) == cfg


@pytest.mark.slow
def test_tune_command_writes_the_folder_and_holds_given_options(
    tmp_path: Path, small_space: Path
) -> None:
    from typer.testing import CliRunner

    from stockpred.cli.app import app

    out = tmp_path / "tune"
    args = ["tune", "MSFT", "--start", "2010-08-01", "--trials", "3", "--epochs", "2"]
    args += ["--window", "10", "--seed", "1", "--space", str(small_space), "--out", str(out), "-q"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    trials = pd.read_csv(out / "trials.csv")
    assert len(trials) == 3
    assert "window" not in trials.columns  # given on the command line: held fixed
    assert {"hidden", "val_loss", "epochs", "seconds", "pruned"} <= set(trials.columns)
    best = make_config({}, out / "best.toml")
    assert (best.window, best.epochs, best.seed) == (10, 2, 1)
    test = pd.read_csv(out / "test.csv")
    assert set(test["model"]) == {"tuned", "default", "naive"}
    page = (out / "tuning.html").read_text()
    assert "Search history" in page
    assert "data:image/png;base64," in page
    run = CliRunner().invoke(
        app,
        [
            "train",
            "MSFT",
            "--start",
            "2010-08-01",
            "--config",
            str(out / "best.toml"),
            "--out",
            str(tmp_path / "run"),
            "-q",
        ],
    )
    assert run.exit_code == 0, run.output
