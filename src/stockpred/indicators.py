"""Technical indicators as model inputs: RSI, MACD, Bollinger %B, ATR — vectorised and causal.

Every value at session ``t`` is computed from sessions ``≤ t`` only (exponential and
rolling windows that look back), so windows built on them stay leakage-free. Values are
scale-free (ratios to the price), as a network trained on 2005 prices must read 2015 ones.
Checked against the ``ta`` package in the tests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

RSI_WINDOW, ATR_WINDOW = 14, 14
MACD_FAST, MACD_SLOW = 12, 26
BOLLINGER_WINDOW, BOLLINGER_DEVIATIONS = 20, 2.0


def _wilder(values: pd.Series, window: int) -> pd.Series:
    """Wilder's smoothing: an exponential average with weight ``1/window`` on the newest value."""
    return values.ewm(alpha=1.0 / window, adjust=False, min_periods=window).mean()


def rsi(close: pd.Series, window: int = RSI_WINDOW) -> pd.Series:
    """Relative strength index in [0, 100] (Wilder 1978).

    ``RSI = 100 - 100 / (1 + RS)`` with ``RS`` = Wilder average of up-moves ÷ Wilder
    average of down-moves over ``window`` sessions.
    """
    change = close.diff()
    up = _wilder(change.clip(lower=0.0), window)
    down = _wilder(-change.clip(upper=0.0), window)
    return 100.0 - 100.0 / (1.0 + up / down)


def macd(close: pd.Series, fast: int = MACD_FAST, slow: int = MACD_SLOW) -> pd.Series:
    """MACD line (Appel): ``EMA_fast(close) - EMA_slow(close)``, EMAs with weight ``2/(span+1)``."""
    ema = lambda span: close.ewm(span=span, adjust=False, min_periods=span).mean()  # noqa: E731
    return ema(fast) - ema(slow)


def bollinger_percent_b(
    close: pd.Series, window: int = BOLLINGER_WINDOW, deviations: float = BOLLINGER_DEVIATIONS
) -> pd.Series:
    """Bollinger %B: ``(close - lower) / (upper - lower)``, bands ``SMA ± k σ`` (population σ)."""
    mean = close.rolling(window).mean()
    spread = deviations * close.rolling(window).std(ddof=0)
    return (close - (mean - spread)) / (2.0 * spread)


def average_true_range(
    high: pd.Series, low: pd.Series, close: pd.Series, window: int = ATR_WINDOW
) -> pd.Series:
    """Average true range (Wilder): Wilder average of ``max(high, close[t-1]) - min(low, close[t-1])``."""
    previous = close.shift(1)
    true_range = pd.concat([high, previous], axis=1).max(axis=1) - pd.concat(
        [low, previous], axis=1
    ).min(axis=1)
    return _wilder(true_range, window)


def indicator_columns(
    frame: pd.DataFrame, price_column: str, names: tuple[str, ...]
) -> list[np.ndarray]:
    """The requested indicators as scale-free columns, in ``names`` order.

    RSI and %B are already ratios; MACD is divided by the price; ATR by the unadjusted close
    (the sample's O/H/L/C are not split-adjusted, so only their ratio to each other is used).
    """
    close = frame[price_column]
    out = []
    for name in names:
        if name == "rsi":
            column = rsi(close) / 100.0
        elif name == "macd":
            column = macd(close) / close
        elif name == "bollinger":
            column = bollinger_percent_b(close)
        elif name == "atr":
            column = (
                average_true_range(frame["high"], frame["low"], frame["close"]) / frame["close"]
            )
        else:
            raise ValueError(f"unknown indicator {name!r}")
        out.append(column.to_numpy(np.float64))
    return out
