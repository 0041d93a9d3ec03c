"""Alpha Vantage daily time series (JSON); the key comes from the environment, never echoed."""

from __future__ import annotations

import json
import os
import re

import httpx
import pandas as pd

from stockpred.data import clock
from stockpred.data.providers.http import get, redact
from stockpred.exceptions import ProviderError, RateLimited, TickerNotFound

URL = "https://www.alphavantage.co/query"
KEY_ENV = "ALPHAVANTAGE_API_KEY"
SERIES_KEY = "Time Series (Daily)"
# outputsize=compact returns the latest 100 bars and is free; "full" may need a premium key.
COMPACT_DAYS = 140


class AlphaVantageProvider:
    """Daily bars; ``adjusted=True`` asks TIME_SERIES_DAILY_ADJUSTED (a premium endpoint)."""

    name = "alphavantage"

    def __init__(
        self,
        client: httpx.Client | None = None,
        api_key: str | None = None,
        *,
        adjusted: bool = False,
    ) -> None:
        self.client = client
        self.api_key = api_key if api_key is not None else os.environ.get(KEY_ENV) or None
        self.adjusted = adjusted

    def fetch_raw(
        self, ticker: str, start: pd.Timestamp | None, end: pd.Timestamp | None
    ) -> pd.DataFrame:
        """The daily series as raw rows between ``start`` and ``end``."""
        if not self.api_key:
            raise ProviderError(
                f"alphavantage needs an API key to fetch {ticker}: set {KEY_ENV} "
                "(free keys at alphavantage.co)"
            )
        recent = start is not None and start >= clock.today() - pd.Timedelta(days=COMPACT_DAYS)
        params = {
            "function": "TIME_SERIES_DAILY_ADJUSTED" if self.adjusted else "TIME_SERIES_DAILY",
            "symbol": ticker.upper(),
            "outputsize": "compact" if recent else "full",
            "datatype": "json",
            "apikey": self.api_key,
        }
        response = get(URL, params, provider=self.name, ticker=ticker, client=self.client)
        frame = self._parse(response.text, ticker)
        dates = pd.to_datetime(frame["Date"])
        keep = (dates >= (start or dates.min())) & (dates <= (end or dates.max()))
        return frame[keep.to_numpy()].reset_index(drop=True)

    def _parse(self, text: str, ticker: str) -> pd.DataFrame:
        try:
            body = json.loads(text)
        except json.JSONDecodeError:
            raise ProviderError(
                f"alphavantage sent incomplete JSON for {ticker} (cut off in transit?); try again"
            ) from None
        if not isinstance(body, dict):
            raise ProviderError(f"alphavantage sent an unexpected answer for {ticker}")
        self._raise_for_message(body, ticker)
        series = body.get(SERIES_KEY)
        if not isinstance(series, dict) or not all(isinstance(v, dict) for v in series.values()):
            raise ProviderError(
                f"alphavantage's answer for {ticker} lacks a complete {SERIES_KEY!r} section"
            )
        if not series:
            raise TickerNotFound(f"alphavantage returned no daily prices for {ticker!r}")
        frame = pd.DataFrame.from_dict(series, orient="index")
        # "1. open" -> "open", "5. adjusted close" -> "adjusted close": schema knows those names.
        frame.columns = [re.sub(r"^\d+\.\s*", "", str(c)) for c in frame.columns]
        return frame.rename_axis("Date").reset_index().iloc[::-1].reset_index(drop=True)

    def _raise_for_message(self, body: dict[str, object], ticker: str) -> None:
        """Alpha Vantage answers errors and limits with HTTP 200 and a one-key JSON object."""
        for key in ("Error Message", "Note", "Information"):
            if key not in body:
                continue
            said = " ".join(redact(str(body[key]), self.api_key).split())
            short = said if len(said) <= 160 else said[:157] + "..."
            if key == "Error Message" and "apikey" in said.lower():
                raise ProviderError(f"alphavantage rejected the API key for {ticker}: {short}")
            if key == "Error Message":
                raise TickerNotFound(f"alphavantage does not know ticker {ticker!r}: {short}")
            if "premium" in said.lower():
                raise ProviderError(
                    f"alphavantage needs a premium key for this request for {ticker}: {short}"
                )
            raise RateLimited(f"alphavantage rate-limited the request for {ticker}: {short}")
