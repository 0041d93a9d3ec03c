"""What a universe run gives back: below both the runner that builds it and the page that
shows it, so neither imports the other."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from stockpred.universe.job import TickerOutcome


@dataclass
class UniverseResult:
    """What the CLI prints and turns into an exit code."""

    out: Path
    asked: int
    outcomes: dict[str, TickerOutcome]
    failed: dict[str, str]
    board: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)
    series: dict[str, pd.DataFrame] = field(default_factory=dict)  # model -> daily rank IC, book

    @property
    def exit_code(self) -> int:
        """0 all done, 3 some failed, 1 all failed."""
        if not self.failed:
            return 0
        return 1 if not self.outcomes else 3
