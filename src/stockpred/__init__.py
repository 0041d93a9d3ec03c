"""stockpred: LSTM stock price forecasts, honestly measured against naive baselines.

The public API is re-exported here and imported lazily, so ``stockpred --help`` does not
pay for importing torch.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.3.0"

__all__ = [
    "ArtifactError",
    "ConfigError",
    "DataError",
    "Evaluation",
    "ForecastConfig",
    "Forecaster",
    "InProcess",
    "InsufficientHistory",
    "InvalidConfig",
    "LoadOptions",
    "NotFittedError",
    "PriceHistory",
    "ProviderError",
    "ProviderUnavailable",
    "RateLimited",
    "RunSpec",
    "StaleDataWarning",
    "StockpredError",
    "StockpredWarning",
    "StoreError",
    "TickerNotFound",
    "TickerSource",
    "ValidationError",
    "WorkerLost",
    "__version__",
    "load_history",
    "load_prices",
    "run",
    "universe_sources",
]

_LAZY = {
    "ForecastConfig": "stockpred.config",
    "Forecaster": "stockpred.evaluation.forecaster",
    "Evaluation": "stockpred.evaluation.metrics",
    "PriceHistory": "stockpred.data.history",
    "load_prices": "stockpred.data.loading",
    "load_history": "stockpred.data.loading",
    "LoadOptions": "stockpred.data.options",
    "RunSpec": "stockpred.spec",
    "run": "stockpred.universe.pipeline",
    "InProcess": "stockpred.backend",
    "TickerSource": "stockpred.universe.inputs",
    "universe_sources": "stockpred.universe.inputs",
    "StockpredError": "stockpred.exceptions",
    "DataError": "stockpred.exceptions",
    "ConfigError": "stockpred.exceptions",
    "NotFittedError": "stockpred.exceptions",
    "ArtifactError": "stockpred.exceptions",
    "InsufficientHistory": "stockpred.exceptions",
    "InvalidConfig": "stockpred.exceptions",
    "ProviderError": "stockpred.exceptions",
    "ProviderUnavailable": "stockpred.exceptions",
    "RateLimited": "stockpred.exceptions",
    "StaleDataWarning": "stockpred.exceptions",
    "StockpredWarning": "stockpred.exceptions",
    "StoreError": "stockpred.exceptions",
    "TickerNotFound": "stockpred.exceptions",
    "ValidationError": "stockpred.exceptions",
    "WorkerLost": "stockpred.exceptions",
}

if TYPE_CHECKING:
    from stockpred.backend import InProcess
    from stockpred.config import ForecastConfig
    from stockpred.data.history import PriceHistory
    from stockpred.data.loading import load_history, load_prices
    from stockpred.data.options import LoadOptions
    from stockpred.evaluation.forecaster import Forecaster
    from stockpred.evaluation.metrics import Evaluation
    from stockpred.exceptions import (
        ArtifactError,
        ConfigError,
        DataError,
        InsufficientHistory,
        InvalidConfig,
        NotFittedError,
        ProviderError,
        ProviderUnavailable,
        RateLimited,
        StaleDataWarning,
        StockpredError,
        StockpredWarning,
        StoreError,
        TickerNotFound,
        ValidationError,
        WorkerLost,
    )
    from stockpred.spec import RunSpec
    from stockpred.universe.inputs import TickerSource, universe_sources
    from stockpred.universe.pipeline import run


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'stockpred' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
