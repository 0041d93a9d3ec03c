"""What every interval method is: fitted once per model, then bounds around any forecast.

A method learns from the training span (a scale, a network) and calibrates on the
validation span's one-step log errors of the point forecast, with the finite-sample
conformal rank (``models/conformal.py``). Its bounds at an origin read no price after it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from stockpred.models.conformal import conformal_tails
from stockpred.models.volatility import Ewma, Garch, ScaleStart

if TYPE_CHECKING:
    from typing_extensions import Self

# Every interval class by its method's name, filled as each method's module is imported.
REGISTRY: dict[str, type[Interval]] = {}


@dataclass
class Calibration:
    """What a model's intervals learn from: its prices, where training ends, the validation
    origins with a real next price and the point forecast's one-step log errors there, and the
    training origins the quantile head fits on. Each scale is fitted once, when first asked."""

    level: float
    prices: np.ndarray
    train_end: int
    origins: np.ndarray
    errors: np.ndarray
    head_origins: np.ndarray
    window: int
    seed: int = 0
    threads: int = 1

    @cached_property
    def garch(self) -> Garch:
        """GARCH(1, 1) on the training span (arch's optimiser: the costly scale)."""
        return Garch.fit(self.prices[: self.train_end])

    @cached_property
    def ewma(self) -> Ewma:
        """The EWMA scale, started at the training span's variance."""
        return Ewma.fit(self.prices[: self.train_end])

    @cached_property
    def ewma_variances(self) -> np.ndarray:
        """The EWMA one-step variance at every session of ``prices``."""
        return self.ewma.variances(self.prices)


class Interval(ABC):
    """One interval method, fitted: subclassing registers it under its ``name``."""

    name: ClassVar[str]
    description: ClassVar[str]  # what it is, as the report's page says it

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        REGISTRY[cls.name] = cls

    @classmethod
    @abstractmethod
    def fit(cls, data: Calibration) -> Self:
        """Learn from the training span, calibrate on the validation errors."""

    @abstractmethod
    def log_bounds(
        self, prices: np.ndarray, origins: np.ndarray, steps: int, start: ScaleStart
    ) -> tuple[np.ndarray, np.ndarray]:
        """log(bound ÷ forecast) below and above, broadcastable to ``[len(origins), steps]``.

        ``start``: the scales' variances at ``prices[0]`` when ``prices`` is a history's tail.
        """

    @abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """Its keys of the model's interval JSON (one flat layout: a shared scale, one key)."""

    @classmethod
    @abstractmethod
    def from_dict(cls, data: dict[str, Any], tensors: dict[str, np.ndarray], prefix: str) -> Self:
        """Inverse of :meth:`to_dict` and :meth:`tensors`, from the whole interval JSON."""

    def tensors(self, prefix: str) -> dict[str, np.ndarray]:
        """Arrays for the model's safetensors file: none but a network's."""
        return {}

    def start_at(self, prices: np.ndarray, first: int) -> ScaleStart:
        """Its scale's variance at session ``first``: what a tail of prices from there needs."""
        return ScaleStart()


def root_steps(steps: int) -> np.ndarray:
    """``[1, steps]``: √step, how far a random walk's spread has grown by each step."""
    return np.sqrt(np.arange(1, steps + 1))[None, :]


def conformal_band(scores: np.ndarray, level: float) -> tuple[float, float]:
    """The split-conformal band of ``scores``: each tail at the finite-sample rank."""
    low, high = conformal_tails(scores, level)
    return float(low), float(high)


def pair(values: list[Any]) -> tuple[float, float]:
    """A saved band as two floats."""
    low, high = (float(v) for v in values)
    return low, high
