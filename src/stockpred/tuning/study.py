"""A hyperparameter search: Optuna's seeded TPE sampler with median pruning, here or on Ray.

Trials run one after another on this machine (``backend="local"``), so the same seed and data
ask the same questions and get the same answers: the trial history and the best config are
reproducible. ``backend="ray"`` hands the same sampler and objective to Ray Tune
(:mod:`stockpred.tuning.ray_search`, dispatched by :mod:`stockpred.tuning.search`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError

from stockpred.config import ForecastConfig
from stockpred.exceptions import ConfigError, InsufficientHistory
from stockpred.spec import BackendName
from stockpred.tuning.objective import TuningSeries, run_trial
from stockpred.tuning.space import SearchSpace, Value

if TYPE_CHECKING:
    import optuna

State = Literal["complete", "pruned", "failed"]

# Median pruning: a trial stops when its running validation loss is worse than the median of
# earlier trials at the same epoch; never before 5 trials have finished, nor at epoch 1 (Optuna
# prunes from step == n_warmup_steps on; the first epochs of every network look alike).
STARTUP_TRIALS = 5
WARMUP_EPOCHS = 2


@dataclass(frozen=True)
class TrialRecord:
    """One row of trials.csv."""

    number: int
    params: dict[str, Value]
    val_loss: float | None
    epochs: int
    seconds: float
    state: State

    def row(self) -> dict[str, Value | str | None]:
        """Flat form: parameters, then what the trial cost and scored."""
        return {
            "trial": self.number,
            **self.params,
            "val_loss": self.val_loss,
            "epochs": self.epochs,
            "seconds": round(self.seconds, 3),
            "pruned": self.state == "pruned",
            "state": self.state,
        }


@dataclass
class TuneResult:
    """The search's history and its winner."""

    base: ForecastConfig
    space: SearchSpace
    trials: list[TrialRecord]
    backend: BackendName
    notes: list[str] = field(default_factory=list)

    @property
    def best(self) -> TrialRecord:
        """The finished trial with the lowest validation loss (the earliest of equals)."""
        done = [t for t in self.trials if t.state == "complete" and t.val_loss is not None]
        if not done:
            raise ConfigError("no tuning trial finished; give more --trials or check the data")
        return min(done, key=lambda t: (t.val_loss, t.number))

    @property
    def best_config(self) -> ForecastConfig:
        """The base config with the best trial's parameters."""
        return trial_config(self.base, self.best.params)


def trial_config(base: ForecastConfig, params: dict[str, Value]) -> ForecastConfig:
    """``base`` with one trial's parameters; an impossible combination is a config error."""
    try:
        return ForecastConfig(**{**base.model_dump(), **params})
    except ValidationError as exc:
        raise ConfigError(f"invalid tuned config {params}: {exc.errors()[0]['msg']}") from None


def sampler(seed: int) -> optuna.samplers.BaseSampler:
    """TPE, seeded: the same seed asks the same questions."""
    import optuna

    return optuna.samplers.TPESampler(seed=seed)


def search_local(
    data: list[TuningSeries],
    base: ForecastConfig,
    space: SearchSpace,
    trials: int,
    seed: int,
    on_trial: Callable[[TrialRecord], None] | None = None,
) -> list[TrialRecord]:
    """Run the trials one after another in this process."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    pruner = optuna.pruners.MedianPruner(
        n_startup_trials=STARTUP_TRIALS, n_warmup_steps=WARMUP_EPOCHS
    )
    study = optuna.create_study(direction="minimize", sampler=sampler(seed), pruner=pruner)

    def objective(trial: optuna.Trial) -> float:
        cfg = trial_config(base, space.suggest(trial))
        started, epochs = time.perf_counter(), 0

        def report(step: int, value: float) -> None:
            nonlocal epochs
            epochs += 1
            trial.report(value, step)
            if trial.should_prune():
                raise optuna.TrialPruned()

        try:
            return run_trial(cfg, data, report).loss
        finally:
            trial.set_user_attr("epochs", epochs)
            trial.set_user_attr("seconds", time.perf_counter() - started)

    def record(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if on_trial is not None:
            on_trial(_record(trial))

    study.optimize(objective, n_trials=trials, catch=(InsufficientHistory,), callbacks=[record])
    return [_record(t) for t in study.trials]


def _record(trial: optuna.trial.FrozenTrial) -> TrialRecord:
    import optuna

    states: dict[Any, State] = {
        optuna.trial.TrialState.COMPLETE: "complete",
        optuna.trial.TrialState.PRUNED: "pruned",
    }
    # A pruned trial keeps the running loss it was stopped at.
    last = (
        trial.intermediate_values[max(trial.intermediate_values)]
        if trial.intermediate_values
        else None
    )
    return TrialRecord(
        trial.number,
        dict(trial.params),
        trial.value if trial.value is not None else last,
        int(trial.user_attrs.get("epochs", 0)),
        float(trial.user_attrs.get("seconds", 0.0)),
        states.get(trial.state, "failed"),
    )


def parameter_importance(result: TuneResult, seed: int = 0) -> dict[str, float]:
    """fANOVA importance of each searched field for the validation loss (finished trials).

    Empty when fewer than two trials finished or nothing varied: there is nothing to explain.
    """
    import optuna

    done = [t for t in result.trials if t.state == "complete" and t.val_loss is not None]
    distributions = result.space.distributions()
    if len(done) < 2 or not distributions:
        return {}
    study = optuna.create_study(direction="minimize")
    study.add_trials(
        [
            optuna.trial.create_trial(
                params=t.params, distributions=distributions, value=t.val_loss
            )
            for t in done
        ]
    )
    evaluator = optuna.importance.FanovaImportanceEvaluator(seed=seed)
    try:
        return dict(optuna.importance.get_param_importances(study, evaluator=evaluator))
    except (RuntimeError, ValueError):  # every trial had the same parameters or the same loss
        return {}
