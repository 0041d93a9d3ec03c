"""Classical baselines from statsmodels: ARIMA, exponential smoothing and Theta.

Each is fitted once on the training span (order, coefficients, smoothing weights), then
its coefficients stay fixed: forecasts at any origin run the fitted recursions over the
sessions up to that origin only, vectorised over origins where the recursion allows. That
keeps a whole test span (or a backtest fold) to one filter pass, not one refit per day.
All three model log prices (ARIMA their daily changes), so forecasts stay positive.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import product
from typing import TYPE_CHECKING, Any

import numpy as np

from stockpred.exceptions import NotFittedError
from stockpred.models.base import Estimator, Series, fit_data

if TYPE_CHECKING:
    from typing_extensions import Self

    from stockpred.data.history import PriceHistory
    from stockpred.splits import Split

# AR and MA orders searched by AIC: small, as daily returns carry little autocorrelation.
ARIMA_ORDERS = tuple((p, q) for p, q in product(range(3), range(3)) if p + q <= 2)


@contextmanager
def _quiet() -> Iterator[None]:
    """statsmodels warns on every non-converged or non-invertible start; the AIC decides."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _check(model: object, attribute: str) -> None:
    if not hasattr(model, attribute):
        raise NotFittedError(f"{type(model).__name__} is not fitted; call fit() first")


class ARIMA(Estimator):
    """ARIMA(p, 1, q) on log prices with a drift: ARMA(p, q) with a mean on log-returns.

    The order is the lowest AIC over ``orders`` (p, q) on the training span. Forecasts use
    the fitted recursion ``u[t] = Σ φ_i u[t-i] + e[t] + Σ θ_j e[t-j]`` with ``u = r - μ``;
    the innovations ``e`` come from one Kalman-filter pass with the coefficients fixed.
    """

    name = "arima"

    def __init__(self, orders: tuple[tuple[int, int], ...] = ARIMA_ORDERS) -> None:
        self.orders = orders

    def fit(self, series: Series, split: Split | None = None) -> Self:
        """Choose (p, q) by AIC on the training span's log-returns; keep its coefficients.

        Hannan–Rissanen regressions estimate each order: measured on the MSFT sample under
        load, 0.2-0.5 s an order against 3.4 s for the state-space MLE of ARMA(1, 1). The
        mean is the training returns' mean, taken out first (statsmodels would otherwise
        iterate a GLS around each regression), and the results skip the parameter
        covariance and the smoother, which one-step forecasts never read: together about
        2.5× faster on a 30-year history, with the same coefficients and order.
        """
        history, split = fit_data(series, split, self.name)
        from statsmodels.tsa.arima.model import ARIMA as SMARIMA

        returns = np.diff(np.log(history.prices[: split.train_end]))
        self.mean_ = float(returns.mean())
        best: Any = None
        with _quiet():
            for p, q in self.orders:
                try:
                    result = SMARIMA(returns - self.mean_, order=(p, 0, q), trend="n").fit(
                        method="hannan_rissanen", cov_type="none", low_memory=True
                    )
                except (ValueError, np.linalg.LinAlgError):
                    continue  # an explosive or non-invertible estimate: not a candidate
                if best is None or result.aic < best.aic:
                    best, self.order_ = result, (p, q)
        self.result_ = best
        params = dict(zip(best.model.param_names, best.params, strict=True))
        p, q = self.order_
        self.ar_ = np.array([params[f"ar.L{i}"] for i in range(1, p + 1)])
        self.ma_ = np.array([params[f"ma.L{j}"] for j in range(1, q + 1)])
        return self

    def innovations(self, returns: np.ndarray) -> np.ndarray:
        """One-step errors ``e[t]`` of the fixed model over ``returns`` (a filter pass)."""
        _check(self, "result_")
        with _quiet():
            applied = self.result_.apply(returns - self.mean_)
        return np.asarray(applied.resid, dtype=np.float64)

    def predict_origins(
        self, history: PriceHistory, origins: np.ndarray, horizon: int
    ) -> np.ndarray:
        """Price forecasts ``[n, horizon]``: the ARMA recursion run ahead from each origin."""
        _check(self, "result_")
        prices = history.prices
        # returns[k] is the change into session k + 1: the filter sees sessions ≤ origin only
        returns = np.diff(np.log(prices[: int(origins.max()) + 1]))
        resid = self.innovations(returns) if len(returns) else returns
        p, q = len(self.ar_), len(self.ma_)
        lag = max(p, q, 1)
        pad = lambda a: np.concatenate([np.zeros(lag), a])  # noqa: E731 - before the first
        u, e = pad(returns - self.mean_), pad(resid)
        last = origins - 1 + lag  # index of the change into each origin, in padded arrays
        past_u = np.stack([u[last - i] for i in range(lag)], axis=1)  # newest first
        past_e = np.stack([e[last - j] for j in range(lag)], axis=1)
        steps = np.empty((len(origins), horizon))
        for h in range(horizon):
            ar = past_u[:, :p] @ self.ar_ if p else 0.0
            ma = past_e[:, :q] @ self.ma_ if q else 0.0
            steps[:, h] = ar + ma
            past_u = np.concatenate([steps[:, h : h + 1], past_u[:, :-1]], axis=1)
            past_e = np.concatenate([np.zeros((len(origins), 1)), past_e[:, :-1]], axis=1)
        cumulative = np.cumsum(steps + self.mean_, axis=1)
        return prices[origins][:, None] * np.exp(cumulative)


class ExponentialSmoothing(Estimator):
    """Holt's linear trend with damping on log prices (ETS(A,Ad,N)), fitted by statsmodels.

    ``level[t] = α y[t] + (1 - α)(level[t-1] + φ b[t-1])``,
    ``b[t] = β* (level[t] - level[t-1]) + (1 - β*) φ b[t-1]`` with ``β* = β / α``;
    the forecast ``h`` steps ahead is ``level[t] + (φ + … + φ^h) b[t]``.
    """

    name = "exp_smoothing"

    def fit(self, series: Series, split: Split | None = None) -> Self:
        """Smoothing weights, damping and initial states from the training span."""
        history, split = fit_data(series, split, self.name)
        from statsmodels.tsa.holtwinters import ExponentialSmoothing as SMExponentialSmoothing

        logs = np.log(history.prices[: split.train_end])
        with _quiet():
            result = SMExponentialSmoothing(logs, trend="add", damped_trend=True).fit()
        self.params_ = {k: float(result.params[k]) for k in _ETS_PARAMS}
        return self

    def states(self, logs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Level and trend after each observation of ``logs`` (the fitted recursion)."""
        _check(self, "params_")
        alpha, beta, phi, level, trend = (self.params_[k] for k in _ETS_PARAMS)
        levels, trends = np.empty(len(logs)), np.empty(len(logs))
        for t, y in enumerate(logs.tolist()):  # a sequential recursion: floats are fastest
            previous = level
            level = alpha * y + (1.0 - alpha) * (previous + phi * trend)
            trend = beta * (level - previous) + (1.0 - beta) * phi * trend
            levels[t], trends[t] = level, trend
        return levels, trends

    def predict_origins(
        self, history: PriceHistory, origins: np.ndarray, horizon: int
    ) -> np.ndarray:
        """Damped-trend forecasts from the states at each origin."""
        levels, trends = self.states(np.log(history.prices[: int(origins.max()) + 1]))
        phi = self.params_["damping_trend"]
        damp = np.cumsum(phi ** np.arange(1, horizon + 1))
        return np.exp(levels[origins][:, None] + damp[None, :] * trends[origins][:, None])


# statsmodels names; its smoothing_trend is β* (the trend's own weight), as used above.
_ETS_PARAMS = (
    "smoothing_level",
    "smoothing_trend",
    "damping_trend",
    "initial_level",
    "initial_trend",
)


class Theta(Estimator):
    """The Theta method (Assimakopoulos & Nikolopoulos 2000) on log prices, via statsmodels.

    Hyndman & Billah (2003) showed it is simple exponential smoothing plus half the slope
    ``b0`` of a linear trend (θ = 2): ``ŷ[t+h] = ℓ[t] + b0/2 (h - 1 + 1/α - (1 - α)^n / α)``
    after ``n`` observations.
    ``α`` and ``b0`` come from the training span; the level ``ℓ`` is smoothed up to each
    origin with ``α`` fixed.
    """

    name = "theta"

    def fit(self, series: Series, split: Split | None = None) -> Self:
        """SES weight and trend slope from the training span (no seasonality in daily prices)."""
        history, split = fit_data(series, split, self.name)
        from statsmodels.tsa.forecasting.theta import ThetaModel

        logs = np.log(history.prices[: split.train_end])
        with _quiet():
            result = ThetaModel(logs, period=1, deseasonalize=False).fit(use_mle=False)
        self.alpha_ = float(result.params["alpha"])
        self.b0_ = float(result.params["b0"])
        return self

    def levels(self, logs: np.ndarray) -> np.ndarray:
        """SES level after each observation, started at the first one (statsmodels' choice)."""
        from scipy.signal import lfilter

        _check(self, "alpha_")
        a = self.alpha_
        # ℓ[t] = a y[t] + (1 - a) ℓ[t-1], ℓ[-1] = y[0]: a first-order IIR filter
        out: np.ndarray = lfilter([a], [1.0, a - 1.0], logs, zi=[(1.0 - a) * logs[0]])[0]
        return out

    def predict_origins(
        self, history: PriceHistory, origins: np.ndarray, horizon: int
    ) -> np.ndarray:
        """SES level at each origin plus the damped Theta drift ``h`` steps ahead."""
        level = self.levels(np.log(history.prices[: int(origins.max()) + 1]))[origins]
        a, n = self.alpha_, origins + 1  # observations seen at each origin
        h = np.arange(horizon)[None, :]
        drift = 0.5 * self.b0_ * (h + 1.0 / a - ((1.0 - a) ** n)[:, None] / a)
        return np.exp(level[:, None] + drift)
