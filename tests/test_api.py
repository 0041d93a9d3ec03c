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


def test_every_exception_class_is_exported() -> None:
    import inspect

    from stockpred import exceptions

    defined = {
        name
        for name, obj in vars(exceptions).items()
        if inspect.isclass(obj) and issubclass(obj, (exceptions.StockpredError, Warning))
    }
    assert len(defined) == 16  # StockpredWarning (issue 8), WorkerLost (a pool worker died),
    # InvalidConfig (a config value refused: a ConfigError that is still pydantic's error)
    assert defined <= set(stockpred.__all__)
    for name in defined:
        assert getattr(stockpred, name) is getattr(exceptions, name)


def test_the_version_a_model_folder_records_is_the_packages() -> None:
    """Models stamp the installed distribution's version; the package must say the same."""
    from importlib.metadata import version

    assert version("stockpred") == stockpred.__version__


def test_the_public_forecaster_is_the_lstm_model_with_its_evaluation() -> None:
    """``models`` holds the LSTM model; the estimator users call adds what scores it."""
    from stockpred.models.forecaster import LSTMForecaster

    assert issubclass(stockpred.Forecaster, LSTMForecaster)
    assert not hasattr(LSTMForecaster, "evaluate")
    assert callable(stockpred.Forecaster.evaluate)
