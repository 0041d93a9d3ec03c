"""``run(spec, sources, backend)``: the one pipeline, for one ticker or ten thousand.

A single ticker is a universe of one (the shape NeuralForecast and darts give many series):
it is loaded by the same ``TickerSource.load`` with the market index from the same
``universe_market``, fitted, evaluated, forecast and written by the same ``fit_ticker``
(``run_pipeline`` and the one folder writer) as every ticker of a universe. What stays
different is a parameter of that code (``TickerJob.alone``): one ticker alone writes into
``out`` itself with the full report, and its errors are raised rather than listed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from stockpred.backend import Backend
from stockpred.data.history import PriceHistory
from stockpred.exceptions import ConfigError
from stockpred.runs import RunResult
from stockpred.spec import RunSpec
from stockpred.universe.inputs import TickerSource, universe_market
from stockpred.universe.job import TickerJob, TickerOutcome, fit_ticker
from stockpred.universe.options import UniverseOptions
from stockpred.universe.result import UniverseResult
from stockpred.universe.runner import run_universe


@dataclass(frozen=True)
class PipelineResult:
    """Every ticker's outcome (finished or failed, in the sources' order); a universe's
    figures, or one ticker alone's fitted model, evaluation, forecast and metrics.json."""

    out: Path
    outcomes: dict[str, TickerOutcome]
    universe: UniverseResult | None = None
    run: RunResult | None = None


def run(
    spec: RunSpec,
    sources: Sequence[TickerSource],
    backend: Backend,
    *,
    alone: bool | None = None,
    progress: bool = False,
    on_load: Callable[[PriceHistory], None] | None = None,
    option_words: Callable[[str], str] | None = None,
) -> PipelineResult:
    """Load, clean, split on the universe's calendar, fit, evaluate, forecast and write.

    ``alone`` (default: one source and ``model="per-ticker"``) runs one ticker by itself
    into ``spec.output.out`` (default ``runs/TICKER``): what ``stockpred run TICKER`` writes,
    ``on_load`` seeing its prices before the fit. Otherwise the sources are a universe,
    written under ``out`` (default ``runs/universe``) with its leaderboard; ``progress``
    shows a bar (the training's, for one alone); ``option_words`` names the options in a
    failed ticker's error (the CLI's flags).
    """
    sources = list(sources)
    if alone is None:
        alone = len(sources) == 1 and spec.output.model == "per-ticker"
    if not sources or (alone and len(sources) > 1):
        raise ConfigError(
            f"{len(sources)} sources given: run one ticker alone with one TickerSource, "
            "a universe with one or more (alone=False)"
        )
    for source in sources:  # refused here, once, not by every ticker's worker
        source.check(spec.load)
    if not alone:
        options = UniverseOptions.from_spec(spec, option_words=option_words)
        universe = run_universe(sources, options, backend, progress=progress)
        return PipelineResult(universe.out, _every_outcome(sources, universe), universe)
    (source,) = sources
    output = spec.output
    # The universe calendar of one ticker is exactly its own 70/15/15 split (issue 21
    # checked it on 6,030 cases), so one alone skips the calendar pass, which would load
    # its prices twice: its model splits itself by the config's fractions.
    job = TickerJob(
        spec.config,
        str(output.out or Path("runs") / source.ticker),
        output.days,
        spec.load,
        config_sha="",  # no stamp: a folder of one ticker alone is never resumed
        market=universe_market(spec.config.market, sources, spec.load),
        alone=True,
        force=output.force,
        progress=progress,
        on_load=on_load,
    )
    (outcome,) = backend.map(partial(fit_ticker, job), sources)  # its errors are raised
    return PipelineResult(Path(job.out), {source.ticker: outcome}, run=outcome.run)


def _every_outcome(
    sources: Sequence[TickerSource], universe: UniverseResult
) -> dict[str, TickerOutcome]:
    """The finished tickers' outcomes and the failed ones', in the sources' order."""
    failed = {t: TickerOutcome(t, error=why) for t, why in universe.failed.items()}
    every = {**failed, **universe.outcomes}
    return {s.ticker: every[s.ticker] for s in sources if s.ticker in every}
