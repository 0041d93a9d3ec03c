"""Properties that hold for any window, horizon and history (Hypothesis; small and fast).

Windows and targets line up with the prices they claim to be; the split never hands a
span's sample a target from a later span and never drops one it could use; cleaning never
reorders or invents a real price; ``to_prices`` inverts the target transform.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from stockpred.config import ForecastConfig
from stockpred.data.calendar import sessions_between
from stockpred.data.schema import clean_prices
from stockpred.features import input_signals, target_matrix, to_prices, windows
from stockpred.splits import Split

FAST = settings(max_examples=40, deadline=None)
POOL = sessions_between("XNYS", pd.Timestamp("2019-01-02"), pd.Timestamp("2019-06-28"))


@st.composite
def price_series(draw: st.DrawFn, min_size: int = 2, max_size: int = 120) -> np.ndarray:
    """Positive prices as a random walk of log-returns (any size in range)."""
    steps = draw(
        st.lists(
            st.floats(-0.2, 0.2, allow_nan=False), min_size=min_size - 1, max_size=max_size - 1
        )
    )
    start = draw(st.floats(1.0, 1000.0))
    return start * np.exp(np.concatenate([[0.0], np.cumsum(steps)]))


@FAST
@given(data=st.data(), window=st.integers(2, 30), horizon=st.integers(1, 8))
def test_windows_and_targets_line_up_with_prices(
    data: st.DataObject, window: int, horizon: int
) -> None:
    prices = data.draw(price_series(min_size=window + horizon + 1))
    cfg = ForecastConfig(window=window, horizon=horizon)
    frame = pd.DataFrame({"adj_close": prices})
    origins = np.arange(window, len(prices) - horizon)
    x = windows(input_signals(frame, "adj_close", cfg), origins, window)
    y = target_matrix(prices, origins, cfg)
    assert x.shape == (len(origins), window, 1)
    assert y.shape == (len(origins), horizon)
    for i, t in enumerate(origins):
        # the window ends with the return into the origin, and starts window-1 returns earlier
        expected = np.log(prices[t - window + 1 : t + 1] / prices[t - window : t])
        np.testing.assert_allclose(x[i, :, 0], expected.astype(np.float32), rtol=1e-6)
        np.testing.assert_allclose(y[i], np.log(prices[t + 1 : t + horizon + 1] / prices[t]))


@FAST
@given(
    window=st.integers(2, 40),
    horizon=st.integers(1, 10),
    train=st.integers(1, 300),
    val=st.integers(1, 100),
    test=st.integers(1, 100),
)
def test_span_origins_keep_every_target_in_their_span(
    window: int, horizon: int, train: int, val: int, test: int
) -> None:
    cfg = ForecastConfig(window=window, horizon=horizon)
    split = Split(train, train + val, train + val + test)
    train_o, val_o = split.train_origins(cfg), split.val_origins(cfg)
    if len(train_o):
        assert train_o.min() == window  # signal row 0 (undefined change) never in a window
        assert train_o.max() + horizon == split.train_end - 1  # last target: last train session
    else:
        assert split.train_end - horizon - 1 < window  # nothing usable was dropped
    if len(val_o):
        assert val_o.min() + 1 >= split.train_end  # first target in validation
        assert val_o.min() - window + 1 >= 1
        assert val_o.max() + horizon == split.val_end - 1
    test_o = split.test_origins()
    np.testing.assert_array_equal(test_o + 1, np.arange(split.val_end, split.test_end))


@FAST
@given(data=st.data(), horizon=st.integers(1, 6), target=st.sampled_from(["return", "price"]))
def test_to_prices_inverts_the_target_transform(
    data: st.DataObject, horizon: int, target: str
) -> None:
    prices = data.draw(price_series(min_size=horizon + 2))
    cfg = ForecastConfig(window=2, horizon=horizon, target=target)  # type: ignore[arg-type]
    origins = np.arange(0, len(prices) - horizon)
    back = to_prices(target_matrix(prices, origins, cfg), prices, origins, cfg)
    expected = np.stack([prices[t + 1 : t + horizon + 1] for t in origins])
    np.testing.assert_allclose(back, expected, rtol=1e-12)


@settings(max_examples=20, deadline=None)  # each example builds a calendar range: keep it brief
@given(
    keep=st.lists(st.booleans(), min_size=len(POOL), max_size=len(POOL)),
    order=st.randoms(use_true_random=False),
    duplicates=st.integers(0, 5),
    data=st.data(),
)
def test_cleaning_never_reorders_or_invents_a_real_price(
    keep: list[bool], order: object, duplicates: int, data: st.DataObject
) -> None:
    kept = POOL[np.array(keep)]
    if len(kept) < 2:
        return
    close = data.draw(price_series(min_size=len(kept), max_size=len(kept)))
    close *= 1.0 + 1e-6 * np.arange(len(close))  # moving on every session: flat ones are refused
    raw = pd.DataFrame({"Date": kept, "Close": close})
    # Duplicated dates whose earlier copy carries a wrong price: the last one wins, as asked.
    dup = raw.sample(n=min(duplicates, len(raw)), random_state=0).assign(Close=-1.0)
    shuffled = pd.concat([dup, raw]).reset_index(drop=True)
    shuffled = shuffled.iloc[order.sample(range(len(shuffled)), len(shuffled))]  # type: ignore[attr-defined]
    shuffled = pd.concat([shuffled[shuffled.Close < 0], shuffled[shuffled.Close > 0]])

    frame, report = clean_prices(shuffled, max_gap=len(POOL), max_filled=1.0, duplicates="last")

    assert frame.index.is_monotonic_increasing
    assert frame.index.is_unique
    np.testing.assert_array_equal(frame.index, POOL[(kept[0] <= POOL) & (kept[-1] >= POOL)])
    real = frame.index.isin(kept)
    np.testing.assert_array_equal(frame["close"].to_numpy()[real], close)  # same order, same value
    filled = np.flatnonzero(~real)
    assert report.sessions_filled == len(filled)
    # A filled session repeats the last real price before it; it is never a new number.
    prices = frame["close"].to_numpy()
    np.testing.assert_array_equal(prices[filled], prices[filled - 1])
