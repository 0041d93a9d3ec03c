"""universe/pipeline.py: one ticker alone and a universe go through the same code."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from stockpred.backend import InProcess
from stockpred.evaluation.forecaster import Forecaster
from stockpred.runs import run_pipeline
from stockpred.spec import RunSpec
from stockpred.universe.inputs import TickerSource
from stockpred.universe.pipeline import run

from ..cli.test_cli import TINY_ARGS, run_cli

START = "2010-08-01"
# What makes two runs the same fit: the forecasts (every digit), the forecast and the weights.
CLI_TINY = {"epochs": 2, "window": 10, "hidden": 8, "layers": 1, "seed": 3, "device": "cpu"}
SAME = ("predictions.csv", "forecast.csv", "model/weights.safetensors", "data.json")


def _spec(out: Path, **config: Any) -> RunSpec:
    """The CLI's tiny run (TINY_ARGS) as a spec, writing ``out``."""
    settings = {**CLI_TINY, **config}
    from stockpred.config import ForecastConfig
    from stockpred.data.options import LoadOptions
    from stockpred.spec import Output

    return RunSpec.from_config(
        ForecastConfig(**settings), LoadOptions(start=START), Output(out=out, days=3)
    )


def _files(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in SAME}


def test_one_ticker_alone_writes_what_the_cli_and_the_old_single_path_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``stockpred run MSFT``, ``run(spec, [source], InProcess())`` and the single-ticker path
    as it was (load and market, then ``run_pipeline``) give the same files, byte for byte."""
    from stockpred.cli.model import _load

    argv = ["run", "MSFT", "--out", str(tmp_path / "cli"), "--days", "3", "--start", START]
    code, out, _err = run_cli([*argv, *TINY_ARGS], capsys, monkeypatch)
    assert code == 0
    assert f"wrote {tmp_path / 'cli'}/ (metrics.json" in out.replace("\n", "")
    spec = _spec(tmp_path / "api")
    result = run(spec, [TickerSource("MSFT")], InProcess())
    assert result.universe is None
    assert result.run is not None
    assert result.run.out == tmp_path / "api"
    assert list(result.outcomes) == ["MSFT"]
    assert result.outcomes["MSFT"].ok
    history = _load("MSFT", spec.load, spec.config.market)
    run_pipeline(
        Forecaster(spec.config, progress=False),
        history,
        tmp_path / "old",
        days=3,
        loading=spec.load,
    )
    old = _files(tmp_path / "old")
    assert _files(tmp_path / "cli") == old
    assert _files(tmp_path / "api") == old
    # The single-ticker layout: no universe files, no resume stamp, no ticker folder.
    names = {p.name for p in (tmp_path / "api").iterdir()}
    assert names == {
        *{n.split("/")[0] for n in SAME},
        "metrics.json",
        "report.html",
        ".stockpred.json",
    }


def _counting(calls: Counter[str], name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[name] += 1
        return fn(*args, **kwargs)

    return counted


@pytest.mark.parametrize("tickers", [("MSFT",), ("MSFT", "IBM")])
def test_one_ticker_and_a_universe_share_loading_split_fit_and_writer(
    tickers: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each shared step is one function, and both runs call it (a ticker alone loads once)."""
    import stockpred.models.base as model_module
    import stockpred.runs as runs_module
    import stockpred.universe.job as job_module

    calls: Counter[str] = Counter()
    steps = {
        (TickerSource, "load"): TickerSource.load,
        (model_module, "chronological_split"): model_module.chronological_split,
        (job_module, "run_pipeline"): job_module.run_pipeline,
        (runs_module, "output_folder"): runs_module.output_folder,
    }
    for (owner, name), fn in steps.items():
        monkeypatch.setattr(owner, name, _counting(calls, name, fn))
    result = run(_spec(tmp_path / "out"), [TickerSource(t) for t in tickers], InProcess())
    assert all(o.ok for o in result.outcomes.values())
    n = len(tickers)
    # A universe reads every ticker's sessions for its calendar first; one alone skips that.
    assert calls["load"] == (1 if n == 1 else 2 * n)
    assert calls["run_pipeline"] == n
    assert calls["output_folder"] == n
    assert calls["chronological_split"] >= n
    folders = [result.out] if n == 1 else [result.out / t for t in tickers]
    assert all((f / "predictions.csv").is_file() for f in folders)
    assert (result.universe is None) == (n == 1)


def test_a_failed_ticker_alone_raises_and_in_a_universe_is_listed(tmp_path: Path) -> None:
    """One ticker alone says what went wrong (the CLI's one line); a universe goes on."""
    from stockpred.exceptions import InsufficientHistory

    spec = _spec(tmp_path / "one", window=400)
    with pytest.raises(InsufficientHistory):
        run(spec, [TickerSource("MSFT")], InProcess())
    assert not (tmp_path / "one").exists()
    spec = _spec(tmp_path / "two", window=400)
    result = run(spec, [TickerSource("MSFT"), TickerSource("IBM")], InProcess(), alone=False)
    assert result.universe is not None
    assert result.universe.exit_code == 1
    assert [o.ok for o in result.outcomes.values()] == [False, False]


@pytest.mark.parametrize("count", [0, 2])
def test_one_ticker_alone_needs_exactly_one_source(count: int, tmp_path: Path) -> None:
    from stockpred.exceptions import ConfigError

    sources = [TickerSource(t) for t in ("MSFT", "IBM")[:count]]
    with pytest.raises(ConfigError, match=f"^{count} sources given: run one ticker alone"):
        run(_spec(tmp_path / "x"), sources, InProcess(), alone=count > 0)
    assert not (tmp_path / "x").exists()
