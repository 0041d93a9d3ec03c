"""test.csv: one typed row a model and ticker, in the columns the file has always had."""

from __future__ import annotations

import pandas as pd

from stockpred.tuning import outputs
from stockpred.tuning.outputs import HoldoutRow

ROWS = [
    HoldoutRow("T", "tuned", 0.9, 1.2, 0.9, 0.01),
    HoldoutRow("T", "default", 1.05, 1.4, 1.05, 0.8),
    HoldoutRow("T", "naive", 1.0, 1.3, 1.0, None),
]


def test_rows_make_the_test_csv_columns_and_the_verdict() -> None:
    frame = pd.DataFrame(ROWS)
    assert list(frame.columns) == ["ticker", "model", "mae", "rmse", "mae_vs_naive", "dm_p"]
    assert frame.to_csv(index=False, float_format="%.6g").splitlines()[3] == "T,naive,1,1.3,1,"
    sentence, good = outputs.test_verdict(frame)
    assert good
    assert "better than the default (MAE ÷ naive 0.9000 vs 1.0500)" in sentence
