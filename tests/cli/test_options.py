"""Options made from ForecastConfig's fields: every field, its help, and its value passed on."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

import stockpred
from stockpred.cli.app import app
from stockpred.cli.options import config_options
from stockpred.config import ForecastConfig


def _capture() -> tuple[typer.Typer, list[ForecastConfig]]:
    seen: list[ForecastConfig] = []
    tiny = typer.Typer()

    @tiny.command()
    @config_options()
    def show(config: ForecastConfig, name: str = "x") -> None:
        seen.append(config)

    return tiny, seen


def test_every_config_field_is_an_option_with_its_value_passed_on() -> None:
    tiny, seen = _capture()
    argv = ["--features", "volume", "--features", "range", "--lr", "0.01", "--patience", "3"]
    done = CliRunner().invoke(tiny, [*argv, "--interval", "0.9", "--unidirectional"])
    assert done.exit_code == 0, done.output
    assert seen[0] == ForecastConfig(
        features=("volume", "range"), learning_rate=0.01, patience=3, interval=0.9
    )


def test_a_bad_choice_is_refused_with_the_choices_shown() -> None:
    tiny, seen = _capture()
    done = CliRunner().invoke(tiny, ["--features", "price"])
    assert done.exit_code == 2
    assert "volume" in done.output
    assert not seen


@pytest.mark.parametrize("command", ["run", "train", "backtest"])
def test_help_lists_every_config_field_with_its_description(command: str) -> None:
    done = CliRunner().invoke(app, [command, "--help"], terminal_width=80)
    assert done.exit_code == 0
    text = " ".join(done.output.split())
    for name, info in ForecastConfig.model_fields.items():
        flag = "--bidirectional" if name == "bidirectional" else "--" + name.replace("_", "-")
        if command == "backtest" and name in ("test_start", "val_start"):  # folds set them
            assert flag not in text
            continue
        assert flag in text
        assert info.description is not None
        assert info.description in text
    assert max(len(line) for line in done.output.splitlines()) <= 80


def test_version() -> None:
    done = CliRunner().invoke(app, ["--version"])
    assert done.exit_code == 0
    assert done.output.strip() == f"stockpred {stockpred.__version__}"
