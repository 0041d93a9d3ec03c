"""Prediction intervals: one class per method behind a registry, and the set a model fits.

A model fits the method its config names (``interval_method``, the interval its forecasts
carry) and the ``constant`` interval that method is compared with. ``compare_intervals``
fits every method, to score them side by side on the same days, as
``benchmarks/accuracy.py`` and ``benchmarks/interval_methods.py`` do.

Each method is the :class:`~stockpred.models.intervals.method.Interval` subclass in the
module of its name in this package (``ewma.py`` holds ``ewma``); a new method is a module
here, its test, and its name in ``config.IntervalMethod`` (the option's choices).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any, cast, get_args

import numpy as np

from stockpred.config import IntervalMethod
from stockpred.exceptions import ConfigError
from stockpred.models.intervals.constant import Constant
from stockpred.models.intervals.method import REGISTRY, Calibration, Interval
from stockpred.models.quantile import HEAD_PREFIX
from stockpred.models.volatility import ScaleStart

__all__ = ["INTERVAL_METHODS", "METHODS", "Calibration", "IntervalModel", "fitted_methods"]

# Every method, in the order the comparison tables list them.
INTERVAL_METHODS: tuple[IntervalMethod, ...] = get_args(IntervalMethod)
# The interval every other method is compared with: always fitted.
COMPARED_WITH: IntervalMethod = "constant"


def _registered() -> dict[str, type[Interval]]:
    """Each method's class, by name: importing its module registers it."""
    for name in INTERVAL_METHODS:
        import_module(f"{__name__}.{name}")
    return {name: REGISTRY[name] for name in INTERVAL_METHODS}


METHODS = _registered()


def fitted_methods(default: str, compare: bool) -> tuple[str, ...]:
    """What a model fits, in table order: every method when compared, else ``default`` and
    the constant interval."""
    return tuple(m for m in INTERVAL_METHODS if compare or m in (COMPARED_WITH, default))


@dataclass(frozen=True)
class IntervalModel:
    """A model's fitted interval methods; ``default`` is the one its forecasts carry."""

    level: float
    fitted: dict[str, Interval]  # by name, in table order
    default: str

    @classmethod
    def fit(cls, data: Calibration, default: str, *, compare: bool = False) -> IntervalModel:
        """Fit ``default`` and the constant interval (every method if ``compare``) on ``data``."""
        return cls(
            data.level, {m: METHODS[m].fit(data) for m in fitted_methods(default, compare)}, default
        )

    @property
    def methods(self) -> tuple[str, ...]:
        """The fitted methods' names, in table order."""
        return tuple(self.fitted)

    @property
    def compared(self) -> bool:
        """True when every method is fitted (``compare_intervals``)."""
        return self.methods == INTERVAL_METHODS

    @property
    def constant_band(self) -> tuple[float, float]:
        """The constant interval's one-step log-error band (always fitted)."""
        return cast(Constant, self.fitted[COMPARED_WITH]).tails

    def __getitem__(self, method: str) -> Interval:
        """The fitted ``method``; one this model did not fit is a ConfigError naming the fix."""
        if method not in self.fitted:
            raise ConfigError(
                f"this model fitted the {' and '.join(self.methods)} intervals, not {method!r}; "
                f"refit with interval_method={method!r} or compare_intervals=True"
            )
        return self.fitted[method]

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
        low, high = self[method].log_bounds(prices, origins, point.shape[1], start or ScaleStart())
        return point * np.exp(low), point * np.exp(high)

    def start_at(self, prices: np.ndarray, first: int) -> ScaleStart:
        """The scales' variances at session ``first``: what a tail starting there needs."""
        return ScaleStart.merged(m.start_at(prices, first) for m in self.fitted.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form of what is fitted; a network's arrays go to :meth:`tensors`."""
        out = {"level": self.level, "default": self.default, "methods": list(self.methods)}
        for interval in self.fitted.values():
            out |= interval.to_dict()
        return out

    def tensors(self, prefix: str = HEAD_PREFIX) -> dict[str, np.ndarray]:
        """The fitted methods' arrays, for the model's safetensors file."""
        return {k: v for m in self.fitted.values() for k, v in m.tensors(prefix).items()}

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], tensors: dict[str, np.ndarray], prefix: str = HEAD_PREFIX
    ) -> IntervalModel:
        """Inverse of :meth:`to_dict` and :meth:`tensors`.

        A folder written before methods were fitted on request has no ``methods`` and holds
        all of them: only the forecast's method and the constant interval are read.
        """
        default = data["default"]
        names = data.get("methods") or fitted_methods(default, compare=False)
        fitted = {m: METHODS[m].from_dict(data, tensors, prefix) for m in names}
        return cls(float(data["level"]), fitted, default)
