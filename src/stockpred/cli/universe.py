"""`stockpred run` over a universe: many tickers, a folder or a panel file, in parallel."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.console import Console

if TYPE_CHECKING:
    from stockpred.data.loading import PriceHistory
    from stockpred.models.forecaster import Forecaster
    from stockpred.universe.inputs import TickerSource
    from stockpred.universe.options import UniverseOptions
    from stockpred.universe.runner import UniverseResult

Workers = Annotated[
    int | None,
    typer.Option(min=1, help="Processes fitting tickers at once (default: one a core)."),
]
ModelOpt = Annotated[
    Literal["per-ticker", "global", "both"],
    typer.Option("--model", help="One LSTM a ticker, one global LSTM for all, or both."),
]
Embed = Annotated[
    int, typer.Option(min=0, max=256, help="Global model: learned ticker embedding size (0: none).")
]
Resume = Annotated[
    bool,
    typer.Option(
        "--resume", help="Skip tickers already complete in --out for this config and data."
    ),
]
CostBps = Annotated[
    float,
    typer.Option(
        "--cost-bps", min=0.0, help="Long/short portfolio cost, basis points a unit of turnover."
    ),
]


def universe_sources(names: list[str], csv: Path | None, model: str) -> list[TickerSource] | None:
    """The universe's sources, or None when this is a plain one-ticker run."""
    from stockpred.universe.inputs import universe_sources as sources_for

    folder_or_panel = csv is not None and (csv.is_dir() or _is_panel(csv))
    if not folder_or_panel and len(names) <= 1 and model == "per-ticker":
        return None
    if not names and csv is None:
        names = ["MSFT"]
    return sources_for(names, csv)


def _is_panel(csv: Path) -> bool:
    from stockpred.universe.inputs import panel_key

    return panel_key(csv) is not None


def run_universe_command(
    sources: list[TickerSource],
    options: UniverseOptions,
    backend: str,
    workers: int | None,
    address: str | None,
    *,
    as_json: bool,
    quiet: bool,
) -> None:
    """Run the universe, print what came of it, exit 0 / 3 (some failed) / 1 (all failed) / 130."""
    import json

    from stockpred.cluster.backend import universe_backend
    from stockpred.universe.folder import locked_out
    from stockpred.universe.progress import Interrupted
    from stockpred.universe.runner import run_universe

    console = Console(stderr=as_json, highlight=False)
    interrupted: Interrupted | None = None
    device = options.config.device
    # The folder is checked and held before Ray starts writing its log into it.
    with (
        locked_out(options.out, options.record()),
        universe_backend(backend, workers, address, options.out, device) as chosen,
    ):
        console.print(f"{len(sources)} tickers, model {options.model}, {chosen} → {options.out}")
        try:
            result = run_universe(sources, options, chosen, progress=not quiet and not as_json)
        except Interrupted as exc:  # the Ray session (if any) ends before the exit below
            interrupted = exc
    if interrupted is not None:
        Console(stderr=True, highlight=False).print(f"[red]{interrupted}[/]", soft_wrap=True)
        # Every file is in place and the kernel drops the lock; waiting for the process
        # pool's bookkeeping threads after its workers were killed can only delay the exit.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    say_universe(console, result)
    if as_json:
        typer.echo(json.dumps(result.summary, indent=2))
    if result.exit_code == 3:
        Console(stderr=True, highlight=False).print(
            f"[red]{len(result.failed)} of {result.asked} tickers failed; "
            f"see {result.out / 'failed.csv'}[/]",
            soft_wrap=True,
        )
    elif result.exit_code == 1:
        Console(stderr=True, highlight=False).print(
            f"[red]error:[/] all {result.asked} tickers failed; see {result.out / 'failed.csv'}",
            soft_wrap=True,
        )
    if result.exit_code:
        raise typer.Exit(result.exit_code)


def global_view(
    run_dir: Path, ticker: str | None, csv: Path | None
) -> tuple[Forecaster, PriceHistory | None] | None:
    """A global model's view of one ticker (and its newer prices), or None for other folders."""
    from stockpred.data.loading import load_prices
    from stockpred.exceptions import ConfigError
    from stockpred.runs import MODEL_DIR
    from stockpred.universe.global_model import GlobalForecaster, is_global_model

    if not is_global_model(run_dir / MODEL_DIR):
        return None
    model = GlobalForecaster.load(run_dir / MODEL_DIR)
    name = ticker.upper() if ticker else None
    if name is None and csv is None:
        raise ConfigError(
            f"{run_dir} is a global model of {len(model.tickers_)} tickers; name one with "
            "--ticker, or give any ticker's prices with --csv"
        )
    history = None if csv is None else load_prices(name, csv=csv)
    if history is not None and history.ticker not in model.tickers_:
        return model.for_history(history), history
    return model.for_ticker(name or (history.ticker if history else "")), history


def say_universe(console: Console, result: UniverseResult) -> None:
    """Counts, the honest sentences and the per-model medians."""
    counts = result.summary["tickers"]
    console.print(
        f"{counts['done']} of {counts['asked']} tickers done "
        f"({counts['resumed']} reused), {counts['failed']} failed"
    )
    for sentence in result.summary["sentences"]:
        console.print(sentence)
    for model, section in result.summary["cross_section"].items():
        if section["dates"]:
            ls = section["long_short"]["cumulative_return"]
            ew = section["equal_weight"]["cumulative_return"]
            console.print(
                f"{model}: rank IC {section['rank_ic_mean']:+.4f} over {section['dates']} dates; "
                f"long/short {ls:+.1%} vs equal weight {ew:+.1%}"
            )
    console.print(
        f"wrote {result.out}/ (leaderboard.csv, universe.json, failed.csv, index.html, TICKER/)"
    )
