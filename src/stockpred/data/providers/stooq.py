"""Stooq's daily CSV download over plain HTTP (``Date,Open,High,Low,Close,Volume``)."""

from __future__ import annotations

import io
import os

import httpx
import pandas as pd

from stockpred.data.providers.http import get, redact
from stockpred.exceptions import ProviderError, RateLimited, TickerNotFound

URL = "https://stooq.com/q/d/l/"
KEY_ENV = "STOOQ_API_KEY"


def stooq_symbol(ticker: str) -> str:
    """Stooq's symbol: lower case, US listings suffixed ``.us`` (``MSFT`` -> ``msft.us``)."""
    symbol = ticker.strip().lower()
    return symbol if "." in symbol or symbol.startswith("^") else f"{symbol}.us"


class StooqProvider:
    """Daily bars from Stooq; its Close is already split- and dividend-adjusted."""

    name = "stooq"

    def __init__(self, client: httpx.Client | None = None, api_key: str | None = None) -> None:
        self.client = client
        self.api_key = api_key if api_key is not None else os.environ.get(KEY_ENV) or None

    def fetch_raw(
        self, ticker: str, start: pd.Timestamp | None, end: pd.Timestamp | None
    ) -> pd.DataFrame:
        """The CSV as a raw table; anything else Stooq answers with is an error."""
        params = {"s": stooq_symbol(ticker), "i": "d"}
        if start is not None:
            params["d1"] = start.strftime("%Y%m%d")
        if end is not None:
            params["d2"] = end.strftime("%Y%m%d")
        if self.api_key:
            params["apikey"] = self.api_key
        response = get(URL, params, provider=self.name, ticker=ticker, client=self.client)
        return self._parse(response, ticker)

    def _parse(self, response: httpx.Response, ticker: str) -> pd.DataFrame:
        text = response.text.lstrip("\ufeff").strip()
        first = text.splitlines()[0].strip() if text else ""
        if "html" in response.headers.get("content-type", "") or first.startswith("<"):
            hint = (
                "the key in STOOQ_API_KEY was not accepted or a bot check is in the way"
                if self.api_key
                else f"Stooq now asks scripts for an API key: set {KEY_ENV}"
            )
            raise ProviderError(
                f"stooq answered with an HTML page instead of CSV for {ticker}; {hint}, "
                "or use another source="
            )
        if not text or first.lower() == "no data":
            raise TickerNotFound(
                f"stooq has no daily prices for {ticker!r} ({stooq_symbol(ticker)}) in the "
                "requested range; check the symbol"
            )
        if "exceeded" in first.lower() and "limit" in first.lower():
            raise RateLimited(
                f"stooq refused {ticker}: daily download limit reached; try tomorrow or use "
                "another source="
            )
        if not first.lower().startswith("date,"):
            raise ProviderError(
                f"stooq sent something that is not a price CSV for {ticker} (first line: "
                f"{redact(first, self.api_key)[:80]!r})"
            )
        frame = pd.read_csv(io.StringIO(text))
        if frame.empty:
            raise TickerNotFound(f"stooq has no daily prices for {ticker!r} in the requested range")
        return frame
