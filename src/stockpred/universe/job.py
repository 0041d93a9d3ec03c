"""The per-ticker job, the same function whichever backend runs it: load, fit, evaluate, write.

A ticker folder is written by the one folder writer (:func:`stockpred.run_folder.output_folder`,
through ``run_pipeline``): a new one exists only once complete, with ``stamp.json`` (the
config's and the data's hashes) inside. ``--resume`` trusts a folder only when its write
finished and both hashes match.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from stockpred.config import ForecastConfig
from stockpred.data.history import PriceHistory
from stockpred.data.options import LoadOptions
from stockpred.evaluation.forecaster import Forecaster
from stockpred.evaluation.metrics import METRICS as EVAL_METRICS
from stockpred.exceptions import attempt
from stockpred.run_folder import check_output, finished
from stockpred.runs import METRICS, PREDICTIONS, read_predictions, run_pipeline
from stockpred.universe.inputs import (
    TickerSource,
    market_stamp,
    ticker_folder,
    with_universe_market,
)

STAMP = "stamp.json"


@dataclass(frozen=True)
class TickerJob:
    """What every ticker of one universe run shares (sent once to each worker)."""

    config: ForecastConfig
    out: str
    days: int
    loading: LoadOptions
    config_sha: str
    resume: bool = False
    market: PriceHistory | None = None  # the ``market`` index, loaded once for all tickers

    def stamp(self, history: PriceHistory) -> dict[str, str]:
        """What a complete folder must match to be resumed: config, data (and index) hashes."""
        return {
            "config_sha": self.config_sha,
            "data_sha": history.fingerprint(len(history)),
            **market_stamp(self.market),
        }


@dataclass
class TickerOutcome:
    """One ticker's result as it streams back: test-span forecasts, or the error."""

    ticker: str
    table: pd.DataFrame | None = None  # index model; the metrics of evaluation.METRICS
    predictions: pd.DataFrame | None = None  # index date; actual, previous, one column a model
    error: str | None = None
    resumed: bool = False
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the ticker finished (now or in an earlier run)."""
        return self.error is None


def run_ticker(job: TickerJob, source: TickerSource) -> TickerOutcome:
    """Fit and evaluate one ticker into ``out/TICKER``; any failure is this ticker's only."""
    seconds: dict[str, float] = {}
    outcome = attempt(source.ticker, lambda: _fit_ticker(job, source, seconds))
    if outcome.value is None:
        return TickerOutcome(source.ticker, error=outcome.error, seconds=seconds)
    return outcome.value


def _fit_ticker(job: TickerJob, source: TickerSource, seconds: dict[str, float]) -> TickerOutcome:
    """Load, then resume or fit, evaluate and write one ticker; ``seconds`` gets the phases."""
    folder = ticker_folder(Path(job.out), source.ticker)
    started = time.perf_counter()
    history = with_universe_market(source.load(job.loading), job.market)
    seconds["load"] = time.perf_counter() - started
    stamp = job.stamp(history)
    if job.resume and (done := completed(folder, stamp)) is not None:
        return TickerOutcome(source.ticker, *done, resumed=True, seconds=seconds)
    check_output(folder, "run")  # before the ticker is fitted
    result = run_pipeline(
        Forecaster(job.config, progress=False),
        history,
        folder,
        days=job.days,
        loading=source.options(job.loading),
        light=True,
        extra_files={STAMP: json.dumps(stamp, indent=2)},
        timings=seconds,
    )
    evaluation = result.evaluation
    return TickerOutcome(source.ticker, evaluation.table, evaluation.predictions, seconds=seconds)


def completed(folder: Path, stamp: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Metrics table and forecasts saved in ``folder`` for this config and data, else None."""
    try:
        if not finished(folder) or json.loads((folder / STAMP).read_text()) != stamp:
            return None
        models = json.loads((folder / METRICS).read_text())["models"]
        table = pd.DataFrame.from_dict(models, orient="index")[list(EVAL_METRICS)]
        return table.astype(float), read_predictions(folder / PREDICTIONS)
    except (OSError, ValueError, KeyError):
        return None
