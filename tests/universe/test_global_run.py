"""A resumed global run reuses the pooled model's saved forecasts only from a finished write."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from stockpred.run_folder import write_marker
from stockpred.runs import PREDICTIONS
from stockpred.universe.global_run import _reuse
from stockpred.universe.job import STAMP

STAMPED = {"config_sha": "a" * 64, "data_sha": "b" * 64}


def _saved(folder: Path, *, unfinished: bool) -> Path:
    folder.mkdir()
    (folder / STAMP).write_text(json.dumps(STAMPED))
    table = pd.DataFrame({"ticker": ["MSFT"], "date": ["2017-11-10"], "actual": [84.0]})
    table.to_csv(folder / PREDICTIONS, index=False)
    write_marker(folder, "run", [STAMP, PREDICTIONS], unfinished=unfinished)
    return folder


def test_a_finished_global_folder_is_reused(tmp_path: Path) -> None:
    reused = _reuse(_saved(tmp_path / "global_lstm", unfinished=False), STAMPED)
    assert reused is not None
    assert list(reused["ticker"]) == ["MSFT"]


def test_a_global_folder_whose_write_was_cut_short_is_fitted_again(tmp_path: Path) -> None:
    assert _reuse(_saved(tmp_path / "global_lstm", unfinished=True), STAMPED) is None
