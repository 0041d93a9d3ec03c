"""runs.py: what a run folder holds reads back exactly as it was written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from stockpred.config import ForecastConfig
from stockpred.data.history import PriceHistory
from stockpred.data.options import LoadOptions
from stockpred.evaluation.forecaster import Forecaster
from stockpred.runs import predictions_csv, read_predictions, run_pipeline

from .conftest import TINY


def test_predictions_read_back_bit_for_bit(tmp_path: Path) -> None:
    """A resumed universe re-scores predictions.csv: ten digits once moved a DM p-value."""
    rng = np.random.default_rng(0)
    dates = pd.DatetimeIndex(pd.bdate_range("2020-01-01", periods=50), name="date")
    prices = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 51)))
    frame = pd.DataFrame(
        {"actual": prices[1:], "previous": prices[:-1], "lstm": prices[:-1] * (1 + 1e-13)},
        index=dates,
    )
    path = tmp_path / "predictions.csv"
    path.write_text(predictions_csv(frame))
    pd.testing.assert_frame_equal(read_predictions(path), frame, check_exact=True, check_freq=False)


def test_the_report_says_how_many_training_windows_the_network_learned_from(
    msft: PriceHistory, tmp_path: Path
) -> None:
    """A cap below the span (an uncut span is checked in tests/cli/test_cli.py's run)."""
    config = ForecastConfig(**{**TINY, "epochs": 1, "train_windows": 200})
    result = run_pipeline(
        Forecaster(config, progress=False), msft, tmp_path / "run", days=2, loading=LoadOptions()
    )
    every = len(msft.observed_targets(result.forecaster.split_.train_origins(config)))
    assert every > 200
    assert result.forecaster.train_result_.n_train == 200
    page = (tmp_path / "run" / "report.html").read_text()
    assert f"<dt>training windows</dt><dd>200 of {every:,}: the most recent" in page
