"""The one contract every forecasting model follows, the LSTM and the baselines alike.

Evaluation code types against :class:`Model` only: it asks a model for an unfitted copy
(``new()``, like scikit-learn's ``clone``), fits that copy on a split's training span and
forecasts from origins. It never names a concrete model.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import numpy as np

from stockpred.config import ForecastConfig
from stockpred.data.history import PriceHistory
from stockpred.exceptions import ConfigError
from stockpred.splits import Split, chronological_split
from stockpred.stats import interval_bounds

if TYPE_CHECKING:
    from typing_extensions import Self

# What a model fits on: one series, or several (a model with ``many_series`` pools them).
Series = PriceHistory | Sequence[PriceHistory]

# The network's name in every table, column and file (baselines name themselves).
LSTM = "lstm"
# The network alone, before the validation gate and shrinkage (scored beside LSTM).
LSTM_RAW = f"{LSTM}_raw"


class Model(Protocol):
    """Fit on one series or several, then forecast prices from any origin of any of them.

    As in darts and NeuralForecast, a model fitted on many series follows the same contract
    as one fitted on a single series: ``fit`` takes one history or a sequence of them (a
    model with ``many_series`` False refuses several in one line), ``predict_origins`` takes
    the history of the series to forecast. A model may also carry ``residual_quantiles_``
    (log-error quantiles learned on its validation span); evaluation then reports its
    prediction interval too.
    """

    name: str
    many_series: ClassVar[bool]

    def fit(self, history: Series, split: Split | None = None) -> Self:
        """Learn from the sessions of ``split``'s training span only; returns ``self``.

        ``split`` splits a single series; ``None`` lets the model split by its own rule
        (several series: every one at the universe's calendar).
        """
        ...

    def predict_origins(
        self, history: PriceHistory, origins: np.ndarray, horizon: int
    ) -> np.ndarray:
        """Price forecasts ``[n, horizon]`` from the sessions known at each origin."""
        ...

    def get_params(self) -> dict[str, Any]:
        """The constructor's parameters by name (what ``new()`` passes again)."""
        ...

    def new(self) -> Self:
        """An unfitted copy with the same parameters."""
        ...


def interval_bands(
    model: Model, point: np.ndarray, prices: np.ndarray, origins: np.ndarray
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Interval bounds around ``point`` ``[n, steps]``, by column label; none without an interval.

    A model with ``intervals_`` (an IntervalModel) gives its default method under its own
    name and every method under ``name_method``; one with only ``residual_quantiles_`` gives
    the constant split-conformal interval under its name.
    """
    intervals = getattr(model, "intervals_", None)
    if intervals is not None:
        bands = {
            f"{model.name}_{method}": intervals.bounds(method, point, prices, origins)
            for method in intervals.methods
        }
        return {model.name: bands[f"{model.name}_{intervals.default}"], **bands}
    quantiles: list[float] | None = getattr(model, "residual_quantiles_", None)
    if quantiles is None:
        return {}
    return {model.name: interval_bounds(point, quantiles, np.arange(1, point.shape[1] + 1))}


def forecast_names(model: Model) -> tuple[str, ...]:
    """The columns a model's forecasts fill: its own name, then any companions' (lstm_raw)."""
    return (model.name, *getattr(model, "companion_names", ()))


def all_forecasts(
    model: Model, history: PriceHistory, origins: np.ndarray, horizon: int
) -> dict[str, np.ndarray]:
    """A fitted model's forecasts ``[n, horizon]`` by column: its own and its companions'.

    A model may carry ``companions(history, origins, horizon)``: forecasts to score beside
    its own on the same days (the LSTM's network alone, before the validation gate).
    """
    own = {model.name: model.predict_origins(history, origins, horizon)}
    companions = getattr(model, "companions", None)
    return own if companions is None else {**own, **companions(history, origins, horizon)}


def one_series(history: Series, name: str) -> PriceHistory:
    """The one history a single-series model fits on; several refused in one line."""
    if isinstance(history, PriceHistory):
        return history
    if len(history) != 1:
        raise ConfigError(
            f"{name} fits one series at a time, not {len(history)}; fit one model a ticker "
            "or use the global model (--model global)"
        )
    return history[0]


def fit_data(
    history: Series, split: Split | None, name: str, config: ForecastConfig | None = None
) -> tuple[PriceHistory, Split]:
    """A single-series model's history and split: ``split``, else ``config``'s own rule."""
    one = one_series(history, name)
    return one, split or chronological_split(one.dates, config or ForecastConfig())


class Estimator:
    """Shared ``new()``, as scikit-learn's ``clone``: the parameters are ``__init__``'s
    arguments, each stored unchanged under its own name; learned state ends in ``_``."""

    name: str
    many_series: ClassVar[bool] = False

    @classmethod
    def param_names(cls) -> list[str]:
        """The constructor's parameters, read from its signature (no ``*args``/``**kwargs``)."""
        params = list(inspect.signature(cls).parameters.values())
        variadic = [str(p) for p in params if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        if variadic:
            raise TypeError(
                f"{cls.__name__}.__init__ takes {variadic[0]}: a model's parameters must be "
                "named, so new() can copy them"
            )
        return [p.name for p in params]

    def get_params(self) -> dict[str, Any]:
        """Each constructor parameter's value, read from the attribute of the same name."""
        missing = [name for name in self.param_names() if not hasattr(self, name)]
        if missing:
            raise TypeError(
                f"{type(self).__name__}.__init__ does not store parameter {missing[0]!r} as "
                f"self.{missing[0]}; store every argument unchanged under its own name"
            )
        return {name: getattr(self, name) for name in self.param_names()}

    def new(self) -> Self:
        """An unfitted copy: the constructor's arguments again, none of the learned state;
        refused when ``__init__`` changes an argument (it must store it as given)."""
        params = self.get_params()
        copy = type(self)(**params)
        changed = [k for k, v in copy.get_params().items() if v is not params[k]]
        if changed:
            raise TypeError(
                f"{type(self).__name__}.__init__ changes parameter {changed[0]!r} instead of "
                "storing it as given; derive values in fit(), as scikit-learn's clone requires"
            )
        return copy


def blas_threads(threads: int) -> AbstractContextManager[object]:
    """numpy/scipy on ``threads`` BLAS threads (0: the library's default), like training.

    The work here is many small products (the numpy LSTM over validation windows, the
    statsmodels and arch fits): on a shared 2-core machine two BLAS threads made the numpy
    LSTM's validation pass 2.8× slower than one (0.80 s against 0.29 s for 1,800 windows).
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads or None, user_api="blas")
