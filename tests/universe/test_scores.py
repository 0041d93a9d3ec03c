"""The leaderboard's FDR adjustment and its DM test under the verdict's loss."""

from __future__ import annotations

import numpy as np
from scipy.stats import false_discovery_control

from stockpred.universe.scores import Row, benjamini_hochberg, leaderboard


def test_bh_matches_scipy_and_a_hand_computed_case() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.20])
    # by hand: sorted 0.01, 0.03, 0.04, 0.20 times 4/rank -> 0.04, 0.06, 0.0533, 0.20,
    # then the running minimum from the top: 0.04, 0.0533, 0.0533, 0.20
    np.testing.assert_allclose(benjamini_hochberg(p), [0.04, 0.16 / 3, 0.16 / 3, 0.20])
    rng = np.random.default_rng(0)
    many = rng.uniform(size=200) ** 3
    np.testing.assert_allclose(benjamini_hochberg(many), false_discovery_control(many))


def test_bh_ignores_untested_rows() -> None:
    q = benjamini_hochberg(np.array([np.nan, 0.01, 0.02]))
    assert np.isnan(q[0])
    np.testing.assert_allclose(q[1:], false_discovery_control([0.01, 0.02]))


def test_dm_q_is_adjusted_per_model_across_tickers() -> None:
    rows = [
        Row(t, m, 10, 1.0, 1.0, 1.0, 0.5, 1.0, 1.0, p)
        for m, ps in (("lstm", [0.01, 0.02, 0.5]), ("drift", [0.04, 0.9, 0.9]))
        for t, p in zip("ABC", ps, strict=True)
    ]
    board = leaderboard(rows)
    for model, ps in (("lstm", [0.01, 0.02, 0.5]), ("drift", [0.04, 0.9, 0.9])):
        got = board[board["model"] == model].set_index("ticker").loc[list("ABC"), "dm_q"]
        np.testing.assert_allclose(got, false_discovery_control(ps))
