"""What a fitted model keeps beside its weights, typed: where its prices came from, its
calibrated state, its promise. Written and read by ``artifacts.to_json``/``from_json``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from stockpred.models.volatility import ScaleStartDoc
from stockpred.stats import naive_scale

if TYPE_CHECKING:
    import numpy as np

    from stockpred.data.history import PriceHistory
    from stockpred.models.gate import GateDoc
    from stockpred.splits import Split

# A context's columns by name (dates as ISO strings, prices and inputs as floats).
ContextColumns = dict[str, list[str] | list[float]]


@dataclass(frozen=True)
class Fingerprint:
    """fingerprint.json: where the prices came from, the spans, a hash of the training span."""

    ticker: str
    source: str
    path: str | None
    exchange: str
    price_column: str
    first_date: str
    train_end_date: str
    val_end_date: str
    last_date: str
    n_sessions: int
    train_sha256: str
    naive_mae_train: float


def describe(history: PriceHistory, split: Split) -> Fingerprint:
    """The fingerprint of a model fitted on ``history`` with ``split``."""
    dates = history.dates
    return Fingerprint(
        ticker=history.ticker,
        source=history.source,
        path=history.path,
        exchange=history.exchange,
        price_column=history.price_column,
        first_date=str(dates[0].date()),
        train_end_date=str(dates[split.train_end - 1].date()),
        val_end_date=str(dates[split.val_end - 1].date()),
        last_date=str(dates[-1].date()),
        n_sessions=len(dates),
        train_sha256=history.fingerprint(split.train_end),
        naive_mae_train=naive_scale(history.prices, split.train_end),
    )


@dataclass(frozen=True)
class Promise:
    """A model's one-step record on its test span, kept in its state.json (``promise``)."""

    mae_vs_naive: float | None  # None when no session of the test span has a real price
    coverage: float | None
    level: float  # the intervals' nominal coverage
    n_test: int


class CalibrationState(ScaleStartDoc):
    """state.json's calibrated part (a global model's, per ticker): split, intervals, gate and
    the context, with the scales' variances at the context's first session."""

    split: dict[str, int]
    intervals: dict[str, Any]  # one flat object, its keys set by the fitted interval methods
    gate: GateDoc
    context: ContextColumns


@dataclass(frozen=True)
class ViewState:
    """What a global model's ticker adds to the shared network (sent back by a worker, saved):
    its scaler, fingerprint and calibration as JSON, and its quantile head's arrays."""

    scaler: dict[str, list[float]]
    meta: Fingerprint
    calibration: CalibrationState
    head: dict[str, np.ndarray]
