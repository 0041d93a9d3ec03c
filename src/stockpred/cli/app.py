"""The ``stockpred`` command: a thin typer layer over the Python API.

Heavy modules (torch, pandas, matplotlib) are imported inside the commands, so
``stockpred --help`` answers quickly. A :class:`~stockpred.exceptions.StockpredError` is a
user mistake or an outside failure: it becomes one line on stderr and exit code 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich.console import Console

from stockpred.exceptions import StockpredError

if TYPE_CHECKING:
    from stockpred.config import ForecastConfig
    from stockpred.data.loading import PriceHistory
    from stockpred.evaluation.metrics import Evaluation

app = typer.Typer(
    name="stockpred",
    help="Forecast stock prices with an LSTM and see honestly whether it beats tomorrow = today.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# ------------------------------------------------------------------ shared options
Tickers = Annotated[
    list[str] | None,
    typer.Argument(
        help="Ticker(s); the bundled sample holds AAPL, FB, GOOG, IBM, MSFT.", show_default=False
    ),
]
Csv = Annotated[
    Path | None, typer.Option("--csv", help="Daily prices from a CSV or Parquet file instead.")
]
Source = Annotated[
    Literal["auto", "sample", "csv", "yahoo", "stooq", "alphavantage"] | None,
    typer.Option(
        help="Where prices come from (default: sample for its tickers, else auto: yahoo, stooq, alphavantage)."
    ),
]
StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store", help="DuckDB price store (default: $STOCKPRED_STORE or user data dir)."
    ),
]
TickersFile = Annotated[
    Path | None, typer.Option("--tickers-file", help="File of tickers, one or more per line.")
]
Out = Annotated[
    Path | None, typer.Option("--out", help="Run folder to write (default: runs/TICKER).")
]
ConfigFile = Annotated[
    Path | None, typer.Option("--config", help="TOML file with ForecastConfig fields.")
]
Epochs = Annotated[
    int | None, typer.Option(help="Maximum training epochs (early stopping may end sooner).")
]
Seed = Annotated[int | None, typer.Option(help="Random seed: same seed, same weights on the CPU.")]
Window = Annotated[int | None, typer.Option(help="Sessions of history the network sees.")]
Horizon = Annotated[int | None, typer.Option(help="Sessions ahead the network predicts at once.")]
Hidden = Annotated[int | None, typer.Option(help="LSTM hidden units per layer.")]
Layers = Annotated[int | None, typer.Option(help="Stacked LSTM layers.")]
Dropout = Annotated[float | None, typer.Option(help="Dropout between layers and before the head.")]
Bidirectional = Annotated[
    bool | None,
    typer.Option(
        "--bidirectional/--unidirectional", help="Read the window both ways (default: one way)."
    ),
]
BatchSize = Annotated[int | None, typer.Option("--batch-size", help="Training batch size.")]
LearningRate = Annotated[float | None, typer.Option("--lr", help="Adam learning rate.")]
Target = Annotated[
    Literal["return", "price"] | None,
    typer.Option(help="Model next log-return (default) or the price level."),
]
Device = Annotated[
    Literal["auto", "cpu", "cuda"] | None, typer.Option(help="Where to train (default: auto).")
]
Threads = Annotated[
    int | None,
    typer.Option(
        help="CPU threads for training (default 1, measured fastest; 0 = torch's default)."
    ),
]
TestStart = Annotated[
    str | None, typer.Option("--test-start", help="First test date (YYYY-MM-DD).")
]
Exchange = Annotated[str, typer.Option(help="exchange_calendars code for trading sessions.")]
Strict = Annotated[
    bool,
    typer.Option("--strict", help="Refuse duplicate dates and bad prices instead of cleaning."),
]
MaxGap = Annotated[
    int, typer.Option("--max-gap", help="Longest run of missing sessions to forward-fill.")
]
Start = Annotated[str | None, typer.Option(help="Ignore prices before this date.")]
End = Annotated[str | None, typer.Option(help="Ignore prices after this date.")]
Days = Annotated[int, typer.Option(min=1, max=250, help="Trading sessions to forecast.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the metrics as JSON on stdout.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]


def _console(as_json: bool) -> Console:
    """Human output goes to stderr when stdout is reserved for JSON."""
    return Console(stderr=as_json, highlight=False)


# Command-line option name -> ForecastConfig field, for the options every training command takes.
_CONFIG_OPTIONS = {
    "epochs": "epochs",
    "seed": "seed",
    "window": "window",
    "horizon": "horizon",
    "hidden": "hidden",
    "layers": "layers",
    "dropout": "dropout",
    "bidirectional": "bidirectional",
    "batch_size": "batch_size",
    "lr": "learning_rate",
    "target": "target",
    "device": "device",
    "threads": "threads",
    "test_start": "test_start",
}


def _config(config_file: Path | None, options: dict[str, Any]) -> ForecastConfig:
    """The TOML config (if any) with the command's explicit options on top."""
    from stockpred.config import make_config

    overrides = {field: options[name] for name, field in _CONFIG_OPTIONS.items() if name in options}
    return make_config(overrides, config_file)


def _load(ticker: str | None, data_args: dict[str, Any]) -> PriceHistory:
    from stockpred.data.loading import load_prices

    return load_prices(ticker, **data_args)


def _data_args(
    csv: Path | None,
    source: str | None,
    store: Path | None,
    exchange: str,
    strict: bool,
    max_gap: int,
    start: str | None,
    end: str | None,
) -> dict[str, Any]:
    """How prices are loaded, saved in the run folder so evaluate reloads the same ones."""
    return {
        "csv": str(csv) if csv else None,
        "source": source,
        "store": str(store) if store else None,
        "exchange": exchange,
        "strict": strict,
        "max_gap": max_gap,
        "start": start,
        "end": end,
    }


def _say_data(console: Console, history: PriceHistory) -> None:
    console.print(
        f"[bold]{history.ticker}[/]: {len(history)} sessions {history.dates[0].date()} to "
        f"{history.dates[-1].date()} from {history.path or history.source}; modelling [bold]{history.price_column}[/]"
    )
    for note in history.cleaning.messages() if history.cleaning else []:
        console.print(f"  cleaning: {note}")


def _metrics_table(evaluation: Evaluation) -> Any:
    from rich.table import Table

    table = Table(
        title=f"{evaluation.ticker}: one-step forecasts, {evaluation.test_start} to {evaluation.test_end} ({len(evaluation.predictions)} sessions)"
    )
    table.add_column("model")
    for col in ("MSE", "RMSE", "MAE", "MAPE %", "MASE", "dir. acc."):
        table.add_column(col, justify="right")
    for name, row in evaluation.table.iterrows():
        cells = [
            f"{row[m]:.4g}" if row[m] == row[m] and row[m] is not None else "–" for m in row.index
        ]
        table.add_row(str(name), *cells, style="bold" if name == "lstm" else None)
    return table


def _pooled_table(summary: dict[str, Any]) -> Any:
    from rich.table import Table

    first, last = summary["first_test_date"], summary["last_test_date"]
    table = Table(
        title=f"{summary['ticker']}: one-step forecasts over {len(summary['folds'])} folds, {first} to {last}"
    )
    table.add_column("model")
    for col in ("MSE", "RMSE", "MAE", "MAPE %", "MASE", "dir. acc.", "DM p vs LSTM"):
        table.add_column(col, justify="right")
    for name, row in summary["models"].items():
        cells = ["–" if v is None else f"{v:.4g}" for v in row.values()]
        dm = summary["diebold_mariano"].get(name)
        p = f"{dm[0]['pooled']['squared']['p_better']:.3g}" if dm else ""
        table.add_row(name, *cells, p, style="bold" if name == "lstm" else None)
    return table


def _say_verdict(console: Console, evaluation: Evaluation) -> None:
    colour = "green" if evaluation.beats_naive() else "red"
    console.print(f"[{colour}]{evaluation.verdict()}[/]")
    if evaluation.lag is not None:
        console.print(evaluation.lag["sentence"])


def _forecast_table(forecast: Any, title: str) -> Any:
    from rich.table import Table

    table = Table(title=title)
    for col in ("date", "forecast", "lower", "upper"):
        table.add_column(col, justify="right")
    for date, row in forecast.iterrows():
        table.add_row(
            str(date.date()), f"{row['forecast']:.2f}", f"{row['lower']:.2f}", f"{row['upper']:.2f}"
        )
    return table


# ------------------------------------------------------------------------ commands
@app.command()
def run(
    tickers: Tickers = None,
    csv: Csv = None,
    source: Source = None,
    store: StoreOpt = None,
    tickers_file: TickersFile = None,
    out: Out = None,
    days: Days = 10,
    epochs: Epochs = None,
    seed: Seed = None,
    window: Window = None,
    horizon: Horizon = None,
    hidden: Hidden = None,
    layers: Layers = None,
    dropout: Dropout = None,
    bidirectional: Bidirectional = None,
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
    as_json: AsJson = False,
    quiet: Quiet = False,
) -> None:
    """The main job: train, evaluate against naive baselines, forecast, and write report.html.

    With several tickers, each gets a run folder under --out and one leaderboard is printed
    and written to OUT/leaderboard.csv.
    """
    from stockpred.runs import leaderboard, run_pipeline

    console = _console(as_json)
    cfg = _config(config, locals())
    names = _ticker_list(tickers, tickers_file, csv)
    data_args = _data_args(csv, source, store, exchange, strict, max_gap, start, end)
    histories = [_load(name, data_args) for name in names]  # all data checked before any training
    base = out or Path("runs") / (histories[0].ticker if len(histories) == 1 else "leaderboard")
    results = []
    for history in histories:
        _say_data(console, history)
        folder = base if len(histories) == 1 else base / history.ticker
        result = run_pipeline(
            history, cfg, folder, days=days, data_args=data_args, progress=not quiet and not as_json
        )
        results.append(result)
        console.print(_metrics_table(result.evaluation))
        _say_verdict(console, result.evaluation)
        console.print(_forecast_table(result.forecast, f"{history.ticker}: next {days} sessions"))
        console.print(f"wrote {folder}/ (metrics.json, forecast.csv, report.html, model/)")
    if len(results) > 1:
        board = leaderboard(results)
        board.to_csv(base / "leaderboard.csv", index=False, float_format="%.6g")
        console.print(board.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        console.print(f"wrote {base / 'leaderboard.csv'}")
    if as_json:
        doc = (
            results[0].metrics
            if len(results) == 1
            else {r.evaluation.ticker: r.metrics for r in results}
        )
        typer.echo(json.dumps(doc, indent=2))


def _ticker_list(
    tickers: list[str] | None, tickers_file: Path | None, csv: Path | None
) -> list[str | None]:
    """The tickers asked for; ``[None]`` lets load_prices pick (MSFT, or the file's name)."""
    from stockpred.cli.data import read_tickers

    names: list[str | None] = (
        list(read_tickers(tickers or [], tickers_file)) if tickers or tickers_file else []
    )
    if csv is not None and len(names) > 1:
        raise typer.BadParameter("--csv takes one file, so give at most one ticker name with it")
    return names or [None]


@app.command()
def train(
    ticker: Annotated[
        str | None, typer.Argument(help="Ticker (default: MSFT).", show_default=False)
    ] = None,
    csv: Csv = None,
    source: Source = None,
    store: StoreOpt = None,
    out: Out = None,
    epochs: Epochs = None,
    seed: Seed = None,
    window: Window = None,
    horizon: Horizon = None,
    hidden: Hidden = None,
    layers: Layers = None,
    dropout: Dropout = None,
    bidirectional: Bidirectional = None,
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
    """Train and save a model folder (OUT/model) without evaluating it."""
    from stockpred.runs import train_only

    console = _console(False)
    cfg = _config(config, locals())
    data_args = _data_args(csv, source, store, exchange, strict, max_gap, start, end)
    history = _load(_ticker_list([ticker] if ticker else None, None, csv)[0], data_args)
    _say_data(console, history)
    folder = out or Path("runs") / history.ticker
    fc = train_only(history, cfg, folder, data_args=data_args, progress=not quiet)
    result = fc.train_result_
    console.print(
        f"trained {len(result.history)} epochs (best {result.best_epoch}, val loss {result.best_val_loss:.4f}) "
        f"in {result.seconds:.1f}s; wrote {folder}/model"
    )


@app.command("backtest")
def backtest_command(
    ticker: Annotated[
        str | None, typer.Argument(help="Ticker (default: MSFT).", show_default=False)
    ] = None,
    csv: Csv = None,
    source: Source = None,
    store: StoreOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder to write (default: runs/TICKER-backtest).")
    ] = None,
    folds: Annotated[int, typer.Option(min=1, max=50, help="Consecutive test windows.")] = 5,
    mode: Annotated[
        Literal["expanding", "rolling"],
        typer.Option(help="Fit on all the past, or on a fixed-length window of it."),
    ] = "expanding",
    refit: Annotated[
        Literal["each", "once"], typer.Option(help="Refit before every fold, or only the first.")
    ] = "each",
    horizon: Horizon = None,
    threshold: Annotated[
        float, typer.Option(help="Predicted return above which the trading rule goes long.")
    ] = 0.0,
    cost_bps: Annotated[
        float, typer.Option("--cost-bps", help="Trading cost per trade, basis points.")
    ] = 5.0,
    short: Annotated[
        bool, typer.Option("--short", help="Go short below -threshold instead of flat.")
    ] = False,
    epochs: Epochs = None,
    seed: Seed = None,
    window: Window = None,
    hidden: Hidden = None,
    layers: Layers = None,
    dropout: Dropout = None,
    bidirectional: Bidirectional = None,
    batch_size: BatchSize = None,
    lr: LearningRate = None,
    target: Target = None,
    device: Device = None,
    threads: Threads = None,
    config: ConfigFile = None,
    exchange: Exchange = "XNYS",
    strict: Strict = False,
    max_gap: MaxGap = 5,
    start: Start = None,
    end: End = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print summary.json on stdout.")] = False,
    quiet: Quiet = False,
) -> None:
    """Walk-forward backtest: every model refitted before each test window, then judged.

    Writes OUT/backtest.csv (fold, model, step, metric, value), OUT/summary.json (DM tests,
    direction tests, lag detector, trading rule, interval coverage) and OUT/report.html.
    """
    from stockpred.evaluation.backtest import walk_forward
    from stockpred.evaluation.summary import summarise
    from stockpred.evaluation.trading import TradingRule
    from stockpred.report.backtest import render_backtest_report
    from stockpred.runs import write_backtest

    console = _console(as_json)
    cfg = _config(config, locals())
    data_args = _data_args(csv, source, store, exchange, strict, max_gap, start, end)
    history = _load(_ticker_list([ticker] if ticker else None, None, csv)[0], data_args)
    _say_data(console, history)
    wf = walk_forward(
        history,
        cfg,
        folds=folds,
        mode=mode,
        refit=refit,
        horizon=horizon,
        progress=not quiet and not as_json,
    )
    summary = summarise(wf, history, TradingRule(threshold, cost_bps, short))
    folder = out or Path("runs") / f"{history.ticker}-backtest"
    table = wf.metrics()
    write_backtest(folder, table, summary, render_backtest_report(wf, summary, history))
    console.print(_pooled_table(summary))
    colour = "green" if summary["verdict"].startswith("LSTM beats") else "red"
    console.print(f"[{colour}]{summary['verdict']}[/]")
    console.print(summary["lag_sentence"])
    trading = summary["signal_backtest"]
    console.print(
        f"trading rule: {trading['strategy']['cumulative_return']:+.1%} vs buy-and-hold "
        f"{trading['buy_and_hold']['cumulative_return']:+.1%} over {trading['n_days']} sessions"
    )
    for row in summary["intervals"]["by_step"]:
        console.print(
            f"{row['level']:.0%} interval, step {row['step']}: covered {row['coverage']:.1%}"
        )
    console.print(f"wrote {folder}/ (backtest.csv, summary.json, report.html)")
    if as_json:
        typer.echo(json.dumps(summary, indent=2))


RunDir = Annotated[
    Path, typer.Argument(help="A run folder written by 'stockpred run' or 'stockpred train'.")
]


def _load_run(run_dir: Path) -> Any:
    from stockpred.models.forecaster import Forecaster
    from stockpred.runs import MODEL_DIR

    return Forecaster.load(run_dir / MODEL_DIR)


@app.command()
def evaluate(run_dir: RunDir, csv: Csv = None, as_json: AsJson = False) -> None:
    """Score a saved model on its test span beside the baselines; rewrites metrics.json."""
    from stockpred.runs import read_data_args, write_metrics

    console = _console(as_json)
    fc = _load_run(run_dir)
    data_args = read_data_args(run_dir) or {"exchange": fc.meta_["exchange"]}
    if csv is not None:
        data_args["csv"] = str(csv)
    history = _load(fc.meta_["ticker"], data_args)
    evaluation = fc.evaluate(history)
    metrics = write_metrics(run_dir, fc, evaluation)
    console.print(_metrics_table(evaluation))
    _say_verdict(console, evaluation)
    if as_json:
        typer.echo(json.dumps(metrics, indent=2))


@app.command()
def predict(
    run_dir: RunDir,
    days: Days = 10,
    csv: Annotated[
        Path | None,
        typer.Option(
            "--csv", help="Newer prices to forecast from (default: the run's last prices)."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="CSV to write (default: RUN_DIR/forecast.csv).")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Forecast the next trading sessions from a saved model (reloaded safely, no pickle)."""
    from stockpred.runs import FORECAST, write_forecast

    console = _console(as_json)
    fc = _load_run(run_dir)
    history = None
    if csv is not None:
        history = _load(fc.meta_["ticker"], {"csv": str(csv), "exchange": fc.meta_["exchange"]})
    forecast = fc.predict(history, days=days)
    target = out or run_dir / FORECAST
    write_forecast(target, forecast)
    console.print(_forecast_table(forecast, f"{fc.meta_['ticker']}: next {days} sessions"))
    console.print(f"wrote {target}")
    if as_json:
        typer.echo(forecast.reset_index().to_json(orient="records", date_format="iso", indent=2))


def _register_data_commands() -> None:
    from stockpred.cli.data import register

    register(app)


_register_data_commands()


def _register_tune() -> None:
    from stockpred.cli.tune import tune

    app.command()(tune)


_register_tune()


def main() -> None:
    """Console entry point: user errors become one line, not a traceback."""
    try:
        app()
    except StockpredError as exc:
        Console(stderr=True, highlight=False).print(f"[red]error:[/] {exc}", soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
