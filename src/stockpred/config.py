"""Run configuration: one validated pydantic model, loadable from TOML and saved with the model."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, from PyPI (a conditional dependency)
    import tomli as tomllib  # type: ignore[no-redef]

from stockpred.exceptions import ConfigError, InvalidConfig

Target = Literal["return", "price"]
Feature = Literal["volume", "range", "rsi", "macd", "bollinger", "atr", "market"]
INDICATORS = ("rsi", "macd", "bollinger", "atr")
Device = Literal["auto", "cpu", "cuda"]
Precision = Literal["32", "bf16"]
Loss = Literal["mae", "mse"]
TrainLoss = Literal["mse", "mae", "huber"]
IntervalMethod = Literal["constant", "garch", "volatility", "ewma", "quantile"]


class ForecastConfig(BaseModel):
    """Everything that decides what is trained and how; saved as the model's config.json."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def __init__(self, /, **values: Any) -> None:
        """Validate; refused values raise ``InvalidConfig`` (a StockpredError), one line."""
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise invalid_config(exc) from None

    # Data and features
    # Defaults chosen by measurement (benchmarks/train_speed/README.md): the target is a
    # stationary log-return, so window 20 and one layer of 32 are as accurate as the popular
    # window 60 and 2×64, at about 1/17 of the time per epoch.
    window: int = Field(20, ge=2, le=1000, description="Sessions of history the network sees.")
    horizon: int = Field(1, ge=1, le=60, description="Sessions ahead the network predicts at once.")
    target: Target = Field("return", description="Model the next log-return or the price level.")
    features: tuple[Feature, ...] = Field(
        (), description="Extra inputs beside the returns (repeat the option for both)."
    )
    market: str | None = Field(
        None,
        description="Index ticker or price file whose daily return is an extra input.",
    )
    # Network
    hidden: int = Field(32, ge=1, le=2048, description="LSTM hidden units per layer.")
    layers: int = Field(1, ge=1, le=8, description="Stacked LSTM layers.")
    dropout: float = Field(
        0.2, ge=0.0, lt=1.0, description="Dropout between layers and before the head."
    )
    bidirectional: bool = Field(False, description="Read the window both ways.")
    # Training
    epochs: int = Field(
        30, ge=1, le=10_000, description="Most training epochs (early stopping may end sooner)."
    )
    batch_size: int = Field(256, ge=1, le=65_536, description="Training batch size.")
    learning_rate: float = Field(1e-3, gt=0.0, le=1.0, description="Adam learning rate.")
    patience: int = Field(
        5, ge=1, description="Epochs without a better validation loss before stopping."
    )
    # Ten years of daily sessions: a longer history costs training time in proportion and
    # bought no accuracy (benchmarks/universe/README.md); the scaler still reads the whole span.
    train_windows: int = Field(
        2500,
        ge=0,
        description="Most recent training windows the network learns from; 0 = every one.",
    )
    grad_clip: float = Field(1.0, gt=0.0, description="Largest gradient norm per step.")
    seed: int = Field(0, description="Random seed: same seed, same weights on the CPU.")
    ensemble: int = Field(
        1, ge=1, le=50, description="Networks averaged: seeds seed, seed+1, ..., seed+k-1."
    )
    device: Device = Field("auto", description="Where to train; auto takes CUDA when present.")
    # bf16 runs each forward pass under torch.autocast (bfloat16 matrix products, float32
    # weights, optimiser state and loss): on CUDA, or on a CPU with bfloat16 units
    # (training/loop.py resolve_device says why and measures).
    precision: Precision = Field(
        "32", description="Training arithmetic: 32 (float32) or bf16 (autocast)."
    )
    # One CPU thread: the LSTM syncs its threads at every time step, and per-step matmuls this
    # small cannot pay for it; with the other core busy, 2 threads collapse
    # (benchmarks/train_speed/README.md). 0 means torch's default (one per core).
    threads: int = Field(
        1, ge=0, le=1024, description="CPU threads for training; 0 = torch's default."
    )
    # Split
    val_fraction: float = Field(
        0.15, gt=0.0, lt=0.5, description="Share of sessions for validation (early stopping)."
    )
    test_fraction: float = Field(
        0.15, gt=0.0, lt=0.5, description="Share of sessions held out for the test."
    )
    test_start: str | None = Field(
        None, description="First test date (YYYY-MM-DD); overrides test_fraction."
    )
    val_start: str | None = Field(
        None, description="First validation date (YYYY-MM-DD); overrides val_fraction."
    )
    # Baselines and uncertainty
    ma_window: int = Field(
        20, ge=1, description="Sessions averaged by the moving-average baseline."
    )
    interval: float = Field(0.8, gt=0.0, lt=1.0, description="Coverage of the prediction interval.")
    # The verdict's Diebold-Mariano test and the numbers its sentence quotes use one loss.
    loss: Loss = Field(
        "mae", description="Loss the verdict tests and quotes: absolute (mae) or squared (mse)."
    )

    @field_validator("test_start", "val_start")
    @classmethod
    def _cutoff_is_a_date(cls, value: str | None, info: ValidationInfo) -> str | None:
        """A ConfigError (not pydantic's) so the message names the parameter."""
        from stockpred.data.dates import check_date

        stamp = check_date(str(info.field_name), value)
        return None if stamp is None else str(stamp.date())

    @field_validator("precision", mode="before")
    @classmethod
    def _precision_as_text(cls, value: Any) -> Any:
        """``precision = 32`` in a TOML file means the same as ``"32"``."""
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    # EWMA-scaled conformal by measurement (benchmarks/intervals/README.md, 51 tickers): the
    # only method within 5 points of nominal in every volatility third, pooled over the tickers, both on 2016-17 test spans and on 2008-09 ones; Winkler score below the
    # constant interval's on 90 % and 100 % of tickers (median ratio 0.926 and 0.830).
    interval_method: IntervalMethod = Field(
        "ewma",
        description="Interval: constant (conformal), garch, volatility (GARCH-scaled conformal), "
        "ewma (EWMA-scaled conformal) or quantile (conformalized quantile head).",
    )
    # Off by default: GARCH (arch) and the quantile head (torch) cost 0.09 s CPU of a ticker's
    # ~1 s fit in a warm process (10 us-daily tickers, 2026-12-07), and a fresh process's first
    # fit 0.27 s more for importing arch and the head's first torch fit.
    compare_intervals: bool = Field(
        False,
        description="Fit and score every interval method side by side, not only "
        "interval_method beside constant.",
    )
    train_loss: TrainLoss = Field(
        "mse", description="Training loss on standardised targets: mse, mae or huber."
    )

    @property
    def dm_loss(self) -> Literal["absolute", "squared"]:
        """The Diebold–Mariano loss that ``loss`` names."""
        return "absolute" if self.loss == "mae" else "squared"

    @model_validator(mode="before")
    @classmethod
    def _market_is_a_feature(cls, values: Any) -> Any:
        """``--market SPY`` alone adds the ``market`` input; the input alone needs an index."""
        if not isinstance(values, dict):
            return values
        features = tuple(values.get("features") or ())
        if values.get("market") and "market" not in features:
            values = {**values, "features": (*features, "market")}
        elif "market" in features and not values.get("market"):
            raise ValueError("the 'market' feature needs an index: market=TICKER")
        return values

    @model_validator(mode="after")
    def _validation_before_test(self) -> ForecastConfig:
        """Validation sessions come before the test's: a split cannot run backwards."""
        if self.val_start and self.test_start and self.val_start >= self.test_start:
            raise ConfigError(
                f"val_start={self.val_start} is not before test_start={self.test_start}; "
                "the validation span must come first"
            )
        return self

    @model_validator(mode="after")
    def _price_target_has_no_extras(self) -> ForecastConfig:
        if self.target == "price" and self.features:
            raise ValueError("extra features need target='return'")
        return self

    @property
    def n_features(self) -> int:
        """Inputs per time step: the price signal plus each extra feature."""
        return 1 + len(self.features)


# ForecastConfig's fields in the sections a reader holds at once (``stockpred.spec.RunSpec``
# has one sub-model each; a TOML file may use them as tables, or keep the fields flat).
SECTIONS: dict[str, tuple[str, ...]] = {
    "data": (
        "window",
        "horizon",
        "target",
        "features",
        "market",
        "val_fraction",
        "test_fraction",
        "val_start",
        "test_start",
    ),
    "network": ("hidden", "layers", "dropout", "bidirectional"),
    "training": (
        "epochs",
        "batch_size",
        "learning_rate",
        "patience",
        "train_windows",
        "grad_clip",
        "train_loss",
        "seed",
        "ensemble",
        "device",
        "precision",
        "threads",
    ),
    "intervals": ("interval", "interval_method", "compare_intervals"),
    "verdict": ("loss", "ma_window"),
}
SECTION_OF = {name: section for section, names in SECTIONS.items() for name in names}


def flat_fields(table: dict[str, Any], where: str = "config") -> dict[str, Any]:
    """A config table with its sections (``[network] hidden = 64``) as flat fields
    (``hidden = 64``, the older layout, also taken); a field under the wrong section, or a
    section that is not one, is refused in one line naming the right one."""
    flat = {k: v for k, v in table.items() if not isinstance(v, dict)}
    for section, values in table.items():
        if not isinstance(values, dict):
            continue
        if section not in SECTIONS:
            close = difflib.get_close_matches(section, list(SECTIONS), n=1)
            hint = (
                f"; did you mean [{close[0]}]?" if close else f"; sections: {', '.join(SECTIONS)}"
            )
            raise ConfigError(f"{where}: unknown section [{section}]{hint}")
        for name, value in values.items():
            home = SECTION_OF.get(name)
            if home is not None and home != section:
                raise ConfigError(f"{where}: {name} belongs in [{home}], not [{section}]")
            if name in flat:
                raise ConfigError(f"{where}: {name} is given twice, flat and in [{section}]")
            flat[name] = value
    return flat


def make_config(overrides: dict[str, Any], toml_path: Path | None = None) -> ForecastConfig:
    """Config from a TOML file (optional) with explicit overrides on top; errors are one line
    that names the file when a value from it was refused."""
    from_file: dict[str, Any] = {}
    if toml_path is not None:
        try:
            from_file = tomllib.loads(Path(toml_path).read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config {toml_path}: {exc}") from exc
        from_file = flat_fields(from_file, str(toml_path))
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return ForecastConfig(**{**from_file, **given})
    except InvalidConfig as exc:
        in_file = {str(err["loc"][0]) for err in exc.errors() if err["loc"]} - set(given)
        if toml_path is not None and in_file:
            said = (
                _say(err, toml=bool(err["loc"]) and err["loc"][0] in in_file)
                for err in exc.errors()
            )
            exc.message = f"{toml_path}: {'; '.join(said)}"
        raise


def invalid_config(exc: ValidationError) -> InvalidConfig:
    """pydantic's error as ours: every refused value in one line, a typo with the key meant."""
    error = InvalidConfig.from_exception_data(exc.title, cast(Any, exc.errors()))
    error.message = "; ".join(_say(err) for err in exc.errors())
    return error


def _say(err: ErrorDetails, *, toml: bool = False) -> str:
    """One refused value in words, as it was written: ``window=1`` in Python (the CLI shows
    ``--window 1``), ``window = 1`` in a TOML file; an unknown key with the one likely meant."""
    name = ".".join(str(p) for p in err["loc"])
    if err["type"] == "extra_forbidden":
        key = str(err["loc"][-1])  # a section's field (network.hiden) is matched by its own name
        close = difflib.get_close_matches(key, list(ForecastConfig.model_fields), n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        return f"unknown setting {name}{hint}"
    message = err["msg"].removeprefix("Value error, ")
    if not name:
        return f"invalid config: {message}"
    return f"invalid {name}{' = ' if toml else '='}{err['input']!r}: {message}"
