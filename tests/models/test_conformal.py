"""The split-conformal rank: every calibrated interval holds its nominal share of new sessions."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from stockpred.models.conformal import conformal_quantile, conformal_rank, conformal_tails
from stockpred.models.intervals import Calibration, IntervalModel

LEVEL = 0.8
TRIALS = 20_000


# How far each scaled method's volatility estimate is off (sd of its log-ratio to the truth).
MISFIT = {"constant": 0.0, "volatility": 0.3, "ewma": 0.5}


def _coverage(method: str, n: int, seed: int) -> np.ndarray:
    """Each trial's exact chance that a new session falls in a band calibrated on ``n``.

    Errors are Gaussian times a session volatility drawn at random; ``constant`` calibrates
    the errors themselves, ``volatility`` and ``ewma`` the errors divided by an estimate of
    that volatility off by a random factor (as a GARCH or EWMA scale is). Either way the
    scores are exchangeable, so each band must hold at least ``LEVEL`` of new sessions.
    """
    rng = np.random.default_rng(seed)
    sigma = rng.lognormal(0.0, 0.5, (TRIALS, n + 1))
    estimate = sigma * rng.lognormal(0.0, MISFIT[method], sigma.shape)
    ratio = sigma if method == "constant" else sigma / estimate  # score = z · ratio
    low, high = conformal_tails(rng.standard_normal((TRIALS, n)) * ratio[:, :n], LEVEL)
    new = ratio[:, n]
    covered: np.ndarray = norm.cdf(high / new) - norm.cdf(low / new)
    return covered


@pytest.mark.parametrize("method", ["constant", "volatility", "ewma"])
@pytest.mark.parametrize("n", [20, 50, 300])
def test_every_split_conformal_band_holds_its_level_on_new_sessions(method: str, n: int) -> None:
    covered = _coverage(method, n, seed=n)
    error = 3.0 * covered.std() / np.sqrt(TRIALS)  # three Monte-Carlo standard errors
    assert covered.mean() >= LEVEL - error
    # ...and not by more than the rank's own rounding: k/(n+1) − j/(n+1)
    k, j = conformal_rank(n, 0.9), int(np.floor((n + 1) * 0.1 + 1e-9))
    assert covered.mean() == pytest.approx((k - j) / (n + 1), abs=error)


def test_np_quantile_tails_fall_short_where_the_conformal_rank_does_not() -> None:
    """np.quantile (the old tails) holds about 0.8·19/21 = 0.72 at n = 20, far below 0.8."""
    rng = np.random.default_rng(1)
    scores = rng.standard_normal((TRIALS, 20))
    old = np.quantile(scores, [0.1, 0.9], axis=1)
    old_coverage = np.mean(norm.cdf(old[1]) - norm.cdf(old[0]))
    low, high = conformal_tails(scores, LEVEL)
    new_coverage = np.mean(norm.cdf(high) - norm.cdf(low))
    assert old_coverage < 0.74
    assert new_coverage >= 0.80


def test_the_rank_is_exact_at_whole_products() -> None:
    assert conformal_rank(9, 0.8) == 8  # 10 × 0.8 is 8, not 9 by rounding
    assert conformal_rank(29, 0.9) == 27
    assert conformal_quantile(np.arange(1.0, 10.0), 0.8) == 8.0


def test_too_few_scores_for_the_rank_give_an_infinite_bound() -> None:
    """⌈(n + 1)·0.9⌉ > n for n < 9: no score is large enough to carry the guarantee."""
    low, high = conformal_tails(np.linspace(-1.0, 1.0, 8), LEVEL)
    assert (low, high) == (-np.inf, np.inf)
    low, high = conformal_tails(np.linspace(-1.0, 1.0, 9), LEVEL)
    assert (low, high) == (-1.0, 1.0)


def test_the_interval_model_calibrates_every_split_conformal_method_with_the_rank() -> None:
    """constant, volatility and ewma store the conformal tails of their own scores."""
    rng = np.random.default_rng(5)
    prices = 50.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, 700)))
    val = np.arange(500, 530)  # n = 30: np.quantile's tails would differ
    errors = np.log(prices[val + 1] / prices[val])
    data = Calibration(LEVEL, prices, 500, val, errors, np.arange(20, 499), 20)
    model = IntervalModel.fit(data, "ewma", compare=True).to_dict()
    garch_sd = np.sqrt(data.garch.variances(prices)[val])
    ewma_sd = np.sqrt(data.ewma.variances(prices)[val])
    for key, scores in (
        ("constant", errors),
        ("scaled", errors / garch_sd),
        ("ewma_scaled", errors / ewma_sd),
    ):
        stored = tuple(model[key])
        expected = tuple(float(b) for b in conformal_tails(scores, LEVEL))
        assert stored == expected
        assert stored != tuple(np.quantile(scores, [0.1, 0.9]))
