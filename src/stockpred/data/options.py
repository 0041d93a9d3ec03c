"""``LoadOptions``: every option that says where prices come from and how they are cleaned.

One frozen pydantic model, passed whole from the CLI or the API down to the one loader
(``data.loading.load_history``), so no input path can drop an option; its JSON is a run
folder's ``data.json``, so ``evaluate`` reloads the same prices. Light (no pandas), so the
CLI can name it in its commands' signatures.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal, TypedDict

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from stockpred.exceptions import ConfigError

Keep = Literal["first", "last"]
DEFAULT_MAX_GAP = 5
# Filled sessions have no move of their own; past this share of history they would be a
# noticeable part of what the model learns from.
DEFAULT_MAX_FILLED = 0.02
SourceName = Literal["auto", "sample", "csv", "store", "yahoo", "stooq", "alphavantage"]


class Cleaning(TypedDict):
    """The options ``clean_prices`` takes, with the date range; the others say where the
    rows come from."""

    exchange: str
    strict: bool
    max_gap: int
    max_filled: float
    date_format: str | None
    duplicates: Keep | None
    start: str | None
    end: str | None


class LoadOptions(BaseModel):
    """Where prices come from and how they are cleaned; saved as a run folder's data.json."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def __init__(self, /, **values: Any) -> None:
        """Validate; a refused value is a ``ConfigError`` of one line naming each one."""
        try:
            super().__init__(**values)
        except ValidationError as exc:
            said = "; ".join(_say(err) for err in exc.errors())
            raise ConfigError(f"invalid loading option: {said}") from None

    csv: str | None = Field(None, description="A price file (or a folder or panel of them).")
    source: SourceName | None = Field(None, description="Where prices come from.")
    store: str | None = Field(None, description="The DuckDB price store.")
    exchange: str = Field("XNYS", description="exchange_calendars code for trading sessions.")
    strict: bool = Field(False, description="Refuse duplicate dates and bad prices.")
    max_gap: int = Field(DEFAULT_MAX_GAP, ge=0, description="Longest run of sessions to fill.")
    max_filled: float = Field(
        DEFAULT_MAX_FILLED, ge=0.0, le=1.0, description="Most sessions filled, as a share."
    )
    date_format: str | None = Field(None, description="Layout of a file's dates, or epoch.")
    duplicates: Keep | None = Field(None, description="Which row of a doubled date to keep.")
    start: str | None = Field(None, description="Ignore prices before this date.")
    end: str | None = Field(None, description="Ignore prices after this date.")

    @field_validator("csv", "store", mode="before")
    @classmethod
    def _path_as_text(cls, value: Any) -> Any:
        """A ``Path`` is kept as its text, so the options are plain JSON."""
        return str(value) if isinstance(value, Path) else value

    @field_validator("start", "end", mode="before")
    @classmethod
    def _date_as_text(cls, value: Any) -> Any:
        """A date or timestamp is kept as its text (what ``clean_prices`` reads)."""
        return None if value is None else str(value)

    def cleaning(self) -> Cleaning:
        """``clean_prices``'s keywords, with the date range."""
        return Cleaning(
            exchange=self.exchange,
            strict=self.strict,
            max_gap=self.max_gap,
            max_filled=self.max_filled,
            date_format=self.date_format,
            duplicates=self.duplicates,
            start=self.start,
            end=self.end,
        )

    def to_json(self) -> str:
        """data.json's text."""
        return json.dumps(self.model_dump(mode="json"), indent=2)

    @classmethod
    def read(cls, path: Path) -> LoadOptions | None:
        """A run folder's data.json (any version: a missing key takes its default), or None."""
        if not path.is_file():
            return None
        try:
            return cls(**json.loads(path.read_text()))
        except (ValueError, ConfigError) as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from exc


def _say(err: Any) -> str:
    """One refused value: ``max_gap=-1: Input should be ...``, an unknown key by name."""
    name = ".".join(str(p) for p in err["loc"])
    if err["type"] == "extra_forbidden":
        import difflib

        close = difflib.get_close_matches(name, list(LoadOptions.model_fields), n=1)
        return f"unknown option {name}" + (f"; did you mean {close[0]}?" if close else "")
    return f"{name}={err['input']!r}: {err['msg']}"
