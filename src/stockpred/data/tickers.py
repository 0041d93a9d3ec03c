"""Ticker names: the characters tickers use, so a name can never be a path (``../x``)."""

from __future__ import annotations

import re

from stockpred.exceptions import ConfigError

# Letters, digits and the punctuation exchanges and data vendors use: BRK.B, BF-B, ^GSPC,
# EURUSD=X, MY_FILE. At least one letter or digit, so "." and ".." are not names.
_TICKER = re.compile(r"[A-Za-z0-9.\-^=_]{1,32}")
_NOT_TICKER = re.compile(r"[^A-Za-z0-9.\-^=_]+")


def check_ticker(name: str) -> str:
    """The ticker upper-cased, or a one-line error before any work is done."""
    if not _TICKER.fullmatch(name) or not any(c.isalnum() for c in name):
        raise ConfigError(
            f"{name!r} is not a ticker name: use 1-32 letters, digits or . - ^ = _ "
            "(e.g. MSFT, BRK.B, ^GSPC)"
        )
    return name.upper()


def ticker_from_file_name(stem: str) -> str:
    """A ticker name from a file's name: characters tickers do not use become ``_``."""
    name = _NOT_TICKER.sub("_", stem).strip("._")[:32]
    return name.upper() if any(c.isalnum() for c in name) else "DATA"
