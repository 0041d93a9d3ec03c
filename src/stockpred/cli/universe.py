"""`stockpred run` over a universe: many tickers, a folder or a panel file, in parallel."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from stockpred.cli.show import make_console, refuse, show_progress, stderr_line
from stockpred.spec import UNIVERSE_ONLY, Output

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console

    from stockpred.data.loading import PriceHistory
    from stockpred.models.forecaster import LSTMForecaster
    from stockpred.spec import RunSpec
    from stockpred.universe.inputs import TickerSource
    from stockpred.universe.result import UniverseResult


def is_universe(names: list[str], csv: Path | None, model: str) -> bool:
    """Whether the run is a universe (several tickers, a folder or a panel file, or the global
    model), not one ticker run alone."""
    folder_or_panel = csv is not None and (csv.is_dir() or _is_panel(csv))
    return folder_or_panel or len(names) > 1 or model != "per-ticker"


def refuse_universe_options(ctx: typer.Context, output: Output) -> None:
    """A single ticker given an option only a universe uses: one line naming it, exit 2."""
    given = [
        param.opts[0]
        for param in ctx.command.params
        if param.name in UNIVERSE_ONLY and param.name in output.model_fields_set
    ]
    if given:
        refuse(
            f"{' and '.join(given)} {'applies' if len(given) == 1 else 'apply'} to a universe "
            "(several tickers, a folder or a panel file, or --model global/both); "
            "one ticker runs here alone: drop "
            f"{'it' if len(given) == 1 else 'them'}, or name more tickers"
        )


def _is_panel(csv: Path) -> bool:
    from stockpred.universe.inputs import panel_key

    return panel_key(csv) is not None


def run_universe_command(
    spec: RunSpec,
    sources: list[TickerSource],
    words: Callable[[str], str],
    *,
    as_json: bool,
    quiet: bool,
) -> None:
    """Run the universe, print what came of it, exit 0 / 3 (some failed) / 1 (all failed) / 130."""
    import json
    from dataclasses import asdict

    from stockpred.cli.options import ray_address
    from stockpred.cluster.backend import universe_backend
    from stockpred.universe.folder import locked_out
    from stockpred.universe.options import UniverseOptions
    from stockpred.universe.pipeline import run
    from stockpred.universe.progress import Interrupted

    console = make_console(as_json)
    interrupted: Interrupted | None = None
    output, options = spec.output, UniverseOptions.from_spec(spec)
    device = options.config.device
    # The folder is checked and held before Ray starts writing its log into it.
    with (
        locked_out(options.out, options.record()),
        universe_backend(
            output.backend, output.workers, ray_address(output.address), options.out, device
        ) as chosen,
    ):
        console.print(f"{len(sources)} tickers, model {options.model}, {chosen} → {options.out}")
        try:
            ran = run(
                spec,
                sources,
                chosen,
                alone=False,
                progress=show_progress(quiet, as_json),
                option_words=words,
            )
        except Interrupted as exc:  # the Ray session (if any) ends before the exit below
            interrupted = exc
    if interrupted is not None:
        make_console(True).print(str(interrupted), style="red", soft_wrap=True)
        raise typer.Exit(130)
    result = ran.universe
    assert result is not None  # a universe keeps its figures
    say_universe(console, result)
    if as_json:
        typer.echo(json.dumps(asdict(result.summary), indent=2))
    if result.exit_code == 3:
        make_console(True).print(
            f"{len(result.failed)} of {result.asked} tickers failed; "
            f"see {result.out / 'failed.csv'}",
            style="red",
            soft_wrap=True,
        )
    elif result.exit_code == 1:
        stderr_line(
            "error:", "red", f"all {result.asked} tickers failed; see {result.out / 'failed.csv'}"
        )
    if result.exit_code:
        raise typer.Exit(result.exit_code)


def is_global(run_dir: Path) -> bool:
    """True for a universe's global model folder (its model/ is a global model)."""
    from stockpred.models.global_lstm import is_global_model
    from stockpred.runs import MODEL_DIR

    return is_global_model(run_dir / MODEL_DIR)


def global_views(
    run_dir: Path, tickers: list[str], csv: Path | None
) -> dict[str, tuple[LSTMForecaster, PriceHistory | None]] | None:
    """A global model's view of each ticker asked, or of --csv's prices (with their newer
    prices), by ticker; None for other folders."""
    from stockpred.data.loading import load_prices
    from stockpred.exceptions import ConfigError
    from stockpred.models.global_lstm import GlobalLSTM
    from stockpred.runs import MODEL_DIR

    if not is_global(run_dir):
        return None
    model = GlobalLSTM.load(run_dir / MODEL_DIR)
    names = list(dict.fromkeys(t.upper() for t in tickers))
    if csv is None:
        if not names:
            raise ConfigError(
                f"{run_dir} is a global model of {len(model.tickers_)} tickers; name them with "
                "--ticker, or give any ticker's prices with --csv"
            )
        return {name: (model.for_ticker(name), None) for name in names}
    if len(names) > 1:
        raise ConfigError("--csv holds one ticker's prices: give at most one --ticker with it")
    history = load_prices(names[0] if names else None, csv=csv)
    if history.ticker in model.tickers_:
        return {history.ticker: (model.for_ticker(history.ticker), history)}
    return {history.ticker: (model.for_history(history), history)}


def refuse_universe_folder(run_dir: Path) -> None:
    """A universe's folder given to predict: one line naming a ticker folder and global_lstm."""
    from stockpred.exceptions import ConfigError
    from stockpred.models.global_lstm import NAME
    from stockpred.runs import MODEL_DIR
    from stockpred.universe.runner import UNIVERSE

    if not (run_dir / UNIVERSE).is_file():
        return
    folders = sorted(p.name for p in run_dir.iterdir() if (p / MODEL_DIR).is_dir())
    ticker = next((name for name in folders if name != NAME), "AAPL")
    options = [f"one ticker's folder ({run_dir / ticker})"]
    if NAME in folders:
        options.append(f"its global model ({run_dir / NAME} --ticker {ticker})")
    raise ConfigError(f"{run_dir} is a universe's folder; pass {' or '.join(options)}")


def say_universe(console: Console, result: UniverseResult) -> None:
    """Counts, the honest sentences and the per-model medians."""
    counts = result.summary.tickers
    console.print(
        f"{counts.done} of {counts.asked} tickers done "
        f"({counts.resumed} reused), {counts.failed} failed"
    )
    for sentence in result.summary.sentences:
        console.print(sentence)
    for model, section in result.summary.cross_section.items():
        if section.dates:
            ls = section.long_short.cumulative_return
            ew = section.equal_weight.cumulative_return
            console.print(
                f"{model}: rank IC {section.rank_ic_mean:+.4f} over {section.dates} dates; "
                f"long/short {ls:+.1%} vs equal weight {ew:+.1%}"
            )
    console.print(
        f"wrote {result.out}/ (leaderboard.csv, universe.json, failed.csv, index.html, TICKER/)"
    )
