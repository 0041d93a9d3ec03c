"""The one result-or-error of a per-item job: a user's error reads as its message, a bug as
``unexpected TypeName: ...``, and neither escapes the worker."""

from __future__ import annotations

import pytest

from stockpred.exceptions import DataError, Outcome, attempt


def _fail(error: BaseException) -> int:
    raise error


def test_a_value_comes_back_with_no_error() -> None:
    outcome = attempt("MSFT", lambda: 41 + 1)
    assert outcome == Outcome("MSFT", 42)
    assert outcome.ok


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (
            DataError("MSFT has 12 sessions; the window needs 60"),
            "MSFT has 12 sessions; the window needs 60",
        ),
        (KeyError("close"), "unexpected KeyError: 'close'"),
    ],
)
def test_an_error_comes_back_as_one_line(error: Exception, line: str) -> None:
    outcome = attempt("MSFT", lambda: _fail(error))
    assert outcome == Outcome("MSFT", error=line)
    assert not outcome.ok


def test_ctrl_c_is_not_an_outcome() -> None:
    with pytest.raises(KeyboardInterrupt):
        attempt("MSFT", lambda: _fail(KeyboardInterrupt()))
