"""The peers benchmark's shared parts (no peer library needed): split, data files, scorer."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stockpred import ForecastConfig
from stockpred.splits import chronological_split

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks" / "peers"))

from common import Series, load_dataset, save_dataset
from score import accuracy


def _series(n: int = 400, seed: int = 0) -> Series:
    rng = np.random.default_rng(seed)
    prices = 50 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    split = chronological_split(pd.bdate_range("2010-01-01", periods=n), ForecastConfig())
    return Series(f"T{seed}", prices, split.train_end, split.val_end, "x.csv", "")


@pytest.mark.parametrize("window", [20, 60])
def test_origins_are_stockpreds(window: int) -> None:
    """Every peer's training, validation and test origins are the ones stockpred uses."""
    s = _series()
    cfg = ForecastConfig(window=window)
    split = chronological_split(pd.bdate_range("2010-01-01", periods=400), cfg)
    assert np.array_equal(s.origins("train", window), split.train_origins(cfg))
    assert np.array_equal(s.origins("val", window), split.val_origins(cfg))
    assert np.array_equal(s.test_origins, split.test_origins())


def test_data_file_round_trip(tmp_path: Path) -> None:
    """Saved without pickle, read back identical, tickers in order."""
    series = [_series(seed=1), _series(300, seed=2)]
    save_dataset(tmp_path / "u.npz", series)
    back = load_dataset(tmp_path / "u.npz")
    assert [b.ticker for b in back] == ["T1", "T2"]
    for a, b in zip(series, back, strict=True):
        assert np.array_equal(a.prices, b.prices)
        assert (a.train_end, a.val_end) == (b.train_end, b.val_end)


def test_scorer_naive_is_one_and_perfect_is_zero() -> None:
    """Naive scores 1 ÷ naive; a perfect forecast scores 0 and calls every move."""
    series = [_series(seed=3), _series(seed=4)]
    naive = np.concatenate([s.prices[s.test_origins] for s in series])
    perfect = np.concatenate([s.prices[s.test_origins + 1] for s in series])
    assert accuracy(series, naive)["mae_naive"] == pytest.approx(1.0)
    assert accuracy(series, naive)["rmse_naive"] == pytest.approx(1.0)
    best = accuracy(series, perfect)
    assert best["mae_naive"] == 0.0
    assert best["da"] == 1.0
    with pytest.raises(SystemExit):
        accuracy(series, perfect[:-1])
