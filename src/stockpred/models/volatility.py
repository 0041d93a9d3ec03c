"""Tomorrow's spread: GARCH(1, 1) and EWMA scales, and every prediction interval built on them.

Daily returns are hard to forecast but their size is not: calm follows calm and storm
follows storm. A constant-width interval over-covers calm weeks and under-covers crashes.
GARCH(1, 1) (Bollerslev 1986) is fitted on the training span's log-returns; its
coefficients then stay fixed and the variance recursion runs over any later sessions,
using only the returns up to each origin.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, NamedTuple

import numpy as np

from stockpred.config import IntervalMethod
from stockpred.models.conformal import conformal_tails
from stockpred.models.quantile import QuantileHead, conformal_factor, head_inputs

# arch fits percent returns far more reliably than raw ones (its own advice).
PERCENT = 100.0
# RiskMetrics' decay for monthly data; chosen here over 0.90-0.99 on the 50-ticker benchmark's
# 2016-17 and 2008-09 test spans, then checked on the next 50 tickers (benchmarks/intervals/README.md).
EWMA_DECAY = 0.97
# Where the quantile head's arrays sit in a model's safetensors file.
HEAD_PREFIX = "quantile_head."


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
        from threadpoolctl import threadpool_limits

        returns = np.diff(np.log(prices)) * PERCENT
        model = arch_model(returns, mean="Constant", vol="GARCH", p=1, q=1, rescale=False)
        # One BLAS thread: the optimiser's result otherwise moves in the 7th digit with the
        # thread count, so a fold fitted on a Ray worker (1 thread) would differ from local.
        with threadpool_limits(limits=1, user_api="blas"):
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


@dataclass(frozen=True)
class Ewma:
    """Exponentially weighted variance (RiskMetrics): σ²[t+1] = λ σ²[t] + (1 − λ) r²[t].

    No long-run level to return to, so the scale follows a calm or stormy spell within
    weeks, where GARCH(1, 1) fitted on the training span keeps pulling it back to the
    training span's level. λ = 0.97 by measurement
    (benchmarks/intervals/README.md).
    """

    start_variance: float  # σ² before the first return: the training returns' variance
    decay: float = EWMA_DECAY

    @classmethod
    def fit(cls, prices: np.ndarray) -> Ewma:
        """The start level from the log-returns of ``prices`` (the training span only)."""
        return cls(float(np.var(np.diff(np.log(prices)))))

    def variances(self, prices: np.ndarray, start: float | None = None) -> np.ndarray:
        """One-step variances in log-return units: entry ``t`` is for session ``t + 1``.

        A tail of ``prices`` started at entry ``k`` of a longer history's result gives that
        history's values bit for bit, as :meth:`Garch.percent_variances` does.
        """
        from scipy.signal import lfilter

        first = self.start_variance if start is None else start
        drive = (1.0 - self.decay) * np.diff(np.log(prices)) ** 2
        after: np.ndarray = lfilter([1.0], [1.0, -self.decay], drive, zi=[self.decay * first])[0]
        return np.concatenate([[first], after])


class ScaleStart(NamedTuple):
    """The GARCH (percent²) and EWMA variances at the first of a tail of prices."""

    garch: float | None = None
    ewma: float | None = None


INTERVAL_METHODS: tuple[IntervalMethod, ...] = (
    "constant",
    "garch",
    "volatility",
    "ewma",
    "quantile",
)


@dataclass(frozen=True)
class IntervalModel:
    """Every interval method's calibration on the validation span, saved with the model.

    - ``constant``: split-conformal quantiles of one-step log errors, widened with √step;
    - ``garch``: GARCH(1, 1)'s Gaussian quantiles around the point forecast;
    - ``volatility``: split-conformal quantiles of log errors divided by the GARCH scale
      (normalised conformal: valid on exchangeable data whatever the scale's errors),
      so the width follows the forecast volatility;
    - ``ewma``: the same with the EWMA scale, which follows a calm or stormy spell faster;
    - ``quantile``: conformalized quantile regression: the quantile head's band, stretched
      by a split-conformal factor. The head is fitted on the training span (its last fifth
      only stops the fit); every calibration reads the validation span only.

    EWMA forecasts a flat variance, so ``ewma`` and ``quantile`` widen with √step beyond
    one step; ``garch`` and ``volatility`` sum GARCH's variance path.
    """

    level: float
    constant: tuple[float, float]  # log-error quantiles
    scaled: tuple[float, float]  # quantiles of log error ÷ GARCH standard deviation
    garch: Garch
    ewma_scaled: tuple[float, float]  # quantiles of log error ÷ EWMA standard deviation
    ewma: Ewma
    head: QuantileHead
    head_factor: float  # the conformal stretch of the head's band
    default: IntervalMethod = "ewma"  # the method the forecast carries
    methods: tuple[IntervalMethod, ...] = INTERVAL_METHODS

    @classmethod
    def fit(
        cls,
        level: float,
        prices: np.ndarray,
        train_end: int,
        calibration: tuple[np.ndarray, np.ndarray],
        head_origins: np.ndarray,
        *,
        window: int,
        seed: int = 0,
        threads: int = 1,
        default: IntervalMethod = "ewma",
    ) -> IntervalModel:
        """Fit the scales on ``prices[:train_end]``, the head on ``head_origins`` (their next
        session in the training span), then calibrate every method on ``calibration``:
        validation origins and the point forecast's one-step log errors there."""
        origins, errors = calibration
        garch, ewma = Garch.fit(prices[:train_end]), Ewma.fit(prices[:train_end])
        ewma_var = ewma.variances(prices)
        train_z = np.log(prices[head_origins + 1] / prices[head_origins]) / np.sqrt(
            ewma_var[head_origins]
        )
        head = QuantileHead.fit(
            head_inputs(prices, head_origins, window, ewma_var),
            train_z,
            level,
            seed=seed,
            threads=threads,
        )
        band = head.quantiles(head_inputs(prices, origins, window, ewma_var))
        band *= np.sqrt(ewma_var[origins])[:, None]
        return cls(
            level,
            _tails(errors, level),
            _tails(errors / np.sqrt(garch.variances(prices)[origins]), level),
            garch,
            _tails(errors / np.sqrt(ewma_var[origins]), level),
            ewma,
            head,
            conformal_factor(errors, band, level),
            default,
        )

    def bounds(
        self,
        method: str,
        point: np.ndarray,
        prices: np.ndarray,
        origins: np.ndarray,
        start: ScaleStart | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds around ``point`` ``[n, steps]`` forecasts made at ``origins``.

        ``start``: the variances at ``prices[0]`` when they are a tail of the history.
        """
        start = start or ScaleStart()
        steps = point.shape[1]
        root = np.sqrt(np.arange(1, steps + 1))[None, :]
        if method == "constant":
            low, high = self.constant[0] * root, self.constant[1] * root
        elif method in ("garch", "volatility"):
            variance = self.garch.variances(prices, start.garch)[origins]
            scale = self.garch.horizon_scale(variance, steps)
            if method == "garch":
                from scipy.special import ndtri

                z = float(ndtri(0.5 + self.level / 2.0))
                low, high = -z * scale, z * scale
            else:
                low, high = self.scaled[0] * scale, self.scaled[1] * scale
        elif method in ("ewma", "quantile"):
            variance = self.ewma.variances(prices, start.ewma)
            sigma = np.sqrt(variance[origins])[:, None]
            if method == "ewma":
                low, high = self.ewma_scaled[0] * sigma * root, self.ewma_scaled[1] * sigma * root
            else:
                inputs = head_inputs(prices, origins, self.head.window, variance)
                band = self.head_factor * self.head.quantiles(inputs) * sigma
                low, high = band[:, :1] * root, band[:, 1:] * root
        else:
            raise ValueError(f"unknown interval method {method!r}")
        return point * np.exp(low), point * np.exp(high)

    def start_at(self, prices: np.ndarray, first: int) -> ScaleStart:
        """The variances at session ``first`` of ``prices``: what a tail starting there needs."""
        return ScaleStart(
            float(self.garch.percent_variances(prices)[first]),
            float(self.ewma.variances(prices)[first]),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; the head's weights go to the safetensors file (:meth:`tensors`)."""
        return {
            "level": self.level,
            "constant": list(self.constant),
            "scaled": list(self.scaled),
            "garch": self.garch.to_dict(),
            "ewma_scaled": list(self.ewma_scaled),
            "ewma": asdict(self.ewma),
            "head_factor": self.head_factor,
            "default": self.default,
        }

    def tensors(self, prefix: str = HEAD_PREFIX) -> dict[str, np.ndarray]:
        """The quantile head's arrays, for the model's safetensors file."""
        return self.head.tensors(prefix)

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], tensors: dict[str, np.ndarray], prefix: str = HEAD_PREFIX
    ) -> IntervalModel:
        """Inverse of :meth:`to_dict` and :meth:`tensors`."""
        return cls(
            float(data["level"]),
            _pair(data["constant"]),
            _pair(data["scaled"]),
            Garch.from_dict(data["garch"]),
            _pair(data["ewma_scaled"]),
            Ewma(float(data["ewma"]["start_variance"]), float(data["ewma"]["decay"])),
            QuantileHead.from_tensors(tensors, prefix),
            float(data["head_factor"]),
            data["default"],
        )


def _tails(values: np.ndarray, level: float) -> tuple[float, float]:
    """The split-conformal band of ``values``: each tail at the finite-sample rank."""
    low, high = conformal_tails(values, level)
    return float(low), float(high)


def _pair(values: list[Any]) -> tuple[float, float]:
    low, high = (float(v) for v in values)
    return low, high
