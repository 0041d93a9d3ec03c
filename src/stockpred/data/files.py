"""Local price files (CSV, gzipped CSV, Parquet): read into raw tables, written by export."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from stockpred.exceptions import ValidationError


def read_price_file(path: str | Path) -> pd.DataFrame:
    """Read a user's price file as raw rows; unreadable files are a one-line error."""
    file = Path(path)
    if not file.is_file():
        raise ValidationError(f"no such file: {file}; check the path given to --csv")
    try:
        if file.suffix.lower() in {".parquet", ".pq"}:
            return pd.read_parquet(file)
        return pd.read_csv(file, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValidationError(f"cannot read {file} as a price table: {first_line}") from exc
    except (ValueError, ImportError) as exc:  # pyarrow's errors for a non-Parquet file
        raise ValidationError(f"cannot read {file} as Parquet: {exc}") from exc


def write_price_file(frame: pd.DataFrame, path: str | Path, fmt: str) -> Path:
    """Write a PriceFrame as CSV or Parquet via a temporary file, so readers never see half."""
    if fmt not in ("csv", "parquet"):
        raise ValidationError(f"unknown export format {fmt!r}; use csv or parquet")
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
    table = frame.rename_axis("date").reset_index()
    try:
        if fmt == "csv":
            table.to_csv(tmp, index=False, date_format="%Y-%m-%d")
        else:
            table.to_parquet(tmp, index=False)
        os.replace(tmp, file)
    finally:
        tmp.unlink(missing_ok=True)
    return file
