"""One LSTM for a whole universe: windows pooled from every ticker, each on its own scale.

Every ticker is split at the same dates, the universe's calendar (``splits.universe_calendar``;
a per-ticker model of the same universe splits there too, so both are tested on exactly the
same days): no ticker's validation or test date is another's training date. Each ticker's
inputs and targets are standardised with statistics of its own training span only. A
window never crosses a split boundary or another ticker, because windows are cut per ticker
before they are pooled; shuffled batches then mix tickers. An optional learned ticker
embedding (``embed`` > 0) is appended to every time step's inputs.

For prediction, :meth:`GlobalForecaster.for_ticker` returns an ordinary fitted
``Forecaster`` view of one ticker, so forecasts, intervals and evaluation are the
single-ticker code; :meth:`GlobalForecaster.for_history` does the same for a ticker the
model never saw, scaled by that ticker's own training span, with the mean embedding.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from stockpred.artifacts import load_model, save_model
from stockpred.config import ForecastConfig
from stockpred.data.history import PriceHistory
from stockpred.evaluation.forecaster import Forecaster
from stockpred.evaluation.metrics import Evaluation
from stockpred.exceptions import ArtifactError, ConfigError
from stockpred.features import Dataset, Scaler
from stockpred.models.quantile import HEAD_PREFIX
from stockpred.network.numpy_lstm import Weights, lstm_forward
from stockpred.splits import chronological_split, universe_calendar
from stockpred.training.result import TrainResult

NAME = "global_lstm"
KIND = "global"
# Training windows a ticker contributes: the most recent of its training span. Pooling every
# window of 50 long histories gives 273k a epoch (17 s on a quiet core, 80 s on a busy one);
# the cap makes it 50k, 2.7 s an epoch on a quiet core (benchmarks/universe/README.md). None:
# every window that the config's own ``train_windows`` (a per-ticker model's cap) leaves.
RECENT_WINDOWS = 1000


class TickerView(Forecaster):
    """A Forecaster for one ticker of a global model: its scaler, its embedding, shared weights."""

    def __init__(self, config: ForecastConfig, embedding: np.ndarray | None) -> None:
        super().__init__(config)
        self.embedding_ = embedding

    def _outputs(self, x: np.ndarray) -> np.ndarray:
        if self.embedding_ is not None:
            tiled = np.broadcast_to(self.embedding_, (*x.shape[:2], len(self.embedding_)))
            x = np.concatenate([x, tiled.astype(np.float32)], axis=2)
        return self.scaler_.unscale_y(
            lstm_forward(self.weights_, self.config, x).astype(np.float64)
        )

    def save(self, path: str | Path) -> Path:  # pragma: no cover - the global folder is saved
        raise ConfigError("save the GlobalForecaster, not one ticker's view of it")


class GlobalForecaster:
    """fit(histories) → one network; for_ticker / for_history → per-ticker Forecasters."""

    name = NAME

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
        histories: dict[str, PriceHistory],
        *,
        progress: bool = False,
        calibrate: bool = True,
    ) -> GlobalForecaster:
        """Train on every ticker's training windows, early-stopped on their validation windows.

        ``calibrate=False`` leaves the per-ticker calibration (gate, intervals) to the caller,
        one :meth:`calibrated_view` a ticker and :meth:`add_view`: a universe spreads that
        work over its workers.
        """
        import torch

        from stockpred.training.loop import resolve_device, train_network
        from stockpred.universe.global_net import global_network

        cfg = self.config
        if cfg.ensemble > 1:
            raise ConfigError(
                f"the global model trains one network; ensemble={cfg.ensemble} is for "
                "per-ticker models"
            )
        # The universe's cutoffs, fixed into the config it saves (a no-op when a universe run
        # chose them already): one network must not early-stop on another ticker's test dates.
        calendar = universe_calendar([h.dates for h in histories.values()], cfg)
        cfg = self.config = calendar.config(cfg)
        self.tickers_ = list(histories)
        prepared = [self._scaled_view(histories[t]) for t in self.tickers_]
        parts = [self._ticker_windows(i, data) for i, (_, data) in enumerate(prepared)]
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
        self.views_: dict[str, TickerView] = {}
        if calibrate:  # the views scaled above, not built again
            for ticker, (view, _) in zip(self.tickers_, prepared, strict=True):
                self.views_[ticker] = self._calibrated(view, ticker, histories[ticker])
        return self

    def _scaled_view(self, history: PriceHistory) -> tuple[TickerView, Dataset]:
        """A view with the ticker's own split, training-span scaler, description and context,
        and the ticker's scaled windows (the same Dataset a per-ticker fit trains on)."""
        cfg = self.config
        split = chronological_split(history.dates, cfg)
        data = Dataset.build(history, cfg, split)
        view = TickerView(cfg, None)
        view.scaler_ = data.scaler
        view.split_ = split
        return view, data

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

    def _attach(self, view: TickerView, ticker: str | None) -> None:
        """Give a view the shared weights and its ticker's embedding (the mean if unseen)."""
        view.weights_ = self.weights_
        view.train_result_ = self.train_result_
        if self.embeddings_ is not None:
            index = {t: i for i, t in enumerate(self.tickers_)}.get(ticker or "")
            row = self.embeddings_.mean(0) if index is None else self.embeddings_[index]
            view.embedding_ = np.asarray(row, dtype=np.float32)

    def _check_fitted(self) -> None:
        if not hasattr(self, "weights_"):
            from stockpred.exceptions import NotFittedError

            raise NotFittedError("the global model is not fitted; call fit() or load() first")

    def for_ticker(self, ticker: str) -> Forecaster:
        """The fitted per-ticker view of a ticker the model was trained on."""
        self._check_fitted()
        if ticker.upper() not in self.views_:
            raise ConfigError(
                f"the global model was not trained on {ticker}; give its prices with --csv "
                f"to forecast it as an unseen ticker (trained on {', '.join(self.tickers_[:10])}"
                f"{' …' if len(self.tickers_) > 10 else ''})"
            )
        return self.views_[ticker.upper()]

    def for_history(self, history: PriceHistory) -> Forecaster:
        """A view for any ticker from its history alone: its own training-span scaling."""
        self._check_fitted()
        return self.calibrated_view(history.ticker, history)

    def calibrated_view(self, ticker: str, history: PriceHistory) -> TickerView:
        """``ticker``'s view: its scaler, embedding (the mean if unseen) and calibration."""
        return self._calibrated(self._scaled_view(history)[0], ticker, history)

    def _calibrated(self, view: TickerView, ticker: str, history: PriceHistory) -> TickerView:
        """``view`` (already scaled) with the shared weights, its embedding and calibration."""
        self._attach(view, ticker)
        view._calibrate(history, view.split_)
        return view

    @staticmethod
    def view_state(view: Forecaster) -> dict[str, Any]:
        """What a view adds to the shared network (sent back by a worker, saved): JSON, and
        its quantile head's arrays."""
        return {
            "scaler": view.scaler_.to_dict(),
            "meta": view.meta_,
            "calibration": view.calibration_to_dict(),
            "head": view.intervals_.tensors(""),
        }

    def add_view(self, ticker: str, state: dict[str, Any]) -> None:
        """Attach a view rebuilt from :meth:`view_state` (a worker's, or a saved one)."""
        view = TickerView(self.config, None)
        self._attach(view, ticker)
        view.future_sessions_ = None
        view.scaler_ = Scaler.from_dict(state["scaler"])
        view.calibration_from_dict(state["calibration"], state["meta"], state["head"], "")
        self.views_[ticker] = view

    def evaluate(self, history: PriceHistory) -> Evaluation:
        """The ticker's test span scored beside the baselines, as a per-ticker model is."""
        evaluation = self.for_ticker(history.ticker).evaluate(history)
        evaluation.table = evaluation.table.rename(index={"lstm": NAME})
        evaluation.predictions = evaluation.predictions.rename(columns={"lstm": NAME})
        return evaluation

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
                "forecast": self.config.model_dump(mode="json"),
            },
            "scaler.json": {t: v.scaler_.to_dict() for t, v in views.items()},
            "fingerprint.json": {t: v.meta_ for t, v in views.items()},
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
    def load(cls, path: str | Path) -> GlobalForecaster:
        """Rebuild from a global model folder (verified by its manifest)."""
        tensors, docs = load_model(Path(path))
        config = docs["config.json"]
        if config.get("kind") != KIND:
            raise ArtifactError(f"{path} holds a per-ticker model, not a global one")
        try:
            model = cls(
                ForecastConfig(**config["forecast"]), int(config["embed"]), config["recent_windows"]
            )
            model.tickers_ = list(config["tickers"])
            model.embeddings_ = tensors.pop("embedding.weight", None)
            model.weights_ = {k: v for k, v in tensors.items() if not k.startswith(HEAD_PREFIX)}
            model.train_result_ = TrainResult.from_dict(docs["state.json"]["train"])
            model.views_ = {}
            for t, calibration in docs["state.json"]["tickers"].items():
                state = {
                    "scaler": docs["scaler.json"][t],
                    "meta": docs["fingerprint.json"][t],
                    "calibration": calibration,
                    "head": _ticker_tensors(tensors, _head_prefix(t)),
                }
                model.add_view(t, state)
        except (KeyError, TypeError, ValueError) as exc:
            raise ArtifactError(
                f"global model folder {path} is inconsistent ({type(exc).__name__}); retrain it"
            ) from exc
        return model


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
        doc: dict[str, Any] = json.loads((Path(path) / "config.json").read_text())
    except (OSError, ValueError):
        return False
    return doc.get("kind") == KIND
