"""One GET for the HTTP providers: transport failures become stockpred errors, keys stay secret."""

from __future__ import annotations

import httpx

from stockpred.exceptions import ProviderError, ProviderUnavailable, RateLimited

DEFAULT_TIMEOUT = 30.0


def redact(text: str, secret: str | None) -> str:
    """``text`` with the API key blanked out: providers echo keys back in their messages."""
    return text.replace(secret, "***") if secret else text


def get(
    url: str,
    params: dict[str, str],
    *,
    provider: str,
    ticker: str,
    client: httpx.Client | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> httpx.Response:
    """GET ``url``, turning timeouts, network errors and HTTP errors into stockpred errors.

    Messages never include the URL or httpx's text (``from None``): both carry the query
    string and with it the API key.
    """
    try:
        if client is None:
            with httpx.Client(timeout=timeout, follow_redirects=True) as own:
                response = own.get(url, params=params)
        else:
            response = client.get(url, params=params)
    except httpx.TimeoutException:
        raise ProviderUnavailable(
            f"{provider} timed out fetching {ticker} after {timeout:g} s; "
            "check the network or try again later"
        ) from None
    except httpx.TransportError as exc:  # connect errors, dropped connections
        raise ProviderUnavailable(
            f"{provider} could not be reached for {ticker} ({type(exc).__name__}); "
            "check the network connection"
        ) from None
    status = response.status_code
    if status == 429:
        raise RateLimited(
            f"{provider} rate-limited the request for {ticker} (HTTP 429); wait and retry, "
            "or use another source="
        )
    if status >= 500:
        raise ProviderUnavailable(f"{provider} failed on its side for {ticker} (HTTP {status})")
    if status >= 400:
        raise ProviderError(f"{provider} refused the request for {ticker} (HTTP {status})")
    return response
