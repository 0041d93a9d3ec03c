"""``ewma``: split-conformal quantiles of log errors divided by the EWMA scale.

The EWMA scale has no long-run level to return to, so it follows a calm or stormy spell
faster than GARCH; it forecasts a flat variance, so the band widens with √step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from stockpred.models.intervals.method import (
    Calibration,
    Interval,
    conformal_band,
    root_steps,
)
from stockpred.models.volatility import Ewma, ScaleStart


@dataclass(frozen=True)
class EwmaScaled(Interval):
    """The conformal band of errors ÷ EWMA's σ, times σ at each origin and √step."""

    name = "ewma"
    description = (
        "split-conformal quantiles of validation errors divided by an EWMA (λ = 0.97) scale"
    )
    saved: ClassVar[dict[str, str]] = {"ewma": "ewma", "scaled": "ewma_scaled"}

    ewma: Ewma
    scaled: tuple[float, float]  # quantiles of log error ÷ EWMA standard deviation

    @classmethod
    def fit(cls, data: Calibration) -> EwmaScaled:
        """The band of the validation errors in EWMA units."""
        sd = np.sqrt(data.ewma_variances[data.origins])
        return cls(data.ewma, conformal_band(data.errors / sd, data.level))

    def log_bounds(
        self, prices: np.ndarray, origins: np.ndarray, steps: int, start: ScaleStart
    ) -> tuple[np.ndarray, np.ndarray]:
        """``[n, steps]``: band × σ at the origin × √step."""
        sigma = np.sqrt(self.ewma.variances(prices, start.ewma)[origins])[:, None]
        root = root_steps(steps)
        return self.scaled[0] * sigma * root, self.scaled[1] * sigma * root

    def start_at(self, prices: np.ndarray, first: int) -> ScaleStart:
        """EWMA's variance at ``first``."""
        return self.ewma.start_at(prices, first)
