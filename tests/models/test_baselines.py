from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stockpred.config import ForecastConfig
from stockpred.data.history import PriceHistory
from stockpred.exceptions import NotFittedError
from stockpred.models.baselines import Drift, LinearAR, MovingAverage, Naive, default_baselines
from stockpred.splits import Split

from ..conftest import BASELINES


def _history(prices: list[float]) -> PriceHistory:
    dates = pd.bdate_range("2021-01-04", periods=len(prices), name="date")
    frame = pd.DataFrame({"adj_close": prices}, index=dates)
    return PriceHistory(frame, "T", "test", "adj_close")


PRICES = _history([10.0, 12.0, 11.0, 13.0, 14.0])
ORIGINS = np.array([2, 4])


def test_naive_repeats_the_last_price() -> None:
    np.testing.assert_array_equal(
        Naive().predict_origins(PRICES, ORIGINS, 2), [[11.0, 11.0], [14.0, 14.0]]
    )


def test_drift_extrapolates_the_mean_change_so_far() -> None:
    got = Drift().predict_origins(PRICES, ORIGINS, 2)
    np.testing.assert_allclose(got, [[11.5, 12.0], [15.0, 16.0]])


def test_moving_average_uses_only_the_past() -> None:
    got = MovingAverage(window=2).predict_origins(PRICES, ORIGINS, 1)
    np.testing.assert_allclose(got[:, 0], [11.5, 13.5])
    assert MovingAverage(window=10).predict_origins(PRICES, np.array([1]), 1)[0, 0] == 11.0


def _ar1_history(n: int = 400, phi: float = 0.5, seed: int = 0) -> PriceHistory:
    rng = np.random.default_rng(seed)
    r = np.zeros(n)
    for t in range(1, n):
        r[t] = 0.001 + phi * r[t - 1] + rng.normal(0, 0.01)
    return _history(list(100 * np.exp(np.cumsum(r))))


def test_linear_ar_recovers_an_ar1_from_the_training_span() -> None:
    history = _ar1_history()
    model = LinearAR(window=3).fit(history, Split(300, 350, 400))
    intercept, *coef = model.coef_
    assert coef[-1] == pytest.approx(0.5, abs=0.12)  # newest lag last
    assert abs(coef[0]) < 0.15
    assert intercept == pytest.approx(0.001 / 1, abs=0.002)


def test_linear_ar_reads_nothing_after_the_training_span() -> None:
    history = _ar1_history()
    split = Split(300, 350, 400)
    frame = history.frame.copy()
    frame.iloc[300:] *= 5.0
    changed = PriceHistory(frame, "T", "test", "adj_close")
    a = LinearAR(window=5).fit(history, split).coef_
    b = LinearAR(window=5).fit(changed, split).coef_
    np.testing.assert_array_equal(a, b)


def test_linear_ar_multi_step_feeds_its_forecasts_back() -> None:
    history = _ar1_history()
    model = LinearAR(window=2).fit(history, Split(300, 350, 400))
    origins = np.array([320, 330])
    two = model.predict_origins(history, origins, 2)
    one = model.predict_origins(history, origins, 1)
    np.testing.assert_allclose(two[:, 0], one[:, 0])
    r1 = np.log(one[:, 0] / history.prices[origins])
    lags = np.stack([np.log(history.prices[origins] / history.prices[origins - 1]), r1], axis=1)
    r2 = model.coef_[0] + lags @ model.coef_[1:]
    np.testing.assert_allclose(two[:, 1], one[:, 0] * np.exp(r2))


def test_linear_ar_refuses_to_predict_before_fit() -> None:
    with pytest.raises(NotFittedError):
        LinearAR(window=2).predict_origins(PRICES, ORIGINS, 1)


def test_every_baseline_fits_and_predicts_through_one_protocol() -> None:
    history = _ar1_history()
    origins = np.arange(320, 340)
    for model in default_baselines(ForecastConfig(window=5)):
        out = model.fit(history, Split(300, 350, 400)).predict_origins(history, origins, 3)
        assert out.shape == (20, 3)
        assert np.isfinite(out).all()
    assert tuple(m.name for m in default_baselines(ForecastConfig())) == BASELINES


def test_every_model_makes_an_unfitted_copy_with_the_same_parameters(
    msft: PriceHistory,
) -> None:
    from stockpred.models.forecaster import LSTMForecaster, default_models

    cfg = ForecastConfig(window=7, ma_window=9, epochs=1, hidden=4)
    split = Split(600, 700, 800)
    for model in default_models(cfg):
        copy = model.new()
        assert type(copy) is type(model)
        assert copy is not model
        assert vars(copy) == {k: v for k, v in vars(model).items() if not k.endswith("_")}
        if isinstance(model, LinearAR):
            model.fit(msft, split)
            assert hasattr(model, "coef_")
            assert not hasattr(model.new(), "coef_")
    lstm = default_models(cfg, progress=False)[0]
    assert isinstance(lstm, LSTMForecaster)
    assert lstm.new().config is cfg
    assert not lstm.new().progress
