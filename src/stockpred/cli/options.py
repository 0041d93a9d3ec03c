"""Command-line options: the shared ones, and one option per RunSpec field, made once.

:func:`config_options` reads the fields of ``RunSpec``'s model sections (name, type,
description: ForecastConfig's) and adds an option for each field to a command (:func:`spec_options`
adds the loading and output settings too), so ``run``, ``train``, ``backtest`` and any later
command take the same model options with the same help, and a new config field is a new
option everywhere without touching the CLI.
"""

from __future__ import annotations

import enum
import functools
import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args, get_origin

import typer
from pydantic.fields import FieldInfo

from stockpred.cli.cleaning import DateFormat, Duplicates, End, MaxFilled, Start, file_cleaning
from stockpred.config import ForecastConfig, make_config
from stockpred.data.options import LoadOptions
from stockpred.spec import MODEL_SECTIONS, BackendName, Output, RunSpec

F = TypeVar("F", bound=Callable[..., Any])

# Where an option's flag is not simply --field-name.
FLAGS = {
    "learning_rate": ("--learning-rate", "--lr"),
    "bidirectional": ("--bidirectional/--unidirectional",),
}
# The date options a command may take: checked together before anything runs.
DATE_OPTIONS = ("start", "end", "val_start", "test_start")
MODEL_PANEL = "Model options (ForecastConfig; default from --config, else the config's)"

Tickers = Annotated[
    list[str] | None,
    typer.Argument(
        help="Ticker(s); the bundled sample holds AAPL, FB, GOOG, IBM, MSFT.", show_default=False
    ),
]
Ticker = Annotated[str | None, typer.Argument(help="Ticker (default: MSFT).", show_default=False)]
Csv = Annotated[
    Path | None,
    typer.Option(
        "--csv",
        help="Daily prices from a CSV or Parquet file instead; for run also a folder of them "
        "(ticker = file name) or a long panel file with a ticker or symbol column.",
    ),
]
Source = Annotated[
    Literal["auto", "sample", "csv", "store", "yahoo", "stooq", "alphavantage"] | None,
    typer.Option(
        help="Where prices come from (default: sample for its tickers, else auto; store: only "
        "what the local store holds, e.g. imported files)."
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
Exchange = Annotated[str, typer.Option(help="exchange_calendars code for trading sessions.")]
Strict = Annotated[
    bool,
    typer.Option("--strict", help="Refuse duplicate dates and bad prices instead of cleaning."),
]
MaxGap = Annotated[
    int, typer.Option("--max-gap", help="Longest run of missing sessions to forward-fill.")
]


def _bound(metadata: list[Any], name: str) -> float | None:
    """A field's pydantic bound ``name`` (ge or le), or None: typer's min or max for its
    option, so the option refuses as typer does."""
    return next(
        (m_bound for m in metadata if (m_bound := getattr(m, name, None)) is not None), None
    )


def _output_option(name: str, *flags: str) -> Any:
    """A command's option for one of RunSpec's output settings: its help and bounds are the
    ones ``spec.Output`` declares, so ``run`` and every other command say the same."""
    info = Output.model_fields[name]
    ge, le = _bound(info.metadata, "ge"), _bound(info.metadata, "le")
    return typer.Option(*flags, help=info.description, min=ge, max=le)


Force = Annotated[bool, _output_option("force", "--force")]
Days = Annotated[int, _output_option("days")]
Workers = Annotated[int | None, _output_option("workers")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the metrics as JSON on stdout.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
BackendOpt = Annotated[BackendName, _output_option("backend")]
Address = Annotated[str | None, _output_option("address")]
ConfigFile = Annotated[
    Path | None,
    typer.Option("--config", help="TOML file of config fields.", rich_help_panel=MODEL_PANEL),
]


def _option_type(annotation: Any) -> Any:
    """The typer type for a config field: optional, and a tuple becomes a repeatable list."""
    if get_origin(annotation) is tuple:
        # typer takes no list of Literal: a str Enum of the same choices shows and checks them.
        choices = get_args(get_args(annotation)[0])
        return list[enum.Enum("Choice", {c: c for c in choices}, type=str)] | None  # type: ignore[misc]
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) is not Literal and len(args) == 1:
        annotation = args[0]
    return annotation | None


def _config_parameters(exclude: set[str]) -> list[inspect.Parameter]:
    """One keyword parameter per field of RunSpec's model sections (ForecastConfig's fields,
    a help panel a section), defaulting to None (= not given)."""
    params = [
        _field_parameter(name, info, f"Model: {section}")
        for section, model in MODEL_SECTIONS.items()
        for name, info in model.model_fields.items()
        if name not in exclude
    ]
    return [*params, _keyword("config_file", ConfigFile)]


def _field_parameter(
    name: str, info: FieldInfo, panel: str | None, *, output: bool = False
) -> inspect.Parameter:
    """A pydantic field as a keyword option defaulting to None (= not given): its flag, its
    help and default from the field; an ``output`` setting's bounds are checked by the option
    (typer's message, as before) and a flag's default goes unsaid."""
    flags = FLAGS.get(name, ("--" + name.replace("_", "-"),))
    unsaid = (None, (), False) if output else (None, ())
    default = "" if info.default in unsaid else f"  [default: {info.default}]"
    option = typer.Option(
        *flags,
        help=f"{info.description}{default}",
        show_default=False,
        rich_help_panel=panel,
        min=_bound(info.metadata, "ge") if output else None,
        max=_bound(info.metadata, "le") if output else None,
    )
    annotation = Annotated[_option_type(info.annotation), option]  # type: ignore[valid-type]
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation
    )


def _add_options(
    command: F,
    receives: str,
    params: list[inspect.Parameter],
    build: Callable[..., Any],
    *,
    lead: bool = False,
) -> F:
    """``command`` with ``params`` as options; it receives ``build(**their values)`` instead.

    The new options follow the command's own, or come before them with ``lead``.
    """
    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.name != receives]
    names = [p.name for p in params]

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> Any:
        _check_dates({k: kwargs.get(k) for k in DATE_OPTIONS})
        kwargs[receives] = build(**{name: kwargs.pop(name) for name in names})
        return command(**kwargs)

    # All by keyword (as typer passes them), so the order is free of Python's rules.
    everything = [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
        for p in (params + own if lead else own + params)
    ]
    wrapper.__signature__ = signature.replace(parameters=everything)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in everything}
    return wrapper  # type: ignore[return-value]


def _check_dates(dates: dict[str, str | None]) -> None:
    """Every date option the command was given, all at once: one line names each bad one."""
    from stockpred.data.dates import check_date_options  # pandas: not for --help

    check_date_options(**dates)


def _make_config(config_file: Path | None, **overrides: Any) -> ForecastConfig:
    """The config from --config with the model options given on top."""
    if overrides.get("features") is not None:
        overrides["features"] = tuple(f.value for f in overrides["features"])
    return make_config(overrides, config_file)


def config_options(*, exclude: tuple[str, ...] = ()) -> Callable[[F], F]:
    """Give a command every ForecastConfig field as an option; it receives ``config``."""

    def decorate(command: F) -> F:
        return _add_options(command, "config", _config_parameters(set(exclude)), _make_config)

    return decorate


def _keyword(name: str, annotation: Any, default: Any = None) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
    )


LOADING = [
    _keyword("csv", Csv),
    _keyword("source", Source),
    _keyword("store", StoreOpt),
    _keyword("exchange", Exchange, "XNYS"),
    _keyword("strict", Strict, False),
    _keyword("max_gap", MaxGap, 5),
    _keyword("max_filled", MaxFilled, 2.0),
    _keyword("date_format", DateFormat),
    _keyword("duplicates", Duplicates),
    _keyword("start", Start),
    _keyword("end", End),
]


def loading_options(command: F) -> F:
    """Give a command the options that say where prices come from; it receives ``loading``."""
    return _add_options(command, "loading", LOADING, load_options)


TICKERS = [_keyword("tickers", Tickers), _keyword("tickers_file", TickersFile)]


def tickers_options(command: F) -> F:
    """Give a command ticker arguments and --tickers-file; it receives ``tickers``, the names.

    ``tickers`` is empty when none were given (the command picks its default).
    """
    return _add_options(command, "tickers", TICKERS, _read_tickers, lead=True)


def _read_tickers(tickers: list[str] | None, tickers_file: Path | None) -> list[str]:
    from stockpred.cli.data import read_tickers

    return read_tickers(tickers or [], tickers_file) if tickers or tickers_file else []


def ray_address(address: str | None) -> str | None:
    """--address, else $RAY_ADDRESS, else None (Ray starts on this machine)."""
    return address or os.environ.get("RAY_ADDRESS") or None


def spec_options(*, output: tuple[str, ...] = tuple(Output.model_fields)) -> Callable[[F], F]:
    """Give a command RunSpec's options: every model field, every loading option and the
    ``output`` settings named; it receives ``spec``. An output setting not given stays unset
    (``spec.output.model_fields_set``), so a command can refuse one that does not apply."""
    names = {
        "config": [p.name for p in _config_parameters(set())],
        "load": [p.name for p in LOADING],
        "output": list(output),
    }
    params = [
        *_config_parameters(set()),
        *LOADING,
        *(_field_parameter(n, Output.model_fields[n], None, output=True) for n in output),
    ]

    def build(**values: Any) -> RunSpec:
        given = {part: {n: values[n] for n in keys} for part, keys in names.items()}
        out = {k: v for k, v in given["output"].items() if v is not None}
        return RunSpec.from_config(
            _make_config(**given["config"]), load_options(**given["load"]), Output(**out)
        )

    def decorate(command: F) -> F:
        return _add_options(command, "spec", params, build)

    return decorate


def load_options(
    *,
    csv: Path | None,
    source: str | None,
    store: Path | None,
    exchange: str,
    strict: bool,
    max_gap: int,
    max_filled: float = 2.0,
    date_format: str | None = None,
    duplicates: str | None = None,
    start: str | None,
    end: str | None,
) -> LoadOptions:
    """How prices are loaded, saved in the run folder so evaluate reloads the same ones.

    Paths are absolute, so ``evaluate RUN`` works from any folder; ``max_filled`` is given
    in percent and kept as a share.
    """
    return LoadOptions(
        csv=str(csv.resolve()) if csv else None,
        source=source,
        store=str(store.resolve()) if store else None,
        exchange=exchange,
        strict=strict,
        max_gap=max_gap,
        **file_cleaning(max_filled, date_format, duplicates, start, end),
    )
