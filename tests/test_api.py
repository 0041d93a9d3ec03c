from __future__ import annotations

import stockpred


def test_public_api_is_exactly_all() -> None:
    for name in stockpred.__all__:
        assert getattr(stockpred, name) is not None
    assert sorted(dir(stockpred)) == sorted(stockpred.__all__)


def test_unknown_attribute_raises() -> None:
    import pytest

    with pytest.raises(AttributeError):
        _ = stockpred.nope  # type: ignore[attr-defined]
