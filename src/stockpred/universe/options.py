"""What one universe run does: the options whose hash decides whether --out and --resume match."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stockpred.config import ForecastConfig
from stockpred.data.options import LoadOptions
from stockpred.spec import ModelChoice, RunSpec


@dataclass(frozen=True)
class RunRecord:
    """universe-run.json: the settings that make two runs comparable, and their sha256."""

    config_sha: str
    settings: dict[str, Any]  # the config's JSON and the run options, as universe.json says


@dataclass(frozen=True)
class UniverseOptions:
    """What one universe run does; its hash decides whether --out and --resume match."""

    config: ForecastConfig
    out: Path
    loading: LoadOptions
    days: int = 10
    model: ModelChoice = "per-ticker"
    embed: int = 0
    resume: bool = False
    cost_bps: float = 5.0
    # How a failed ticker's error names the options: the CLI gives its flags (--max-gap),
    # the API keeps its keywords (max_gap=). No part of the record.
    option_words: Callable[[str], str] | None = None

    @classmethod
    def from_spec(
        cls, spec: RunSpec, option_words: Callable[[str], str] | None = None
    ) -> UniverseOptions:
        """The universe's options of a run specification (``runs/universe`` without --out)."""
        output = spec.output
        return cls(
            spec.config,
            output.out or Path("runs") / "universe",
            spec.load,
            days=output.days,
            model=output.model,
            embed=output.embed,
            resume=output.resume,
            cost_bps=output.cost_bps,
            option_words=option_words,
        )

    def record(self) -> RunRecord:
        """The settings that make two runs comparable, and their sha256."""
        settings = {
            **self.config.model_dump(mode="json"),
            "days": self.days,
            "model": self.model,
            "embed": self.embed,
        }
        sha = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()
        return RunRecord(sha, settings)
