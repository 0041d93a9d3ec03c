"""``forecast``, ``replay``, ``scorecard`` and ``ledger``: the forecasts stockpred made, kept.

A thin layer over :mod:`stockpred.ledger`: the options say which tickers, which sessions and
where the models and the store are; the ledger package does the work.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from stockpred.cli.options import (
    Address,
    BackendOpt,
    Force,
    Quiet,
    Workers,
    config_options,
    loading_options,
    ray_address,
    tickers_options,
)
from stockpred.config import ForecastConfig
from stockpred.data.options import LoadOptions

Models = Annotated[
    Path,
    typer.Option(
        "--models",
        help="Folder of saved models, DIR/TICKER/<trained-through date>/; refits are added here.",
    ),
]
RefitEvery = Annotated[
    int,
    typer.Option(
        "--refit-every", min=1, help="Refit a ticker's model once it is this many sessions old."
    ),
]
LedgerDays = Annotated[
    int, typer.Option("--days", min=1, max=250, help="Sessions ahead to forecast each day.")
]
StorePath = Annotated[
    Path | None,
    typer.Option("--store", help="DuckDB store (default: $STOCKPRED_STORE or user data dir)."),
]


def register(app: typer.Typer) -> None:
    """Add ``forecast``, ``replay``, ``scorecard`` and the ``ledger`` group to the app."""
    app.command()(forecast)
    app.command()(replay)
    app.command()(scorecard)
    group = typer.Typer(help="List, export and prune the forecast ledger.", no_args_is_help=True)
    group.command("list")(list_ledger)
    group.command("export")(export_ledger)
    group.command("prune")(prune_ledger)
    app.add_typer(group, name="ledger")


@config_options()
@loading_options
@tickers_options
def forecast(
    config: ForecastConfig,
    loading: LoadOptions,
    tickers: list[str],
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Forecast as of this session (default: the last one)."),
    ] = None,
    models: Models = Path("models"),
    refit_every: RefitEvery = 21,
    days: LedgerDays = 5,
    workers: Workers = None,
    backend: BackendOpt = "local",
    address: Address = None,
    quiet: Quiet = False,
) -> None:
    """Forecast the next sessions of each ticker as of one session and add them to the ledger.

    Nothing after --as-of is read. A ticker's newest model in --models is reused while it is
    younger than --refit-every sessions; otherwise one is trained on the prices up to --as-of
    and saved beside it, with its test-span record (its promise). Forecasting the same
    session with the same model again writes nothing.
    """
    from stockpred.data.dates import check_date

    last = check_date("as_of", as_of)
    _run(
        config,
        loading,
        tickers,
        (None, last),
        models,
        refit_every,
        days,
        quiet,
        workers,
        backend,
        address,
    )


@config_options()
@loading_options
@tickers_options
def replay(
    config: ForecastConfig,
    loading: LoadOptions,
    tickers: list[str],
    start_session: Annotated[
        str, typer.Option("--from", help="First session to forecast as of.", show_default=False)
    ],
    end_session: Annotated[
        str, typer.Option("--to", help="Last session to forecast as of.", show_default=False)
    ],
    models: Models = Path("models"),
    refit_every: RefitEvery = 21,
    days: LedgerDays = 5,
    workers: Workers = None,
    backend: BackendOpt = "local",
    address: Address = None,
    quiet: Quiet = False,
) -> None:
    """Run forecast as of every session from --from to --to in turn, into the ledger.

    Each session's forecasts are added in one transaction; sessions a ticker already has
    forecasts for are skipped, so a replay that was stopped picks up where it was.
    """
    from stockpred.data.dates import check_date
    from stockpred.exceptions import ConfigError

    first, last = check_date("from", start_session), check_date("to", end_session)
    if first is None or last is None or first > last:
        raise ConfigError(f"--from {start_session} is after --to {end_session}; swap them")
    _run(
        config,
        loading,
        tickers,
        (first, last),
        models,
        refit_every,
        days,
        quiet,
        workers,
        backend,
        address,
    )


def _run(
    config: ForecastConfig,
    loading: LoadOptions,
    tickers: list[str],
    span: tuple[Any, Any],
    models: Path,
    refit_every: int,
    days: int,
    quiet: bool,
    workers: int | None,
    backend: str,
    address: str | None,
) -> None:
    """Build a job a ticker, run them (here for one ticker, on workers for more), say how
    each went; any failure exits non-zero after the others finished."""
    from stockpred.cli.show import make_console, stderr_line
    from stockpred.cluster.backend import universe_backend
    from stockpred.ledger.replay import DailyJob, run_all
    from stockpred.universe.progress import Interrupted

    console = make_console(False)
    store = Path(loading.store) if loading.store else None
    jobs = [
        DailyJob(
            name,
            loading,
            config,
            models.resolve(),
            store,
            refit_every,
            days,
            *span,
            replay=span[0] is not None,
        )
        for name in _names(tickers, loading.csv)
    ]
    try:
        with universe_backend(backend, workers, ray_address(address), models, config.device) as b:
            outcomes = run_all(jobs, b, not quiet)
    except (Interrupted, KeyboardInterrupt):
        raise typer.Exit(_interrupted()) from None
    for outcome in outcomes:
        if outcome.ok:
            ids = _models_used(outcome.model_ids)
            skipped = f", {outcome.skipped} already in the ledger" if outcome.skipped else ""
            last = "" if outcome.last_as_of is None else f" to {outcome.last_as_of.date()}"
            console.print(
                f"{outcome.ticker}: {outcome.sessions} session(s){last}{skipped}, "
                f"{outcome.written} new forecast row(s) ({ids})"
            )
        else:
            stderr_line("error:", "red", f"{outcome.ticker}: {outcome.error}")
    if not all(o.ok for o in outcomes):
        raise typer.Exit(1)


def _models_used(ids: list[str]) -> str:
    """The models a ticker's sessions used, by name; a year of monthly refits by count."""
    if not ids:
        return "no model needed"
    if len(ids) <= 2:
        return f"model {', '.join(ids)}"
    return f"{len(ids)} models, the last {ids[-1]}"


def _interrupted() -> int:
    """Ctrl-C: what was written stays; running the same command again finishes the rest."""
    from stockpred.cli.show import stderr_line

    stderr_line(
        "interrupted:",
        "yellow",
        "sessions forecast so far are in the ledger; run the same command again to do the rest",
    )
    return 130


def _names(tickers: list[str], csv: str | None) -> list[str]:
    """The tickers asked for; with --csv and none, the file's name (as load_prices reads it)."""
    from stockpred.data.samples import DEFAULT_TICKER
    from stockpred.data.tickers import ticker_from_path
    from stockpred.exceptions import ConfigError

    if csv is not None and len(tickers) > 1:
        raise ConfigError("--csv takes one file, so give at most one ticker name with it")
    if tickers:
        return [t.upper() for t in tickers]
    return [ticker_from_path(csv) if csv else DEFAULT_TICKER]


def scorecard(
    store: StorePath = None,
    csv: Annotated[
        Path | None,
        typer.Option("--csv", help="Prices to score against: a file or a folder of them."),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder to write.")] = Path("runs/scorecard"),
    loss: Annotated[
        Literal["mae", "mse"], typer.Option(help="The DM test's loss (the verdict's).")
    ] = "mae",
    force: Force = False,
) -> None:
    """Score every ledger forecast whose target session now has a price.

    Per ticker and model, per ticker and pooled, each per step: n, MAE ÷ naive, DM against
    naive (BH across tickers), coverage and Winkler score, beside the model's promise, with a
    flag where the live record contradicts it beyond chance. Writes OUT/scorecard.csv,
    scorecard.json and scorecard.html.
    """
    from stockpred.cli.show import make_console, warn_line
    from stockpred.ledger.scorecard import write_scorecard

    table = write_scorecard(store, csv, out, loss, force=force)
    console = make_console(False)
    for flag in (f for f in table["flag"] if f):
        warn_line(flag)
    pooled = table[(table["scope"] == "pooled") & (table["step"] == 1)]
    if not pooled.empty:
        row = pooled.iloc[0]
        console.print(
            f"one step ahead: {int(row['n'])} forecasts, MAE {row['mae_vs_naive']:.3f}× naive, "
            f"{row['coverage']:.0%} of {row['level']:.0%} intervals covered"
        )
    console.print(f"wrote {out}/ (scorecard.csv, scorecard.json, scorecard.html)")


def list_ledger(store: StorePath = None) -> None:
    """Each ticker's forecasts in the ledger, per model: sessions, first and last as_of."""
    from stockpred.cli.show import make_console
    from stockpred.ledger.table import Ledger

    forecasts = Ledger(store).read()
    console = make_console(False)
    if forecasts.empty:
        console.print("the ledger is empty")
        return
    listing = forecasts.groupby(["ticker", "model_id"]).agg(
        sessions=("as_of", "nunique"),
        rows=("step", "size"),
        first_as_of=("as_of", "min"),
        last_as_of=("as_of", "max"),
    )
    for column in ("first_as_of", "last_as_of"):
        listing[column] = listing[column].dt.date
    console.print(listing.to_string(), highlight=False, markup=False)


def export_ledger(
    out: Annotated[Path, typer.Argument(help="File to write: .csv or .parquet.")],
    store: StorePath = None,
) -> None:
    """Write every ledger forecast to a CSV or Parquet file (a new file: none is replaced)."""
    from stockpred.cli.show import make_console
    from stockpred.ledger.table import Ledger

    rows = Ledger(store).export(out)
    make_console(False).print(f"wrote {rows} forecast row(s) to {out}")


def prune_ledger(
    before: Annotated[
        str, typer.Option("--before", help="Remove forecasts made before this date.")
    ],
    ticker: Annotated[str | None, typer.Option("--ticker", help="Only this ticker's.")] = None,
    store: StorePath = None,
) -> None:
    """Remove old forecasts from the ledger (its own rows only; prices are untouched)."""
    from stockpred.cli.show import make_console
    from stockpred.data.dates import check_date
    from stockpred.ledger.table import Ledger

    cutoff = check_date("before", before)
    assert cutoff is not None  # a required option
    removed = Ledger(store).prune(cutoff, ticker.upper() if ticker else None)
    make_console(False).print(f"removed {removed} forecast row(s) made before {cutoff.date()}")
