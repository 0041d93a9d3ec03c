"""Local price files (CSV, gzipped CSV, Parquet) read into raw tables for cleaning."""

from __future__ import annotations

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
