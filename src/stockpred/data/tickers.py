"""Ticker names: the characters tickers use, so a name can never be a path (``../x``)."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from stockpred.exceptions import ConfigError

# Letters, digits and the punctuation exchanges and data vendors use: BRK.B, BF-B, ^GSPC,
# EURUSD=X, MY_FILE. At least one letter or digit, so "." and ".." are not names.
_TICKER = re.compile(r"[A-Za-z0-9.\-^=_]{1,32}")
_NOT_TICKER = re.compile(r"[^A-Za-z0-9.\-^=_]+")
# Longest first: "x.csv.gz" is ticker "x", not "x.csv".
PRICE_SUFFIXES = (".csv.gz", ".csv", ".parquet", ".pq")


def check_ticker(name: str) -> str:
    """The ticker upper-cased, or a one-line error before any work is done."""
    if not _TICKER.fullmatch(name) or not any(c.isalnum() for c in name):
        raise ConfigError(
            f"{name!r} is not a ticker name: use 1-32 letters, digits or . - ^ = _ "
            "(e.g. MSFT, BRK.B, ^GSPC)"
        )
    return name.upper()


def ticker_from_path(path: str | Path) -> str:
    """The ticker a price file stands for, one rule for a lone file and a folder's files: its
    name without the price-file extensions (``BRK.B.csv.gz`` is ``BRK.B``), accents spelled
    without them (``Ölpreis März`` is ``OLPREIS_MARZ``), any other character ``_``."""
    name = Path(path).name
    suffix = next((s for s in PRICE_SUFFIXES if name.lower().endswith(s)), Path(name).suffix)
    stem = name[: len(name) - len(suffix)]
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    ticker = _NOT_TICKER.sub("_", ascii_stem).strip("._")[:32]
    return ticker.upper() if any(c.isalnum() for c in ticker) else "DATA"
