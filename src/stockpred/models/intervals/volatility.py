"""``volatility``: split-conformal quantiles of log errors divided by the GARCH scale.

Normalised conformal: valid on exchangeable data whatever the scale's errors, and its width
follows the volatility GARCH forecasts, summed over the steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from stockpred.models.intervals.method import Calibration, Interval, conformal_band
from stockpred.models.volatility import Garch, ScaleStart


@dataclass(frozen=True)
class GarchScaled(Interval):
    """The conformal band of errors ÷ GARCH's σ, times GARCH's horizon scale."""

    name = "volatility"
    description = (
        "split-conformal quantiles of validation errors divided by the GARCH scale "
        "(normalised conformal)"
    )
    saved: ClassVar[dict[str, str]] = {"garch": "garch", "scaled": "scaled"}

    garch: Garch
    scaled: tuple[float, float]  # quantiles of log error ÷ GARCH standard deviation

    @classmethod
    def fit(cls, data: Calibration) -> GarchScaled:
        """GARCH on the training span; the band of the validation errors in its units."""
        sd = np.sqrt(data.garch.variances(data.prices)[data.origins])
        return cls(data.garch, conformal_band(data.errors / sd, data.level))

    def log_bounds(
        self, prices: np.ndarray, origins: np.ndarray, steps: int, start: ScaleStart
    ) -> tuple[np.ndarray, np.ndarray]:
        """``[n, steps]``: the band times GARCH's horizon scale at each origin."""
        scale = self.garch.scale_at(prices, origins, steps, start.garch)
        return self.scaled[0] * scale, self.scaled[1] * scale

    def start_at(self, prices: np.ndarray, first: int) -> ScaleStart:
        """GARCH's variance at ``first``."""
        return self.garch.start_at(prices, first)
