"""ARIMA, exponential smoothing and Theta: hand computations and statsmodels' own forecasts."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from stockpred.data.history import PriceHistory
from stockpred.models.classical import ARIMA, ExponentialSmoothing, Theta
from stockpred.splits import Split


def _history(prices: np.ndarray) -> PriceHistory:
    dates = pd.bdate_range("2020-01-01", periods=len(prices), name="date")
    frame = pd.DataFrame({"adj_close": prices}, index=dates)
    return PriceHistory(frame, "SYN", "test", "adj_close", "XNYS", None)


@pytest.fixture(scope="module")
def series() -> PriceHistory:
    """An AR(1) in daily log-returns with a drift: something for each model to find."""
    rng = np.random.default_rng(0)
    r = np.zeros(400)
    for t in range(1, 400):
        r[t] = 0.0005 + 0.3 * r[t - 1] + rng.normal(0, 0.01)
    return _history(100.0 * np.exp(np.cumsum(r)))


SPLIT = Split(300, 350, 400)


def test_arima_forecasts_follow_the_ar1_recursion_by_hand(series: PriceHistory) -> None:
    model = ARIMA(orders=((1, 0),)).fit(series, SPLIT)
    mu, phi = model.mean_, float(model.ar_[0])
    assert 0.15 < phi < 0.45  # the AR(1) coefficient is found
    origins = np.array([320, 360, 398])
    r = np.diff(np.log(series.prices))[origins - 1]  # the change into each origin
    step1 = mu + phi * (r - mu)
    step2 = mu + phi * (step1 - mu)
    expected = series.prices[origins][:, None] * np.exp(np.cumsum([step1, step2], axis=0).T)
    np.testing.assert_allclose(model.predict_origins(series, origins, 2), expected, rtol=1e-12)


def test_arima_matches_statsmodels_at_the_end_of_training(series: PriceHistory) -> None:
    model = ARIMA().fit(series, SPLIT)
    assert model.order_ != (0, 0)
    ours = model.predict_origins(series, np.array([SPLIT.train_end - 1]), 3)[0]
    # statsmodels models the demeaned returns: its forecasts plus the mean are ours
    demeaned = model.result_.forecast(3)
    theirs = series.prices[SPLIT.train_end - 1] * np.exp(np.cumsum(demeaned + model.mean_))
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def test_exponential_smoothing_by_hand_on_five_prices() -> None:
    logs = np.log([10.0, 10.5, 10.2, 10.8, 11.0])
    model = ExponentialSmoothing()
    model.params_ = {
        "smoothing_level": 0.5,
        "smoothing_trend": 0.2,
        "damping_trend": 0.9,
        "initial_level": logs[0],
        "initial_trend": 0.01,
    }
    level, trend = logs[0], 0.01
    for y in logs:
        previous = level
        level = 0.5 * y + 0.5 * (previous + 0.9 * trend)
        trend = 0.2 * (level - previous) + 0.8 * 0.9 * trend
    expected = np.exp([level + 0.9 * trend, level + (0.9 + 0.81) * trend])
    got = model.predict_origins(_history(np.exp(logs)), np.array([4]), 2)[0]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_exponential_smoothing_matches_statsmodels(series: PriceHistory) -> None:
    from statsmodels.tsa.holtwinters import ExponentialSmoothing as SMExponentialSmoothing

    model = ExponentialSmoothing().fit(series, SPLIT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = SMExponentialSmoothing(
            np.log(series.prices[: SPLIT.train_end]), trend="add", damped_trend=True
        ).fit()
    ours = model.predict_origins(series, np.array([SPLIT.train_end - 1]), 3)[0]
    np.testing.assert_allclose(ours, np.exp(fitted.forecast(3)), rtol=1e-10)


def test_theta_by_hand_on_four_prices() -> None:
    logs = np.log([20.0, 21.0, 20.5, 22.0])
    model = Theta()
    model.alpha_, model.b0_ = 0.4, 0.02
    level = logs[0]
    for y in logs:
        level = 0.4 * y + 0.6 * level
    drift = [0.5 * 0.02 * (h + 1 / 0.4 - 0.6**4 / 0.4) for h in (0, 1)]
    got = model.predict_origins(_history(np.exp(logs)), np.array([3]), 2)[0]
    np.testing.assert_allclose(got, np.exp(level + np.array(drift)), rtol=1e-12)


def test_theta_matches_statsmodels(series: PriceHistory) -> None:
    from statsmodels.tsa.forecasting.theta import ThetaModel

    model = Theta().fit(series, SPLIT)
    logs = np.log(series.prices[: SPLIT.train_end])
    theirs = ThetaModel(logs, period=1, deseasonalize=False).fit().forecast(3)
    ours = model.predict_origins(series, np.array([SPLIT.train_end - 1]), 3)[0]
    np.testing.assert_allclose(ours, np.exp(np.asarray(theirs)), rtol=1e-10)


@pytest.mark.parametrize("model", [ARIMA(), ExponentialSmoothing(), Theta()])
def test_forecasts_at_an_origin_ignore_every_later_price(
    model: object, series: PriceHistory
) -> None:
    fitted = model.fit(series, SPLIT)  # type: ignore[attr-defined]
    origins = np.arange(340, 360)
    before = fitted.predict_origins(series, origins, 2)
    later = series.frame.copy()
    later.iloc[360:, 0] *= 3.0  # the first session after the last origin on
    after = fitted.predict_origins(
        PriceHistory(later, "SYN", "test", "adj_close", "XNYS", None), origins, 2
    )
    np.testing.assert_array_equal(before, after)
