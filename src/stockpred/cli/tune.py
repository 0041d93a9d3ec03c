"""``stockpred tune``: a thin layer over :mod:`stockpred.tuning` (via ``runs.tuning_run``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from stockpred.cli.options import (
    Address,
    BackendOpt,
    Csv,
    End,
    Exchange,
    MaxGap,
    Quiet,
    Source,
    Start,
    StoreOpt,
    Strict,
    Tickers,
    TickersFile,
    config_options,
    data_args,
    ray_address,
)
from stockpred.cli.show import make_console, say_data
from stockpred.config import ForecastConfig

if TYPE_CHECKING:
    from stockpred.tuning.study import TrialRecord


def register(app: typer.Typer) -> None:
    """Add ``tune`` to the main stockpred app."""
    app.command()(tune)


@config_options()
def tune(
    config: ForecastConfig,
    given_fields: frozenset[str],
    tickers: Tickers = None,
    csv: Csv = None,
    source: Source = None,
    store: StoreOpt = None,
    tickers_file: TickersFile = None,
    out: Annotated[Path, typer.Option("--out", help="Folder to write.")] = Path("runs/tune"),
    trials: Annotated[int, typer.Option(min=1, max=10_000, help="Trials to run.")] = 20,
    backend: BackendOpt = "local",
    address: Address = None,
    space: Annotated[
        Path | None,
        typer.Option("--space", help="TOML of search ranges, e.g. window = {low=10, high=80}."),
    ] = None,
    exchange: Exchange = "XNYS",
    strict: Strict = False,
    max_gap: MaxGap = 5,
    start: Start = None,
    end: End = None,
    quiet: Quiet = False,
) -> None:
    """Search window, hidden size, layers, dropout, learning rate and batch size on validation.

    A model option given here or in --config is held fixed. Writes OUT/best.toml (for
    run --config), OUT/trials.csv, OUT/test.csv (tuned vs default vs naive on the test span,
    scored once, after the search) and OUT/tuning.html.
    """
    from stockpred.cli.model import _load, _ticker_list
    from stockpred.runs import tuning_run
    from stockpred.tuning.space import SearchSpace

    console = make_console(False)
    search = SearchSpace.load(space, given_fields)
    loading = data_args(csv, source, store, exchange, strict, max_gap, start, end)
    histories = [_load(n, loading) for n in _ticker_list(tickers, tickers_file, csv)]
    for history in histories:
        say_data(console, history)

    def say(record: TrialRecord) -> None:
        if not quiet:
            loss = "–" if record.val_loss is None else f"{record.val_loss:.4f}"
            console.print(
                f"trial {record.number}: {record.state}, val loss {loss} "
                f"({record.epochs} epochs, {record.seconds:.1f}s) {record.params}"
            )

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
