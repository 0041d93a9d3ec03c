"""Invalid configs raise stockpred's own one-line error, which old ``except`` clauses still catch."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from stockpred import ConfigError, InvalidConfig, StockpredError
from stockpred.config import ForecastConfig, make_config


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"window": 1}, "invalid window=1: Input should be greater than or equal to 2"),
        ({"hiden": 3}, "unknown setting hiden; did you mean hidden?"),
        ({"features": ("market",)}, "invalid config: the 'market' feature needs an index"),
        ({"window": 1, "hidden": 0}, "invalid window=1: .*; invalid hidden=0: "),
    ],
)
def test_an_invalid_config_is_a_stockpred_error_in_one_line(
    values: dict[str, object], message: str
) -> None:
    with pytest.raises(StockpredError, match=message) as caught:
        ForecastConfig(**values)  # type: ignore[arg-type]
    assert isinstance(caught.value, ConfigError)
    assert "\n" not in str(caught.value)


def test_code_that_caught_pydantics_error_still_catches_it() -> None:
    for kind in (InvalidConfig, pydantic.ValidationError, ValueError):
        with pytest.raises(kind) as caught:
            ForecastConfig(window=1)
    assert caught.value.errors()[0]["loc"] == ("window",)  # pydantic's details are kept


def test_a_config_file_typo_names_the_file_and_the_key_meant(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    path.write_text("hiden = 64\n")
    with pytest.raises(
        InvalidConfig, match=r"run\.toml: unknown setting hiden; did you mean hidden\?"
    ):
        make_config({}, path)


def test_a_bad_value_says_where_it_was_written(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    path.write_text("window = 1\n")
    with pytest.raises(InvalidConfig, match=r"run\.toml: invalid window = 1: "):
        make_config({}, path)
    path.write_text("window = 30\n")
    with pytest.raises(InvalidConfig, match=r"^invalid hidden=0: "):  # an option, not the file
        make_config({"hidden": 0}, path)
