"""What every interval method is: fitted once per model, then bounds around any forecast.

A method learns from the training span (a scale, a network) and calibrates on the
validation span's one-step log errors of the point forecast, with the finite-sample
conformal rank (``models/conformal.py``). Its bounds at an origin read no price after it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import asdict, dataclass, is_dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, get_type_hints

import numpy as np

from stockpred.artifacts import from_json
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
    # Each field the model's interval JSON keeps, by name, under its key there: one flat
    # layout, so a scale two methods share (``ewma``, ``garch``) is written once.
    saved: ClassVar[dict[str, str]]

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

    def to_dict(self) -> dict[str, Any]:
        """Its keys of the model's interval JSON: each field of :attr:`saved` under its key."""
        return {key: _plain(getattr(self, name)) for name, key in self.saved.items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any], tensors: dict[str, np.ndarray], prefix: str) -> Self:
        """Inverse of :meth:`to_dict` and :meth:`tensors`, from the whole interval JSON."""
        types = get_type_hints(cls)
        saved = {name: from_json(types[name], data[key]) for name, key in cls.saved.items()}
        return cls(**saved, **cls.from_tensors(tensors, prefix))

    @classmethod
    def from_tensors(cls, tensors: dict[str, np.ndarray], prefix: str) -> Mapping[str, object]:
        """Its fields kept in the model's safetensors file, by name: none but a network's."""
        return {}

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


def _plain(value: object) -> object:
    """A saved field as JSON: a scale as its fields, a band as a list."""
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return list(value) if isinstance(value, tuple) else value
