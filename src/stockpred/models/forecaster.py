"""The LSTM as a model: fit, predict, save, load.

The estimator users call, ``stockpred.Forecaster`` (evaluation/forecaster.py), is this
model with its evaluation attached; models sit below evaluation, so nothing here scores.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from stockpred.artifacts import from_json, load_model, save_model, to_json
from stockpred.config import ForecastConfig
from stockpred.data.calendar import next_sessions, sessions_after
from stockpred.data.history import PriceHistory, as_history
from stockpred.exceptions import ArtifactError, ConfigError, DataError, NotFittedError
from stockpred.features import Dataset, Scaler, input_signals, to_prices, windows
from stockpred.models.base import LSTM, LSTM_RAW, Estimator, Model, Series, blas_threads, fit_data
from stockpred.models.baselines import default_baselines
from stockpred.models.context import context_from_dict, context_of, context_to_dict
from stockpred.models.gate import Gate, fit_gate
from stockpred.models.intervals import Calibration, IntervalModel
from stockpred.models.quantile import HEAD_PREFIX
from stockpred.models.state import CalibrationState, Fingerprint, Promise, describe
from stockpred.models.volatility import ScaleStart
from stockpred.network.numpy_lstm import Weights, check_weights, ensemble_forward, members
from stockpred.splits import Split, chronological_split
from stockpred.training.result import TrainResult

if TYPE_CHECKING:
    from torch import nn
    from typing_extensions import Self

# Trading sessions after the last price saved with a model: a year covers any --days (max 250).
CACHED_SESSIONS = 250
# Where a global model's ticker embedding sits among a saved ticker model's arrays.
EMBEDDING = "ticker_embedding"
# Windows per numpy forward pass: bounds memory (a 60×64 two-layer pass holds ~64 kB a window).
PREDICT_CHUNK = 2048


class LSTMForecaster(Estimator):
    """An LSTM price forecaster that follows the scikit-learn estimator contract.

    ``__init__`` only stores the config; learned state ends in ``_``; ``predict`` refuses
    to run before ``fit`` (or ``load``).
    """

    name = LSTM
    companion_names = (LSTM_RAW,)  # scored beside it: the network alone (``companions``)

    def __init__(self, config: ForecastConfig | None = None, *, progress: bool = True) -> None:
        self.config = config or ForecastConfig()
        self.progress = progress

    # ------------------------------------------------------------------ fitting
    def fit(
        self,
        prices: Series | pd.DataFrame,
        split: Split | None = None,
        *,
        progress: bool | None = None,
    ) -> Self:
        """Train on the training span with early stopping on validation; returns ``self``.

        The data flows one way: history → dataset (scaled windows of the split) → training →
        numpy weights; the validation errors of those weights then set the interval.
        """
        series = as_history(prices) if isinstance(prices, pd.DataFrame) else prices
        history, split = fit_data(series, split, self.name, self.config)
        with blas_threads(self.config.threads):
            self._fit_network(history, split, self.progress if progress is None else progress)
            self.calibrate(history, split)
        return self

    @classmethod
    def from_network(
        cls,
        config: ForecastConfig,
        weights: Weights,
        scaler: Scaler,
        train_result: TrainResult,
        embedding: np.ndarray | None = None,
    ) -> Self:
        """A model of trained weights, to :meth:`calibrate` next: one ticker of a global
        model (its ``embedding`` appended to every step's inputs), or an ensemble's subset."""
        model = cls(config, progress=False)
        model.weights_, model.scaler_, model.train_result_ = weights, scaler, train_result
        model.embedding_ = embedding
        model.future_sessions_, model.promise_ = None, None
        return model

    def fit_gate(self, prices: PriceHistory | pd.DataFrame, split: Split | None = None) -> Gate:
        """Train, then decide the gate and nothing else: what benchmarks/gate_noise/gate_noise.py measures."""
        history = as_history(prices)
        split = split or chronological_split(history.dates, self.config)
        with blas_threads(self.config.threads):
            self._fit_network(history, split, False)
            self.gate_ = self._validation_gate(history, split)[0]
        return self.gate_

    def _fit_network(self, history: PriceHistory, split: Split, show: bool) -> None:
        """The network's weights, trained on the training span, early-stopped on validation."""
        from stockpred.training.loop import fit_weights  # only training needs torch

        data = Dataset.build(history, self.config, split)
        self.weights_, self.train_result_ = fit_weights(data, self.config, progress=show)
        self.scaler_ = data.scaler
        self.embedding_: np.ndarray | None = None  # its own network: no ticker embedding

    def calibrate(self, history: PriceHistory, split: Split) -> Self:
        """What is fitted after the weights, from the validation span: gate, intervals, context.

        Separate from ``fit`` so a global model's tickers calibrate the same way.
        """
        self.split_ = split
        self.meta_: Fingerprint = describe(history, split)
        self.gate_, origins, raw, last = self._validation_gate(history, split)
        point = self.gate_.apply(raw, last)[:, 0]
        self.intervals_ = self._fit_intervals(history, split, origins, point)
        self.context_ = context_of(history, self.config.window)
        # The scales' variances at the context's first session: predict() from the context
        # alone then gives the interval the whole history gives.
        first = len(history) - len(self.context_)
        self.context_start_ = self.intervals_.start_at(history.prices, first)
        # Filled by save(), not here: a backtest fits many times and predicts from none of them.
        self.future_sessions_: pd.DatetimeIndex | None = None
        # What the model promised on its test span (set by the ledger); saved with it.
        self.promise_: Promise | None = None
        return self

    def _validation_gate(
        self, history: PriceHistory, split: Split
    ) -> tuple[Gate, np.ndarray, np.ndarray, np.ndarray]:
        """The gate and the validation origins, raw forecasts and last prices it tested."""
        origins = np.arange(max(split.train_end - 1, self.config.window), split.val_end - 1)
        raw = self.predict_origins(history, origins, 1, raw=True)
        last = history.prices[origins][:, None]
        gate = fit_gate(raw[:, 0], last[:, 0], history.prices[origins + 1], self.config.dm_loss)
        return gate, origins, raw, last

    def calibration_to_dict(self) -> CalibrationState:
        """The calibrated state (split, intervals, gate, context) as JSON, for state.json;
        the quantile head's arrays are in :meth:`IntervalModel.tensors`."""
        return CalibrationState(
            split=self.split_.to_dict(),
            intervals=self.intervals_.to_dict(),
            **self.context_start_.to_dict(),
            gate=self.gate_.to_dict(),
            context=context_to_dict(self.context_),
        )

    def calibration_from_dict(
        self,
        state: CalibrationState,
        meta: Fingerprint,
        tensors: dict[str, np.ndarray],
        head_prefix: str = HEAD_PREFIX,
    ) -> None:
        """Restore what ``calibration_to_dict`` wrote (``meta`` is the fingerprint.json;
        ``tensors`` hold the quantile head's arrays under ``head_prefix``)."""
        self.meta_ = meta
        self.split_ = Split(**state["split"])
        self.intervals_ = IntervalModel.from_dict(state["intervals"], tensors, head_prefix)
        self.context_start_ = ScaleStart.from_dict(state)
        self.gate_ = from_json(Gate, state["gate"])
        self.context_ = context_from_dict(state["context"], meta)

    def _fit_intervals(
        self, history: PriceHistory, split: Split, origins: np.ndarray, point: np.ndarray
    ) -> IntervalModel:
        """Fit the configured interval method and the constant one (every method with
        ``compare_intervals``) on the training span, calibrated on one-step log errors of the
        validation span (real prices only): ``point`` holds the forecasts at ``origins``."""
        cfg, prices = self.config, history.prices
        real = np.isin(origins, history.observed_targets(origins))
        origins = origins[real]
        errors = np.log(prices[origins + 1] / point[real])
        data = Calibration(
            cfg.interval,
            prices,
            split.train_end,
            origins,
            errors,
            history.observed_targets(np.arange(cfg.window, split.train_end - 1)),
            cfg.window,
            cfg.seed,
            cfg.threads,
        )
        return IntervalModel.fit(data, cfg.interval_method, compare=cfg.compare_intervals)

    @property
    def residual_quantiles_(self) -> list[float]:
        """The constant (split-conformal) interval's one-step log-error quantiles."""
        return list(self.intervals_.constant_band)

    def _check_fitted(self) -> None:
        if not hasattr(self, "weights_"):
            raise NotFittedError(
                "the forecaster is not fitted; call fit() or Forecaster.load() first"
            )

    # --------------------------------------------------------------- prediction
    def predict_origins(
        self, history: PriceHistory, origins: np.ndarray, horizon: int, *, raw: bool = False
    ) -> np.ndarray:
        """Price forecasts ``[n, horizon]`` made at each origin, in one batched pass.

        The validation gate and shrinkage apply unless ``raw`` (the network alone).
        """
        self._check_fitted()
        cfg = self.config
        if horizon > cfg.horizon:
            raise ConfigError(f"the model predicts {cfg.horizon} step(s) ahead, not {horizon}")
        signals = self.scaler_.scale_x(input_signals(history.frame, history.price_column, cfg))
        outputs = np.concatenate(
            [
                self._outputs(windows(signals, origins[i : i + PREDICT_CHUNK], cfg.window))
                for i in range(0, len(origins), PREDICT_CHUNK)
            ]
        )
        prices = to_prices(outputs, history.prices, origins, cfg)[:, :horizon]
        return prices if raw else self.gate_.apply(prices, history.prices[origins][:, None])

    def companions(
        self, history: PriceHistory, origins: np.ndarray, horizon: int
    ) -> dict[str, np.ndarray]:
        """Forecasts scored beside this model's own: the network alone, before the gate."""
        return {LSTM_RAW: self.predict_origins(history, origins, horizon, raw=True)}

    def _outputs(self, x: np.ndarray) -> np.ndarray:
        """Unscaled network outputs ``[n, horizon]`` for windows ``x`` (numpy forward pass),
        averaged over the ensemble's networks; a global model's ticker embedding appended."""
        if self.embedding_ is not None:
            tiled = np.broadcast_to(self.embedding_, (*x.shape[:2], len(self.embedding_)))
            x = np.concatenate([x, tiled.astype(np.float32)], axis=2)
        return self.scaler_.unscale_y(ensemble_forward(self.weights_, self.config, x))

    def _extra_inputs(self) -> int:
        """Inputs the network takes beyond the config's features: the embedding's size."""
        return 0 if self.embedding_ is None else len(self.embedding_)

    def network(self) -> nn.Module:
        """The (first) fitted network in a torch ``LSTMNet`` (e.g. for MC-dropout experiments)."""
        import torch

        from stockpred.network.lstm import LSTMNet

        self._check_fitted()
        net = LSTMNet(self.config, extra_inputs=self._extra_inputs())
        first = members(self.weights_, self.config)[0]
        net.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in first.items()})
        return net.eval()

    def predict(
        self, prices: PriceHistory | pd.DataFrame | None = None, days: int = 10
    ) -> pd.DataFrame:
        """The next ``days`` trading sessions after the last price, with an interval.

        Beyond the network's horizon, forecasts are fed back as inputs one session at a
        time (extra features held at their training mean). The interval widens with the
        step as its method says (``IntervalModel``).
        """
        self._check_fitted()
        if days < 1:
            raise ConfigError("days must be at least 1")
        history = self.context_ if prices is None else as_history(prices, self.meta_.exchange)
        if len(history) < self.config.window + 1:
            raise DataError(
                f"prediction needs at least {self.config.window + 1} sessions of prices"
            )
        path = self._forecast_path(history, days)
        dates = self._sessions_after(history.dates[-1], days)
        origin = np.array([len(history) - 1])
        lower, upper = (
            b[0]
            for b in self.intervals_.bounds(
                self.config.interval_method,
                path[None, :],
                history.prices,
                origin,
                self.context_start_ if history is self.context_ else None,
            )
        )
        out = pd.DataFrame({"forecast": path, "lower": lower, "upper": upper}, index=dates)
        out.index.name = "date"
        return out

    def _sessions_after(self, last: pd.Timestamp, days: int) -> pd.DatetimeIndex:
        """The ``days`` sessions after ``last``: from the saved list when it covers them."""
        cached = self.future_sessions_
        if cached is not None and last == self.context_.dates[-1] and days <= len(cached):
            return cached[:days]
        return next_sessions(self.meta_.exchange, last, days)

    def _saved_sessions(self) -> pd.DatetimeIndex:
        """The sessions after the last price that save() writes beside the model."""
        if self.future_sessions_ is None:
            last = self.context_.dates[-1]
            self.future_sessions_ = sessions_after(self.meta_.exchange, last, CACHED_SESSIONS)
        return self.future_sessions_

    def _forecast_path(self, history: PriceHistory, days: int) -> np.ndarray:
        cfg = self.config
        last = np.array([len(history) - 1])
        if days <= cfg.horizon:
            return self.predict_origins(history, last, days)[0]
        signals = self.scaler_.scale_x(input_signals(history.frame, history.price_column, cfg))
        prices = list(history.prices[-cfg.window - 1 :])
        rows = signals[-cfg.window :]
        for _ in range(days):
            step = float(self._outputs(rows[None, -cfg.window :])[0, 0])
            raw = step if cfg.target == "price" else prices[-1] * float(np.exp(step))
            nxt = float(self.gate_.apply(np.array(raw), np.array(prices[-1])))
            new_row = np.zeros(signals.shape[1])
            raw_signal = nxt if cfg.target == "price" else np.log(nxt / prices[-1])
            new_row[0] = (raw_signal - self.scaler_.x_mean[0]) / self.scaler_.x_std[0]
            rows = np.vstack([rows, new_row])
            prices.append(nxt)
        return np.asarray(prices[-days:])

    # -------------------------------------------------------------- persistence
    def save(self, path: str | Path) -> Path:
        """Write the model's files into folder ``path``; loading them gives bit-identical
        predictions. Where and how safely the folder is written is the caller's to decide."""
        self._check_fitted()
        target = Path(path)
        documents = {
            "config.json": self.config.model_dump(mode="json"),
            "scaler.json": self.scaler_.to_dict(),
            "fingerprint.json": to_json(self.meta_),
            "state.json": {
                "stockpred_version": version("stockpred"),
                **self.calibration_to_dict(),
                "train": self.train_result_.to_dict(),
                "promise": None if self.promise_ is None else to_json(self.promise_),
                # so `stockpred predict` needs no exchange calendar (benchmarks/train_speed/README.md)
                "future_sessions": [str(d.date()) for d in self._saved_sessions()],
            },
        }
        tensors = {**self.weights_, **self.intervals_.tensors()}
        if self.embedding_ is not None:
            tensors[EMBEDDING] = self.embedding_
        target.mkdir(parents=True, exist_ok=True)
        save_model(target, tensors, documents)
        return target

    @classmethod
    def load(cls, path: str | Path) -> Self:
        """Rebuild a fitted forecaster from a model folder (no pickle involved)."""
        tensors, docs = load_model(Path(path))
        try:
            fc = cls(ForecastConfig(**docs["config.json"]))
            fc.embedding_ = tensors.pop(EMBEDDING, None)
            network = {k: v for k, v in tensors.items() if not k.startswith(HEAD_PREFIX)}
            check_weights(network, fc.config, fc._extra_inputs())
            state = docs["state.json"]
            fc.weights_ = network
            fc.scaler_ = Scaler.from_dict(docs["scaler.json"])
            fc.calibration_from_dict(
                state, from_json(Fingerprint, docs["fingerprint.json"]), tensors
            )
            fc.train_result_ = TrainResult.from_dict(state["train"])
            promise = state.get("promise")
            fc.promise_ = None if promise is None else from_json(Promise, promise)
            fc.future_sessions_ = pd.DatetimeIndex(
                pd.to_datetime(state.get("future_sessions", [])), name="date"
            ).as_unit("ns")  # as the calendar gives them
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:
            raise ArtifactError(
                f"model folder {path} is inconsistent ({type(exc).__name__}); retrain the model"
            ) from exc
        return fc


def default_models(config: ForecastConfig, *, progress: bool = False) -> list[Model]:
    """The LSTM and every baseline, unfitted, in table order: what evaluation compares."""
    return [LSTMForecaster(config, progress=progress), *default_baselines(config)]
