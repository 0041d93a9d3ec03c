"""One LSTM for a whole universe: windows pooled from every ticker, each on its own scale.

Every ticker is split at the same dates, the universe's calendar (``splits.universe_calendar``;
a per-ticker model of the same universe splits there too, so both are tested on exactly the
same days): no ticker's validation or test date is another's training date. Each ticker's
inputs and targets are standardised with statistics of its own training span only. A
window never crosses a split boundary or another ticker, because windows are cut per ticker
before they are pooled; shuffled batches then mix tickers. An optional learned ticker
embedding (``embed`` > 0) is appended to every time step's inputs.

:class:`GlobalLSTM` is a :class:`~stockpred.models.base.Model` like any other, fitted on
several series (or one). Each ticker it knows is an ordinary fitted ``LSTMForecaster`` built
from the shared weights (:meth:`GlobalLSTM.for_ticker`), so forecasts, intervals and
evaluation are the single-ticker code; :meth:`GlobalLSTM.for_history` does the same for a
ticker the model never saw, scaled by that ticker's own training span, with the mean
embedding.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from stockpred.artifacts import from_json, load_model, save_model, to_json
from stockpred.config import ForecastConfig
from stockpred.data.history import PriceHistory
from stockpred.exceptions import ArtifactError, ConfigError, NotFittedError
from stockpred.features import Dataset, Scaler
from stockpred.models.base import Estimator, Series
from stockpred.models.forecaster import LSTMForecaster
from stockpred.models.quantile import HEAD_PREFIX
from stockpred.models.state import Fingerprint, ViewState
from stockpred.network.numpy_lstm import Weights
from stockpred.splits import Calendar, Split, chronological_split, universe_calendar
from stockpred.training.result import TrainResult

if TYPE_CHECKING:
    from typing_extensions import Self

NAME = "global_lstm"
KIND = "global"
# Training windows a ticker contributes: the most recent of its training span. Pooling every
# window of 50 long histories gives 273k a epoch (17 s on a quiet core, 80 s on a busy one);
# the cap makes it 50k, 2.7 s an epoch on a quiet core (benchmarks/universe/README.md). None:
# every window that the config's own ``train_windows`` (a per-ticker model's cap) leaves.
RECENT_WINDOWS = 1000


class GlobalLSTM(Estimator):
    """fit(histories) → one network; for_ticker / for_history → per-ticker LSTMForecasters.

    ``config_`` is ``config`` with the universe's cutoffs fixed in, what every ticker of this
    fit is split with (``config`` itself is left as given, so ``new()`` refits from scratch).
    """

    name = NAME
    many_series: ClassVar[bool] = True

    def __init__(
        self,
        config: ForecastConfig | None = None,
        embed: int = 0,
        recent_windows: int | None = RECENT_WINDOWS,
    ) -> None:
        self.config = config or ForecastConfig()
        self.embed = embed
        self.recent_windows = recent_windows

    def fit(
        self,
        history: Series | Mapping[str, PriceHistory],
        split: Split | None = None,
        *,
        progress: bool = False,
        calibrate: bool = True,
    ) -> Self:
        """Train on every ticker's training windows, early-stopped on their validation windows.

        ``split`` splits a single history; several (a sequence, or a mapping's values: the
        tickers are the histories' own) are split at the universe's calendar.
        ``calibrate=False`` leaves the per-ticker calibration (gate, intervals) to the caller,
        one :meth:`calibrated_view` a ticker and :meth:`add_view`: a universe spreads that
        work over its workers.
        """
        import torch

        from stockpred.network.embedded import global_network
        from stockpred.training.loop import resolve_device, train_network

        if isinstance(history, Mapping):
            history = list(history.values())
        histories = [history] if isinstance(history, PriceHistory) else list(history)
        cfg = self.config
        if cfg.ensemble > 1:
            raise ConfigError(
                f"the global model trains one network; ensemble={cfg.ensemble} is for "
                "per-ticker models"
            )
        self.tickers_ = _tickers(histories)
        # One network must not early-stop on another ticker's test dates.
        self.config_, splits = self._calendar(histories, split)
        cfg = self.config_
        prepared = [Dataset.build(h, cfg, s) for h, s in zip(histories, splits, strict=True)]
        parts = [self._ticker_windows(i, data) for i, data in enumerate(prepared)]
        x_train, y_train, x_val, y_val = (np.concatenate([p[k] for p in parts]) for k in range(4))
        torch.manual_seed(cfg.seed)
        net = global_network(cfg, len(self.tickers_), self.embed)
        self.train_result_: TrainResult = train_network(
            net,
            (x_train, y_train, x_val, y_val),
            cfg,
            device=resolve_device(cfg.device),
            progress=progress,
        )
        state = {k: v.detach().cpu().numpy().copy() for k, v in net.state_dict().items()}
        self.embeddings_: np.ndarray | None = state.pop("embedding.weight", None)
        self.weights_: Weights = {k.removeprefix("net."): v for k, v in state.items()}
        self.views_: dict[str, LSTMForecaster] = {}
        if calibrate:  # the scalers fitted above, not built again
            for ticker, h, s, data in zip(self.tickers_, histories, splits, prepared, strict=True):
                self.views_[ticker] = self._view(ticker, data.scaler).calibrate(h, s)
        return self

    def _calendar(
        self, histories: list[PriceHistory], split: Split | None
    ) -> tuple[ForecastConfig, list[Split]]:
        """The config with the universe's cutoffs fixed in (a no-op when a universe run chose
        them already), and each history's split at them; a given ``split`` for one history."""
        cfg = self.config
        if split is None:
            cfg = universe_calendar([h.dates for h in histories], cfg).config(cfg)
            return cfg, [chronological_split(h.dates, cfg) for h in histories]
        if len(histories) != 1:
            raise ConfigError(
                f"a split holds one history's positions, not {len(histories)}'s; leave it "
                "out to split every ticker at the universe's calendar"
            )
        dates = histories[0].dates
        calendar = Calendar(dates[split.train_end], dates[min(split.val_end, len(dates) - 1)])
        return calendar.config(cfg), [split]

    def _ticker_windows(self, index: int, data: Dataset) -> list[np.ndarray]:
        """x_train, y_train, x_val, y_val of one ticker: its most recent training windows,
        all its validation windows, and its id as a last input column when embedding."""
        x_train, y_train = data.x_train, data.y_train
        if self.recent_windows is not None:
            x_train, y_train = x_train[-self.recent_windows :], y_train[-self.recent_windows :]
        out = []
        for x, y in ((x_train, y_train), (data.x_val, data.y_val)):
            if self.embed:  # the net turns this column into the ticker's embedding
                x = np.concatenate([x, np.full((*x.shape[:2], 1), index, np.float32)], axis=2)
            out += [x, y]
        return out

    def _view(self, ticker: str | None, scaler: Scaler) -> LSTMForecaster:
        """``ticker``'s model, not yet calibrated: the shared weights, its own scaler and its
        embedding (the mean embedding for a ticker the model never saw)."""
        embedding = None
        if self.embeddings_ is not None:
            index = {t: i for i, t in enumerate(self.tickers_)}.get(ticker or "")
            row = self.embeddings_.mean(0) if index is None else self.embeddings_[index]
            embedding = np.asarray(row, dtype=np.float32)
        return LSTMForecaster.from_network(
            self.config_, self.weights_, scaler, self.train_result_, embedding
        )

    def _check_fitted(self) -> None:
        if not hasattr(self, "weights_"):
            raise NotFittedError("the global model is not fitted; call fit() or load() first")

    def for_ticker(self, ticker: str) -> LSTMForecaster:
        """The fitted per-ticker model of a ticker the global model was trained on."""
        self._check_fitted()
        if ticker.upper() not in self.views_:
            raise ConfigError(
                f"the global model was not trained on {ticker}; give its prices with --csv "
                f"to forecast it as an unseen ticker (trained on {', '.join(self.tickers_[:10])}"
                f"{' …' if len(self.tickers_) > 10 else ''})"
            )
        return self.views_[ticker.upper()]

    def for_history(self, history: PriceHistory) -> LSTMForecaster:
        """A per-ticker model for any ticker from its history alone: its own training-span
        scaling."""
        self._check_fitted()
        return self.calibrated_view(history.ticker, history)

    def calibrated_view(self, ticker: str, history: PriceHistory) -> LSTMForecaster:
        """``ticker``'s model: its scaler, embedding (the mean if unseen) and calibration."""
        split = chronological_split(history.dates, self.config_)
        scaler = Dataset.build(history, self.config_, split).scaler
        return self._view(ticker, scaler).calibrate(history, split)

    def predict_origins(
        self, history: PriceHistory, origins: np.ndarray, horizon: int
    ) -> np.ndarray:
        """Price forecasts ``[n, horizon]`` of ``history``'s ticker (one the model knows)."""
        return self.for_ticker(history.ticker).predict_origins(history, origins, horizon)

    @staticmethod
    def view_state(view: LSTMForecaster) -> ViewState:
        """What a ticker's model adds to the shared network (sent back by a worker, saved)."""
        return ViewState(
            view.scaler_.to_dict(),
            view.meta_,
            view.calibration_to_dict(),
            view.intervals_.tensors(""),
        )

    def add_view(self, ticker: str, state: ViewState) -> None:
        """Attach a ticker's model rebuilt from :meth:`view_state` (a worker's, or saved)."""
        view = self._view(ticker, Scaler.from_dict(state.scaler))
        view.calibration_from_dict(state.calibration, state.meta, state.head, "")
        self.views_[ticker] = view

    # -------------------------------------------------------------- persistence
    def save(self, path: str | Path) -> Path:
        """One model folder for the universe: safetensors + JSON + manifest, no pickle."""
        self._check_fitted()
        tensors = dict(self.weights_)
        if self.embeddings_ is not None:
            tensors["embedding.weight"] = self.embeddings_
        views = self.views_
        for ticker, view in views.items():
            tensors |= view.intervals_.tensors(_head_prefix(ticker))
        documents = {
            "config.json": {
                "kind": KIND,
                "embed": self.embed,
                "recent_windows": self.recent_windows,
                "tickers": self.tickers_,
                "forecast": self.config_.model_dump(mode="json"),
            },
            "scaler.json": {t: v.scaler_.to_dict() for t, v in views.items()},
            "fingerprint.json": {t: to_json(v.meta_) for t, v in views.items()},
            "state.json": {
                "train": self.train_result_.to_dict(),
                # the tickers with a view: a ticker whose calibration failed has none
                "tickers": {t: v.calibration_to_dict() for t, v in views.items()},
            },
        }
        Path(path).mkdir(parents=True, exist_ok=True)
        save_model(Path(path), tensors, documents)
        return Path(path)

    @classmethod
    def load(cls, path: str | Path) -> Self:
        """Rebuild from a global model folder (verified by its manifest)."""
        tensors, docs = load_model(Path(path))
        config = docs["config.json"]
        if config.get("kind") != KIND:
            raise ArtifactError(f"{path} holds a per-ticker model, not a global one")
        try:
            model = cls(
                ForecastConfig(**config["forecast"]), int(config["embed"]), config["recent_windows"]
            )
            model.config_ = model.config  # saved with the universe's cutoffs fixed in
            model.tickers_ = list(config["tickers"])
            model.embeddings_ = tensors.pop("embedding.weight", None)
            model.weights_ = {k: v for k, v in tensors.items() if not k.startswith(HEAD_PREFIX)}
            model.train_result_ = TrainResult.from_dict(docs["state.json"]["train"])
            model.views_ = {}
            for t, calibration in docs["state.json"]["tickers"].items():
                state = ViewState(
                    docs["scaler.json"][t],
                    from_json(Fingerprint, docs["fingerprint.json"][t]),
                    calibration,
                    _ticker_tensors(tensors, _head_prefix(t)),
                )
                model.add_view(t, state)
        except (KeyError, TypeError, ValueError) as exc:
            raise ArtifactError(
                f"global model folder {path} is inconsistent ({type(exc).__name__}); retrain it"
            ) from exc
        return model


def _tickers(histories: list[PriceHistory]) -> list[str]:
    """Each history's ticker, in order; a ticker given twice refused in one line."""
    tickers = [h.ticker for h in histories]
    twice = sorted(t for t, n in Counter(tickers).items() if n > 1)
    if twice:
        raise ConfigError(f"the global model got {twice[0]} twice; give each ticker once")
    return tickers


def _head_prefix(ticker: str) -> str:
    """Where a ticker's quantile head sits in the global model's safetensors file."""
    return f"{HEAD_PREFIX}{ticker}."


def _ticker_tensors(tensors: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """The arrays under ``prefix``, named without it."""
    return {k.removeprefix(prefix): v for k, v in tensors.items() if k.startswith(prefix)}


def is_global_model(path: Path) -> bool:
    """True when ``path`` holds a global model folder (read without verifying it)."""
    import json

    try:
        doc = json.loads((Path(path) / "config.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and doc.get("kind") == KIND
