"""``stockpred tune``: a thin layer over :mod:`stockpred.tuning` (via ``runs.tuning_run``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from stockpred.cli.options import (
    Address,
    BackendOpt,
    Quiet,
    config_options,
    loading_options,
    ray_address,
    tickers_options,
)
from stockpred.cli.show import make_console, say_data
from stockpred.config import ForecastConfig
from stockpred.data.options import LoadOptions

if TYPE_CHECKING:
    from stockpred.tuning.study import TrialRecord


def register(app: typer.Typer) -> None:
    """Add ``tune`` to the main stockpred app."""
    app.command()(tune)


@config_options()
@loading_options
@tickers_options
def tune(
    config: ForecastConfig,
    loading: LoadOptions,
    tickers: list[str],
    out: Annotated[Path, typer.Option("--out", help="Folder to write.")] = Path("runs/tune"),
    trials: Annotated[int, typer.Option(min=1, max=10_000, help="Trials to run.")] = 20,
    backend: BackendOpt = "local",
    address: Address = None,
    space: Annotated[
        Path | None,
        typer.Option("--space", help="TOML of search ranges, e.g. window = {low=10, high=80}."),
    ] = None,
    quiet: Quiet = False,
) -> None:
    """Search window, hidden size, layers, dropout, learning rate and batch size on validation.

    A model option given here or in --config is held fixed. Writes OUT/best.toml (for
    run --config), OUT/trials.csv, OUT/test.csv (tuned vs default vs naive on the test span,
    scored once, after the search) and OUT/tuning.html.
    """
    from stockpred.cli.model import _load, _ticker_list
    from stockpred.run_folder import reserve
    from stockpred.runs import tuning_run
    from stockpred.tuning.space import SearchSpace

    console = make_console(False)
    # What the user set, on the command line or in --config, is held fixed, not searched.
    search = SearchSpace.load(space, frozenset(config.model_fields_set))
    names = _ticker_list(tickers, loading.csv)
    histories = [_load(name, loading, config.market) for name in names]
    for history in histories:
        say_data(console, history)

    def say(record: TrialRecord) -> None:
        if not quiet:
            loss = "–" if record.val_loss is None else f"{record.val_loss:.4f}"
            console.print(
                f"trial {record.number}: {record.state}, val loss {loss} "
                f"({record.epochs} epochs, {record.seconds:.1f}s) {record.params}"
            )

    with reserve(out, "tune"):  # checked and locked before the search, not after it
        run = tuning_run(
            histories,
            config,
            search,
            out,
            trials=trials,
            backend=backend,
            address=ray_address(address),
            on_trial=say,
        )
    best = run.tuning.best
    console.print(f"best: trial {best.number}, val loss {best.val_loss:.4f}, {best.params}")
    console.print(run.test.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    console.print(run.verdict)
    console.print(f"wrote {out}/ (best.toml, trials.csv, test.csv, tuning.html)")
