"""``stockpred tune``: a thin layer over :mod:`stockpred.tuning`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

if TYPE_CHECKING:
    from stockpred.tuning.study import TrialRecord

from stockpred.cli.app import (
    _CONFIG_OPTIONS,
    BatchSize,
    ConfigFile,
    Csv,
    Device,
    Dropout,
    End,
    Epochs,
    Exchange,
    Hidden,
    Horizon,
    Layers,
    LearningRate,
    MaxGap,
    Quiet,
    Seed,
    Source,
    Start,
    StoreOpt,
    Strict,
    Target,
    TestStart,
    Threads,
    Tickers,
    TickersFile,
    Window,
    _config,
    _console,
    _data_args,
    _load,
    _say_data,
    _ticker_list,
)

BackendOpt = Annotated[
    Literal["local", "ray"],
    typer.Option(
        help="Run trials here one at a time (reproducible), or on Ray (needs stockpred[ray])."
    ),
]
Address = Annotated[
    str | None,
    typer.Option(
        help="Ray cluster to join (default: $RAY_ADDRESS, else a local one for this command)."
    ),
]


def tune(
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
        typer.Option(
            "--space", help="TOML file of search ranges, e.g. window = {low=10, high=80}."
        ),
    ] = None,
    epochs: Epochs = None,
    seed: Seed = None,
    window: Window = None,
    horizon: Horizon = None,
    hidden: Hidden = None,
    layers: Layers = None,
    dropout: Dropout = None,
    batch_size: BatchSize = None,
    lr: LearningRate = None,
    target: Target = None,
    device: Device = None,
    threads: Threads = None,
    test_start: TestStart = None,
    config: ConfigFile = None,
    exchange: Exchange = "XNYS",
    strict: Strict = False,
    max_gap: MaxGap = 5,
    start: Start = None,
    end: End = None,
    quiet: Quiet = False,
) -> None:
    """Search window, hidden size, layers, dropout, learning rate and batch size on validation.

    A config option given here or in --config is held fixed. Writes OUT/best.toml (for
    run --config), OUT/trials.csv, OUT/test.csv (tuned vs default vs naive on the test span,
    scored once after the search) and OUT/tuning.html.
    """
    import tomllib

    from stockpred.runs import tuning_run
    from stockpred.tuning.space import SearchSpace

    console = _console(False)
    options = locals()
    base = _config(config, options)  # a broken --config is reported before any data is read
    # What the user set, on the command line or in --config, is held fixed, not searched.
    fixed = {f for name, f in _CONFIG_OPTIONS.items() if options.get(name) is not None}
    if config is not None:
        fixed |= set(tomllib.loads(config.read_text()))
    search = SearchSpace.load(space, frozenset(fixed))
    data_args = _data_args(csv, source, store, exchange, strict, max_gap, start, end)
    histories = [_load(name, data_args) for name in _ticker_list(tickers, tickers_file, csv)]
    for history in histories:
        _say_data(console, history)

    def say(record: TrialRecord) -> None:
        if not quiet:
            loss = "–" if record.val_loss is None else f"{record.val_loss:.4f}"
            console.print(
                f"trial {record.number}: {record.state}, val loss {loss} "
                f"({record.epochs} epochs, {record.seconds:.1f}s) {record.params}"
            )

    run = tuning_run(
        histories,
        base,
        search,
        out,
        trials=trials,
        backend=backend,
        address=address or os.environ.get("RAY_ADDRESS"),
        on_trial=say,
    )
    best = run.tuning.best
    console.print(f"best: trial {best.number}, val loss {best.val_loss:.4f}, {best.params}")
    console.print(run.test.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    console.print(run.verdict)
    console.print(f"wrote {out}/ (best.toml, trials.csv, test.csv, tuning.html)")
