"""LoadOptions: every loading option in one typed value, saved as a run's data.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stockpred.data.loading import load_prices
from stockpred.data.options import LoadOptions
from stockpred.exceptions import ConfigError


def test_the_options_are_load_prices_keywords_less_its_objects() -> None:
    import inspect

    keywords = set(inspect.signature(load_prices).parameters) - {"ticker", "retry"}
    assert set(LoadOptions.model_fields) == keywords


def test_data_json_round_trips_and_an_older_one_loads_with_defaults(tmp_path: Path) -> None:
    options = LoadOptions(csv=tmp_path / "a.csv", max_filled=0.15, duplicates="last")
    (tmp_path / "data.json").write_text(options.to_json())
    assert LoadOptions.read(tmp_path / "data.json") == options
    assert json.loads(options.to_json())["csv"] == str(tmp_path / "a.csv")
    (tmp_path / "old.json").write_text(json.dumps({"csv": None, "exchange": "XLON"}))
    assert LoadOptions.read(tmp_path / "old.json") == LoadOptions(exchange="XLON")
    assert LoadOptions.read(tmp_path / "none.json") is None


def test_a_refused_option_is_one_line_naming_it_and_a_typo_gets_the_key_meant() -> None:
    with pytest.raises(ConfigError, match=r"max_gap=-1") as bad:
        LoadOptions(max_gap=-1)
    assert "\n" not in str(bad.value)
    with pytest.raises(ConfigError, match="unknown option max_fill; did you mean max_filled"):
        LoadOptions(max_fill=0.1)
    with pytest.raises(ConfigError, match="source='yahooo'"):
        LoadOptions(source="yahooo")
    with pytest.raises(ValueError, match="frozen"):
        LoadOptions().strict = True  # type: ignore[misc]
