"""Today's date, asked for in one place so that tests can pin it (nothing depends on the run day)."""

from __future__ import annotations

import pandas as pd


def today() -> pd.Timestamp:
    """Today at midnight, tz-naive, on this machine's clock."""
    return pd.Timestamp.today().normalize()
