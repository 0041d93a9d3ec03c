"""``garch``: GARCH(1, 1)'s own Gaussian quantiles, uncalibrated (the model taken at its word)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from stockpred.models.intervals.method import Calibration, Interval
from stockpred.models.volatility import Garch, ScaleStart


@dataclass(frozen=True)
class GaussianGarch(Interval):
    """±z·σ with GARCH's variance path summed over the steps; z the normal's level quantile."""

    name = "garch"
    description = "GARCH(1, 1) Gaussian quantiles"
    saved: ClassVar[dict[str, str]] = {"level": "level", "garch": "garch"}

    level: float
    garch: Garch

    @classmethod
    def fit(cls, data: Calibration) -> GaussianGarch:
        """GARCH on the training span; nothing is calibrated on validation."""
        return cls(data.level, data.garch)

    def log_bounds(
        self, prices: np.ndarray, origins: np.ndarray, steps: int, start: ScaleStart
    ) -> tuple[np.ndarray, np.ndarray]:
        """``[n, steps]``: the normal's quantiles times GARCH's horizon scale."""
        from scipy.special import ndtri

        scale = self.garch.scale_at(prices, origins, steps, start.garch)
        z = float(ndtri(0.5 + self.level / 2.0))
        return -z * scale, z * scale

    def start_at(self, prices: np.ndarray, first: int) -> ScaleStart:
        """GARCH's variance at ``first``."""
        return self.garch.start_at(prices, first)
