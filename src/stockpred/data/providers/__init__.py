"""Price providers behind one interface, and the order to try them in."""

from __future__ import annotations

import os
from pathlib import Path

from stockpred.data.providers.base import NO_RETRY, Provider, Retry
from stockpred.exceptions import ConfigError

NETWORK_SOURCES = ("yahoo", "stooq", "alphavantage")
SOURCES = (*NETWORK_SOURCES, "csv", "sample")
ORDER_ENV = "STOCKPRED_PROVIDERS"
# Yahoo first: keyless and the deepest history; Stooq now wants a key; Alpha Vantage's free
# tier allows 25 requests a day.
DEFAULT_ORDER = NETWORK_SOURCES

__all__ = [
    "DEFAULT_ORDER",
    "NETWORK_SOURCES",
    "NO_RETRY",
    "SOURCES",
    "Provider",
    "Retry",
    "get_provider",
    "provider_order",
]


def get_provider(name: str, *, path: str | Path | None = None) -> Provider:
    """A provider by its ``source=`` name; ``csv`` needs ``path``."""
    if name == "yahoo":
        from stockpred.data.providers.yahoo import YahooProvider

        return YahooProvider()
    if name == "stooq":
        from stockpred.data.providers.stooq import StooqProvider

        return StooqProvider()
    if name == "alphavantage":
        from stockpred.data.providers.alphavantage import AlphaVantageProvider

        return AlphaVantageProvider()
    if name == "sample":
        from stockpred.data.providers.local import SampleProvider

        return SampleProvider()
    if name == "csv" and path is not None:
        from stockpred.data.providers.local import FileProvider

        return FileProvider(path)
    if name == "csv":
        raise ConfigError("source=csv needs a file: pass csv=PATH")
    raise ConfigError(f"unknown source {name!r}; choose one of {', '.join(SOURCES)}")


def provider_order(setting: str | None = None) -> tuple[str, ...]:
    """Network providers to try in turn: ``setting``, else ``$STOCKPRED_PROVIDERS``, else default.

    The setting is a comma-separated list such as ``stooq,yahoo``.
    """
    raw = setting if setting is not None else os.environ.get(ORDER_ENV, "")
    names = tuple(n.strip().lower() for n in raw.split(",") if n.strip())
    unknown = [n for n in names if n not in NETWORK_SOURCES]
    if unknown:
        raise ConfigError(
            f"unknown provider(s) {', '.join(unknown)} in {ORDER_ENV}; use a comma-separated "
            f"list of {', '.join(NETWORK_SOURCES)}"
        )
    return names or DEFAULT_ORDER
