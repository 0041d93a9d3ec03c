"""One calendar for a universe: every ticker split at the same dates.

Markets move together, so a network early-stopped on one ticker's validation windows must
not read dates that are another ticker's test sessions. The cutoffs are chosen once from
every ticker's sessions (``splits.universe_calendar``) and written into the config that
every per-ticker model, the global model and every baseline are fitted from.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

import pandas as pd

from stockpred.config import ForecastConfig
from stockpred.data.options import LoadOptions
from stockpred.exceptions import Outcome, attempt
from stockpred.splits import universe_calendar
from stockpred.universe.inputs import TickerSource
from stockpred.universe.progress import stream

if TYPE_CHECKING:
    from stockpred.backend import Backend
    from stockpred.universe.options import UniverseOptions


def load_sessions(loading: LoadOptions, source: TickerSource) -> Outcome[pd.DatetimeIndex]:
    """In a worker: the dates of one ticker's cleaned history, as its own job will load it
    (or why it could not be loaded; its own job says so again)."""
    return attempt(source.ticker, lambda: source.load(loading).dates)


def calendar_config(
    sources: Sequence[TickerSource],
    options: UniverseOptions,
    backend: Backend,
    progress: bool,
) -> ForecastConfig:
    """``options.config`` with the universe's validation and test cutoffs both set: read
    from every ticker's sessions unless the options name both (then nothing is loaded)."""
    config = options.config
    if config.val_start and config.test_start:
        return config
    loaded = stream(
        backend,
        partial(load_sessions, options.loading),
        sources,
        options.out,
        progress,
        "calendar",
        failed=Outcome[pd.DatetimeIndex],
    )
    dates = [s.value for s in loaded.values() if s.value is not None]
    if not dates:  # nothing loads: each ticker's own job reports why
        return config
    return universe_calendar(dates, config).config(config)
