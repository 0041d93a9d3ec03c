"""The tests the verdicts rest on, pinned to values worked out by hand and a second formula.

Every expected number here is computed in the test from its definition, never copied from
stockpred's own output: Diebold–Mariano (Diebold & Mariano 1995, with the Harvey,
Leybourne & Newbold 1997 small-sample factor), Pesaran & Timmermann (1992), and the exact
binomial tail.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from stockpred.stats import diebold_mariano, direction_binomial, pesaran_timmermann

# Squared loss. Errors a, b; loss differential d = a² − b², worked out by hand:
#   a = [2, 0, 2, 1, 3, -2], b = [1, 1, 0, -1, -2, 3]
#   d = [4-1, 0-1, 4-0, 1-1, 9-4, 4-9] = [3, -1, 4, 0, 5, -5], n = 6, mean 1
#   centred c = [2, -2, 3, -1, 4, -6]
#   n·γ0 = 4+4+9+1+16+36 = 70
#   n·γ1 = (-2)(2) + (3)(-2) + (-1)(3) + (4)(-1) + (-6)(4) = -41
#   n·γ2 = (3)(2) + (-1)(-2) + (4)(3) + (-6)(-1) = 26
SQ_A = np.array([2.0, 0, 2, 1, 3, -2])
SQ_B = np.array([1.0, 1, 0, -1, -2, 3])
# Absolute loss. d = |a| − |b|:
#   a = [-4, 0, 3, -1, 5, 1], b = [1, 1, -1, 1, -1, 3]
#   d = [3, -1, 2, 0, 4, -2], n = 6, mean 1, centred c = [2, -2, 1, -1, 3, -3]
#   n·γ0 = 4+4+1+1+9+9 = 28
#   n·γ1 = (-2)(2) + (1)(-2) + (-1)(1) + (3)(-1) + (-3)(3) = -19
#   n·γ2 = (1)(2) + (-1)(-2) + (3)(1) + (-3)(-1) = 10
ABS_A = np.array([-4.0, 0, 3, -1, 5, 1])
ABS_B = np.array([1.0, 1, -1, 1, -1, 3])

# Var(mean d) = (γ0 + 2·Σ_{k=1}^{h-1} γk) / n; HLN factor sqrt((n + 1 − 2h + h(h−1)/n) / n).
#   h = 1: HLN² = (6 + 1 − 2 + 0) / 6 = 5/6
#   h = 3: HLN² = (6 + 1 − 6 + 3·2/6) / 6 = 2/6
HAND = {
    # (loss, h): statistic = mean / sqrt(Var) · HLN
    ("squared", 1): 1 / math.sqrt(70 / 36) * math.sqrt(5 / 6),  # = sqrt(3/7)
    ("squared", 3): 1 / math.sqrt((70 - 2 * 41 + 2 * 26) / 36) * math.sqrt(2 / 6),
    ("absolute", 1): 1 / math.sqrt(28 / 36) * math.sqrt(5 / 6),  # = sqrt(15/14)
    ("absolute", 3): 1 / math.sqrt((28 - 2 * 19 + 2 * 10) / 36) * math.sqrt(2 / 6),
}


@pytest.mark.parametrize(("loss", "horizon"), list(HAND))
def test_dm_matches_the_hand_computation(loss: str, horizon: int) -> None:
    a, b = (SQ_A, SQ_B) if loss == "squared" else (ABS_A, ABS_B)
    dm = diebold_mariano(a, b, horizon=horizon, loss=loss)  # type: ignore[arg-type]
    expected = HAND[(loss, horizon)]
    assert dm.statistic == pytest.approx(expected, rel=1e-12)
    assert dm.n == 6
    assert dm.loss == loss
    # A has the larger loss (mean d = 1 > 0): "worse" is the upper tail of t(n − 1).
    assert dm.p_worse == pytest.approx(stats.t.sf(expected, df=5), rel=1e-12)
    assert dm.p_better == pytest.approx(stats.t.cdf(expected, df=5), rel=1e-12)
    assert dm.p_two_sided == pytest.approx(2 * stats.t.sf(expected, df=5), rel=1e-12)


def test_dm_worked_values_at_a_glance() -> None:
    # The same numbers as decimals, so a reader can check them with a pocket calculator.
    assert HAND[("squared", 1)] == pytest.approx(0.654654, abs=1e-6)
    assert HAND[("squared", 3)] == pytest.approx(0.547723, abs=1e-6)  # 6 / sqrt(120)
    assert HAND[("absolute", 1)] == pytest.approx(1.035098, abs=1e-6)
    assert HAND[("absolute", 3)] == pytest.approx(1.095445, abs=1e-6)  # 6 / sqrt(30)


def dm_written_out(a: np.ndarray, b: np.ndarray, h: int, loss: str) -> tuple[float, float]:
    """A second implementation, term by term, in plain Python loops: (statistic, p_better)."""
    if loss == "squared":
        d = [x * x - y * y for x, y in zip(a, b, strict=True)]
    else:
        d = [abs(x) - abs(y) for x, y in zip(a, b, strict=True)]
    n = len(d)
    mean = sum(d) / n

    def autocovariance(k: int) -> float:
        return sum((d[t] - mean) * (d[t - k] - mean) for t in range(k, n)) / n

    long_run = autocovariance(0) + sum(2 * autocovariance(k) for k in range(1, h))
    dm = mean / math.sqrt(long_run / n)
    statistic = dm * math.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    return statistic, float(stats.t.cdf(statistic, df=n - 1))


@pytest.mark.parametrize("loss", ["squared", "absolute"])
@pytest.mark.parametrize("horizon", [1, 3, 5])
def test_dm_agrees_with_a_written_out_second_implementation(loss: str, horizon: int) -> None:
    rng = np.random.default_rng(horizon)
    # Overlapping h-step errors: an MA(h−1) process, the case the autocovariances are for.
    shock = rng.normal(0, 1, 250 + horizon - 1)
    a = np.convolve(shock, np.ones(horizon), "valid") + rng.normal(0, 0.3, 250)
    b = a + rng.normal(0.05, 0.8, 250)
    statistic, p_better = dm_written_out(a, b, horizon, loss)
    dm = diebold_mariano(a, b, horizon=horizon, loss=loss)  # type: ignore[arg-type]
    assert dm.statistic == pytest.approx(statistic, rel=1e-9)
    assert dm.p_better == pytest.approx(p_better, rel=1e-9)


def test_squared_and_absolute_loss_are_different_tests() -> None:
    # Same errors, different losses: a large miss counts more under squared loss.
    a, b = np.array([0.0, 0.0, 0.0, 3.0, 0.1]), np.array([1.0, 1.0, 1.0, 0.5, 0.2])
    sq, ab = (diebold_mariano(a, b, loss=loss) for loss in ("squared", "absolute"))
    assert sq.statistic == pytest.approx(dm_written_out(a, b, 1, "squared")[0])
    assert ab.statistic == pytest.approx(dm_written_out(a, b, 1, "absolute")[0])
    assert sq.statistic > 0 > ab.statistic  # worse in squared loss, better in absolute


# Directions, worked by hand. Ten sessions with a move in both series (prev = 100):
#   actual up:    1 1 1 1 1 1 0 0 0 0   → P(actual up) = 0.6
#   predicted up: 1 1 1 1 1 0 0 0 0 1   → P(predicted up) = 0.6
#   hits: 5 + 3 = 8 of 10
# plus one session where the price did not move and one where the forecast did not: both
# carry no direction and are left out.
UP_ACTUAL = [1, 1, 1, 1, 1, 1, 0, 0, 0, 0]
UP_PRED = [1, 1, 1, 1, 1, 0, 0, 0, 0, 1]


def _direction_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    prev = np.full(12, 100.0)
    actual = np.array([101.0 if u else 99.0 for u in UP_ACTUAL] + [100.0, 102.0])
    pred = np.array([100.5 if u else 99.5 for u in UP_PRED] + [101.0, 100.0])
    return actual, pred, prev


def test_binomial_matches_the_exact_tail() -> None:
    out = direction_binomial(*_direction_arrays())
    # P(X ≥ 8 | n = 10, p = ½) = (C(10,8) + C(10,9) + C(10,10)) / 2¹⁰ = (45 + 10 + 1) / 1024
    assert (out.n, out.hits) == (10, 8)
    assert out.accuracy == pytest.approx(0.8)
    assert out.p_value == pytest.approx(56 / 1024, rel=1e-12)


def test_pesaran_timmermann_matches_the_worked_value() -> None:
    out = pesaran_timmermann(*_direction_arrays())
    # P* = 0.6·0.6 + 0.4·0.4 = 0.52
    # Var(P̂)  = 0.52·0.48 / 10 = 0.02496
    # Var(P*) = 0.2²·0.24/10 + 0.2²·0.24/10 + 4·0.36·0.16/100 = 0.004224
    # PT = (0.8 − 0.52) / sqrt(0.02496 − 0.004224) = 0.28 / 0.144
    expected = 0.28 / 0.144
    assert out.n == 10
    assert out.statistic == pytest.approx(expected, rel=1e-12)
    assert out.p_value == pytest.approx(0.5 * math.erfc(expected / math.sqrt(2)), rel=1e-12)
    assert out.p_value == pytest.approx(0.02592, abs=1e-5)


def _negative_long_run_variance() -> tuple[np.ndarray, np.ndarray]:
    """Errors whose absolute-loss differential repeats [+2, −1, −1] around a mean of 0.3:
    γ1 = γ2 ≈ −γ0/2, so γ0 + 2γ1 + 2γ2 < 0 at h = 3; model A's MAE is ~30 % above B's."""
    rng = np.random.default_rng(11)
    n = 300
    b = 1.0 + rng.exponential(0.5, n)  # |b| ≥ 1, so |a| = |b| + d stays positive
    pattern = np.tile([2.0, -1.0, -1.0], n // 3) * 0.3
    d = 0.3 * b.mean() + pattern + rng.normal(0.0, 0.02, n)
    return (b + d) * rng.choice([-1.0, 1.0], n), b * rng.choice([-1.0, 1.0], n)


def test_dm_with_a_negative_long_run_variance_falls_back_to_one_step_as_r_does() -> None:
    """R's forecast::dm.test warns "Variance is negative ... Proceeding with horizon h=1" and
    returns the h = 1 test; stockpred said "no test, p = 1" both ways."""
    a, b = _negative_long_run_variance()
    d = np.abs(a) - np.abs(b)
    c = d - d.mean()
    gammas = [float(c[k:] @ c[: len(c) - k]) / len(c) for k in range(3)]
    assert gammas[0] + 2 * gammas[1] + 2 * gammas[2] < 0  # the case, checked independently
    assert np.abs(a).mean() / np.abs(b).mean() > 1.25
    statistic, p_better = dm_written_out(a, b, 1, "absolute")
    dm = diebold_mariano(a, b, horizon=3, loss="absolute")
    assert dm.statistic == pytest.approx(statistic, rel=1e-9)
    assert dm.p_better == pytest.approx(p_better, rel=1e-9)
    assert dm.p_worse == pytest.approx(stats.t.sf(statistic, df=len(a) - 1), rel=1e-9)
    assert dm.p_worse < 1e-8  # A is worse, and the test says so
    assert dm.note is not None
    assert "h = 1" in dm.note
    assert "forecast::dm.test" in dm.note
    assert dm.to_dict()["note"] == dm.note
    assert diebold_mariano(a, b, horizon=1, loss="absolute").note is None


@pytest.mark.parametrize("where", ["a", "b"])
def test_a_nan_loss_is_refused_not_read_as_no_difference(where: str) -> None:
    a, b = np.array([1.0, 2.0, -1.0, 0.5]), np.array([0.5, 1.0, 1.0, 2.0])
    (a if where == "a" else b)[2] = np.nan
    with pytest.raises(
        ValueError, match=r"1 NaN or infinite forecast error\(s\) \(first at session 2 of 4\)"
    ):
        diebold_mariano(a, b)
