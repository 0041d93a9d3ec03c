"""What a universe run gives back: below both the runner that builds it and the page that
shows it, so neither imports the other."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from stockpred.universe.book import CrossSection
from stockpred.universe.job import TickerOutcome
from stockpred.universe.scores import ModelSummary


@dataclass(frozen=True)
class TickerCounts:
    """How many tickers were asked for, done (``resumed`` of them reused) and failed."""

    asked: int
    done: int
    failed: int
    resumed: int


@dataclass(frozen=True)
class UniverseSummary:
    """The universe's figures: universe.json, field for field (``dataclasses.asdict``)."""

    loss: str  # the verdict's loss
    tickers: TickerCounts
    sentences: tuple[str, ...]
    models: dict[str, ModelSummary]  # by learned or baseline model's name
    cross_section: dict[str, CrossSection]
    settings: dict[str, Any]  # the config and run options, as UniverseOptions.record gives them
    # Wall, calendar, each phase's median and total; the global model's phases under global.
    seconds: dict[str, float | dict[str, float]] = field(default_factory=dict)


@dataclass
class UniverseResult:
    """What the CLI prints and turns into an exit code."""

    out: Path
    asked: int
    outcomes: dict[str, TickerOutcome]
    failed: dict[str, str]
    board: pd.DataFrame
    summary: UniverseSummary
    series: dict[str, pd.DataFrame] = field(default_factory=dict)  # model -> daily rank IC, book

    @property
    def exit_code(self) -> int:
        """0 all done, 3 some failed, 1 all failed."""
        if not self.failed:
            return 0
        return 1 if not self.outcomes else 3
