"""RunSpec: the run specification in sections, the same ForecastConfig (and hash) underneath."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from stockpred.cli.app import app
from stockpred.config import SECTIONS, ForecastConfig, make_config
from stockpred.data.options import LoadOptions
from stockpred.exceptions import ConfigError, InvalidConfig
from stockpred.spec import MODEL_SECTIONS, UNIVERSE_ONLY, Output, RunSpec
from stockpred.universe.options import UniverseOptions


def test_the_sections_hold_every_config_field_once_as_the_config_defines_it() -> None:
    names = [n for model in MODEL_SECTIONS.values() for n in model.model_fields]
    assert sorted(names) == sorted(ForecastConfig.model_fields)
    assert {s: tuple(m.model_fields) for s, m in MODEL_SECTIONS.items()} == SECTIONS
    for model in MODEL_SECTIONS.values():
        for name, info in model.model_fields.items():
            config = ForecastConfig.model_fields[name]
            assert (info.annotation, info.default, info.metadata) == (
                config.annotation,
                config.default,
                config.metadata,
            ), name
    assert set(UNIVERSE_ONLY) < set(Output.model_fields)


@pytest.mark.parametrize(
    ("settings", "sha"),
    [
        ({}, "5314f0d4d52d47ae4df5de1395016e795eff9e102b191a78a28381bed3060fea"),
        (
            {
                "hidden": 64,
                "market": "SPY",
                "test_start": "2016-01-04",
                "interval_method": "constant",
            },
            "dc2b17be5582253f57dca5a50c531d0ca98c2281e8485e54d75378294c4b5c28",
        ),
    ],
)
def test_a_spec_gives_the_config_and_the_config_sha_of_before(
    settings: dict[str, object], sha: str
) -> None:
    """The shas are what main's UniverseOptions gave for these settings before RunSpec."""
    config = ForecastConfig(**settings)  # type: ignore[arg-type]
    spec = RunSpec.from_config(config, LoadOptions(), Output(days=5, model="both", embed=4))
    assert spec.config == config
    assert spec.config.model_fields_set == config.model_fields_set
    assert spec.config.model_dump_json() == config.model_dump_json()
    assert UniverseOptions.from_spec(spec).record().config_sha == sha


def test_a_sectioned_spec_is_validated_as_the_config_is_in_one_line() -> None:
    spec = RunSpec(network={"hidden": 64}, data={"market": "SPY"})
    assert (spec.config.hidden, spec.config.features) == (64, ("market",))
    with pytest.raises(InvalidConfig, match=r"invalid network\.hidden=0"):
        RunSpec(network={"hidden": 0})
    with pytest.raises(InvalidConfig, match=r"unknown setting network\.hiden; did you mean hidden"):
        RunSpec(network={"hiden": 3})
    with pytest.raises(InvalidConfig, match="extra features need target='return'"):
        RunSpec(data={"target": "price", "features": ["volume"]})


def test_an_ensemble_for_the_global_model_is_refused_by_the_spec_itself() -> None:
    # The Python API (stockpred.run) gets the refusal the CLI gives, from the same place.
    assert RunSpec(training={"ensemble": 3}).config.ensemble == 3
    assert RunSpec(output={"model": "global"}, training={"ensemble": 1}).output.model == "global"
    for model in ("global", "both"):
        with pytest.raises(InvalidConfig, match=r"ensemble=3 is for per-ticker models"):
            RunSpec(output={"model": model}, training={"ensemble": 3})


def test_a_toml_file_may_use_the_sections_or_the_old_flat_keys(tmp_path: Path) -> None:
    flat, sectioned = tmp_path / "flat.toml", tmp_path / "sections.toml"
    flat.write_text('hidden = 64\nepochs = 3\nloss = "mse"\nwindow = 30\n')
    sectioned.write_text(
        'window = 30\n[network]\nhidden = 64\n[training]\nepochs = 3\n[verdict]\nloss = "mse"\n'
    )
    assert make_config({}, sectioned) == make_config({}, flat)
    assert make_config({"epochs": 5}, sectioned).epochs == 5  # the command line wins


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[network]\nepochs = 3\n", r"epochs belongs in \[training\], not \[network\]"),
        ("[netwrk]\nhidden = 3\n", r"unknown section \[netwrk\]; did you mean \[network\]\?"),
        ("[network]\nhiden = 3\n", r"unknown setting hiden; did you mean hidden\?"),
        ("hidden = 3\n[network]\nhidden = 4\n", r"hidden is given twice"),
    ],
)
def test_a_misplaced_or_unknown_toml_key_is_refused_naming_the_file(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "run.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=rf"run\.toml: .*{message}"):
        make_config({}, path)


def test_every_spec_field_is_an_option_of_run() -> None:
    command = typer.main.get_command(app).commands["run"]  # type: ignore[attr-defined]
    options = {p.name for p in command.params}
    fields = {n for m in (*MODEL_SECTIONS.values(), LoadOptions, Output) for n in m.model_fields}
    assert fields <= options
