"""After the search: the best config judged once on the test span, and the tuning folder.

The folder holds ``best.toml`` (a config ``run --config`` and ``train --config`` accept),
``trials.csv`` (one row a trial), ``test.csv`` (the tuned config, the default config and naive
on the test span) and ``tuning.html``; it is written atomically.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from stockpred.cluster.session import RAY_LOG
from stockpred.config import ForecastConfig
from stockpred.data.history import PriceHistory
from stockpred.run_folder import output_folder
from stockpred.tuning.study import TuneResult

if TYPE_CHECKING:
    from stockpred.evaluation.metrics import Evaluation

BEST = "best.toml"
TRIALS = "trials.csv"
TEST = "test.csv"
PAGE = "tuning.html"


def config_toml(cfg: ForecastConfig) -> str:
    """Every field of ``cfg`` as flat TOML (a JSON scalar or list is valid TOML; None is left out)."""
    lines = ["# written by `stockpred tune`: use with --config"]
    for name, value in cfg.model_dump(mode="json").items():
        if value is not None:
            lines.append(f"{name} = {json.dumps(value)}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class HoldoutRow:
    """One row of test.csv: a model's test-span errors on one ticker, and its DM p-value."""

    ticker: str
    model: str  # tuned, default or naive
    mae: float
    rmse: float
    mae_vs_naive: float
    dm_p: float | None  # one-sided DM p-value against naive; None for naive itself


def trials_table(result: TuneResult) -> pd.DataFrame:
    """trials.csv: parameters, validation loss, epochs, seconds, pruned, one row a trial."""
    return pd.DataFrame([t.row() for t in result.trials])


def compare_on_test(
    histories: list[PriceHistory], tuned: ForecastConfig, default: ForecastConfig
) -> pd.DataFrame:
    """The tuned and the default config fitted as a run would, scored once on the test span."""
    from stockpred.evaluation.forecaster import Forecaster

    rows: list[HoldoutRow] = []
    for history in histories:
        for label, cfg in (("tuned", tuned), ("default", default)):
            ev = Forecaster(cfg).fit(history, progress=False).evaluate(history)
            rows.append(_row(history.ticker, label, ev.table.loc["lstm"], ev))
        rows.append(_row(history.ticker, "naive", ev.table.loc["naive"], None))
    return pd.DataFrame(rows)


def _row(ticker: str, model: str, metrics: pd.Series, ev: Evaluation | None) -> HoldoutRow:
    naive_mae = metrics["mae"] if ev is None else ev.table.loc["naive", "mae"]
    return HoldoutRow(
        ticker,
        model,
        metrics["mae"],
        metrics["rmse"],
        metrics["mae"] / naive_mae,
        None if ev is None else ev.dm_vs_naive("lstm").p_better,
    )


def test_verdict(test: pd.DataFrame) -> tuple[str, bool]:
    """One sentence on what tuning bought on the test span, good news or not."""
    mean = test.groupby("model")["mae_vs_naive"].mean()
    tuned, default = mean.get("tuned", float("nan")), mean.get("default", float("nan"))
    change = "better than" if tuned < default else "no better than"
    beats = "beats" if tuned < 1.0 else "does not beat"
    return (
        f"On the test span the tuned config is {change} the default (MAE ÷ naive {tuned:.4f} "
        f"vs {default:.4f}) and {beats} the naive forecast on MAE.",
        tuned < default and tuned < 1.0,
    )


def write_tuning(
    out: Path, result: TuneResult, test: pd.DataFrame, page: str, ray_log: Path | None = None
) -> None:
    """Write the tuning folder atomically: all of it or nothing (Ray's log is moved in)."""
    with output_folder(out, "tune") as tmp:
        if ray_log is not None and ray_log.is_file():
            shutil.move(ray_log, tmp / RAY_LOG)
        (tmp / BEST).write_text(config_toml(result.best_config))
        trials_table(result).to_csv(tmp / TRIALS, index=False, float_format="%.6g")
        test.to_csv(tmp / TEST, index=False, float_format="%.6g")
        (tmp / PAGE).write_text(page)
