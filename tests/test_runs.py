"""runs.py: what a run folder holds reads back exactly as it was written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from stockpred.runs import predictions_csv, read_predictions


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
