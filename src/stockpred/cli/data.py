"""``stockpred fetch`` and ``stockpred data list|export``: the local price store from the shell.

Heavy modules (pandas, duckdb, providers) are imported inside the commands so that
``stockpred --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from stockpred.cli.cleaning import DateFormat, Duplicates, End, MaxFilled, Start, file_cleaning

if TYPE_CHECKING:
    from stockpred.data.providers import Provider

StoreOption = Annotated[
    Path | None,
    typer.Option("--store", help="DuckDB store file (default: $STOCKPRED_STORE or user data dir)"),
]


def register(app: typer.Typer) -> None:
    """Add ``fetch`` and the ``data`` group to the main stockpred app."""
    app.command("fetch")(fetch)
    data = typer.Typer(help="Inspect and export the local price store.", no_args_is_help=True)
    data.command("list")(list_stored)
    data.command("export")(export)
    data.command("import")(import_files)
    app.add_typer(data, name="data")


def read_tickers(tickers: list[str], tickers_file: Path | None) -> list[str]:
    """Tickers from arguments and a file (one or more per line, ``#`` comments), deduplicated."""
    from stockpred.exceptions import ConfigError

    names = list(tickers)
    if tickers_file is not None:
        if not tickers_file.is_file():
            raise ConfigError(f"no such tickers file: {tickers_file}")
        for line in tickers_file.read_text().splitlines():
            names.extend(line.split("#", 1)[0].replace(",", " ").split())
    if not names:
        raise ConfigError(
            "no tickers given: name them (stockpred fetch MSFT AAPL) or pass --tickers-file"
        )
    from stockpred.data.tickers import check_ticker

    return list(dict.fromkeys(check_ticker(n) for n in names))


def fetch(
    tickers: Annotated[list[str] | None, typer.Argument(help="Tickers, e.g. MSFT AAPL")] = None,
    start: Annotated[
        str | None, typer.Option(help="First date, e.g. 2010-01-01 (default: all)")
    ] = None,
    end: Annotated[str | None, typer.Option(help="Last date (default: latest session)")] = None,
    source: Annotated[
        Literal["auto", "yahoo", "stooq", "alphavantage", "sample"],
        typer.Option(help="Where to fetch from; auto tries yahoo, stooq, alphavantage."),
    ] = "auto",
    store: StoreOption = None,
    tickers_file: Annotated[
        Path | None, typer.Option(help="File of tickers, one or more per line")
    ] = None,
) -> None:
    """Fetch daily prices into the local store; a second run fetches only new sessions."""
    from rich.table import Table

    from stockpred.cli.show import labelled, make_console
    from stockpred.data.store import PriceStore
    from stockpred.data.sync import update_first
    from stockpred.exceptions import DataError, ProviderError

    names = read_tickers(tickers or [], tickers_file)
    providers = _providers(source)
    price_store = PriceStore(store)
    console = make_console()
    table = Table(
        "ticker", "source", "action", "rows written", "stored", title=str(price_store.path)
    )
    failed: list[DataError] = []
    for name in names:
        try:
            result = update_first(price_store, name, providers, start=start, end=end)
        except DataError as exc:
            if len(names) == 1:
                raise  # the CLI prints it as the one error line
            failed.append(exc)
            console.print(labelled(f"{name}:", "red", str(exc)), soft_wrap=True)
            continue
        held = price_store.ranges(name, result.source)[0]
        span = f"{held.first.date()}..{held.last.date()} ({held.rows} rows)"
        table.add_row(name, result.source, result.action, str(result.rows_written), span)
        for message in result.cleaning.messages() if result.cleaning else []:
            console.print(f"{name}: cleaned: {message}", soft_wrap=True)
    if table.row_count:
        console.print(table)
    if failed:
        raise ProviderError(f"{len(failed)} of {len(names)} tickers failed; see the lines above")


def import_files(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(help="Price files, folders of them, or long panel files.")
    ],
    store: StoreOption = None,
    exchange: Annotated[str, typer.Option(help="exchange_calendars code.")] = "XNYS",
    strict: Annotated[bool, typer.Option("--strict", help="Refuse instead of cleaning.")] = False,
    max_gap: Annotated[int, typer.Option("--max-gap", help="Longest gap to fill.")] = 5,
    max_filled: MaxFilled = 2.0,
    date_format: DateFormat = None,
    duplicates: Duplicates = None,
    start: Start = None,
    end: End = None,
) -> None:
    """Put files of prices into the store under their tickers, cleaned as a run cleans them.

    Only observed sessions are stored (cleaning's forward-filled ones are not prices), so
    ``stockpred run TICKER --source store`` then models exactly what the file gives, offline.
    """
    from rich.table import Table

    from stockpred.cli.show import labelled, make_console
    from stockpred.cli.words import in_option_words
    from stockpred.data.options import LoadOptions
    from stockpred.data.store import PriceStore, observed_rows
    from stockpred.data.tickers import check_ticker
    from stockpred.exceptions import DataError, ValidationError
    from stockpred.universe.inputs import universe_sources

    price_store = PriceStore(store)
    console = make_console()
    table = Table("ticker", "file", "rows", "span", title=str(price_store.path))
    args = LoadOptions(
        exchange=exchange,
        strict=strict,
        max_gap=max_gap,
        **file_cleaning(max_filled, date_format, duplicates, start, end),
    )
    failed = 0
    sources = [source for path in paths for source in universe_sources([], path)]
    for source in sources:
        try:
            history = source.load(args)
            rows = observed_rows(history.frame, history.cleaning)
            price_store.write(check_ticker(history.ticker), "import", rows, replace=True)
        except DataError as exc:
            failed += 1
            why = in_option_words(str(exc), ctx.find_root().command)
            console.print(labelled(f"{source.ticker}:", "red", why), soft_wrap=True)
            continue
        span = f"{history.dates[0].date()}..{history.dates[-1].date()}"
        table.add_row(history.ticker, str(source.path), str(len(rows)), span)
    if table.row_count:
        console.print(table)
    if failed:
        raise ValidationError(f"{failed} of {len(sources)} files failed; see the lines above")


def list_stored(store: StoreOption = None) -> None:
    """List stored tickers with their date ranges, row counts and staleness."""
    from rich.table import Table

    from stockpred.cli.show import make_console
    from stockpred.data.store import PriceStore
    from stockpred.data.sync import sessions_behind

    price_store = PriceStore(store)
    ranges = price_store.ranges()
    console = make_console()
    if not ranges:
        console.print(f"{price_store.path} holds no prices yet; try: stockpred fetch MSFT")
        return
    table = Table(
        "ticker",
        "source",
        "first",
        "last",
        "rows",
        "sessions behind",
        "checked (UTC)",
        title=str(price_store.path),
    )
    for held in ranges:
        checked = "" if held.checked_at is None else f"{held.checked_at:%Y-%m-%d %H:%M}"
        table.add_row(
            held.ticker,
            held.source,
            str(held.first.date()),
            str(held.last.date()),
            str(held.rows),
            str(sessions_behind(held.last, "XNYS")),
            checked,
        )
    console.print(table)


def export(
    ticker: Annotated[str, typer.Argument(help="Stored ticker to export")],
    fmt: Annotated[
        Literal["csv", "parquet"], typer.Option("--format", help="File format.")
    ] = "csv",
    out: Annotated[Path | None, typer.Option(help="Output file (default: TICKER.FORMAT)")] = None,
    source: Annotated[str | None, typer.Option(help="Stored source (default: freshest)")] = None,
    store: StoreOption = None,
) -> None:
    """Export one stored ticker as CSV or Parquet (written whole or not at all)."""
    from stockpred.cli.show import make_console
    from stockpred.data.files import write_price_file
    from stockpred.data.store import PriceStore
    from stockpred.exceptions import TickerNotFound
    from stockpred.run_folder import check_output_file

    target = out or Path(f"{ticker.upper()}.{fmt}")
    check_output_file(target)  # before the store is read, not after
    price_store = PriceStore(store)
    frame = price_store.read(ticker, source=source)
    if frame.empty:
        raise TickerNotFound(
            f"nothing stored for {ticker.upper()} in {price_store.path}; run "
            f"`stockpred fetch {ticker.upper()}` first"
        )
    path = write_price_file(frame, target, fmt)
    make_console().print(f"wrote {len(frame)} rows of {ticker.upper()} to {path}")


def _providers(source: str) -> list[Provider]:
    from stockpred.data.providers import get_provider, provider_order

    names = provider_order() if source == "auto" else (source,)
    return [get_provider(name) for name in names]
