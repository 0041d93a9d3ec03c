"""The library speaks the API's parameter names; the CLI turns them into its option names."""

from __future__ import annotations

import pytest

from stockpred import load_prices
from stockpred.cli.main import in_option_words
from stockpred.exceptions import ConfigError


@pytest.mark.parametrize(
    ("api", "cli"),
    [
        (
            "start=2016-01-01 is after end=2015-01-01; swap them",
            "--start 2016-01-01 is after --end 2015-01-01; swap them",
        ),
        (
            "start: 'x' is not a date; test_start: 'y' is not",
            "--start: 'x' is not a date; --test-start: 'y' is not",
        ),
        (
            "pass start= after 2010-05-03 or raise max_gap= (41 sessions",
            "pass --start after 2010-05-03 or raise --max-gap (41 sessions",
        ),
        ("cleaning fills (max_filled=); largest", "cleaning fills (--max-filled); largest"),
        ("fix the file or drop strict=True to let", "fix the file or drop --strict to let"),
        ("say which with date_format=%m/%d/%Y", "say which with --date-format %m/%d/%Y"),
        ("use precision=32", "use --precision 32"),
        ("learning_rate=0.1 and bidirectional=False", "--learning-rate 0.1 and --unidirectional"),
        # Words that are no parameter, and a parameter's name used as a plain word, stay.
        (
            "the start: p=0.03 between the start and today",
            "the start: p=0.03 between the start and today",
        ),
    ],
)
def test_parameter_names_become_option_names(api: str, cli: str) -> None:
    assert in_option_words(api) == cli


def test_api_errors_name_parameters_not_options() -> None:
    with pytest.raises(ConfigError) as caught:
        load_prices("MSFT", start="banana")
    assert str(caught.value).startswith("start: 'banana' is not a date")
    with pytest.raises(ConfigError) as caught:
        load_prices("MSFT", csv="prices.csv", source="yahoo")
    assert str(caught.value) == "csv= reads a file; it cannot be combined with source=yahoo"
    assert "--" not in str(caught.value)
