"""``RunSpec``: everything one run does, typed, in sections a reader can hold.

The model's settings (``ForecastConfig``'s fields) are split into data, network, training,
intervals and verdict; beside them are the loading options (``LoadOptions``) and the output
settings. ``spec.config`` is the ``ForecastConfig`` the model saves as config.json (the same
JSON as ever, so old model folders load and config hashes do not move). The CLI's model,
loading and output options are generated from these models (``cli/options.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from stockpred.config import (
    SECTIONS,
    Device,
    Feature,
    ForecastConfig,
    IntervalMethod,
    Loss,
    Precision,
    Target,
    TrainLoss,
    invalid_config,
)
from stockpred.data.options import LoadOptions

ModelChoice = Literal["per-ticker", "global", "both"]
BackendName = Literal["local", "ray"]


def _field(name: str) -> Any:
    """ForecastConfig's field ``name``: its default, bounds and help are defined once, there."""
    return ForecastConfig.model_fields[name]


class Section(BaseModel):
    """One section of the model's settings; ForecastConfig's validators run on the whole."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Data(Section):
    """What the network sees, and how the sessions are split."""

    window: int = _field("window")
    horizon: int = _field("horizon")
    target: Target = _field("target")
    features: tuple[Feature, ...] = _field("features")
    market: str | None = _field("market")
    val_fraction: float = _field("val_fraction")
    test_fraction: float = _field("test_fraction")
    val_start: str | None = _field("val_start")
    test_start: str | None = _field("test_start")


class Network(Section):
    """The LSTM's shape."""

    hidden: int = _field("hidden")
    layers: int = _field("layers")
    dropout: float = _field("dropout")
    bidirectional: bool = _field("bidirectional")


class Training(Section):
    """How its weights are fitted, and where."""

    epochs: int = _field("epochs")
    batch_size: int = _field("batch_size")
    learning_rate: float = _field("learning_rate")
    patience: int = _field("patience")
    train_windows: int = _field("train_windows")
    grad_clip: float = _field("grad_clip")
    train_loss: TrainLoss = _field("train_loss")
    seed: int = _field("seed")
    ensemble: int = _field("ensemble")
    device: Device = _field("device")
    precision: Precision = _field("precision")
    threads: int = _field("threads")


class Intervals(Section):
    """The prediction interval."""

    interval: float = _field("interval")
    interval_method: IntervalMethod = _field("interval_method")
    compare_intervals: bool = _field("compare_intervals")


class Verdict(Section):
    """What the model is judged by."""

    loss: Loss = _field("loss")
    ma_window: int = _field("ma_window")


class Output(Section):
    """What a run writes, where, and on what it runs."""

    out: Path | None = Field(
        None, description="Folder to write (default: runs/TICKER; runs/universe for many)."
    )
    force: bool = Field(
        False,
        description="Replace a stockpred folder of another job (a run folder by a backtest); "
        "a folder without stockpred's marker is refused even so.",
    )
    days: int = Field(10, ge=1, le=250, description="Trading sessions to forecast.")
    workers: int | None = Field(
        None, ge=1, description="Processes fitting tickers at once (default: one a core)."
    )
    backend: BackendName = Field(
        "local",
        description="Run on this machine, or on Ray: needs pip install 'stockpred[ray]'.",
    )
    address: str | None = Field(
        None, description="Ray cluster to join (default: $RAY_ADDRESS, else start one here)."
    )
    model: ModelChoice = Field(
        "per-ticker", description="One LSTM a ticker, one global LSTM for all, or both."
    )
    embed: int = Field(
        0, ge=0, le=256, description="Global model: learned ticker embedding size (0: none)."
    )
    resume: bool = Field(
        False, description="Skip tickers already complete in --out for this config and data."
    )
    cost_bps: float = Field(
        5.0, ge=0.0, description="Long/short portfolio cost, basis points a unit of turnover."
    )


# The output settings only a universe uses: a one-ticker run given one is refused.
UNIVERSE_ONLY = ("workers", "backend", "address", "embed", "resume", "cost_bps")
MODEL_SECTIONS: dict[str, type[Section]] = {
    "data": Data,
    "network": Network,
    "training": Training,
    "intervals": Intervals,
    "verdict": Verdict,
}


class RunSpec(BaseModel):
    """One run: the model's settings by section, the loading options and the output."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    data: Data = Data()
    network: Network = Network()
    training: Training = Training()
    intervals: Intervals = Intervals()
    verdict: Verdict = Verdict()
    load: LoadOptions = LoadOptions()
    output: Output = Output()

    def __init__(self, /, **values: Any) -> None:
        """Validate; refused values raise ``InvalidConfig``, one line naming each."""
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise invalid_config(exc) from None

    @model_validator(mode="after")
    def _config_is_valid(self) -> RunSpec:
        """The sections together make a valid ForecastConfig (its cross-field checks)."""
        _ = self.config
        return self

    @model_validator(mode="after")
    def _ensemble_is_per_ticker(self) -> RunSpec:
        """An ensemble averages per-ticker networks: the global model trains one."""
        if self.output.model != "per-ticker" and self.training.ensemble > 1:
            raise ValueError(
                f"ensemble={self.training.ensemble} is for per-ticker models; the global "
                "model trains one network (use model=per-ticker, or ensemble=1)"
            )
        return self

    @property
    def config(self) -> ForecastConfig:
        """The model's settings as the flat ForecastConfig it saves (config.json)."""
        fields: dict[str, Any] = {}
        for name in MODEL_SECTIONS:
            section: Section = getattr(self, name)
            fields.update(section.model_dump(exclude_unset=True))
        return ForecastConfig(**fields)

    @classmethod
    def from_config(
        cls,
        config: ForecastConfig,
        load: LoadOptions | None = None,
        output: Output | None = None,
    ) -> RunSpec:
        """The spec of a ForecastConfig (and loading and output settings): ``spec.config``
        gives the same config back, field for field."""
        given = config.model_dump(exclude_unset=True)
        sections = {
            name: model(**{k: given[k] for k in SECTIONS[name] if k in given})
            for name, model in MODEL_SECTIONS.items()
        }
        return cls(**sections, load=load or LoadOptions(), output=output or Output())
