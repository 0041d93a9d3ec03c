"""Tomorrow's spread: the GARCH(1, 1) and EWMA scales the volatility-aware intervals use.

Daily returns are hard to forecast but their size is not: calm follows calm and storm
follows storm. A constant-width interval over-covers calm weeks and under-covers crashes.
GARCH(1, 1) (Bollerslev 1986) is fitted on the training span's log-returns; its
coefficients then stay fixed and the variance recursion runs over any later sessions,
using only the returns up to each origin.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple, TypedDict

import numpy as np

# arch fits percent returns far more reliably than raw ones (its own advice).
PERCENT = 100.0
# RiskMetrics' decay for monthly data; chosen here over 0.90-0.99 on the 50-ticker benchmark's
# 2016-17 and 2008-09 test spans, then checked on the next 50 tickers (benchmarks/intervals/README.md).
EWMA_DECAY = 0.97


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

    def scale_at(
        self, prices: np.ndarray, origins: np.ndarray, steps: int, start: float | None = None
    ) -> np.ndarray:
        """:meth:`horizon_scale` ``[n, steps]`` at each origin (``start`` as :meth:`variances`)."""
        return self.horizon_scale(self.variances(prices, start)[origins], steps)

    def start_at(self, prices: np.ndarray, first: int) -> ScaleStart:
        """The variance (percent²) at session ``first``: what a tail starting there needs."""
        return ScaleStart(garch=float(self.percent_variances(prices)[first]))


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

    def start_at(self, prices: np.ndarray, first: int) -> ScaleStart:
        """The variance at session ``first``: what a tail starting there needs."""
        return ScaleStart(ewma=float(self.variances(prices)[first]))


class ScaleStartDoc(TypedDict, total=False):
    """Where state.json keeps the GARCH and EWMA variances at the saved context's first
    session: only the fitted scales' (an older folder holds both, a scale not fitted null)."""

    context_variance: float | None
    context_ewma_variance: float | None


class ScaleStart(NamedTuple):
    """The GARCH (percent²) and EWMA variances at the first of a tail of prices; a scale no
    fitted interval uses is None."""

    garch: float | None = None
    ewma: float | None = None

    @classmethod
    def merged(cls, starts: Iterable[ScaleStart]) -> ScaleStart:
        """One start from several intervals' own: each scale's value from whichever has it."""
        garch = ewma = None
        for start in starts:
            garch = start.garch if garch is None else garch
            ewma = start.ewma if ewma is None else ewma
        return cls(garch, ewma)

    def to_dict(self) -> ScaleStartDoc:
        """state.json's keys for the scales that are fitted."""
        doc = ScaleStartDoc()
        if self.garch is not None:
            doc["context_variance"] = self.garch
        if self.ewma is not None:
            doc["context_ewma_variance"] = self.ewma
        return doc

    @classmethod
    def from_dict(cls, state: ScaleStartDoc) -> ScaleStart:
        """Inverse of :meth:`to_dict`, from the whole state.json."""
        garch, ewma = state.get("context_variance"), state.get("context_ewma_variance")
        return cls(None if garch is None else float(garch), None if ewma is None else float(ewma))
