"""``constant``: one width for every day, the interval every other method is compared with."""

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
from stockpred.models.volatility import ScaleStart


@dataclass(frozen=True)
class Constant(Interval):
    """Split-conformal quantiles of the one-step log errors, widened with √step."""

    name = "constant"
    description = "split-conformal quantiles of the validation errors, widened with √step"
    saved: ClassVar[dict[str, str]] = {"tails": "constant"}

    tails: tuple[float, float]  # the log errors' conformal band

    @classmethod
    def fit(cls, data: Calibration) -> Constant:
        """The band of the validation errors themselves."""
        return cls(conformal_band(data.errors, data.level))

    def log_bounds(
        self, prices: np.ndarray, origins: np.ndarray, steps: int, start: ScaleStart
    ) -> tuple[np.ndarray, np.ndarray]:
        """The same band at every origin: ``[1, steps]``."""
        root = root_steps(steps)
        return self.tails[0] * root, self.tails[1] * root
