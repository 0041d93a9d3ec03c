"""``quantile``: conformalized quantile regression (Romano, Patterson & Candès 2019).

The quantile head (``models/quantile.py``), a second small network, is fitted on the
training span (its last fifth only stops the fit); its band, in EWMA units, is stretched by
a split-conformal factor read from the validation span only. It widens with √step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from stockpred.models.intervals.method import Calibration, Interval, root_steps
from stockpred.models.quantile import QuantileHead, conformal_factor, head_inputs
from stockpred.models.volatility import Ewma, ScaleStart


@dataclass(frozen=True)
class ConformalHead(Interval):
    """The head's band × the conformal stretch × EWMA's σ at each origin × √step."""

    name = "quantile"
    description = (
        "a small network's quantiles of the next return (trained on the training span with "
        "the pinball loss) stretched by a split-conformal factor from the validation errors "
        "(conformalized quantile regression)"
    )
    saved: ClassVar[dict[str, str]] = {"ewma": "ewma", "factor": "head_factor"}

    ewma: Ewma
    head: QuantileHead
    factor: float  # the conformal stretch of the head's band

    @classmethod
    def fit(cls, data: Calibration) -> ConformalHead:
        """Fit the head on the training origins' next returns in EWMA units, then stretch."""
        prices, train, variance = data.prices, data.head_origins, data.ewma_variances
        train_z = np.log(prices[train + 1] / prices[train]) / np.sqrt(variance[train])
        head = QuantileHead.fit(
            head_inputs(prices, train, data.window, variance),
            train_z,
            data.level,
            seed=data.seed,
            threads=data.threads,
        )
        band = head.quantiles(head_inputs(prices, data.origins, data.window, variance))
        band *= np.sqrt(variance[data.origins])[:, None]
        return cls(data.ewma, head, conformal_factor(data.errors, band, data.level))

    def log_bounds(
        self, prices: np.ndarray, origins: np.ndarray, steps: int, start: ScaleStart
    ) -> tuple[np.ndarray, np.ndarray]:
        """``[n, steps]``: the stretched band at each origin × √step."""
        variance = self.ewma.variances(prices, start.ewma)
        sigma = np.sqrt(variance[origins])[:, None]
        inputs = head_inputs(prices, origins, self.head.window, variance)
        band = self.factor * self.head.quantiles(inputs) * sigma
        root = root_steps(steps)
        return band[:, :1] * root, band[:, 1:] * root

    def tensors(self, prefix: str) -> dict[str, np.ndarray]:
        """The head's arrays under ``prefix``."""
        return self.head.tensors(prefix)

    @classmethod
    def from_tensors(cls, tensors: dict[str, np.ndarray], prefix: str) -> dict[str, QuantileHead]:
        """The head, from its arrays under ``prefix``."""
        return {"head": QuantileHead.from_tensors(tensors, prefix)}

    def start_at(self, prices: np.ndarray, first: int) -> ScaleStart:
        """EWMA's variance at ``first``."""
        return self.ewma.start_at(prices, first)
