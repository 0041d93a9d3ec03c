"""The global model's part of a universe run: load in parallel, fit once, score each ticker.

Writes ``OUT/global_lstm/`` atomically: ``model/`` (one folder for the universe),
``predictions.csv`` (ticker, date, actual, previous, every model) and ``stamp.json``, so
``--resume`` reuses it when the config and every ticker's data are unchanged.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from stockpred.data.loading import PriceHistory
from stockpred.data.options import LoadOptions
from stockpred.data.tickers import check_ticker
from stockpred.exceptions import Outcome, StockpredError, attempt
from stockpred.models.base import LSTM
from stockpred.models.global_lstm import NAME, GlobalLSTM
from stockpred.models.state import ViewState
from stockpred.run_folder import finished, output_folder
from stockpred.runs import FULL_PRECISION, MODEL_DIR, PREDICTIONS, ROUND_TRIP
from stockpred.splits import chronological_split
from stockpred.universe.inputs import TickerSource, market_stamp, with_universe_market
from stockpred.universe.job import STAMP, TickerOutcome
from stockpred.universe.progress import stream

if TYPE_CHECKING:
    from stockpred.backend import Backend
    from stockpred.config import ForecastConfig
    from stockpred.universe.options import UniverseOptions

GLOBAL_DIR = NAME


def load_source(
    loading: LoadOptions, market: PriceHistory | None, source: TickerSource
) -> Outcome[PriceHistory]:
    """Load one ticker in a worker (with the ``market`` index); an error is returned."""

    def load() -> PriceHistory:
        check_ticker(source.ticker)
        return with_universe_market(source.load(loading), market)

    return attempt(source.ticker, load)


def run_global(
    sources: Sequence[TickerSource],
    options: UniverseOptions,
    backend: Backend,
    config_sha: str,
    progress: bool,
    market: PriceHistory | None = None,
) -> tuple[dict[str, TickerOutcome], dict[str, float]]:
    """Fit (or reuse) the global model; each ticker's scored test span, and where time went."""
    started = time.perf_counter()
    loaded = stream(
        backend,
        partial(load_source, options.loading, market),
        sources,
        options.out,
        progress,
        "loading",
        failed=Outcome[PriceHistory],
    )
    outcomes: dict[str, TickerOutcome] = {}
    histories: dict[str, PriceHistory] = {}
    for source in sources:
        item = loaded[source.ticker]
        error = item.error or _too_short(item.value, options)
        if error or item.value is None:
            outcomes[source.ticker] = TickerOutcome(source.ticker, error=error)
        else:
            histories[source.ticker] = item.value
    seconds = {"load": time.perf_counter() - started}
    if not histories:
        return outcomes, seconds
    folder = Path(options.out) / GLOBAL_DIR
    stamp = {"config_sha": config_sha, "data_sha": _data_sha(histories), **market_stamp(market)}
    reused = _reuse(folder, stamp) if options.resume else None
    if reused is None:
        started = time.perf_counter()
        model = _fit_pooled(backend, options, histories, progress)
        seconds["fit"] = time.perf_counter() - started
        scored = stream(
            backend,
            partial(score_ticker, model),
            [TickerHistory(t, h) for t, h in histories.items()],
            options.out,
            progress,
            "scoring",
            failed=Outcome[Scored],
        )
        table = _scored_table(model, scored, outcomes)
        if table is None:
            return outcomes, seconds
        _write(folder, model, table, stamp)
        seconds["score_and_write"] = time.perf_counter() - started - seconds["fit"]
    else:
        table = reused
    for ticker, rows in table.groupby("ticker", sort=False):
        predictions = rows.drop(columns="ticker").set_index("date")
        outcomes[str(ticker)] = TickerOutcome(
            str(ticker),
            _table(predictions, histories[str(ticker)], options),
            predictions,
            resumed=reused is not None,
        )
    return outcomes, seconds


def _fit_pooled(
    backend: Backend,
    options: UniverseOptions,
    histories: dict[str, PriceHistory],
    progress: bool,
) -> GlobalLSTM:
    """The one pooled fit: here, or as one task where the backend says so (Ray: a cluster
    node's CPU or GPU rather than the driver). Data-parallel training did not pay on 2 CPUs
    (benchmarks/ddp_global/ddp_global.py: x1.05), so it is one worker with all the pooled windows."""
    fit = partial(_fit_global, options.config, options.embed, progress)
    if backend.fits_pooled_model:
        return next(iter(backend.map(fit, [histories])))
    return fit(histories)


def _fit_global(
    config: ForecastConfig, embed: int, progress: bool, histories: dict[str, PriceHistory]
) -> GlobalLSTM:
    model = GlobalLSTM(config, embed)
    return model.fit(list(histories.values()), progress=progress, calibrate=False)


def _too_short(history: PriceHistory | None, options: UniverseOptions) -> str | None:
    try:
        if history is not None:
            chronological_split(history.dates, options.config)
    except StockpredError as exc:
        return str(exc)
    return None


def _data_sha(histories: dict[str, PriceHistory]) -> str:
    digest = hashlib.sha256()
    for ticker, history in histories.items():
        digest.update(ticker.encode())
        digest.update(history.fingerprint(len(history)).encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class TickerHistory:
    """One ticker's loaded history, sent to a worker for scoring."""

    ticker: str
    history: PriceHistory


# A ticker's calibration (gate, intervals) and test-span forecasts.
Scored = tuple[ViewState, pd.DataFrame]


def score_ticker(model: GlobalLSTM, item: TickerHistory) -> Outcome[Scored]:
    """In a worker: calibrate the shared network on one ticker's validation span and score
    its test span beside the baselines (the classical ones and GARCH dominate the cost)."""
    from stockpred.evaluation.forecaster import evaluate

    def score() -> Scored:
        view = model.calibrated_view(item.ticker, item.history)
        predictions = evaluate(view, item.history).predictions.rename(columns={LSTM: NAME})
        return model.view_state(view), predictions

    return attempt(item.ticker, score)


def _scored_table(
    model: GlobalLSTM,
    scored: dict[str, Outcome[Scored]],
    outcomes: dict[str, TickerOutcome],
) -> pd.DataFrame | None:
    """Long table (ticker, date, actual, previous, every model) in the universe's order, or
    None when no ticker scored; views attached to ``model``; a failure is an error outcome."""
    parts = []
    for ticker in model.tickers_:
        item = scored[ticker]
        if item.value is None:
            outcomes[ticker] = TickerOutcome(ticker, error=item.error)
            continue
        view, predictions = item.value
        model.add_view(ticker, view)
        parts.append(predictions.reset_index().assign(ticker=ticker))
    if not parts:
        return None
    table = pd.concat(parts, ignore_index=True)
    return table[["ticker", *[c for c in table.columns if c != "ticker"]]]


def _table(
    predictions: pd.DataFrame, history: PriceHistory, options: UniverseOptions
) -> pd.DataFrame:
    """The metrics table of saved forecasts (same functions as a fresh evaluation)."""
    from stockpred.evaluation.metrics import METRICS, point_metrics
    from stockpred.stats import naive_scale

    split = chronological_split(history.dates, options.config)
    scale = naive_scale(history.prices, split.train_end)
    actual, prev = predictions["actual"].to_numpy(), predictions["previous"].to_numpy()
    models = [c for c in predictions.columns if c not in ("actual", "previous")]
    rows = {m: point_metrics(actual, predictions[m].to_numpy(), prev, scale) for m in models}
    return pd.DataFrame.from_dict(rows, orient="index")[list(METRICS)].astype(float)


def _write(folder: Path, model: GlobalLSTM, table: pd.DataFrame, stamp: dict[str, str]) -> None:
    with output_folder(folder, "run") as tmp:
        model.save(tmp / MODEL_DIR)
        table.to_csv(
            tmp / PREDICTIONS, index=False, date_format="%Y-%m-%d", float_format=FULL_PRECISION
        )
        (tmp / STAMP).write_text(json.dumps(stamp, indent=2))


def _reuse(folder: Path, stamp: dict[str, str]) -> pd.DataFrame | None:
    """The saved forecasts of a finished write for this config and data, else None."""
    try:
        if not finished(folder) or json.loads((folder / STAMP).read_text()) != stamp:
            return None
        table = pd.read_csv(folder / PREDICTIONS, parse_dates=["date"], **ROUND_TRIP)
    except (OSError, ValueError, KeyError):
        return None
    return table
