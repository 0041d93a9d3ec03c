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
from score import accuracy, score_record, universe_goals, wall_verdict


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


def test_flat_forecasts_make_no_call() -> None:
    """Naive calls no direction; a forecast held flat on one ticker (stockpred's closed gate)
    is scored on the other's days only, and the share of days it moved says so."""
    a, b = _series(seed=5), _series(seed=6)
    naive = accuracy([a], a.prices[a.test_origins])
    assert naive["da"] is None
    assert naive["moves"] == 0.0
    half = np.concatenate([a.prices[a.test_origins], b.prices[b.test_origins + 1]])
    both = accuracy([a, b], half)
    assert both["da"] == 1.0
    moved_b = np.sum(b.prices[b.test_origins + 1] != b.prices[b.test_origins])
    moved_a = np.sum(a.prices[a.test_origins + 1] != a.prices[a.test_origins])
    assert both["moves"] == pytest.approx(moved_b / (moved_a + moved_b))


def _record(system: str, predictions: np.ndarray, fit_s: float, seed: int = 0) -> dict:
    return {
        "system": system,
        "dataset": "universe",
        "seed": seed,
        "target": "t",
        "batch": 1,
        "epochs": 1.0,
        "fit_s": fit_s,
        "fit_cpu_s": fit_s / 2,
        "best_val_s": fit_s,
        "infer_s": 0.1,
        "import_s": 1.0,
        "peak_rss_mb": 1.0,
        "notes": "",
        "versions": {},
        "windows_seen": 100,
        "predictions": predictions.tolist(),
    }


def test_raw_predictions_score_as_their_own_row_without_figures() -> None:
    """A record's ungated network forecasts become a '-raw' entry: its accuracy, no timings."""
    s = _series(seed=7)
    naive, perfect = s.prices[s.test_origins], s.prices[s.test_origins + 1]
    record = _record("stockpred-global", naive, 10.0) | {"raw_predictions": perfect.tolist()}
    gated, raw = score_record(record, [s])
    assert (gated["system"], raw["system"]) == ("stockpred-global", "stockpred-global-raw")
    assert gated["mae_naive"] == pytest.approx(1.0)
    assert raw["mae_naive"] == 0.0
    assert raw["fit_s"] is None
    assert raw["windows_per_s"] is None


def test_universe_wall_goal_is_the_global_row_with_per_ticker_beside_it() -> None:
    """The 3x goal is judged on stockpred-global against the faster peer; the per-ticker
    ratio is printed for reference, never as the verdict."""
    s = _series(seed=8)
    naive = s.prices[s.test_origins]
    records = [
        _record("stockpred-global", naive, 10.0),
        _record("stockpred-per-ticker", naive, 100.0),
        _record("darts", naive, 40.0),
        _record("nf-robust", naive, 60.0),
    ]
    scores = [x for r in records for x in score_record(r, [s])]
    by = {("universe", x["system"]): x for x in scores}
    lines = universe_goals(by, scores)
    wall = [line for line in lines if "wall" in line]
    assert "stockpred-global 10 s vs faster peer darts 40 s (4.00×" in wall[0]
    assert "4.00× in CPU seconds" in wall[0]
    assert wall[0].endswith("met")
    assert "stockpred-per-ticker 100 s" in wall[1]
    assert wall[1].endswith("for reference")


def test_wall_verdict_needs_every_measure() -> None:
    """3x on the medians but not seed by seed is borderline, not met."""
    assert wall_verdict([3.2, 3.1, None]) == "met"
    assert wall_verdict([2.0, 2.5, 2.9]) == "MISSED"
    assert wall_verdict([3.01, 2.39, 2.60]).startswith("borderline")
