"""One calendar for a universe: every ticker, model and baseline split at the same dates, so
nothing after a cutoff reaches what is learned before it (issue 21, item 3).

The tickers start years apart and end together: split on its own sessions, each would start
its test on another date, and one network would be early-stopped on windows that are
another ticker's test sessions.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from stockpred.artifacts import load_model
from stockpred.cluster.local import LocalBackend
from stockpred.config import ForecastConfig
from stockpred.data.loading import PriceHistory, load_prices
from stockpred.data.options import LoadOptions
from stockpred.evaluation.forecaster import Forecaster
from stockpred.features import Dataset, training_origins
from stockpred.models import global_lstm
from stockpred.models.baselines import default_baselines
from stockpred.models.global_lstm import GlobalLSTM
from stockpred.splits import Split
from stockpred.universe.inputs import folder_sources
from stockpred.universe.options import UniverseOptions
from stockpred.universe.runner import run_universe

from ..conftest import TINY

pytestmark = pytest.mark.xdist_group("universe-calendar")

STARTS = {"AAPL": "2008-01-01", "IBM": "2009-06-01", "MSFT": "2010-06-01"}
LATE = ("GOOG", "2012-06-01")  # its own 70/15/15 split would do; the universe's leaves it none
PRICES = ["open", "high", "low", "close", "adj_close"]
# What a model's state holds about the end of its history (the forecast's starting point),
# not what it learned: it must follow the newest prices.
CONTEXT = ("context", "context_variance", "context_ewma_variance", "future_sessions")
TIMINGS = ("seconds", "samples_per_second")


def _write_folder(folder: Path, tripled_from: pd.Timestamp | None = None) -> Path:
    folder.mkdir()
    for ticker, start in [*STARTS.items(), LATE]:
        frame = load_prices(ticker, start=start).frame.reset_index()
        if tripled_from is not None:
            frame.loc[frame["date"] >= tripled_from, PRICES] *= 3.0
        frame.to_csv(folder / f"{ticker.lower()}.csv", index=False)
    return folder


def _run(folder: Path, out: Path) -> None:
    options = UniverseOptions(ForecastConfig(**TINY), out, LoadOptions(), days=2, model="both")
    run_universe(folder_sources(folder), options, LocalBackend(2), progress=False)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A universe, with every global-model Dataset it built recorded; then the same universe
    with every price from its first scored date on tripled."""
    root = tmp_path_factory.mktemp("calendar")
    built: list[tuple[PriceHistory, ForecastConfig, Dataset]] = []
    original = Dataset.build

    def recording(history: PriceHistory, cfg: ForecastConfig, split: Split) -> Dataset:
        data = original(history, cfg, split)
        built.append((history, cfg, data))
        return data

    with pytest.MonkeyPatch.context() as patch:  # the global fit runs in this process
        patch.setattr(global_lstm.Dataset, "build", recording)
        _run(_write_folder(root / "prices"), root / "out")
    first_scored = min(_predictions(root / "out", t).index[0] for t in STARTS)
    _run(_write_folder(root / "tripled", first_scored), root / "out-tripled")
    return {"root": root, "built": built, "first_scored": first_scored}


def _predictions(out: Path, ticker: str) -> pd.DataFrame:
    return pd.read_csv(out / ticker / "predictions.csv", index_col="date", parse_dates=["date"])


def _fingerprint(out: Path, ticker: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((out / ticker / "model" / "fingerprint.json").read_text())
    return doc


def _cutoffs(out: Path) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The validation and test cutoffs that universe.json says every ticker was split at."""
    settings = json.loads((out / "universe.json").read_text())["settings"]
    return pd.Timestamp(settings["val_start"]), pd.Timestamp(settings["test_start"])


def test_every_ticker_is_split_at_the_universes_dates(runs: dict[str, Any]) -> None:
    out = runs["root"] / "out"
    glob = pd.read_csv(out / "global_lstm" / "predictions.csv", parse_dates=["date"])
    spans = {
        (
            _fingerprint(out, t)["train_end_date"],
            _fingerprint(out, t)["val_end_date"],
            _predictions(out, t).index[0],
            glob[glob["ticker"] == t]["date"].min(),
        )
        for t in STARTS
    }
    assert len(spans) == 1  # one calendar: the same last training, last validation, first test day
    ((train_end, val_end, first_test, global_first_test),) = spans
    val_start, test_start = _cutoffs(out)
    assert pd.Timestamp(train_end) < val_start
    assert pd.Timestamp(val_end) < test_start
    assert first_test == global_first_test >= test_start


def test_the_global_model_trains_before_validation_and_stops_early_on_it(
    runs: dict[str, Any],
) -> None:
    """Every ticker's training targets precede every ticker's validation span, and every
    early-stopping target precedes every ticker's test span."""
    built = runs["built"]
    assert set(STARTS) <= {h.ticker for h, _, _ in built}
    val_start = min(h.dates[d.split.train_end] for h, _, d in built)
    test_start = min(h.dates[d.split.val_end] for h, _, d in built)
    for history, cfg, data in built:
        steps = np.arange(1, cfg.horizon + 1)
        targets = training_origins(history, cfg, data.split)[:, None] + steps
        assert history.dates[targets.max()] < val_start
        stops = history.dates.to_numpy()[data.val_origins[:, None] + steps]
        assert val_start <= stops.min()
        assert stops.max() < test_start
        assert history.dates[data.split.val_end] == test_start  # scored from the same day
    assert (val_start, test_start) == _cutoffs(runs["root"] / "out")


def test_a_ticker_too_short_for_the_calendar_is_a_failed_row(runs: dict[str, Any]) -> None:
    out = runs["root"] / "out"
    failed = pd.read_csv(out / "failed.csv").set_index("ticker")["error"]
    assert list(failed.index) == ["GOOG"]
    assert "too short for the calendar" in failed["GOOG"]
    assert "training samples 0" in failed["GOOG"]
    assert set(pd.read_csv(out / "leaderboard.csv")["ticker"]) == set(STARTS)


def _same_model(a: Path, b: Path) -> None:
    """Bit-identical weights, scalers and calibration (gate, intervals, split) in two folders."""
    tensors_a, docs_a = load_model(a)
    tensors_b, docs_b = load_model(b)
    assert tensors_a.keys() == tensors_b.keys()
    for key, value in tensors_a.items():
        np.testing.assert_array_equal(value, tensors_b[key], err_msg=key)
    for name in ("config.json", "scaler.json", "fingerprint.json"):
        assert _without(docs_a[name], "path") == _without(docs_b[name], "path"), name
    state_a, state_b = docs_a["state.json"], docs_b["state.json"]
    # every epoch's losses: the same early stop
    assert _without(state_a["train"], *TIMINGS) == _without(state_b["train"], *TIMINGS)
    for calibration_a, calibration_b in zip(
        state_a.get("tickers", {"": state_a}).values(),
        state_b.get("tickers", {"": state_b}).values(),
        strict=True,
    ):
        for key in set(calibration_a) - set(CONTEXT) - {"stockpred_version", "train"}:
            assert calibration_a[key] == calibration_b[key], key


def _without(doc: Any, *keys: str) -> Any:
    """``doc`` with ``keys`` dropped at any depth (price files' paths, timings)."""
    if isinstance(doc, dict):
        return {k: _without(v, *keys) for k, v in doc.items() if k not in keys}
    if isinstance(doc, list):
        return [_without(v, *keys) for v in doc]
    return doc


def test_tripling_every_price_after_the_test_cutoff_changes_no_model(
    runs: dict[str, Any],
) -> None:
    out, tripled = runs["root"] / "out", runs["root"] / "out-tripled"
    for ticker in STARTS:
        _same_model(out / ticker / "model", tripled / ticker / "model")
        np.testing.assert_array_equal(
            _predictions(out, ticker)["actual"] * 3.0, _predictions(tripled, ticker)["actual"]
        )  # the test span did change: the check above is not vacuous
    _same_model(out / "global_lstm" / "model", tripled / "global_lstm" / "model")


def _tripled(history: PriceHistory, start: pd.Timestamp) -> PriceHistory:
    frame = history.frame.copy()
    frame.loc[frame.index >= start, PRICES] *= 3.0
    return PriceHistory(frame, history.ticker, history.source, history.price_column)


def test_tripling_every_price_after_the_validation_cutoff_changes_no_training_fit(
    runs: dict[str, Any],
) -> None:
    """What is fitted on the training span (scalers, training windows, every baseline) reads
    nothing from the validation cutoff on, for every ticker of either model."""
    out = runs["root"] / "out"
    first_validation = min(
        pd.Timestamp(_fingerprint(out, t)["train_end_date"]) + pd.Timedelta(days=1) for t in STARTS
    )
    glob = GlobalLSTM.load(out / "global_lstm" / "model")
    for ticker in STARTS:
        history = load_prices(ticker, csv=runs["root"] / "prices" / f"{ticker.lower()}.csv")
        changed = _tripled(history, first_validation)
        for fc in (Forecaster.load(out / ticker / "model"), glob.for_ticker(ticker)):
            cfg, split = fc.config, fc.split_
            a, b = Dataset.build(history, cfg, split), Dataset.build(changed, cfg, split)
            assert a.scaler.to_dict() == b.scaler.to_dict()
            np.testing.assert_array_equal(a.x_train, b.x_train)
            np.testing.assert_array_equal(a.y_train, b.y_train)
            assert not np.array_equal(a.y_val, b.y_val) or not np.array_equal(a.x_val, b.x_val)
            for model, twin in zip(default_baselines(cfg), default_baselines(cfg), strict=True):
                np.testing.assert_equal(
                    _learned(model.fit(history, split)), _learned(twin.fit(changed, split))
                )


def _learned(model: object) -> dict[str, Any]:
    """A fitted model's learned state (a statsmodels result by its parameters)."""
    return {k: getattr(v, "params", v) for k, v in vars(model).items() if k.endswith("_")}


def test_a_resumed_universe_whose_calendar_moved_refits_every_ticker(tmp_path: Path) -> None:
    """A folder fitted at other cutoffs is not this universe's: a new ticker that moves the
    calendar refits the others rather than mixing two calendars in one leaderboard."""
    folder = tmp_path / "prices"
    folder.mkdir()
    for ticker, start in (("IBM", "2009-06-01"), ("MSFT", "2010-06-01")):
        frame = load_prices(ticker, start=start).frame.reset_index()
        frame.to_csv(folder / f"{ticker.lower()}.csv", index=False)
    out = tmp_path / "out"
    options = UniverseOptions(ForecastConfig(**TINY), out, LoadOptions(), days=2)
    run_universe(folder_sources(folder), options, LocalBackend(2), progress=False)
    before = _cutoffs(out)
    frame = load_prices("AAPL", start="2011-06-01").frame.reset_index()
    frame.to_csv(folder / "aapl.csv", index=False)
    resumed = replace(options, resume=True)
    result = run_universe(folder_sources(folder), resumed, LocalBackend(2), progress=False)
    after = _cutoffs(out)
    assert after != before
    assert result.summary.tickers.resumed == 0
    assert result.summary.seconds["calendar"] > 0
    for ticker in ("IBM", "MSFT"):
        sessions = load_prices(ticker, csv=folder / f"{ticker.lower()}.csv").dates
        last_training = sessions[sessions.searchsorted(after[0]) - 1]
        assert _fingerprint(out, ticker)["train_end_date"] == str(last_training.date())


def test_a_global_model_fitted_directly_splits_every_ticker_at_one_calendar() -> None:
    """The library call, without a universe run, keeps the same promise and saves the dates."""
    histories = {
        t: load_prices(t, start=s) for t, s in (("IBM", "2009-06-01"), ("MSFT", "2011-06-01"))
    }
    model = GlobalLSTM(ForecastConfig(**TINY)).fit(histories)
    splits = {t: model.for_ticker(t).split_ for t in histories}
    firsts = {
        (h.dates[splits[t].train_end], h.dates[splits[t].val_end]) for t, h in histories.items()
    }
    assert len(firsts) == 1  # the same first validation and first test session
    # The cutoffs are learned (config_), saved with the model; the parameter stays as given.
    assert model.config.val_start is None
    assert model.config_.val_start is not None
    assert model.config_.test_start is not None
    ((first_validation, first_test),) = firsts
    assert first_validation >= pd.Timestamp(model.config_.val_start)
    assert first_test == pd.Timestamp(model.config_.test_start)
