"""Walk-forward: fold layout, no look-ahead, same days for every model, the tidy table."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest

from stockpred import ForecastConfig, Forecaster
from stockpred.data.history import PriceHistory
from stockpred.evaluation.metrics import METRICS
from stockpred.evaluation.summary import summarise
from stockpred.evaluation.walkforward import WalkForward
from stockpred.exceptions import ConfigError, InsufficientHistory
from stockpred.models.forecaster import LSTMForecaster
from stockpred.splits import plan_folds

from ..conftest import BASELINES, TINY

# Under xdist (`make test`) one worker runs this module: its tests share `wf`.
pytestmark = pytest.mark.xdist_group("walk-forward")

CFG = ForecastConfig(**TINY)


@pytest.fixture(scope="module")
def wf(msft: PriceHistory) -> WalkForward:
    return Forecaster(CFG, progress=False).walk_forward(msft, folds=3, horizon=2)


def test_folds_are_consecutive_and_end_at_the_last_session() -> None:
    plan = plan_folds(1000, CFG, 4, "expanding")
    assert [f.test_start for f in plan] == [500, 625, 750, 875]
    assert plan[-1].test_end == 1000
    assert all(a.test_end == b.test_start for a, b in itertools.pairwise(plan))
    assert all(f.fit_start == 0 and f.train_end < f.test_start for f in plan)
    rolling = plan_folds(1000, CFG, 4, "rolling")
    assert [f.test_start - f.fit_start for f in rolling] == [500] * 4


def test_bad_plans_are_refused() -> None:
    with pytest.raises(ConfigError):
        plan_folds(1000, CFG, 0, "expanding")
    with pytest.raises(ConfigError):
        plan_folds(1000, CFG, 2, "sideways")  # type: ignore[arg-type]
    with pytest.raises(InsufficientHistory):
        plan_folds(60, CFG, 5, "expanding")


def test_every_step_scores_every_test_session_of_its_fold(
    wf: WalkForward, msft: PriceHistory
) -> None:
    for fold in wf.folds:
        for step in (1, 2):
            rows = wf.forecasts[(wf.forecasts.fold == fold.number) & (wf.forecasts.step == step)]
            assert rows["date"].tolist() == list(msft.dates[fold.test_start : fold.test_end])
            np.testing.assert_array_equal(
                rows["origin"] + step, np.arange(fold.test_start, fold.test_end)
            )
            np.testing.assert_array_equal(rows["naive"], msft.prices[rows["origin"]])
    assert wf.forecasts[wf.models].notna().all().all()


def test_tidy_table_per_fold_and_pooled(wf: WalkForward) -> None:
    table = wf.metrics()
    assert list(table.columns) == ["fold", "model", "step", "metric", "value"]
    assert set(table["fold"]) == {1, 2, 3, "all"}
    assert set(table["model"]) == {"lstm", "lstm_raw", *BASELINES}
    assert set(table["metric"]) == set(METRICS)
    assert len(table) == 4 * (2 + len(BASELINES)) * 2 * len(
        METRICS
    )  # (3 folds + pooled) × models × steps
    pooled = table.query("fold == 'all' and model == 'lstm' and step == 2 and metric == 'mae'")
    rows = wf.forecasts[wf.forecasts.step == 2]
    assert pooled["value"].item() == pytest.approx(np.mean(np.abs(rows["lstm"] - rows["actual"])))


def test_lstm_raw_is_each_folds_network_before_its_gate(wf: WalkForward) -> None:
    """Where a fold's gate is shut the forecast is the last price; the network's own is not."""
    assert wf.models[:2] == ["lstm", "lstm_raw"]
    one = wf.forecasts[wf.forecasts.step == 1]
    for fold, gate in zip(wf.folds, wf.gates, strict=True):
        rows = one[one.fold == fold.number]
        if not gate.open:
            np.testing.assert_array_equal(rows["lstm"], rows["previous"])
        assert not np.allclose(rows["lstm_raw"], rows["previous"])
        moved = rows["lstm_raw"] - rows["previous"]
        np.testing.assert_allclose(rows["lstm"] - rows["previous"], gate.alpha * moved)


def test_nothing_from_a_test_window_reaches_its_models(msft: PriceHistory, wf: WalkForward) -> None:
    second = wf.folds[1].test_start
    frame = msft.frame.copy()
    frame.iloc[second:, :] *= 1.7
    changed = PriceHistory(frame, msft.ticker, msft.source, msft.price_column)
    again = Forecaster(CFG, progress=False).walk_forward(changed, folds=3, horizon=2)
    columns = [*wf.models, "lstm_lower", "lstm_upper"]
    before = wf.forecasts[wf.forecasts.fold == 1][columns]
    pd.testing.assert_frame_equal(before, again.forecasts[again.forecasts.fold == 1][columns])
    # fold 2's first one-step forecast is made at the close before its test window
    first = lambda w: w.forecasts.query("fold == 2 and step == 1").iloc[0][columns]  # noqa: E731
    pd.testing.assert_series_equal(first(wf), first(again))
    assert not np.allclose(
        wf.forecasts.query("fold == 3")["lstm"], again.forecasts.query("fold == 3")["lstm"]
    )


def test_refit_once_fits_once(msft: PriceHistory, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real_fit = LSTMForecaster.fit  # the model walk-forward refits, not the user's estimator

    def counting_fit(self: LSTMForecaster, *args: object, **kwargs: object) -> LSTMForecaster:
        calls.append(1)
        return real_fit(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(LSTMForecaster, "fit", counting_fit)
    Forecaster(CFG, progress=False).walk_forward(msft, folds=2, refit="once")
    assert len(calls) == 1
    with pytest.raises(ConfigError):
        Forecaster(CFG, progress=False).walk_forward(msft, folds=2, refit="never")  # type: ignore[arg-type]


def test_forecaster_backtest_delegates(msft: PriceHistory) -> None:
    kwargs = {"folds": 2, "mode": "rolling", "refit": "once"}
    table = Forecaster(CFG).backtest(msft, **kwargs)  # type: ignore[arg-type]
    every = Forecaster(CFG, progress=False).walk_forward(msft, **kwargs)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(table, every.metrics())
    assert set(table["step"]) == {1}


def test_summary_is_json_and_states_the_verdict(wf: WalkForward, msft: PriceHistory) -> None:
    doc = json.loads(json.dumps(summarise(wf, msft).to_dict()))
    pooled = doc["diebold_mariano"]["naive"][0]["pooled"]["squared"]
    assert doc["verdict"].startswith("LSTM ")
    assert "naive forecast on MSFT (DM p = " in doc["verdict"]
    assert pooled["n"] == sum(f["n_test"] for f in doc["folds"])
    assert set(doc["diebold_mariano"]) == {"lstm_raw", *BASELINES}
    assert set(doc["models"]) == {"lstm", "lstm_raw", *BASELINES}
    assert set(doc["diebold_mariano"]["naive"][1]["folds"]) == {"1", "2", "3"}
    assert [c["step"] for c in doc["intervals"]["by_step"]] == [1, 2]
    assert all(0 <= c["coverage"] <= 1 for c in doc["intervals"]["by_step"])
    assert doc["signal_backtest"]["n_days"] == doc["n_one_step"]
    assert doc["lag_detector"]["sentence"] == doc["lag_sentence"]


def test_fold_intervals_widen_with_the_root_of_the_step(msft: PriceHistory) -> None:
    # One fold's quantiles serve both steps: log(bound / point) at step 2 is √2 times step 1's.
    cfg = CFG.model_copy(update={"interval_method": "constant"})
    wf = Forecaster(cfg, progress=False).walk_forward(msft, folds=2, horizon=2)
    for fold in wf.folds:
        rows = wf.forecasts[wf.forecasts.fold == fold.number]
        by_step = {
            step: np.log(part[["lstm_lower", "lstm_upper"]].to_numpy() / part[["lstm"]].to_numpy())
            for step, part in rows.groupby("step")
        }
        assert by_step[1][:, 0] == pytest.approx(by_step[1][0, 0])  # one quantile per fold
        np.testing.assert_allclose(by_step[2], by_step[1] * np.sqrt(2), rtol=1e-9)
        assert (by_step[1][:, 0] < 0).all()
        assert (by_step[1][:, 1] > 0).all()
