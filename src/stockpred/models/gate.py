"""The validation gate: use the network only where validation shows it beats tomorrow = today.

On real daily prices a network often carries its training span's drift into the test span
and ends up slightly *worse* than the random walk. Before any test session is seen, the
network's one-step forecasts on the validation span are compared with the naive forecast by
a one-sided Diebold–Mariano test with the verdict's loss. If they do not win at 5 %, the
forecast is the last price. If they do, the predicted move is shrunk toward zero by the
weight α ∈ [0, 1] that minimises the same loss on validation (α = 1 keeps the network as is).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

import numpy as np

from stockpred.stats import ALPHA, Loss, diebold_mariano


class GateDoc(TypedDict):
    """A gate as JSON (state.json, metrics.json): its fields and the sentence it says."""

    open: bool
    p_value: float
    alpha: float
    loss: str
    n: int
    sentence: str


@dataclass(frozen=True)
class Gate:
    """The gate's decision on validation and the share of the network's move that is kept."""

    open: bool  # the network beat naive on validation (one-sided DM, p < ALPHA)
    p_value: float  # DM p-value that the network's validation loss is below naive's
    alpha: float  # weight on the network's predicted move; 0 when the gate is shut
    loss: str  # "absolute" (MAE) or "squared" (MSE), the verdict's loss
    n: int  # validation sessions tested

    def apply(self, raw: np.ndarray, previous: np.ndarray) -> np.ndarray:
        """Forecasts with the network's predicted move from ``previous`` scaled by α."""
        return previous + self.alpha * (raw - previous)

    def sentence(self) -> str:
        """What the gate decided, in the words the terminal, report and metrics.json use."""
        if not self.open:
            return (
                "the network did not beat tomorrow = today on the validation span "
                f"(p = {self.p_value:.2g}); forecasting the last price"
            )
        return (
            f"the network beat tomorrow = today on the validation span (p = {self.p_value:.2g}); "
            f"the network's signal kept: {self.alpha:.0%}"
        )

    def to_dict(self) -> GateDoc:
        """JSON-ready form with its sentence, saved with the model and written to metrics.json
        (read back by ``artifacts.from_json(Gate, …)``, which skips the sentence)."""
        return GateDoc(
            open=self.open,
            p_value=self.p_value,
            alpha=self.alpha,
            loss=self.loss,
            n=self.n,
            sentence=self.sentence(),
        )


OPEN = Gate(True, 0.0, 1.0, "absolute", 0)  # no gate: the raw network (lstm_raw)


def fit_gate(raw: np.ndarray, previous: np.ndarray, actual: np.ndarray, loss: Loss) -> Gate:
    """Test the network's validation forecasts against naive; fit α only if they win.

    Examples
    --------
    >>> prev = np.full(200, 100.0); move = np.tile([1.0, -2.0, 0.5, -1.5], 50)
    >>> fit_gate(prev + 0.8 * move, prev, prev + move, "absolute").alpha
    1.0
    >>> fit_gate(prev - move, prev, prev + move, "absolute").open
    False
    """
    dm = diebold_mariano(raw - actual, previous - actual, loss=loss)
    if dm.p_better >= ALPHA:
        return Gate(False, dm.p_better, 0.0, loss, dm.n)
    return Gate(True, dm.p_better, shrinkage(raw, previous, actual, loss), loss, dm.n)


def shrinkage(raw: np.ndarray, previous: np.ndarray, actual: np.ndarray, loss: Loss) -> float:
    """The α ∈ [0, 1] minimising the loss of ``previous + α (raw − previous)`` against ``actual``.

    With ``d`` the predicted move and ``e`` the actual one, squared loss gives the clipped
    least-squares slope ``Σde / Σd²``; absolute loss ``Σ|d|·|e/d − α|`` is minimised by the
    ``|d|``-weighted median of ``e/d``. Both are exact, no search.
    """
    d, e = raw - previous, actual - previous
    moved = d != 0
    if not moved.any():
        return 0.0
    d, e = d[moved], e[moved]
    best = float(d @ e / (d @ d)) if loss == "squared" else _weighted_median(e / d, np.abs(d))
    return float(np.clip(best, 0.0, 1.0))


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The smallest value at which the cumulative weight reaches half the total."""
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, 0.5 * cumulative[-1])])
