"""Every model through the shared check (tests/models/model_checks.py): the LSTM and each baseline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stockpred import ForecastConfig, Forecaster
from stockpred.data.history import PriceHistory
from stockpred.exceptions import ConfigError
from stockpred.models.base import Estimator
from stockpred.models.baselines import MovingAverage, Naive, default_baselines
from stockpred.models.global_lstm import GlobalLSTM
from stockpred.splits import Split, chronological_split

from ..conftest import TINY
from .model_checks import ModelSpec, check_model

HORIZON = 3
CFG = ForecastConfig(**{**TINY, "epochs": 2, "horizon": HORIZON})


# The seed's literal set-up (price level as the target) goes through the same check.
PRICE_TARGET = Forecaster(CFG.model_copy(update={"target": "price"}), progress=False)


def _save_load(model: Forecaster, path: Path) -> Forecaster:
    model.save(path)
    return Forecaster.load(path)


# Three networks averaged (seeds 0, 1, 2) must follow the same contract.
ENSEMBLE = Forecaster(CFG.model_copy(update={"ensemble": 3}), progress=False)

# Every interval method fitted, so each is held to the contract; the others fit their own
# (ewma) beside constant, as a run does.
COMPARED = Forecaster(CFG.model_copy(update={"compare_intervals": True}), progress=False)


def _save_load_global(model: GlobalLSTM, path: Path) -> GlobalLSTM:
    model.save(path)
    return GlobalLSTM.load(path)


# The global LSTM fitted on one series (its ticker embedding too) is held to the same contract.
GLOBAL = GlobalLSTM(CFG, embed=2)


def _twin(history: PriceHistory) -> PriceHistory:
    """Another ticker on the same sessions: half the prices."""
    return PriceHistory(history.frame * 0.5, "TWIN", history.source, history.price_column)


SPECS = [
    ModelSpec(COMPARED, save_load=_save_load),
    ModelSpec(PRICE_TARGET, save_load=_save_load),
    ModelSpec(ENSEMBLE, save_load=_save_load),
    ModelSpec(GLOBAL, save_load=_save_load_global),
    *(ModelSpec(b, learns=b.name == "linear_ar") for b in default_baselines(CFG)),
]


def test_every_default_model_is_checked() -> None:
    names = {spec.name for spec in SPECS}
    assert len(SPECS) == len(default_baselines(CFG)) + 4  # LSTM: 2 targets, an ensemble; global
    assert names == {"lstm", "global_lstm"} | {b.name for b in default_baselines(CFG)}


@pytest.mark.parametrize(
    "spec",
    SPECS,
    ids=lambda s: (
        f"{s.name}-{s.prototype.config.target}-x{s.prototype.config.ensemble}"
        f"{'-compared' if s.prototype.config.compare_intervals else ''}"
        if s.name == "lstm"
        else s.name
    ),
)
def test_model_passes_the_shared_check(spec: ModelSpec, msft: PriceHistory, tmp_path: Path) -> None:
    split = chronological_split(msft.dates, CFG)
    check_model(spec, msft, split, horizon=HORIZON, tmp_path=tmp_path)


def test_the_check_catches_a_model_that_peeks(msft: PriceHistory, tmp_path: Path) -> None:
    """The check itself must fail on a leaking model, or it proves nothing."""

    class Peeking(Estimator):
        name = "peeking"

        def fit(self, history: PriceHistory, split: object) -> Peeking:
            return self

        def predict_origins(self, history: PriceHistory, origins, horizon):  # type: ignore[no-untyped-def]
            import numpy as np

            return np.repeat(history.prices[origins + 1][:, None], horizon, axis=1)

    split = chronological_split(msft.dates, CFG)
    with pytest.raises(AssertionError, match="read a price after its origin"):
        check_model(
            ModelSpec(Peeking(), learns=False),
            msft,
            split,
            horizon=HORIZON,
            tmp_path=tmp_path,
        )


def test_the_check_catches_intervals_calibrated_on_the_test_span(
    msft: PriceHistory, tmp_path: Path
) -> None:
    """An LSTM whose intervals calibrate on validation and test together must fail the check."""

    class PeekingIntervals(Forecaster):
        def _fit_intervals(self, history: PriceHistory, split: Split, origins, point):  # type: ignore[no-untyped-def]
            through_test = np.arange(origins[0], split.test_end - 1)
            point = self.predict_origins(history, through_test, 1)[:, 0]
            return super()._fit_intervals(history, split, through_test, point)

    split = chronological_split(msft.dates, CFG)
    with pytest.raises(AssertionError, match="calibration leak"):
        check_model(
            ModelSpec(PeekingIntervals(CFG, progress=False)),
            msft,
            split,
            horizon=HORIZON,
            tmp_path=tmp_path,
        )


class Renamed(MovingAverage):
    """Stores its parameter under another name: new() cannot find it."""

    def __init__(self, size: int = 20) -> None:
        self.window = size


class Copying(MovingAverage):
    """Stores a changed parameter (a copy): new() would not pass what it was given."""

    def __init__(self, windows: tuple[int, ...] = (20,)) -> None:
        self.windows = list(windows)
        self.window = windows[0]


class Variadic(Naive):
    """Takes ``**options``: its parameters cannot be read from the signature."""

    def __init__(self, **options: int) -> None:
        self.options = options


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (Renamed(), "does not store parameter 'size' as self.size"),
        (Copying(), "changes parameter 'windows' instead of storing it as given"),
        (Variadic(), r"takes \*\*options"),
    ],
    ids=["renamed", "copied", "variadic"],
)
def test_the_check_refuses_a_model_whose_parameters_new_cannot_copy(
    broken: Estimator, message: str, msft: PriceHistory, tmp_path: Path
) -> None:
    """As scikit-learn's clone: new() reads __init__'s signature and refuses a broken model."""
    split = chronological_split(msft.dates, CFG)
    with pytest.raises(TypeError, match=message):
        check_model(ModelSpec(broken, learns=False), msft, split, horizon=1, tmp_path=tmp_path)


def test_the_check_catches_a_fit_that_changes_a_parameter(
    msft: PriceHistory, tmp_path: Path
) -> None:
    """A fit that rewrites a parameter (as the global model once fixed its calendar into
    ``config``) leaves new() copying learned state: the round trip must fail."""

    class Rewriting(MovingAverage):
        def fit(self, history: object, split: Split | None = None) -> Rewriting:
            self.window = 5
            return self

    split = chronological_split(msft.dates, CFG)
    with pytest.raises(AssertionError, match="fit changed a parameter"):
        check_model(ModelSpec(Rewriting(), learns=False), msft, split, horizon=1, tmp_path=tmp_path)


def test_a_single_series_model_refuses_several_in_one_line(msft: PriceHistory) -> None:
    with pytest.raises(ConfigError, match="naive fits one series at a time, not 2"):
        Naive().fit([msft, msft])
    with pytest.raises(ConfigError, match="lstm fits one series at a time, not 2"):
        Forecaster(CFG, progress=False).fit([msft, msft])


def test_the_global_model_fitted_on_many_series_passes_the_shared_check(
    msft: PriceHistory, tmp_path: Path
) -> None:
    """The same contract fitted on several series: every check holds for one of them."""
    spec = ModelSpec(GLOBAL, save_load=_save_load_global, others=(_twin(msft),))
    check_model(
        spec, msft, chronological_split(msft.dates, CFG), horizon=HORIZON, tmp_path=tmp_path
    )
