"""Providers against recorded answers: success, ranges, empty, unknown, limits, HTML, timeouts."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pandas as pd
import pytest
import respx

from stockpred.data.providers import Retry, get_provider, provider_order
from stockpred.data.providers.alphavantage import URL as AV_URL
from stockpred.data.providers.alphavantage import AlphaVantageProvider
from stockpred.data.providers.memory import MemoryProvider
from stockpred.data.providers.stooq import URL as STOOQ_URL
from stockpred.data.providers.stooq import StooqProvider, stooq_symbol
from stockpred.data.providers.yahoo import YahooProvider
from stockpred.data.schema import clean_prices
from stockpred.exceptions import (
    ConfigError,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    TickerNotFound,
)

from ..conftest import FIXED_TODAY

FIXTURES = Path(__file__).parent / "fixtures"
KEY = "SECRETKEY123"
DAY = pd.Timestamp


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text()


# --- retry ---------------------------------------------------------------------------------


def test_retry_backs_off_then_succeeds_without_real_sleep():
    slept: list[float] = []
    calls = iter([ProviderUnavailable("down"), ProviderUnavailable("down"), "ok"])

    def flaky() -> str:
        item = next(calls)
        if isinstance(item, Exception):
            raise item
        return item

    assert Retry(attempts=3, base_delay=0.5, sleep=slept.append).call(flaky) == "ok"
    assert slept == [0.5, 1.0]


def test_retry_gives_up_and_never_retries_rate_limits():
    slept: list[float] = []
    down = MemoryProvider(failures=[ProviderUnavailable("down")] * 3)
    with pytest.raises(ProviderUnavailable):
        Retry(attempts=3, sleep=slept.append).call(lambda: down.fetch_raw("X", None, None))
    assert len(down.requests) == 3
    limited = MemoryProvider(failures=[RateLimited("slow down")])
    with pytest.raises(RateLimited):
        Retry(attempts=3, sleep=slept.append).call(lambda: limited.fetch_raw("X", None, None))
    assert len(limited.requests) == 1


# --- registry ------------------------------------------------------------------------------


def test_provider_order_from_setting_env_and_default(monkeypatch):
    monkeypatch.delenv("STOCKPRED_PROVIDERS", raising=False)
    assert provider_order() == ("yahoo", "stooq", "alphavantage")
    monkeypatch.setenv("STOCKPRED_PROVIDERS", "stooq, Yahoo")
    assert provider_order() == ("stooq", "yahoo")
    assert provider_order("alphavantage") == ("alphavantage",)
    with pytest.raises(ConfigError, match="bloomberg"):
        provider_order("yahoo,bloomberg")


def test_get_provider_names_and_errors(tmp_path):
    assert [get_provider(n).name for n in ("yahoo", "stooq", "alphavantage", "sample")] == [
        "yahoo",
        "stooq",
        "alphavantage",
        "sample",
    ]
    assert get_provider("csv", path=tmp_path / "x.csv").name == "csv"
    with pytest.raises(ConfigError, match="pass csv=PATH"):
        get_provider("csv")
    with pytest.raises(ConfigError, match="unknown source"):
        get_provider("quandl")


# --- stooq ---------------------------------------------------------------------------------


def test_stooq_symbol():
    assert stooq_symbol("MSFT") == "msft.us"
    assert stooq_symbol("tsco.uk") == "tsco.uk"
    assert stooq_symbol("^SPX") == "^spx"


@respx.mock
def test_stooq_multi_year_csv_cleans_to_every_session(monkeypatch):
    monkeypatch.setenv("STOOQ_API_KEY", KEY)
    route = respx.get(STOOQ_URL).mock(
        return_value=httpx.Response(
            200, text=fixture_text("stooq_msft_2015_2016.csv"), headers={"content-type": "text/csv"}
        )
    )
    raw = StooqProvider().fetch_raw("MSFT", DAY("2015-01-01"), DAY("2016-12-31"))
    frame, report = clean_prices(raw)
    sent = route.calls.last.request.url.params
    assert (sent["s"], sent["i"], sent["d1"], sent["d2"]) == (
        "msft.us",
        "d",
        "20150101",
        "20161231",
    )
    assert sent["apikey"] == KEY
    assert len(frame) == 504
    assert (frame.index[0], frame.index[-1]) == (DAY("2015-01-02"), DAY("2016-12-30"))
    assert report.messages() == []
    assert (frame["adj_close"] == frame["close"]).all()  # Stooq's close is already adjusted


@respx.mock
def test_stooq_without_key_sends_none(monkeypatch):
    monkeypatch.delenv("STOOQ_API_KEY", raising=False)
    route = respx.get(STOOQ_URL).mock(
        return_value=httpx.Response(200, text=fixture_text("stooq_msft_2015_2016.csv"))
    )
    StooqProvider().fetch_raw("MSFT", None, None)
    assert "apikey" not in route.calls.last.request.url.params
    assert "d1" not in route.calls.last.request.url.params


@respx.mock
@pytest.mark.parametrize("key", [None, KEY])
def test_stooq_html_antibot_page_with_200_is_an_error_not_data(key):
    respx.get(STOOQ_URL).mock(
        return_value=httpx.Response(
            200, text=fixture_text("stooq_antibot.html"), headers={"content-type": "text/html"}
        )
    )
    with pytest.raises(ProviderError, match="HTML page instead of CSV for MSFT") as info:
        StooqProvider(api_key=key).fetch_raw("MSFT", None, None)
    assert type(info.value) is ProviderError
    assert ("STOOQ_API_KEY" in str(info.value)) is True
    assert KEY not in str(info.value)


@respx.mock
@pytest.mark.parametrize(
    "body", ["No data", "No data\r\n", "", "Date,Open,High,Low,Close,Volume\r\n"]
)
def test_stooq_empty_or_no_data_is_ticker_not_found(body):
    respx.get(STOOQ_URL).mock(return_value=httpx.Response(200, text=body))
    with pytest.raises(TickerNotFound, match=r"stooq .*'ZZZZ'"):
        StooqProvider(api_key=KEY).fetch_raw("ZZZZ", None, None)


@respx.mock
def test_stooq_daily_limit_and_429_are_rate_limits():
    respx.get(STOOQ_URL).mock(
        return_value=httpx.Response(200, text="Exceeded the daily hits limit")
    )
    with pytest.raises(RateLimited, match="stooq refused MSFT"):
        StooqProvider(api_key=KEY).fetch_raw("MSFT", None, None)
    respx.get(STOOQ_URL).mock(return_value=httpx.Response(429, text="Too Many Requests"))
    with pytest.raises(RateLimited, match="stooq rate-limited the request for MSFT"):
        StooqProvider(api_key=KEY).fetch_raw("MSFT", None, None)


@respx.mock
def test_stooq_unexpected_text_is_provider_error_without_key():
    respx.get(STOOQ_URL).mock(return_value=httpx.Response(200, text=f"Invalid key {KEY}"))
    with pytest.raises(ProviderError, match="not a price CSV for MSFT") as info:
        StooqProvider(api_key=KEY).fetch_raw("MSFT", None, None)
    assert KEY not in str(info.value)


@respx.mock
def test_stooq_timeout_is_retried_then_unavailable_and_hides_the_url():
    route = respx.get(STOOQ_URL).mock(side_effect=httpx.ConnectTimeout("timed out"))
    slept: list[float] = []
    provider = StooqProvider(api_key=KEY)
    with pytest.raises(ProviderUnavailable, match="stooq timed out fetching MSFT") as info:
        Retry(attempts=3, sleep=slept.append).call(lambda: provider.fetch_raw("MSFT", None, None))
    assert route.call_count == 3
    assert slept == [1.0, 2.0]
    assert KEY not in str(info.value)
    assert "stooq.com" not in str(info.value)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


@respx.mock
def test_stooq_server_error_then_success_via_retry():
    csv = fixture_text("stooq_msft_2015_2016.csv")
    route = respx.get(STOOQ_URL).mock(
        side_effect=[httpx.Response(503), httpx.Response(200, text=csv)]
    )
    provider = StooqProvider(api_key=KEY)
    raw = Retry(sleep=lambda _: None).call(lambda: provider.fetch_raw("MSFT", None, None))
    assert route.call_count == 2
    assert len(raw) == 504


# --- alpha vantage -------------------------------------------------------------------------


@respx.mock
def test_alphavantage_daily_success_is_oldest_first_and_in_range():
    route = respx.get(AV_URL).mock(
        return_value=httpx.Response(200, text=fixture_text("alphavantage_daily_ibm.json"))
    )
    raw = AlphaVantageProvider(api_key=KEY).fetch_raw("ibm", DAY("2017-10-10"), DAY("2017-11-08"))
    frame, _ = clean_prices(raw)
    sent = route.calls.last.request.url.params
    assert (sent["function"], sent["symbol"], sent["outputsize"]) == (
        "TIME_SERIES_DAILY",
        "IBM",
        "full",
    )
    assert (frame.index[0], frame.index[-1]) == (DAY("2017-10-10"), DAY("2017-11-08"))
    assert frame.loc["2017-11-08", "volume"] > 0
    body = json.loads(fixture_text("alphavantage_daily_ibm.json"))["Time Series (Daily)"]
    assert frame.loc["2017-11-08", "close"] == float(body["2017-11-08"]["4. close"])


@respx.mock
def test_alphavantage_adjusted_keeps_both_closes():
    respx.get(AV_URL).mock(
        return_value=httpx.Response(200, text=fixture_text("alphavantage_daily_adjusted_ibm.json"))
    )
    raw = AlphaVantageProvider(api_key=KEY, adjusted=True).fetch_raw("IBM", None, None)
    frame, report = clean_prices(raw)
    assert report.price_column == "adj_close"
    assert len(frame) == 30
    assert (frame["adj_close"] < frame["close"]).all()


@respx.mock
@pytest.mark.parametrize(
    ("body", "error", "words"),
    [
        (
            {
                "Note": "Thank you for using Alpha Vantage! Our standard API call frequency is "
                "5 calls per minute and 500 calls per day."
            },
            RateLimited,
            "rate-limited",
        ),
        (
            {
                "Information": f"We have detected your API key as {KEY} and our standard API rate "
                "limit is 25 requests per day."
            },
            RateLimited,
            "rate-limited",
        ),
        (
            {"Information": "Thank you for using Alpha Vantage! This is a premium endpoint."},
            ProviderError,
            "premium",
        ),
        (
            {
                "Error Message": "Invalid API call. Please retry or visit the documentation "
                "(https://www.alphavantage.co/documentation/) for TIME_SERIES_DAILY."
            },
            TickerNotFound,
            "does not know ticker 'ZZZZ'",
        ),
        (
            {"Error Message": "the parameter apikey is invalid or missing."},
            ProviderError,
            "rejected the API key",
        ),
        ({"Meta Data": {"2. Symbol": "ZZZZ"}}, ProviderError, "lacks a complete"),
    ],
)
def test_alphavantage_messages_map_to_errors_and_never_leak_the_key(body, error, words):
    respx.get(AV_URL).mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(error, match=words) as info:
        AlphaVantageProvider(api_key=KEY).fetch_raw("ZZZZ", None, None)
    assert type(info.value) is error
    assert "alphavantage" in str(info.value)
    assert "ZZZZ" in str(info.value)
    assert KEY not in str(info.value)


@respx.mock
def test_alphavantage_truncated_json_is_provider_error():
    text = fixture_text("alphavantage_daily_ibm.json")
    respx.get(AV_URL).mock(return_value=httpx.Response(200, text=text[: len(text) // 2]))
    with pytest.raises(ProviderError, match="incomplete JSON for IBM"):
        AlphaVantageProvider(api_key=KEY).fetch_raw("IBM", None, None)


def test_alphavantage_without_key_says_which_variable(monkeypatch):
    monkeypatch.delenv("ALPHAVANTAGE_API_KEY", raising=False)
    with pytest.raises(ProviderError, match="ALPHAVANTAGE_API_KEY"):
        AlphaVantageProvider().fetch_raw("IBM", None, None)


@respx.mock
def test_alphavantage_recent_start_asks_compact():
    route = respx.get(AV_URL).mock(
        return_value=httpx.Response(200, text=fixture_text("alphavantage_daily_ibm.json"))
    )
    recent = FIXED_TODAY - pd.Timedelta(days=10)
    AlphaVantageProvider(api_key=KEY).fetch_raw("IBM", recent, None)
    assert route.calls.last.request.url.params["outputsize"] == "compact"


# --- yahoo ---------------------------------------------------------------------------------


def yahoo_download_frame(start: str, periods: int) -> pd.DataFrame:
    """What yfinance 1.x download(auto_adjust=False, multi_level_index=False) returns."""
    index = pd.bdate_range(start, periods=periods, name="Date")
    close = pd.Series(range(periods), index=index, dtype="float64") * 0.1 + 100.0
    frame = pd.DataFrame(
        {
            "Adj Close": close * 0.98,
            "Close": close,
            "High": close + 1.0,
            "Low": close - 1.0,
            "Open": close + 0.5,
            "Volume": pd.Series(1_000_000, index=index, dtype="int64"),
        }
    )
    return frame.rename_axis(None, axis=1)


def yahoo_empty_frame() -> pd.DataFrame:
    """download()'s answer when the ticker failed: yfinance's empty_df, columns sorted."""
    empty = pd.DataFrame(
        columns=["Adj Close", "Close", "High", "Low", "Open", "Volume"], dtype="float64"
    )
    return empty.rename_axis("Date")


def fake_download(answer: pd.DataFrame, logged: str | None = None, calls: list | None = None):
    def download(tickers, **kwargs):
        if calls is not None:
            calls.append((tickers, kwargs))
        if logged:  # yfinance logs per-ticker failures instead of raising
            logging.getLogger("yfinance").error("\n1 Failed download:")
            logging.getLogger("yfinance").error(f"['{tickers.upper()}']: {logged}")
        return answer

    return download


def test_yahoo_success_asks_unadjusted_with_exclusive_end(monkeypatch):
    yf = pytest.importorskip("yfinance")
    calls: list = []
    monkeypatch.setattr(
        yf, "download", fake_download(yahoo_download_frame("2021-01-04", 300), calls=calls)
    )
    raw = YahooProvider().fetch_raw("MSFT", DAY("2021-01-04"), DAY("2022-02-25"))
    frame, report = clean_prices(raw)
    kwargs = calls[0][1]
    assert calls[0][0] == "MSFT"
    assert kwargs["auto_adjust"] is False
    assert kwargs["multi_level_index"] is False
    assert kwargs["end"] == DAY("2022-02-26")  # yfinance's end is exclusive
    assert kwargs["progress"] is False
    assert report.price_column == "adj_close"
    assert (frame["adj_close"] < frame["close"]).all()
    assert frame.index[0] == DAY("2021-01-04")


def test_yahoo_without_dates_asks_for_max_period(monkeypatch):
    yf = pytest.importorskip("yfinance")
    calls: list = []
    monkeypatch.setattr(
        yf, "download", fake_download(yahoo_download_frame("2000-01-03", 5200), calls=calls)
    )
    raw = YahooProvider().fetch_raw("MSFT", None, None)
    assert calls[0][1]["period"] == "max"
    assert "start" not in calls[0][1]
    assert len(raw) == 5200


def test_yahoo_empty_answer_is_ticker_not_found_with_reason(monkeypatch):
    yf = pytest.importorskip("yfinance")
    reason = "YFTzMissingError('$ZZZZ: possibly delisted; no timezone found')"
    monkeypatch.setattr(yf, "download", fake_download(yahoo_empty_frame(), reason))
    with pytest.raises(TickerNotFound, match=r"yahoo has no daily prices for 'ZZZZ'.*delisted"):
        YahooProvider().fetch_raw("ZZZZ", None, None)


def test_yahoo_logged_rate_limit_is_rate_limited(monkeypatch):
    yf = pytest.importorskip("yfinance")
    said = "YFRateLimitError('Too Many Requests. Rate limited. Try after a while.')"
    monkeypatch.setattr(yf, "download", fake_download(yahoo_empty_frame(), said))
    with pytest.raises(RateLimited, match="yahoo rate-limited the request for MSFT"):
        YahooProvider().fetch_raw("MSFT", None, None)


def test_yahoo_raised_rate_limit_is_rate_limited(monkeypatch):
    yf = pytest.importorskip("yfinance")
    from yfinance.exceptions import YFRateLimitError

    def download(tickers, **kwargs):
        raise YFRateLimitError()

    monkeypatch.setattr(yf, "download", download)
    with pytest.raises(RateLimited, match="MSFT"):
        YahooProvider().fetch_raw("MSFT", None, None)


def test_yahoo_logged_timeout_is_unavailable(monkeypatch):
    yf = pytest.importorskip("yfinance")
    said = "Timeout('Failed to perform, curl: (28) Operation timed out after 10001 milliseconds')"
    monkeypatch.setattr(yf, "download", fake_download(yahoo_empty_frame(), said))
    with pytest.raises(ProviderUnavailable, match="yahoo could not be reached for MSFT"):
        YahooProvider().fetch_raw("MSFT", None, None)


def test_yahoo_keeps_its_error_log_off_the_terminal(monkeypatch, caplog):
    yf = pytest.importorskip("yfinance")
    monkeypatch.setattr(yf, "download", fake_download(yahoo_empty_frame(), "no data"))
    with caplog.at_level(logging.ERROR), pytest.raises(TickerNotFound):
        YahooProvider().fetch_raw("ZZZZ", None, None)
    assert caplog.records == []
    assert logging.getLogger("yfinance").propagate is True
