"""The quantile head: a second small network that predicts how far tomorrow's price may move.

Conformalized quantile regression (Romano, Patterson & Candès 2019): a network trained
with the pinball loss predicts the lower and upper quantile of the next log-return, and
split-conformal calibration on sessions it never saw stretches its band until it holds
the wanted share of them. The network here is scale-free: its inputs are the last
``window`` log-returns divided by the EWMA volatility at the origin, and its outputs are
the two quantiles in units of that volatility, so the band's level follows the current
volatility and the network learns only its shape (how a recent shock, a run of calm days
or a drop should widen or tilt it). Prediction is numpy: no torch is needed to use it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from stockpred.models.conformal import conformal_quantile

# Inputs are returns in units of the current volatility; a crash can be 20 of them, which a
# 16-unit network fitted on ordinary days would extrapolate wildly. Clipped at 10.
CLIP = 10.0
# Where the quantile head's arrays sit in a model's safetensors file.
HEAD_PREFIX = "quantile_head."
# Safetensors names of the head's arrays (after the model folder's own prefix).
LAYERS = ("0.weight", "0.bias", "2.weight", "2.bias")


def head_inputs(
    prices: np.ndarray, origins: np.ndarray, window: int, variances: np.ndarray
) -> np.ndarray:
    """``[n, window]``: the log-returns up to each origin divided by its volatility.

    ``variances[t]`` is the one-step variance forecast made at session ``t`` (EWMA); returns
    before the first price count as 0.
    """
    returns = np.concatenate([np.zeros(window), np.diff(np.log(prices))])
    # Row t of the view ends at the return into session t (padding shifts it by window - 1).
    recent = sliding_window_view(returns, window)[origins]
    scaled = recent / np.sqrt(variances[origins])[:, None]
    return np.clip(scaled, -CLIP, CLIP)


@dataclass(frozen=True)
class QuantileHead:
    """Linear → ReLU → linear, ``window`` inputs to the log-sizes of the two quantiles."""

    weights: dict[str, np.ndarray]

    @property
    def window(self) -> int:
        """Returns the head reads before each origin."""
        return int(self.weights["0.weight"].shape[1])

    @classmethod
    def fit(
        cls, x: np.ndarray, z: np.ndarray, level: float, *, seed: int, threads: int = 1
    ) -> QuantileHead:
        """Pinball-loss fit of the ``(1 ± level) / 2`` quantiles of ``z`` (returns ÷ volatility).

        The last fifth of the rows (the end of the training span) only stops the fit early;
        no session after them is read, so the validation span is left for calibration.
        """
        from stockpred.training.quantile import train_quantile_head

        tail = (1.0 - level) / 2.0
        return cls(train_quantile_head(x, z, (tail, 1.0 - tail), seed=seed, threads=threads))

    def quantiles(self, x: np.ndarray) -> np.ndarray:
        """``[n, 2]`` lower (negative) and upper (positive) quantile, in volatility units."""
        w = {k: v.astype(np.float64) for k, v in self.weights.items()}
        hidden = np.maximum(x @ w["0.weight"].T + w["0.bias"], 0.0)
        sizes = np.exp(np.clip(hidden @ w["2.weight"].T + w["2.bias"], -20.0, 20.0))
        return np.stack([-sizes[:, 0], sizes[:, 1]], axis=1)

    def tensors(self, prefix: str) -> dict[str, np.ndarray]:
        """The arrays under ``prefix`` for a safetensors file."""
        return {prefix + name: self.weights[name] for name in LAYERS}

    @classmethod
    def from_tensors(cls, tensors: dict[str, np.ndarray], prefix: str) -> QuantileHead:
        """Inverse of :meth:`tensors` (a missing array is a KeyError: an inconsistent folder)."""
        return cls({name: tensors[prefix + name] for name in LAYERS})


def conformal_factor(errors: np.ndarray, quantiles: np.ndarray, level: float) -> float:
    """How far the head's band must be stretched to hold ``level`` of the calibration errors.

    Each session's score is the smallest stretch of its band ``[q_lo, q_hi]`` (around zero,
    q_lo < 0 < q_hi) that holds its log error; the ⌈(n + 1)·level⌉-th smallest score is the
    split-conformal quantile, valid for a new exchangeable session whatever the head learned.
    """
    scores = np.maximum(errors / quantiles[:, 1], errors / quantiles[:, 0])
    return float(conformal_quantile(scores, level))
