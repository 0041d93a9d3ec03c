"""Is a forecast better than another, or right about direction, by more than luck?

A leaf: it imports nothing of stockpred, so models (the gate) and evaluation both use it.

Diebold–Mariano with the Harvey–Leybourne–Newbold small-sample correction compares two
forecasts' losses on the same sessions; the binomial and Pesaran–Timmermann tests ask
whether predicted directions beat a coin and beat chance given how often prices rise; MASE's
naive scale and the √step interval rule are here too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Literal

import numpy as np

ALPHA = 0.05
Loss = Literal["squared", "absolute"]


@dataclass(frozen=True)
class DMResult:
    """Diebold–Mariano test of model A against model B; negative statistic: A has lower loss."""

    statistic: float | None
    p_better: float  # one-sided: A's expected loss is below B's
    p_worse: float  # one-sided: A's expected loss is above B's
    n: int
    loss: str
    note: str | None = None  # set when the test fell back to h = 1 (a negative variance)

    @property
    def p_two_sided(self) -> float:
        """Either direction."""
        return min(1.0, 2.0 * min(self.p_better, self.p_worse))

    def to_dict(self) -> dict[str, float | str | None]:
        """JSON-ready form: the fields, then the two-sided p-value."""
        return {**asdict(self), "p_two_sided": self.p_two_sided}


# Below this a variance is zero: identical losses, or rounding of them.
TINY = 1e-300


def diebold_mariano(
    errors_a: np.ndarray, errors_b: np.ndarray, horizon: int = 1, loss: Loss = "squared"
) -> DMResult:
    """DM test with HLN correction; ``horizon``-step forecasts have autocorrelated losses.

    The long-run variance of the loss differential uses autocovariances up to lag
    ``horizon - 1``; the statistic is scaled by the HLN factor and read off Student's t
    with ``n - 1`` degrees of freedom. Identical losses give no test: p = 1 both ways.
    Where the autocovariances make the long-run variance negative (h > 1), the test is
    run at h = 1 and says so in ``note``, as R's ``forecast::dm.test`` does (it warns
    "Variance is negative ... Proceeding with horizon h=1"): "no test" there once hid a
    model 30 % worse than naive. A NaN or infinite error is refused, never dropped.
    """
    from scipy import stats  # lazily: importing scipy.stats costs ~1 s

    a, b = np.asarray(errors_a, float), np.asarray(errors_b, float)
    _check_finite(a, b)
    d = a**2 - b**2 if loss == "squared" else np.abs(a) - np.abs(b)
    n = len(d)
    centred = d - d.mean()
    gamma = [centred[k:] @ centred[: n - k] / n for k in range(min(horizon, n))]
    variance = (gamma[0] + 2.0 * sum(gamma[1:])) / n if n > 1 else 0.0
    if not variance > TINY:
        if horizon > 1 and n > 1 and gamma[0] / n > TINY:
            note = (
                f"the long-run variance at h = {horizon} was negative; "
                "tested at h = 1, as R's forecast::dm.test does"
            )
            return replace(diebold_mariano(a, b, 1, loss), note=note)
        return DMResult(None, 1.0, 1.0, n, loss)
    hln = np.sqrt((n + 1 - 2 * horizon + horizon * (horizon - 1) / n) / n)
    statistic = float(d.mean() / np.sqrt(variance) * hln)
    return DMResult(
        statistic,
        float(stats.t.cdf(statistic, df=n - 1)),
        float(stats.t.sf(statistic, df=n - 1)),
        n,
        loss,
    )


def _check_finite(a: np.ndarray, b: np.ndarray) -> None:
    """A NaN loss would make every p-value 1 without a word: refuse it, saying where."""
    bad = ~(np.isfinite(a) & np.isfinite(b))
    if bad.any():
        where = np.flatnonzero(bad)
        raise ValueError(
            f"the Diebold–Mariano test got {len(where)} NaN or infinite forecast error(s) "
            f"(first at session {where[0]} of {len(a)}): a forecast or price is missing there"
        )


def directions(
    actual: np.ndarray, pred: np.ndarray, prev: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Actual and predicted up-moves on sessions where both moved (flat days carry no sign).

    The one set of sessions every directional figure reads: the directional accuracy of the
    tables (``metrics.directional_accuracy``) and the binomial and Pesaran–Timmermann tests.
    """
    up_actual, up_pred = actual - prev, pred - prev
    keep = (up_actual != 0) & (up_pred != 0)
    return up_actual[keep] > 0, up_pred[keep] > 0


@dataclass(frozen=True)
class BinomialTest:
    """Directional accuracy against a coin: right signs of ``n`` sessions, one-sided p-value."""

    n: int
    hits: int
    accuracy: float | None  # None when no session moved both ways
    p_value: float | None


@dataclass(frozen=True)
class DirectionTest:
    """Pesaran–Timmermann: are predicted and actual directions dependent? (one-sided)."""

    n: int
    statistic: float | None  # None when the forecast never changes sign
    p_value: float | None


def direction_binomial(actual: np.ndarray, pred: np.ndarray, prev: np.ndarray) -> BinomialTest:
    """Binomial test of directional accuracy against a coin (one-sided: better than 50%)."""
    from scipy import stats  # lazily: importing scipy.stats costs ~1 s

    up_actual, up_pred = directions(actual, pred, prev)
    n, hits = len(up_actual), int(np.sum(up_actual == up_pred))
    if n == 0:
        return BinomialTest(0, 0, None, None)
    test = stats.binomtest(hits, n, 0.5, alternative="greater")
    return BinomialTest(n, hits, hits / n, float(test.pvalue))


def pesaran_timmermann(actual: np.ndarray, pred: np.ndarray, prev: np.ndarray) -> DirectionTest:
    """Pesaran–Timmermann test: are predicted and actual directions dependent (one-sided)?

    Unlike the binomial test it allows for drift: always saying "up" in a rising market
    scores well against a coin but not here. ``None`` when the forecast never changes sign.
    """
    from scipy import stats  # lazily: importing scipy.stats costs ~1 s

    up_actual, up_pred = directions(actual, pred, prev)
    n = len(up_actual)
    if n == 0:
        return DirectionTest(0, None, None)
    hit = float(np.mean(up_actual == up_pred))
    py, px = float(up_actual.mean()), float(up_pred.mean())
    expected = py * px + (1 - py) * (1 - px)
    var_hit = expected * (1 - expected) / n
    var_expected = (
        (2 * py - 1) ** 2 * px * (1 - px) / n
        + (2 * px - 1) ** 2 * py * (1 - py) / n
        + 4 * py * px * (1 - py) * (1 - px) / n**2
    )
    if not var_hit - var_expected > 0:
        return DirectionTest(n, None, None)
    statistic = (hit - expected) / np.sqrt(var_hit - var_expected)
    return DirectionTest(n, float(statistic), float(stats.norm.sf(statistic)))


def naive_scale(prices: np.ndarray, train_end: int) -> float:
    """In-sample one-step naive MAE on the training span: MASE's denominator."""
    return float(np.mean(np.abs(np.diff(prices[:train_end]))))


def interval_bounds(
    point: np.ndarray, quantiles: list[float], steps: np.ndarray | int
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds around ``point`` forecasts ``steps`` sessions ahead.

    ``quantiles`` are the one-step log-error quantiles (split-conformal, from validation);
    they widen with √step, as a random walk's spread does.
    """
    widen = np.sqrt(steps)
    return point * np.exp(quantiles[0] * widen), point * np.exp(quantiles[1] * widen)
