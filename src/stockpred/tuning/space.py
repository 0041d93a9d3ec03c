"""What tuning searches: a range or a list of choices per config field, overridable in TOML.

A space file holds one table per field, for example::

    window = { low = 10, high = 80 }
    learning_rate = { low = 1e-4, high = 1e-2, log = true }
    batch_size = { choices = [64, 128, 256] }

Fields not named keep their default range; a field fixed by the user (on the command line or
in ``--config``) is not searched at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomllib
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from stockpred.exceptions import ConfigError

if TYPE_CHECKING:
    import optuna

Value = int | float


class Param(BaseModel):
    """One searched field: ``low``..``high`` (optionally on a log scale) or a list of choices."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    low: Value | None = None
    high: Value | None = None
    log: bool = False
    choices: tuple[Value, ...] | None = None

    @model_validator(mode="after")
    def _range_or_choices(self) -> Param:
        if self.choices is not None:
            if self.low is not None or self.high is not None or not self.choices:
                raise ValueError("give either choices or low/high, not both (and not empty)")
        elif self.low is None or self.high is None or self.low > self.high:
            raise ValueError("a range needs low <= high")
        return self

    def distribution(self, integer: bool) -> optuna.distributions.BaseDistribution:
        """The same field as an Optuna distribution (to rebuild a study from its trials)."""
        from optuna.distributions import (
            CategoricalDistribution,
            FloatDistribution,
            IntDistribution,
        )

        if self.choices is not None:
            return CategoricalDistribution(list(self.choices))
        assert self.low is not None
        assert self.high is not None
        if integer:
            return IntDistribution(int(self.low), int(self.high), log=self.log)
        return FloatDistribution(float(self.low), float(self.high), log=self.log)

    def suggest(self, trial: optuna.Trial, name: str, integer: bool) -> Value:
        """Ask ``trial`` for a value of this field (integers stay integers)."""
        if self.choices is not None:
            return trial.suggest_categorical(name, list(self.choices))
        assert self.low is not None
        assert self.high is not None
        if integer:
            return trial.suggest_int(name, int(self.low), int(self.high), log=self.log)
        return trial.suggest_float(name, float(self.low), float(self.high), log=self.log)


# Ranges around the measured defaults (window 20, 1x32, dropout 0.2, lr 1e-3, batch 256):
# wide enough to find a better corner, small enough that a trial stays seconds on a CPU.
DEFAULT_SPACE: dict[str, Param] = {
    "window": Param(low=5, high=80),
    "hidden": Param(low=8, high=128, log=True),
    "layers": Param(low=1, high=3),
    "dropout": Param(low=0.0, high=0.5),
    "learning_rate": Param(low=1e-4, high=1e-2, log=True),
    "batch_size": Param(choices=(64, 128, 256, 512)),
}
INTEGER_FIELDS = frozenset({"window", "hidden", "layers", "batch_size"})


class SearchSpace:
    """The searched fields (in a fixed order, so the same seed asks the same questions)."""

    def __init__(self, params: dict[str, Param]) -> None:
        self.params = dict(params)

    @classmethod
    def load(cls, path: Path | None = None, fixed: frozenset[str] = frozenset()) -> SearchSpace:
        """The default space, with the ranges of ``path`` on top, minus the ``fixed`` fields."""
        params = dict(DEFAULT_SPACE)
        if path is not None:
            params.update(_read_space(Path(path)))
        return cls({name: p for name, p in params.items() if name not in fixed})

    def distributions(self) -> dict[str, optuna.distributions.BaseDistribution]:
        """Every searched field as an Optuna distribution."""
        return {n: p.distribution(n in INTEGER_FIELDS) for n, p in self.params.items()}

    def suggest(self, trial: optuna.Trial) -> dict[str, Value]:
        """Define-by-run: one value per searched field, asked of ``trial`` in a fixed order."""
        return {
            name: param.suggest(trial, name, name in INTEGER_FIELDS)
            for name, param in self.params.items()
        }


def _read_space(path: Path) -> dict[str, Param]:
    """Ranges from a TOML file; unknown fields and malformed ranges are one-line errors."""
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read search space {path}: {exc}") from None
    unknown = sorted(set(raw) - set(DEFAULT_SPACE))
    if unknown:
        raise ConfigError(
            f"search space {path}: cannot search {', '.join(unknown)}; "
            f"searchable fields are {', '.join(DEFAULT_SPACE)}"
        )
    out = {}
    for name, spec in raw.items():
        try:
            out[name] = Param(**spec) if isinstance(spec, dict) else Param(choices=spec)
        except (ValidationError, TypeError) as exc:
            raise ConfigError(f"search space {path}: invalid {name}: {_first_error(exc)}") from None
    return out


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return str(exc.errors()[0]["msg"])
    return str(exc)
