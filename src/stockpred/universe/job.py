"""The per-ticker job, the same function whichever backend runs it: load, fit, evaluate, write.

One ticker alone and every ticker of a universe go through :func:`fit_ticker`; what differs
is in the :class:`TickerJob` (``alone``), not in a second copy of the code.

A universe's ticker folder is written by the one folder writer
(:func:`stockpred.run_folder.output_folder`, through ``run_pipeline``): a new one exists only
once complete, with ``stamp.json`` (the config's and the data's hashes) inside. ``--resume``
trusts a folder only when its write finished and both hashes match.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from stockpred.config import ForecastConfig
from stockpred.data.history import PriceHistory
from stockpred.data.options import LoadOptions
from stockpred.evaluation.forecaster import Forecaster
from stockpred.evaluation.metrics import METRICS as EVAL_METRICS
from stockpred.exceptions import attempt
from stockpred.run_folder import check_output, finished, reserve
from stockpred.runs import METRICS, PREDICTIONS, RunResult, read_predictions, run_pipeline
from stockpred.universe.inputs import (
    TickerSource,
    market_stamp,
    ticker_folder,
    with_universe_market,
)

STAMP = "stamp.json"


@dataclass(frozen=True)
class TickerJob:
    """What every ticker of one run shares (sent once to each worker).

    ``alone``: one ticker run by itself writes into ``out`` itself (no ``out/TICKER``), with
    the full report and no stamp; its folder is held from before the fit (``force`` lets it
    replace another job's folder), ``on_load`` sees its prices before the fit, ``progress``
    shows the training, its errors are raised and its ``RunResult`` is kept.
    """

    config: ForecastConfig
    out: str
    days: int
    loading: LoadOptions
    config_sha: str
    resume: bool = False
    market: PriceHistory | None = None  # the ``market`` index, loaded once for all tickers
    alone: bool = False
    force: bool = False
    progress: bool = False
    on_load: Callable[[PriceHistory], None] | None = None

    def stamp(self, history: PriceHistory) -> dict[str, str]:
        """What a complete folder must match to be resumed: config, data (and index) hashes."""
        return {
            "config_sha": self.config_sha,
            "data_sha": history.fingerprint(len(history)),
            **market_stamp(self.market),
        }

    def folder(self, ticker: str) -> Path:
        """Where the ticker's files go: ``out`` for one alone, ``out/TICKER`` in a universe."""
        return Path(self.out) if self.alone else ticker_folder(Path(self.out), ticker)

    @contextmanager
    def held(self, folder: Path) -> Iterator[None]:
        """The folder checked before the fit; one alone is also locked (and made) until its
        files are in, a universe's ticker folder (its universe is locked) appears only then."""
        if not self.alone:
            check_output(folder, "run")
            yield
            return
        with reserve(folder, "run", force=self.force):
            yield


@dataclass
class TickerOutcome:
    """One ticker's result as it streams back: test-span forecasts, or the error."""

    ticker: str
    table: pd.DataFrame | None = None  # index model; the metrics of evaluation.METRICS
    predictions: pd.DataFrame | None = None  # index date; actual, previous, one column a model
    error: str | None = None
    resumed: bool = False
    seconds: dict[str, float] = field(default_factory=dict)
    run: RunResult | None = None  # the fitted model and its figures: one ticker alone only

    @property
    def ok(self) -> bool:
        """True when the ticker finished (now or in an earlier run)."""
        return self.error is None


def run_ticker(job: TickerJob, source: TickerSource) -> TickerOutcome:
    """A universe's ticker into ``out/TICKER``; any failure is this ticker's only."""
    seconds: dict[str, float] = {}
    outcome = attempt(source.ticker, lambda: fit_ticker(job, source, seconds))
    if outcome.value is None:
        return TickerOutcome(source.ticker, error=outcome.error, seconds=seconds)
    return outcome.value


def fit_ticker(
    job: TickerJob, source: TickerSource, seconds: dict[str, float] | None = None
) -> TickerOutcome:
    """Load, then resume or fit, evaluate, forecast and write one ticker, alone or in a
    universe; ``seconds`` gets the phases."""
    seconds = {} if seconds is None else seconds
    folder = job.folder(source.ticker)
    started = time.perf_counter()
    history = with_universe_market(source.load(job.loading), job.market)
    seconds["load"] = time.perf_counter() - started
    if job.on_load is not None:
        job.on_load(history)
    stamp = None if job.alone else job.stamp(history)
    if job.resume and stamp is not None and (done := completed(folder, stamp)) is not None:
        return TickerOutcome(source.ticker, *done, resumed=True, seconds=seconds)
    with job.held(folder):  # before the ticker is fitted
        result = run_pipeline(
            Forecaster(job.config, progress=job.progress),
            history,
            folder,
            days=job.days,
            loading=source.options(job.loading),
            light=not job.alone,
            extra_files=None if stamp is None else {STAMP: json.dumps(stamp, indent=2)},
            timings=seconds,
            force=job.force,
        )
    evaluation = result.evaluation
    kept = result if job.alone else None
    return TickerOutcome(
        source.ticker, evaluation.table, evaluation.predictions, seconds=seconds, run=kept
    )


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
