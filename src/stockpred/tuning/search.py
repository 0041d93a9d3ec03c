"""``tune``: the search on this machine (one trial at a time) or on Ray Tune."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from stockpred.config import ForecastConfig
from stockpred.exceptions import ConfigError
from stockpred.spec import BackendName
from stockpred.tuning.objective import TuningSeries
from stockpred.tuning.space import SearchSpace
from stockpred.tuning.study import TrialRecord, TuneResult, search_local

if TYPE_CHECKING:
    from stockpred.tuning.ray_search import RayOptions


def tune(
    data: list[TuningSeries],
    base: ForecastConfig,
    space: SearchSpace,
    *,
    trials: int,
    seed: int = 0,
    backend: BackendName = "local",
    ray_options: RayOptions | None = None,
    on_trial: Callable[[TrialRecord], None] | None = None,
) -> TuneResult:
    """Search ``space`` around ``base`` for the lowest validation loss over ``data``."""
    if trials < 1:
        raise ConfigError("trials must be at least 1")
    try:
        import optuna  # noqa: F401 - the one check that the extra is there
    except ImportError:
        raise ConfigError("stockpred tune needs Optuna: pip install 'stockpred[tune]'") from None
    if backend == "ray":
        from stockpred.tuning.ray_search import search_on_ray

        records = search_on_ray(data, base, space, trials, seed, **(ray_options or {}))
        notes = [
            "Ray Tune: OptunaSearch (TPE) with ASHA; concurrent trials see results in the "
            "order they finish, so the history is reproducible only one trial at a time"
        ]
        return TuneResult(base, space, records, backend, notes)
    return TuneResult(base, space, search_local(data, base, space, trials, seed, on_trial), backend)
