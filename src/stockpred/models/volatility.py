"""Tomorrow's spread: a GARCH(1, 1) scale for the prediction interval, fitted with ``arch``.

Daily returns are hard to forecast but their size is not: calm follows calm and storm
follows storm. A constant-width interval over-covers calm weeks and under-covers crashes.
GARCH(1, 1) (Bollerslev 1986) is fitted on the training span's log-returns; its
coefficients then stay fixed and the variance recursion runs over any later sessions,
using only the returns up to each origin.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from stockpred.config import IntervalMethod

# arch fits percent returns far more reliably than raw ones (its own advice).
PERCENT = 100.0


@dataclass(frozen=True)
class Garch:
    """GARCH(1, 1) with a constant mean, in percent log-returns: σ²[t] = ω + α ε²[t-1] + β σ²[t-1]."""

    mu: float
    omega: float
    alpha: float
    beta: float
    start_variance: float  # σ² of the first return: the training returns' variance

    @classmethod
    def fit(cls, prices: np.ndarray) -> Garch:
        """Maximum likelihood on the log-returns of ``prices`` (the training span only)."""
        from arch import arch_model

        returns = np.diff(np.log(prices)) * PERCENT
        model = arch_model(returns, mean="Constant", vol="GARCH", p=1, q=1, rescale=False)
        params = model.fit(disp="off", show_warning=False).params
        return cls(
            float(params["mu"]),
            float(params["omega"]),
            float(params["alpha[1]"]),
            float(params["beta[1]"]),
            float(np.var(returns)),
        )

    def variances(self, prices: np.ndarray, start: float | None = None) -> np.ndarray:
        """One-step variances (fractional log-return units): entry ``t`` is for session ``t + 1``.

        Entry 0 has seen no return yet: ``start`` (percent², the training variance unless
        given). The recursion is a first-order IIR filter, so it runs vectorised.
        """
        return self.percent_variances(prices, start) / PERCENT**2

    def percent_variances(self, prices: np.ndarray, start: float | None = None) -> np.ndarray:
        """:meth:`variances` in percent²: a tail of ``prices`` started at entry ``k`` of a
        longer history's result gives that history's values bit for bit."""
        from scipy.signal import lfilter

        first = self.start_variance if start is None else start
        shocks = (np.diff(np.log(prices)) * PERCENT - self.mu) ** 2
        drive = self.omega + self.alpha * shocks
        after: np.ndarray = lfilter([1.0], [1.0, -self.beta], drive, zi=[self.beta * first])[0]
        return np.concatenate([[first], after])

    def horizon_scale(self, variance: np.ndarray, steps: int) -> np.ndarray:
        """Standard deviation of the summed log-return over 1..``steps`` sessions ``[n, steps]``.

        The k-step variance forecast decays to the long-run level at rate α + β.
        """
        persistence = self.alpha + self.beta
        omega = self.omega / PERCENT**2
        path = np.empty((len(variance), steps))
        path[:, 0] = variance
        for k in range(1, steps):
            path[:, k] = omega + persistence * path[:, k - 1]
        return np.sqrt(np.cumsum(path, axis=1))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, saved with the model."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Garch:
        """Inverse of :meth:`to_dict`."""
        return cls(
            **{k: float(data[k]) for k in ("mu", "omega", "alpha", "beta", "start_variance")}
        )


INTERVAL_METHODS: tuple[IntervalMethod, ...] = ("constant", "garch", "volatility")


@dataclass(frozen=True)
class IntervalModel:
    """Every interval method's calibration on the validation span, saved with the model.

    - ``constant``: split-conformal quantiles of one-step log errors, widened with √step;
    - ``garch``: GARCH(1, 1)'s Gaussian quantiles around the point forecast;
    - ``volatility``: split-conformal quantiles of log errors divided by the GARCH scale
      (normalised conformal: valid on exchangeable data whatever the scale's errors),
      so the width follows the forecast volatility.
    """

    level: float
    constant: tuple[float, float]  # log-error quantiles
    scaled: tuple[float, float]  # quantiles of log error ÷ GARCH standard deviation
    garch: Garch
    default: IntervalMethod = "volatility"  # the method the forecast carries
    methods: tuple[IntervalMethod, ...] = INTERVAL_METHODS

    @classmethod
    def fit(
        cls,
        level: float,
        garch: Garch,
        errors: np.ndarray,
        variances: np.ndarray,
        default: IntervalMethod = "volatility",
    ) -> IntervalModel:
        """Calibrate on validation: ``errors`` are one-step log errors, with their variances."""
        tail = (1.0 - level) / 2.0
        scaled = errors / np.sqrt(variances)
        return cls(
            level,
            (float(np.quantile(errors, tail)), float(np.quantile(errors, 1.0 - tail))),
            (float(np.quantile(scaled, tail)), float(np.quantile(scaled, 1.0 - tail))),
            garch,
            default,
        )

    def bounds(
        self,
        method: str,
        point: np.ndarray,
        prices: np.ndarray,
        origins: np.ndarray,
        start: float | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds around ``point`` ``[n, steps]`` forecasts made at ``origins``.

        ``start``: the GARCH variance at ``prices[0]`` when they are a tail of the history.
        """
        steps = point.shape[1]
        if method == "constant":
            widen = np.sqrt(np.arange(1, steps + 1))[None, :]
            low, high = self.constant[0] * widen, self.constant[1] * widen
        else:
            scale = self.garch.horizon_scale(self.garch.variances(prices, start)[origins], steps)
            if method == "garch":
                from scipy.special import ndtri

                z = float(ndtri(0.5 + self.level / 2.0))
                low, high = -z * scale, z * scale
            elif method == "volatility":
                low, high = self.scaled[0] * scale, self.scaled[1] * scale
            else:
                raise ValueError(f"unknown interval method {method!r}")
        return point * np.exp(low), point * np.exp(high)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "level": self.level,
            "constant": list(self.constant),
            "scaled": list(self.scaled),
            "garch": self.garch.to_dict(),
            "default": self.default,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IntervalModel:
        """Inverse of :meth:`to_dict`."""
        low, high = (float(v) for v in data["constant"])
        s_low, s_high = (float(v) for v in data["scaled"])
        return cls(
            float(data["level"]),
            (low, high),
            (s_low, s_high),
            Garch.from_dict(data["garch"]),
            data["default"],
        )
