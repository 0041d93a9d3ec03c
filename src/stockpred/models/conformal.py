"""The split-conformal quantile: the one rank every calibrated interval uses.

For ``n`` exchangeable calibration scores and a new one, the ⌈(n + 1)·level⌉-th smallest
calibration score bounds the new score with probability at least ``level`` (Vovk et al.
2005; Lei et al. 2018). ``np.quantile`` interpolates at ``level·(n − 1)`` instead, a lower
rank: an 80 % interval from it holds about ``0.8·(n − 1)/(n + 1)`` of new sessions (0.75 at
n = 30). When the rank exceeds ``n``, no calibration score is large enough to carry the
guarantee, so the bound is infinite: an honest "too few validation sessions to say", where
capping the rank at ``n`` would quietly promise more coverage than it gives.
"""

from __future__ import annotations

import numpy as np


def conformal_rank(n: int, level: float) -> int:
    """⌈(n + 1)·level⌉: which smallest of ``n`` scores bounds a new one with ``level``."""
    # The small epsilon keeps an exact product (e.g. 10 × 0.8) from rounding up to 9.
    return int(np.ceil((n + 1) * level - 1e-9))


def conformal_quantile(scores: np.ndarray, level: float) -> np.ndarray:
    """The ⌈(n + 1)·level⌉-th smallest of ``scores`` along the last axis; +inf past ``n``."""
    n = scores.shape[-1]
    rank = conformal_rank(n, level)
    if rank > n:
        return np.full(scores.shape[:-1], np.inf)
    return np.partition(scores, rank - 1, axis=-1)[..., rank - 1]


def conformal_tails(scores: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper split-conformal bounds holding ``level`` of new scores between them.

    Each tail holds at most ``(1 − level)/2`` of new scores (the upper bound is the conformal
    quantile of the scores, the lower the negated one of their negation), so by the union
    bound the band holds at least ``level``; either may be infinite for a small ``n``.
    """
    upper = 1.0 - (1.0 - level) / 2.0
    return -conformal_quantile(-scores, upper), conformal_quantile(scores, upper)
