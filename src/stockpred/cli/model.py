"""The model commands: run, train, backtest, evaluate and predict, thin over the Python API.

Heavy modules (torch, pandas, matplotlib) are imported inside the commands, so
``stockpred --help`` answers quickly.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from stockpred.cli.options import (
    Address,
    AsJson,
    BackendOpt,
    Csv,
    Days,
    Force,
    Out,
    Quiet,
    Ticker,
    config_options,
    loading_options,
    ray_address,
    spec_options,
    tickers_options,
)
from stockpred.cli.show import (
    forecast_table,
    interval_table,
    make_console,
    metrics_table,
    pooled_table,
    refuse,
    say_data,
    say_verdict,
    show_progress,
)
from stockpred.cli.universe import refuse_universe_options
from stockpred.cli.words import in_option_words
from stockpred.config import ForecastConfig
from stockpred.data.options import LoadOptions
from stockpred.spec import RunSpec

if TYPE_CHECKING:
    import pandas as pd

    from stockpred.data.history import PriceHistory
    from stockpred.evaluation.forecaster import Forecaster

RunDir = Annotated[
    Path, typer.Argument(help="A run folder written by 'stockpred run' or 'stockpred train'.")
]


def register(app: typer.Typer) -> None:
    """Add the model commands to the main stockpred app."""
    app.command()(run)
    app.command()(train)
    app.command("backtest")(backtest)
    app.command()(evaluate)
    app.command()(predict)


def _load(ticker: str | None, options: LoadOptions, market: str | None = None) -> PriceHistory:
    """The ticker's prices, with the ``market`` index aligned on them when one is named."""
    from stockpred.data.loading import load_history
    from stockpred.data.market import load_market, with_market

    history = load_history(ticker, options)
    return history if market is None else with_market(history, load_market(market, options))


def _ticker_list(tickers: list[str], csv: Path | str | None) -> list[str | None]:
    """The tickers asked for; ``[None]`` lets load_prices pick (MSFT, or the file's name)."""
    if csv is not None and len(tickers) > 1:
        raise typer.BadParameter("--csv takes one file, so give at most one ticker name with it")
    return [*tickers] or [None]


@spec_options()
@tickers_options
def run(
    ctx: typer.Context,
    spec: RunSpec,
    tickers: list[str],
    as_json: AsJson = False,
    quiet: Quiet = False,
) -> None:
    """The main job: train, evaluate against naive baselines, forecast, and write report.html.

    A universe (several tickers, a folder or a panel file, or --model global/both) runs in
    parallel: OUT/TICKER/ each, OUT/leaderboard.csv with FDR-adjusted DM p-values,
    OUT/universe.json, OUT/failed.csv and OUT/index.html. Exit code 3 when some tickers
    failed, 1 when all did, 130 on Ctrl-C.
    """
    from stockpred.cli.universe import is_universe, run_universe_command
    from stockpred.universe.inputs import universe_sources

    loading, output = spec.load, spec.output
    csv = Path(loading.csv) if loading.csv else None
    if not tickers and csv is None:
        refuse("name a ticker, e.g. `stockpred run MSFT` (the bundled sample), or --csv FILE")
    if not is_universe(tickers, csv, output.model):
        refuse_universe_options(ctx, output)
        _run_alone(ctx, spec, tickers[0] if tickers else None, as_json=as_json, quiet=quiet)
        return
    if output.force:
        refuse(
            "--force applies to one ticker's run folder; a universe folder is never "
            "replaced: finish it with --resume, or choose a new --out"
        )
    words = functools.partial(in_option_words, group=ctx.find_root().command)
    sources = universe_sources(tickers, csv)
    run_universe_command(spec, sources, words, as_json=as_json, quiet=quiet)


def _run_alone(
    ctx: typer.Context, spec: RunSpec, ticker: str | None, *, as_json: bool, quiet: bool
) -> None:
    """One ticker through the one pipeline, in this process, and what came of it printed."""
    from stockpred.backend import InProcess
    from stockpred.data.tickers import check_ticker, ticker_from_path
    from stockpred.universe import pipeline
    from stockpred.universe.inputs import TickerSource

    console = make_console(as_json)
    # Its file stays the loading's csv (no source path), so data.json says it as it was given.
    name = check_ticker(ticker) if ticker else ticker_from_path(str(spec.load.csv))
    result = pipeline.run(
        spec,
        [TickerSource(name)],
        InProcess(),
        alone=True,
        progress=show_progress(quiet, as_json),
        on_load=functools.partial(say_data, console),
    ).run
    assert result is not None  # one ticker alone keeps its result
    days = spec.output.days
    console.print(metrics_table(result.evaluation))
    say_verdict(console, result.evaluation, result.metrics["warnings"], ctx)
    console.print(forecast_table(result.forecast, f"{name}: next {days} sessions"))
    console.print(
        f"wrote {result.out}/ (metrics.json, forecast.csv, predictions.csv, report.html, model/)"
    )
    if as_json:
        typer.echo(json.dumps(result.metrics, indent=2))


@config_options()
@loading_options
def train(
    config: ForecastConfig,
    loading: LoadOptions,
    ticker: Ticker = None,
    out: Out = None,
    force: Force = False,
    quiet: Quiet = False,
) -> None:
    """Train and save a model folder (OUT/model) without evaluating it."""
    from stockpred.evaluation.forecaster import Forecaster
    from stockpred.run_folder import reserve
    from stockpred.runs import train_only

    console = make_console(False)
    history = _load(ticker or None, loading, config.market)
    say_data(console, history)
    folder = out or Path("runs") / history.ticker
    with reserve(folder, "train", force=force):  # checked and locked before training
        model = Forecaster(config, progress=show_progress(quiet, False))
        fc = train_only(model, history, folder, loading, force=force)
    result = fc.train_result_
    console.print(
        f"trained {len(result.history)} epochs (best {result.best_epoch}, val loss {result.best_val_loss:.4f}) "
        f"in {result.seconds:.1f}s; wrote {folder}/model"
    )


@config_options(exclude=("test_start", "val_start"))
@loading_options
def backtest(
    config: ForecastConfig,
    loading: LoadOptions,
    ticker: Ticker = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder to write (default: runs/TICKER-backtest).")
    ] = None,
    force: Force = False,
    folds: Annotated[int, typer.Option(min=1, max=50, help="Consecutive test windows.")] = 5,
    mode: Annotated[
        Literal["expanding", "rolling"],
        typer.Option(help="Fit on all the past, or on a fixed-length window of it."),
    ] = "expanding",
    refit: Annotated[
        Literal["each", "once"], typer.Option(help="Refit before every fold, or only the first.")
    ] = "each",
    threshold: Annotated[
        float, typer.Option(help="Predicted return above which the trading rule goes long.")
    ] = 0.0,
    cost_bps: Annotated[
        float, typer.Option("--cost-bps", help="Trading cost per trade, basis points.")
    ] = 5.0,
    short: Annotated[
        bool, typer.Option("--short", help="Go short below -threshold instead of flat.")
    ] = False,
    backend: BackendOpt = "local",
    address: Address = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print summary.json on stdout.")] = False,
    quiet: Quiet = False,
) -> None:
    """Walk-forward backtest: every model refitted before each test window, then judged.

    Writes OUT/backtest.csv (fold, model, step, metric, value), OUT/summary.json (DM tests,
    direction tests, lag detector, trading rule, interval coverage) and OUT/report.html.
    """
    from stockpred.evaluation.trading import TradingRule
    from stockpred.run_folder import reserve
    from stockpred.runs import backtest_run

    console = make_console(as_json)
    history = _load(ticker or None, loading, config.market)
    say_data(console, history)
    folder = out or Path("runs") / f"{history.ticker}-backtest"
    with reserve(folder, "backtest", force=force):  # checked and locked before training
        summary = backtest_run(
            history,
            config,
            folder,
            folds=folds,
            mode=mode,
            refit=refit,
            rule=TradingRule(threshold, cost_bps, short),
            progress=show_progress(quiet, as_json),
            force=force,
            backend=backend,
            address=ray_address(address),
        )
    console.print(pooled_table(summary))
    console.print(summary.verdict, style="green" if summary.beats_naive else "red")
    console.print(summary.lag_sentence)
    trading = summary.signal_backtest
    console.print(
        f"trading rule: {trading.strategy.cumulative_return:+.1%} vs buy-and-hold "
        f"{trading.buy_and_hold.cumulative_return:+.1%} over {trading.n_days} sessions"
    )
    for row in summary.intervals.by_step:
        console.print(
            f"{row.scores.level:.0%} interval, step {row.step}: covered {row.scores.coverage:.1%}"
        )
    level, iv = summary.intervals.by_step[0].scores.level, summary.intervals
    console.print(interval_table(iv.methods, level, iv.method, iv.compared))
    console.print(f"wrote {folder}/ (backtest.csv, summary.json, report.html)")
    if as_json:
        typer.echo(json.dumps(summary.to_dict(), indent=2))


def _load_run(run_dir: Path) -> Forecaster:
    from stockpred.evaluation.forecaster import Forecaster
    from stockpred.runs import MODEL_DIR

    return Forecaster.load(run_dir / MODEL_DIR)


def _run_loading(run_dir: Path, fc: Forecaster, csv: Path | None) -> LoadOptions:
    """The run's loading options (data.json; the model's exchange for an older folder),
    with ``csv`` in place of its file when one is given: newer prices are cleaned as the
    run's were."""
    from stockpred.runs import read_loading

    loading = read_loading(run_dir) or LoadOptions(exchange=fc.meta_.exchange)
    if csv is None:
        return loading
    return loading.model_copy(update={"csv": str(csv.resolve()), "source": None})


def evaluate(ctx: typer.Context, run_dir: RunDir, csv: Csv = None, as_json: AsJson = False) -> None:
    """Score a saved model on its test span beside the baselines; rewrites metrics.json."""
    from stockpred.exceptions import DataError
    from stockpred.run_folder import check_output_file
    from stockpred.runs import METRICS, run_warnings, write_metrics

    console = make_console(as_json)
    check_output_file(run_dir / METRICS)  # before the model is scored, not after
    fc = _load_run(run_dir)
    loading = _run_loading(run_dir, fc, csv)
    if csv is None and loading.csv and not Path(loading.csv).is_file():
        raise DataError(
            f"the run's prices came from {loading.csv}, which is no longer there; "
            "pass --csv FILE with the same prices"
        )
    history = _load(fc.meta_.ticker, loading, fc.config.market)
    evaluation = fc.evaluate(history)
    notes = run_warnings(fc, history)
    metrics = write_metrics(run_dir, fc, evaluation, notes, history.cleaning)
    console.print(metrics_table(evaluation))
    say_verdict(console, evaluation, notes, ctx)
    if as_json:
        typer.echo(json.dumps(metrics, indent=2))


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
    tickers: Annotated[
        list[str] | None,
        typer.Option(
            "--ticker",
            help="Global model: which ticker (repeat for several; any, with --csv, even one it "
            "never saw).",
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Forecast the next trading sessions from a saved model (reloaded safely, no pickle).

    RUN_DIR may also be a universe's global_lstm/ folder: name the tickers with --ticker;
    its forecast.csv then has a ticker column.
    """
    from stockpred.cli.universe import global_views, refuse_universe_folder
    from stockpred.exceptions import ConfigError
    from stockpred.run_folder import check_output_file
    from stockpred.runs import FORECAST, write_forecast

    console = make_console(as_json)
    target = out or run_dir / FORECAST
    check_output_file(target)  # before the model is loaded, not after
    refuse_universe_folder(run_dir)
    views = global_views(run_dir, tickers or [], csv)
    by_ticker = views is not None  # a global model's forecast.csv names its tickers
    if views is None:
        fc = _load_run(run_dir)
        if tickers and {t.upper() for t in tickers} != {fc.meta_.ticker}:
            raise ConfigError(
                f"{run_dir} is a model of {fc.meta_.ticker} alone; --ticker is for a "
                "universe's global_lstm folder"
            )
        history = None
        if csv is not None:
            # Cleaned as the run's prices were, but to the file's end: newer prices are the point.
            loading = _run_loading(run_dir, fc, csv).model_copy(update={"end": None})
            history = _load(fc.meta_.ticker, loading, fc.config.market)
        views = {fc.meta_.ticker: (fc, history)}
    forecasts = {name: fc.predict(history, days=days) for name, (fc, history) in views.items()}
    forecast = _one_forecast(forecasts, by_ticker)
    write_forecast(target, forecast)
    for name, one in forecasts.items():
        console.print(forecast_table(one, f"{name}: next {days} sessions"))
    console.print(f"wrote {target}")
    if as_json:
        typer.echo(forecast.reset_index().to_json(orient="records", date_format="iso", indent=2))


def _one_forecast(forecasts: dict[str, pd.DataFrame], by_ticker: bool) -> pd.DataFrame:
    """The forecasts as one table; a global model's carries a ticker column (first)."""
    import pandas as pd

    if not by_ticker:
        return next(iter(forecasts.values()))
    return pd.concat(forecasts, names=["ticker"])
