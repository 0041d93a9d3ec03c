"""A run folder: the whole job for one ticker (fit, evaluate, predict, report), written atomically."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from stockpred.artifacts import write_text_atomic
from stockpred.cluster.session import RAY_LOG
from stockpred.config import ForecastConfig
from stockpred.data.history import PriceHistory
from stockpred.data.options import LoadOptions
from stockpred.evaluation.forecaster import Forecaster
from stockpred.evaluation.level_range import level_range_warning
from stockpred.evaluation.metrics import Evaluation
from stockpred.features import training_origins
from stockpred.run_folder import output_folder, side_file
from stockpred.tuning.space import DEFAULT_SPACE, SearchSpace

if TYPE_CHECKING:
    from stockpred.backend import Backend
    from stockpred.data.schema import CleaningReport
    from stockpred.evaluation.summary import BacktestSummary
    from stockpred.evaluation.trading import TradingRule
    from stockpred.evaluation.walkforward import Refit
    from stockpred.spec import BackendName
    from stockpred.splits import Mode
    from stockpred.tuning.study import TrialRecord, TuneResult

MODEL_DIR = "model"
METRICS = "metrics.json"
FORECAST = "forecast.csv"
REPORT = "report.html"
DATA_ARGS = "data.json"
BACKTEST = "backtest.csv"
SUMMARY = "summary.json"
PREDICTIONS = "predictions.csv"


@dataclass
class RunResult:
    """What a run produced, for the CLI to print."""

    out: Path
    forecaster: Forecaster
    evaluation: Evaluation
    forecast: pd.DataFrame
    metrics: dict[str, Any]


def run_warnings(
    fc: Forecaster, history: PriceHistory, forecast: pd.DataFrame | None = None
) -> list[str]:
    """What the user must know before trusting the numbers (terminal, report, metrics.json)."""
    level = level_range_warning(
        fc.config.target,
        history.prices,
        history.dates,
        fc.meta_.train_end_date,
        fc.meta_.val_end_date,
        None if forecast is None else forecast["forecast"].to_numpy(),
    )
    return [level] if level else []


def metrics_document(
    fc: Forecaster,
    evaluation: Evaluation,
    warnings: list[str] | None = None,
    cleaning: CleaningReport | None = None,
) -> dict[str, Any]:
    """metrics.json: the contract fields first, then what explains them (cleaning included:
    the numbers are only as good as the rows they were computed on)."""
    return {
        **evaluation.to_dict(),
        "warnings": warnings or [],
        "cleaning": None if cleaning is None else cleaning.to_dict(),
        "price_column": fc.meta_.price_column,
        "source": fc.meta_.source,
        "train_span": [fc.meta_.first_date, fc.meta_.train_end_date],
        "validation_span_end": fc.meta_.val_end_date,
        "config": fc.config.model_dump(mode="json"),
        "training": {k: v for k, v in fc.train_result_.to_dict().items() if k != "history"},
    }


def forecast_csv(forecast: pd.DataFrame) -> str:
    """forecast.csv text: ``date,forecast,lower,upper``."""
    return forecast.to_csv(date_format="%Y-%m-%d", float_format="%.6f")


# Every bit of a float64: a resumed universe re-scores these, and where the gate keeps a
# forecast within a hair of the last price, ten digits moved a DM p-value in its 5th digit.
FULL_PRECISION = "%.17g"
# ...and read back exactly: pandas 3 parses floats round-trip by default (and deprecates the
# option); pandas 2 has to be asked.
ROUND_TRIP: dict[str, str] = (
    {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}
)


def predictions_csv(predictions: pd.DataFrame) -> str:
    """predictions.csv text: every test session's actual, previous price and each model's forecast."""
    return predictions.to_csv(date_format="%Y-%m-%d", float_format=FULL_PRECISION)


def read_predictions(path: Path) -> pd.DataFrame:
    """Inverse of :func:`predictions_csv`, bit for bit."""
    return pd.read_csv(path, index_col="date", parse_dates=["date"], **ROUND_TRIP)


def run_pipeline(
    model: Forecaster,
    history: PriceHistory,
    out: Path,
    *,
    days: int,
    loading: LoadOptions,
    light: bool = False,
    extra_files: dict[str, str] | None = None,
    timings: dict[str, float] | None = None,
    force: bool = False,
) -> RunResult:
    """Fit, evaluate against baselines, forecast ``days`` sessions and write the run folder.

    ``light`` draws a one-figure report (a universe runs hundreds); ``extra_files`` are
    written into the folder too, inside the same atomic rename; ``timings`` receives the
    seconds spent training, evaluating, reporting and writing.
    """
    from stockpred.report.holdout import ReportInputs, render_report

    clock = _Stopwatch(timings)
    fc = model.fit(history)
    config = fc.config
    clock.lap("train")
    evaluation = fc.evaluate(history)
    forecast = fc.predict(history, days=days)
    warnings = run_warnings(fc, history, forecast)
    metrics = metrics_document(fc, evaluation, warnings, history.cleaning)
    notes = [*(f"warning: {w}" for w in warnings)]
    notes += history.cleaning.messages() if history.cleaning else []
    clock.lap("evaluate")
    page = render_report(
        ReportInputs(
            title=f"stockpred: {history.ticker}",
            evaluation=evaluation,
            forecast=forecast,
            history=history.frame[history.price_column],
            train=fc.train_result_,
            facts={
                "source": history.source
                if history.path is None
                else f"{history.source}: {history.path}",
                "modelled price": history.price_column,
                "history": f"{history.dates[0].date()} to {history.dates[-1].date()} ({len(history)} sessions)",
                "training span ends": fc.meta_.train_end_date,
                "validation span ends": fc.meta_.val_end_date,
                "network": f"{config.layers}×LSTM({config.hidden}), window {config.window}, target {config.target}",
                "epochs run / best": f"{len(fc.train_result_.history)} / {fc.train_result_.best_epoch}",
                "training windows": _training_windows(fc, history),
                "interval": f"{config.interval:.0%} {config.interval_method}, calibrated on "
                "the validation span",
                "verdict loss": f"{config.loss.upper()} (DM test and quoted numbers)",
            },
            notes=notes,
        ),
        light=light,
    )
    clock.lap("report")
    with output_folder(out, "run", force=force) as tmp:
        fc.save(tmp / MODEL_DIR)
        (tmp / METRICS).write_text(json.dumps(metrics, indent=2))
        (tmp / FORECAST).write_text(forecast_csv(forecast))
        (tmp / PREDICTIONS).write_text(predictions_csv(evaluation.predictions))
        (tmp / REPORT).write_text(page)
        (tmp / DATA_ARGS).write_text(loading.to_json())
        for name, text in (extra_files or {}).items():
            (tmp / name).write_text(text)
    clock.lap("write")
    return RunResult(out, fc, evaluation, forecast, metrics)


class _Stopwatch:
    """Adds the seconds since the previous lap to ``timings[name]`` (nothing when None)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[name] = self.timings.get(name, 0.0) + now - self.last
        self.last = now


def train_only(
    model: Forecaster,
    history: PriceHistory,
    out: Path,
    loading: LoadOptions,
    *,
    force: bool = False,
) -> Forecaster:
    """Fit and save the model folder (and how to reload the data) without evaluating."""
    fc = model.fit(history)
    with output_folder(out, "train", force=force) as tmp:
        fc.save(tmp / MODEL_DIR)
        (tmp / DATA_ARGS).write_text(loading.to_json())
    return fc


def read_loading(run_dir: Path) -> LoadOptions | None:
    """How the run's prices were loaded (None when the folder does not say), so evaluate
    and predict load the same ones."""
    return LoadOptions.read(Path(run_dir) / DATA_ARGS)


def write_metrics(
    run_dir: Path,
    fc: Forecaster,
    evaluation: Evaluation,
    warnings: list[str],
    cleaning: CleaningReport | None = None,
) -> dict[str, Any]:
    """Replace metrics.json in an existing run folder."""
    metrics = metrics_document(fc, evaluation, warnings, cleaning)
    write_text_atomic(Path(run_dir) / METRICS, json.dumps(metrics, indent=2))
    return metrics


def write_forecast(path: Path, forecast: pd.DataFrame) -> None:
    """Write forecast.csv atomically."""
    write_text_atomic(path, forecast_csv(forecast))


def backtest_run(
    history: PriceHistory,
    config: ForecastConfig,
    out: Path,
    *,
    folds: int = 5,
    mode: Mode = "expanding",
    refit: Refit = "each",
    horizon: int | None = None,
    rule: TradingRule | None = None,
    progress: bool = False,
    force: bool = False,
    backend: BackendName = "local",
    address: str | None = None,
) -> BacktestSummary:
    """Walk-forward backtest, judged; writes backtest.csv, summary.json and report.html.

    ``backend="ray"`` fits the folds as Ray tasks (the history sent once); the numbers are
    the same as here, and Ray's log goes into the folder as ray.log.
    """
    from stockpred.evaluation.summary import summarise
    from stockpred.report.backtest import render_backtest_report

    with side_file(out, RAY_LOG) as ray_log:  # Ray's log, moved into the folder at the end
        with fold_backend(backend, address, ray_log, config.device) as folds_on:
            wf = Forecaster(config, progress=progress and backend == "local").walk_forward(
                history, folds=folds, mode=mode, refit=refit, horizon=horizon, backend=folds_on
            )
        summary = summarise(wf, history, rule)
        page = render_backtest_report(wf, summary, history)
        with output_folder(out, "backtest", force=force) as tmp:
            wf.metrics().to_csv(tmp / BACKTEST, index=False, float_format="%.6g")
            (tmp / SUMMARY).write_text(json.dumps(summary.to_dict(), indent=2))
            (tmp / REPORT).write_text(page)
            if ray_log.is_file():
                ray_log.rename(tmp / RAY_LOG)
    return summary


@contextmanager
def fold_backend(
    backend: BackendName, address: str | None, log_file: Path, device: str
) -> Iterator[Backend | None]:
    """None (folds one after another here), or Ray inside a Ray session."""
    if backend == "local":
        yield None
        return
    from stockpred.cluster.backend import ray_backend

    with ray_backend(address, log_file, device) as ray:
        yield ray


@dataclass
class TuningRun:
    """A finished tuning folder: the search, the test-span comparison and its sentence."""

    out: Path
    tuning: TuneResult
    test: pd.DataFrame
    verdict: str


def tuning_run(
    histories: list[PriceHistory],
    base: ForecastConfig,
    space: SearchSpace,
    out: Path,
    *,
    trials: int,
    backend: BackendName = "local",
    address: str | None = None,
    on_trial: Callable[[TrialRecord], None] | None = None,
) -> TuningRun:
    """Search on validation, then judge the best and the default config once on the test span."""
    from stockpred.tuning.objective import TuningSeries
    from stockpred.tuning.outputs import compare_on_test, test_verdict, write_tuning
    from stockpred.tuning.page import render_tuning_page
    from stockpred.tuning.search import tune
    from stockpred.tuning.study import parameter_importance

    data = [TuningSeries.cut(h, base) for h in histories]
    with side_file(out, RAY_LOG) as ray_log:  # Ray's log, moved into the folder at the end
        result = tune(
            data,
            base,
            space,
            trials=trials,
            seed=base.seed,
            backend=backend,
            ray_options={"address": address, "log_file": ray_log},
            on_trial=on_trial,
        )
        test = compare_on_test(histories, result.best_config, base)
        importance = parameter_importance(result, base.seed)
        facts = {
            "tickers": ", ".join(h.ticker for h in histories),
            "trials": str(len(result.trials)),
            "backend": backend,
            "seed": str(base.seed),
            "searched": ", ".join(space.params) or "nothing",
            "held fixed": ", ".join(sorted(set(DEFAULT_SPACE) - set(space.params))) or "nothing",
            "validation spans end": ", ".join(
                f"{d.past.ticker} {d.past.dates[-1].date()}" for d in data
            ),
        }
        page = render_tuning_page(result, test, importance, facts)
        write_tuning(out, result, test, page, ray_log)
    return TuningRun(out, result, test, test_verdict(test)[0])


def _training_windows(fc: Forecaster, history: PriceHistory) -> str:
    """How many windows the network learned from, and whether ``train_windows`` cut them."""
    cfg, used = fc.config, fc.train_result_.n_train
    every = len(training_origins(history, cfg, fc.split_))
    if used < every:
        return f"{used:,} of {every:,}: the most recent (train_windows)"
    return f"{used:,}: every one of the training span"
