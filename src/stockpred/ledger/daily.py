"""One ticker's forecasts as of one session: the data cut there, a model no younger than it.

Models live in ``DIR/TICKER/<trained-through date>/``: a refit adds a folder and never
replaces one, so a model is only ever used on sessions at or after the last price it saw
(a replay of last year next to a nightly run cannot pick up tonight's model), and a killed
run finds the model it had made.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from stockpred.artifacts import MANIFEST, WEIGHTS
from stockpred.config import ForecastConfig
from stockpred.data.history import PriceHistory
from stockpred.evaluation.forecaster import Forecaster
from stockpred.exceptions import ArtifactError
from stockpred.ledger.table import PromiseRow
from stockpred.models.state import Promise

# Characters of the weights' sha256 that name a model in the ledger: 64 bits, no clash in
# any ledger a person keeps.
ID_LENGTH = 16


def cut(history: PriceHistory, as_of: pd.Timestamp) -> PriceHistory:
    """The history up to and including ``as_of``: all that a forecast made then may read."""
    return replace(history, frame=history.frame.loc[: pd.Timestamp(as_of)])


def model_id(folder: Path) -> str:
    """The model's name in the ledger: its weights' hash, from the folder's manifest.

    The weights, not the whole manifest: state.json records training wall-time, so two
    fits of the same data would otherwise differ in name while forecasting bit for bit alike.
    """
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        return str(manifest[WEIGHTS])[:ID_LENGTH]
    except (OSError, ValueError, KeyError) as exc:
        raise ArtifactError(f"{folder} has no readable {MANIFEST}; remove it to refit") from exc


def promise_of(fc: Forecaster, history: PriceHistory) -> Promise:
    """The fitted model's one-step record on its test span: MAE ÷ naive and coverage.

    The test span is the model's own (after validation, inside ``history``), so the
    promise uses nothing the model was not allowed to see when it was trained.
    """
    cfg = fc.config
    origins = history.observed_targets(np.arange(fc.split_.val_end - 1, len(history) - 1))
    if len(origins) == 0:
        return Promise(None, None, cfg.interval, 0)
    prices = history.prices
    point = fc.predict_origins(history, origins, 1)
    lower, upper = fc.intervals_.bounds(cfg.interval_method, point, prices, origins)
    actual, last = prices[origins + 1], prices[origins]
    naive = float(np.mean(np.abs(last - actual)))
    return Promise(
        float(np.mean(np.abs(point[:, 0] - actual))) / naive if naive else None,
        float(np.mean((lower[:, 0] <= actual) & (actual <= upper[:, 0]))),
        cfg.interval,
        len(origins),
    )


@dataclass
class Current:
    """A ticker's model in use: the forecaster, its ledger name and its promise."""

    forecaster: Forecaster
    model_id: str
    trained_through: pd.Timestamp

    def promise_row(self, ticker: str) -> PromiseRow:
        """The promise as a row of the ledger's ``promises`` table (a model saved without
        one promises nothing: no sessions tested)."""
        saved = self.forecaster.promise_
        promise = (
            Promise(None, None, self.forecaster.config.interval, 0) if saved is None else saved
        )
        return PromiseRow(
            self.model_id,
            ticker,
            self.trained_through,
            promise.mae_vs_naive,
            promise.coverage,
            promise.level,
            promise.n_test,
        )


class TickerModels:
    """A ticker's models in ``DIR/TICKER/``: the newest one trained on or before the
    session, reused while it is younger than ``refit_every`` sessions, else a refit."""

    def __init__(self, root: Path, ticker: str, config: ForecastConfig, refit_every: int):
        self.folder = Path(root) / ticker
        self.config = config
        self.refit_every = refit_every
        self.current: Current | None = None

    def for_session(self, history: PriceHistory) -> Current:
        """The model to forecast from after ``history``'s last session."""
        if self.current is None or not self._usable(self.current.trained_through, history):
            self.current = self._saved(history) or self._refit(history)
        return self.current

    def _usable(self, trained_through: pd.Timestamp, history: PriceHistory) -> bool:
        """Trained on nothing after the session, and fewer than ``refit_every`` sessions ago."""
        as_of = history.dates[-1]
        age = int(history.dates.searchsorted(as_of, side="right")) - int(
            history.dates.searchsorted(trained_through, side="right")
        )
        return trained_through <= as_of and age < self.refit_every

    def _saved(self, history: PriceHistory) -> Current | None:
        """The newest saved model usable for the session, if any (complete folders only)."""
        dates = sorted(
            (pd.Timestamp(p.name), p)
            for p in self.folder.glob("????-??-??")
            if (p / MANIFEST).is_file()
        )
        for trained_through, path in reversed(dates):
            if trained_through <= history.dates[-1]:
                if not self._usable(trained_through, history):
                    return None
                return Current(Forecaster.load(path), model_id(path), trained_through)
        return None

    def _refit(self, history: PriceHistory) -> Current:
        """Train on ``history`` (cut at the session), record the promise, save, name it."""
        fc = Forecaster(self.config, progress=False).fit(history)
        fc.promise_ = promise_of(fc, history)  # state.json's promise
        trained_through = history.dates[-1]
        path = fc.save(self.folder / str(trained_through.date()))
        return Current(fc, model_id(path), trained_through)


def forecast_rows(current: Current, history: PriceHistory, days: int) -> pd.DataFrame:
    """The next ``days`` sessions' forecasts made after ``history``'s last price, as ledger
    rows; the target dates come from the exchange calendar, so each is a session."""
    fc = current.forecaster
    table = fc.predict(history, days=days)
    return pd.DataFrame(
        {
            "ticker": history.ticker,
            "as_of": history.dates[-1],
            "model_id": current.model_id,
            "step": np.arange(1, days + 1, dtype=np.int32),
            "target_date": table.index.to_numpy(),
            "point": table["forecast"].to_numpy(),
            "lower": table["lower"].to_numpy(),
            "upper": table["upper"].to_numpy(),
            "level": fc.config.interval,
            "interval_method": fc.config.interval_method,
            "last_price": float(history.prices[-1]),
            "price_column": history.price_column,
        }
    )
