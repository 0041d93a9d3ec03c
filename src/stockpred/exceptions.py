"""Every error stockpred raises on purpose.

The CLI turns a ``StockpredError`` into one line on stderr and a non-zero exit;
anything else is a bug and may show a traceback::

    StockpredError
    ├── DataError                 the prices cannot be used as given
    │   ├── ValidationError       missing columns, unparseable dates, bad prices
    │   ├── InsufficientHistory   fewer sessions than the window and spans need
    │   ├── TickerNotFound        the source does not know the ticker
    │   ├── ProviderError         a provider failed (bad answer, missing key)
    │   │   ├── RateLimited       a provider asked us to slow down
    │   │   └── ProviderUnavailable  no answer (timeout, network down, 5xx): worth a retry
    │   └── StoreError            the local price store is corrupt or locked
    ├── ConfigError               an option or config file value is invalid
    │   └── InvalidConfig         a ForecastConfig value pydantic refused (also pydantic's
    │                             ValidationError and a ValueError, as before)
    ├── NotFittedError            predict/evaluate/save before fit
    ├── ArtifactError             a model folder is missing, incomplete or tampered with
    └── WorkerLost                a worker process died (killed, out of memory) on a job

StockpredWarning (a ``UserWarning``) is something the user should know that does not stop
the job; the CLI prints it as one line. StaleDataWarning, one of them, says stored prices
were used because no provider answered, and how old they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic_core import ValidationError as PydanticValidationError


class StockpredError(Exception):
    """Base of all errors a user can cause and fix."""


class DataError(StockpredError):
    """The price history cannot be used as given."""


class ValidationError(DataError):
    """A price table fails validation (columns, dates, values)."""


class InsufficientHistory(DataError):
    """Too few sessions for the window and the train/validation/test spans."""


class TickerNotFound(DataError):
    """The source does not know this ticker."""


class ProviderError(DataError):
    """A data provider failed or answered with something that is not data."""


class RateLimited(ProviderError):
    """A data provider asked us to slow down."""


class ProviderUnavailable(ProviderError):
    """A provider could not be reached or failed on its side; retrying may help."""


class StoreError(DataError):
    """The local price store cannot be read or written safely."""


class ConfigError(StockpredError):
    """A configuration value is invalid."""


class InvalidConfig(ConfigError, PydanticValidationError):
    """Invalid ``ForecastConfig`` values, said in one line (``message``).

    Still a pydantic ``ValidationError`` (so a ``ValueError``) with its ``errors()``: code
    that caught what ``ForecastConfig`` raised before keeps working. Built with
    ``from_exception_data``, as pydantic's own is.
    """

    message = "invalid configuration"

    def __str__(self) -> str:
        return self.message


class NotFittedError(StockpredError):
    """The forecaster must be fitted (or loaded) first."""


class ArtifactError(StockpredError):
    """A saved model folder is missing, incomplete or has been altered."""


class WorkerLost(StockpredError):
    """A worker process died on a job, and again when the job was run alone."""


class StockpredWarning(UserWarning):
    """Something the user should know that does not stop the job; the CLI prints one line."""


class StaleDataWarning(StockpredWarning):
    """Stored prices were used because no provider answered; the message says how old."""


# One bad ticker must not stop a universe, a calendar or a ledger replay: every per-item job
# runs through `attempt`, so an error a user can fix reads as its own message and a bug as
# ``unexpected TypeName: ...``, the same way everywhere.
T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """One item's ``value``, or its ``error`` (one line) when the job failed."""

    ticker: str
    value: T | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the job finished."""
        return self.error is None


def attempt(ticker: str, call: Callable[[], T]) -> Outcome[T]:
    """``call()``'s value, or its failure as one line: a worker never raises for one item.

    >>> attempt("MSFT", lambda: 1 / 0).error
    'unexpected ZeroDivisionError: division by zero'
    """
    try:
        return Outcome(ticker, call())
    except StockpredError as exc:
        return Outcome(ticker, error=str(exc))
    except Exception as exc:
        return Outcome(ticker, error=f"unexpected {type(exc).__name__}: {exc}")
