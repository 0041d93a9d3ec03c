"""Forecaster: the estimator users call — fit, evaluate, predict, save, load."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stockpred import __version__
from stockpred.artifacts import load_model, save_model
from stockpred.config import ForecastConfig
from stockpred.data.calendar import next_sessions, sessions_after
from stockpred.data.history import PriceHistory, as_history
from stockpred.evaluation.metrics import Evaluation
from stockpred.exceptions import ArtifactError, ConfigError, DataError, NotFittedError
from stockpred.features import Dataset, Scaler, input_signals, to_prices, windows
from stockpred.models.base import LSTM, LSTM_RAW, Estimator, Model, blas_threads
from stockpred.models.baselines import default_baselines
from stockpred.models.context import context_from_dict, context_of, context_to_dict, describe
from stockpred.models.gate import Gate, fit_gate
from stockpred.models.numpy_lstm import check_weights, ensemble_forward, members
from stockpred.models.volatility import HEAD_PREFIX, IntervalModel, ScaleStart
from stockpred.run_folder import output_folder
from stockpred.splits import Mode, Split, chronological_split
from stockpred.training.result import TrainResult

if TYPE_CHECKING:
    from torch import nn
    from typing_extensions import Unpack

    from stockpred.evaluation.walkforward import FoldMapper, FoldOptions, Refit, WalkForward

# Trading sessions after the last price saved with a model: a year covers any --days (max 250).
CACHED_SESSIONS = 250
# Windows per numpy forward pass: bounds memory (a 60×64 two-layer pass holds ~64 kB a window).
PREDICT_CHUNK = 2048


class Forecaster(Estimator):
    """An LSTM price forecaster that follows the scikit-learn estimator contract.

    ``__init__`` only stores the config; learned state ends in ``_``; ``predict`` and
    ``evaluate`` refuse to run before ``fit`` (or ``load``).

    Examples
    --------
    >>> from stockpred import Forecaster, ForecastConfig, load_prices
    >>> prices = load_prices("MSFT")
    >>> fc = Forecaster(ForecastConfig(epochs=2, hidden=8)).fit(prices, progress=False)
    >>> len(fc.predict(prices, days=5))
    5
    """

    name = LSTM
    companion_names = (LSTM_RAW,)  # scored beside it: the network alone (``companions``)

    def __init__(self, config: ForecastConfig | None = None, *, progress: bool = True) -> None:
        self.config = config or ForecastConfig()
        self.progress = progress

    # ------------------------------------------------------------------ fitting
    def fit(
        self,
        prices: PriceHistory | pd.DataFrame,
        split: Split | None = None,
        *,
        progress: bool | None = None,
    ) -> Forecaster:
        """Train on the training span with early stopping on validation; returns ``self``.

        The data flows one way: history → dataset (scaled windows of the split) → training →
        numpy weights; the validation errors of those weights then set the interval.
        """
        from stockpred.training.loop import fit_weights  # only training needs torch

        cfg = self.config
        history = as_history(prices)
        split = split or chronological_split(history.dates, cfg)
        data = Dataset.build(history, cfg, split)
        show = self.progress if progress is None else progress
        with blas_threads(cfg.threads):
            self.weights_, self.train_result_ = fit_weights(data, cfg, progress=show)
            self.scaler_ = data.scaler
            self._calibrate(history, split)
        return self

    def _calibrate(self, history: PriceHistory, split: Split) -> None:
        """What is fitted after the weights, from the validation span: gate, intervals, context.

        Separate from ``fit`` so a global model's per-ticker views calibrate the same way.
        """
        self.split_ = split
        self.meta_ = describe(history, split)
        # One network pass over the validation span serves the gate and the intervals.
        origins = np.arange(max(split.train_end - 1, self.config.window), split.val_end - 1)
        raw = self.predict_origins(history, origins, 1, raw=True)
        last = history.prices[origins][:, None]
        self.gate_ = fit_gate(
            raw[:, 0], last[:, 0], history.prices[origins + 1], self.config.dm_loss
        )
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
        self.promise_: dict[str, Any] | None = None

    def calibration_to_dict(self) -> dict[str, Any]:
        """The calibrated state (split, intervals, gate, context) as JSON, for state.json;
        the quantile head's arrays are in :meth:`IntervalModel.tensors`."""
        return {
            "split": self.split_.to_dict(),
            "intervals": self.intervals_.to_dict(),
            "context_variance": self.context_start_.garch,
            "context_ewma_variance": self.context_start_.ewma,
            "gate": self.gate_.to_dict(),
            "context": context_to_dict(self.context_),
        }

    def calibration_from_dict(
        self,
        state: dict[str, Any],
        meta: dict[str, Any],
        tensors: dict[str, np.ndarray],
        head_prefix: str = HEAD_PREFIX,
    ) -> None:
        """Restore what ``calibration_to_dict`` wrote (``meta`` is the fingerprint.json;
        ``tensors`` hold the quantile head's arrays under ``head_prefix``)."""
        self.meta_ = meta
        self.split_ = Split(**state["split"])
        self.intervals_ = IntervalModel.from_dict(state["intervals"], tensors, head_prefix)
        self.context_start_ = ScaleStart(
            float(state["context_variance"]), float(state["context_ewma_variance"])
        )
        self.gate_ = Gate.from_dict(state["gate"])
        self.context_ = context_from_dict(state["context"], meta)

    def _fit_intervals(
        self, history: PriceHistory, split: Split, origins: np.ndarray, point: np.ndarray
    ) -> IntervalModel:
        """Fit the scales and the quantile head on the training span, then calibrate every
        interval method on one-step log errors of the validation span (real prices only):
        ``point`` holds the forecasts made at the validation ``origins``."""
        cfg, prices = self.config, history.prices
        real = np.isin(origins, history.observed_targets(origins))
        origins = origins[real]
        errors = np.log(prices[origins + 1] / point[real])
        return IntervalModel.fit(
            cfg.interval,
            prices,
            split.train_end,
            (origins, errors),
            history.observed_targets(np.arange(cfg.window, split.train_end - 1)),
            window=cfg.window,
            seed=cfg.seed,
            threads=cfg.threads,
            default=cfg.interval_method,
        )

    @property
    def residual_quantiles_(self) -> list[float]:
        """The constant (split-conformal) interval's one-step log-error quantiles."""
        return list(self.intervals_.constant)

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
        averaged over the ensemble's networks."""
        return self.scaler_.unscale_y(ensemble_forward(self.weights_, self.config, x))

    def network(self) -> nn.Module:
        """The (first) fitted network in a torch ``LSTMNet`` (e.g. for MC-dropout experiments)."""
        import torch

        from stockpred.models.lstm import LSTMNet

        self._check_fitted()
        net = LSTMNet(self.config)
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
        history = self.context_ if prices is None else as_history(prices, self.meta_["exchange"])
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
        return next_sessions(self.meta_["exchange"], last, days)

    def _saved_sessions(self) -> pd.DatetimeIndex:
        """The sessions after the last price that save() writes beside the model."""
        if self.future_sessions_ is None:
            last = self.context_.dates[-1]
            self.future_sessions_ = sessions_after(self.meta_["exchange"], last, CACHED_SESSIONS)
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

    # --------------------------------------------------------------- evaluation
    def evaluate(self, prices: PriceHistory | pd.DataFrame) -> Evaluation:
        """One-step forecasts of every session after validation, beside the baselines."""
        from stockpred.evaluation.holdout import evaluate_holdout

        self._check_fitted()
        with blas_threads(self.config.threads):
            return evaluate_holdout(self, as_history(prices, self.meta_["exchange"]))

    def walk_forward(
        self,
        prices: PriceHistory | pd.DataFrame,
        *,
        folds: int = 5,
        mode: Mode = "expanding",
        refit: Refit = "each",
        horizon: int | None = None,
        map_folds: FoldMapper | None = None,
    ) -> WalkForward:
        """Every forecast of a walk-forward backtest of this config beside the baselines.

        Fresh models are fitted before each fold; this forecaster's own weights are unused.
        ``map_folds`` (a backend's ``map``) runs the folds elsewhere, e.g. as Ray tasks.
        """
        from stockpred.evaluation.walkforward import walk_forward

        cfg = (
            self.config if horizon is None else self.config.model_copy(update={"horizon": horizon})
        )
        models = default_models(cfg, progress=self.progress)
        return walk_forward(
            as_history(prices),
            models,
            cfg,
            folds=folds,
            mode=mode,
            refit=refit,
            map_folds=map_folds,
        )

    def backtest(
        self,
        prices: PriceHistory | pd.DataFrame,
        *,
        progress: bool = False,
        **options: Unpack[FoldOptions],
    ) -> pd.DataFrame:
        """Walk-forward metrics of this config: tidy (fold, model, step, metric, value)."""
        quiet = Forecaster(self.config, progress=progress)
        return quiet.walk_forward(prices, **options).metrics()

    # -------------------------------------------------------------- persistence
    def save(self, path: str | Path) -> Path:
        """Write the model folder atomically; loading it gives bit-identical predictions."""
        self._check_fitted()
        target = Path(path)
        documents = {
            "config.json": self.config.model_dump(mode="json"),
            "scaler.json": self.scaler_.to_dict(),
            "fingerprint.json": self.meta_,
            "state.json": {
                "stockpred_version": __version__,
                **self.calibration_to_dict(),
                "train": self.train_result_.to_dict(),
                "promise": self.promise_,
                # so `stockpred predict` needs no exchange calendar (README, "Performance")
                "future_sessions": [str(d.date()) for d in self._saved_sessions()],
            },
        }
        with output_folder(target, "model") as tmp:
            save_model(tmp, {**self.weights_, **self.intervals_.tensors()}, documents)
        return target

    @classmethod
    def load(cls, path: str | Path) -> Forecaster:
        """Rebuild a fitted forecaster from a model folder (no pickle involved)."""
        tensors, docs = load_model(Path(path))
        try:
            fc = cls(ForecastConfig(**docs["config.json"]))
            network = {k: v for k, v in tensors.items() if not k.startswith(HEAD_PREFIX)}
            check_weights(network, fc.config)
            state = docs["state.json"]
            fc.weights_ = network
            fc.scaler_ = Scaler.from_dict(docs["scaler.json"])
            fc.calibration_from_dict(state, docs["fingerprint.json"], tensors)
            fc.train_result_ = TrainResult.from_dict(state["train"])
            fc.promise_ = state.get("promise")
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
    return [Forecaster(config, progress=progress), *default_baselines(config)]
