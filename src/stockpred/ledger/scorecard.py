"""The live record: every ledger forecast whose target price now exists, scored.

Per ticker and model, per ticker (its models pooled, and said so), and pooled over tickers,
each per step: n, MAE, MAE ÷ the naive forecast's (the price when the forecast was made),
a DM test against naive under the verdict's loss (BH across tickers, as the universe does),
interval coverage and Winkler score; beside the one-step figures, the model's promise (its
test-span MAE ÷ naive and coverage when it was trained) and a flag where the live record
contradicts it beyond chance.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypedDict

import numpy as np
import pandas as pd

from stockpred.data.history import PriceHistory
from stockpred.data.samples import sample_tickers
from stockpred.data.store import PriceStore
from stockpred.evaluation.intervals import winkler
from stockpred.evaluation.metrics import DM_LOSS
from stockpred.exceptions import DataError
from stockpred.ledger.table import Ledger
from stockpred.run_folder import output_folder
from stockpred.stats import ALPHA, diebold_mariano
from stockpred.universe.scores import benjamini_hochberg

SCORE_COLUMNS = (
    "scope",
    "ticker",
    "model_id",
    "models",
    "step",
    "n",
    "first_target",
    "last_target",
    "mae",
    "naive_mae",
    "mae_vs_naive",
    "dm_p",
    "dm_q",
    "coverage",
    "level",
    "winkler_pct",
    "promise_mae_vs_naive",
    "promise_coverage",
    "coverage_p",
    "coverage_q",
    "flag",
)
PRICE_KINDS = ("open", "high", "low", "close", "adj_close")
ALL = "*"  # the ticker or model column of a row that pools several


def with_actuals(forecasts: pd.DataFrame, prices: pd.DataFrame) -> pd.DataFrame:
    """The forecasts whose target session has a price, with it as ``actual``.

    ``prices``: long ``ticker, date`` and one column per price kind; each forecast is scored
    on the column it was made from (``price_column``), and only on a real price.
    """
    long = prices.melt(["ticker", "date"], var_name="price_column", value_name="actual")
    merged = forecasts.merge(
        long.dropna(subset=["actual"]),
        left_on=["ticker", "target_date", "price_column"],
        right_on=["ticker", "date", "price_column"],
        how="inner",
    ).drop(columns="date")
    return merged.sort_values(["ticker", "as_of", "model_id", "step"]).reset_index(drop=True)


def scorecard(scored: pd.DataFrame, promises: pd.DataFrame, loss: str = "mae") -> pd.DataFrame:
    """Every figure of the live record, one row a (scope, ticker, model, step)."""
    promised = promises.set_index("model_id") if not promises.empty else None
    parts = [
        _rows(scored, ["ticker", "model_id", "step"], "model", promised, loss),
        _rows(scored, ["ticker", "step"], "ticker", promised, loss),
        _rows(scored, ["step"], "pooled", promised, loss),
    ]
    table = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    if table.empty:
        return pd.DataFrame(columns=list(SCORE_COLUMNS))
    # No coverage test pooled over tickers: on one day their misses come together (a market
    # shock), so the binomial test's independence fails and its p would be far too small.
    pooled = table["scope"] == "pooled"
    table.loc[pooled, "coverage_p"] = np.nan
    # One DM test a pooled row; the per-ticker and per-model rows are many: BH across them.
    tests = {"dm_p": "dm_q", "dm_p_worse": "dm_q_worse", "coverage_p": "coverage_q"}
    for p, q in tests.items():
        table[q] = table[p]
        for scope in ("model", "ticker"):
            for _, idx in table[table["scope"] == scope].groupby("step").groups.items():
                table.loc[idx, q] = benjamini_hochberg(table.loc[idx, p].to_numpy(float))
    table["flag"] = [_flag(row) for row in table.itertuples()]
    return table[list(SCORE_COLUMNS)]


def _rows(
    scored: pd.DataFrame,
    keys: list[str],
    scope: str,
    promised: pd.DataFrame | None,
    loss: str,
) -> pd.DataFrame:
    """One row a group of ``keys``: the figures of its forecasts."""
    rows = []
    for key, group in scored.groupby(keys, sort=True):
        named = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
        for column in ("ticker", "model_id"):  # a pooled row names its one model, or says *
            if column not in keys:
                named[column] = group[column].iloc[0] if group[column].nunique() == 1 else ALL
        rows.append({"scope": scope, **named, **asdict(_figures(group, promised, loss))})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class PromiseTest:
    """The models' one-step promise here and the binomial test of live coverage against it;
    NaN where no promise applies."""

    promise_mae_vs_naive: float = np.nan
    promise_coverage: float = np.nan
    coverage_p: float = np.nan


@dataclass(frozen=True)
class Figures:
    """A group of forecasts' figures: a scorecard row's columns after its keys."""

    models: int
    n: int
    first_target: pd.Timestamp
    last_target: pd.Timestamp
    mae: float
    naive_mae: float
    mae_vs_naive: float
    dm_p: float
    dm_p_worse: float
    coverage: float
    level: float  # NaN where the group mixes levels
    winkler_pct: float
    promise_mae_vs_naive: float
    promise_coverage: float
    coverage_p: float


def _figures(group: pd.DataFrame, promised: pd.DataFrame | None, loss: str) -> Figures:
    """n, errors, DM against naive, coverage, Winkler, and (step 1) the promise and its test."""
    actual, point = group["actual"].to_numpy(float), group["point"].to_numpy(float)
    lower, upper = group["lower"].to_numpy(float), group["upper"].to_numpy(float)
    naive = group["last_price"].to_numpy(float)
    step, level = int(group["step"].iloc[0]), float(group["level"].iloc[0])
    mae, naive_mae = float(np.mean(np.abs(point - actual))), float(np.mean(np.abs(naive - actual)))
    covered = (lower <= actual) & (actual <= upper)
    dm = diebold_mariano(point - actual, naive - actual, horizon=step, loss=DM_LOSS[loss])
    test = _promise(group, covered, promised, step)
    return Figures(
        models=group["model_id"].nunique(),
        n=len(group),
        first_target=group["target_date"].min(),
        last_target=group["target_date"].max(),
        mae=mae,
        naive_mae=naive_mae,
        mae_vs_naive=mae / naive_mae if naive_mae else np.nan,
        dm_p=dm.p_better,
        dm_p_worse=dm.p_worse,
        coverage=float(covered.mean()),
        level=level if group["level"].nunique() == 1 else np.nan,
        winkler_pct=float(np.mean(winkler(actual, lower, upper, level) / actual) * 100.0),
        promise_mae_vs_naive=test.promise_mae_vs_naive,
        promise_coverage=test.promise_coverage,
        coverage_p=test.coverage_p,
    )


def _promise(
    group: pd.DataFrame, covered: np.ndarray, promised: pd.DataFrame | None, step: int
) -> PromiseTest:
    """The models' one-step promise (weighted by their forecasts here) and a binomial test
    of the live coverage against it; only at step 1, the horizon the promise was made at,
    where one forecast a session makes the misses independent enough for the test."""
    from scipy.stats import binomtest

    if step != 1 or promised is None:
        return PromiseTest()
    ids = group["model_id"]
    if not ids.isin(promised.index).all():
        return PromiseTest()
    weights = ids.value_counts()
    mine = promised.loc[weights.index]
    if mine["coverage"].isna().any():
        return PromiseTest()
    coverage = float(np.average(mine["coverage"].astype(float), weights=weights))
    mae_ratio = float(np.average(mine["mae_vs_naive"].astype(float), weights=weights))
    hits = int(covered.sum())
    p = float(binomtest(hits, len(covered), min(max(coverage, 0.0), 1.0)).pvalue)
    return PromiseTest(mae_ratio, coverage, p)


def _flag(row: Any) -> str:
    """One line where the live record contradicts the promise beyond chance (after BH)."""
    who = _who(row)
    if not pd.isna(row.coverage_q) and row.coverage_q < ALPHA:
        return (
            f"{who}: {row.coverage:.0%} of {row.level:.0%} intervals covered over {row.n} "
            f"sessions against a promised {row.promise_coverage:.0%}, p = {row.coverage_p:.2g} "
            f"(BH q = {row.coverage_q:.2g}): recalibrate or refit"
        )
    promised_better = not pd.isna(row.promise_mae_vs_naive) and row.promise_mae_vs_naive < 1.0
    if row.scope != "pooled" and promised_better and row.dm_q_worse < ALPHA:
        return (
            f"{who}: MAE {row.mae_vs_naive:.2f}× naive over {row.n} sessions against a promised "
            f"{row.promise_mae_vs_naive:.2f}×, DM p = {row.dm_p_worse:.2g} (BH q = "
            f"{row.dm_q_worse:.2g}): refit"
        )
    return ""


def _who(row: Any) -> str:
    """The rows' subject in words, saying when several models are pooled."""
    if row.scope == "pooled":
        return f"all tickers ({row.models} models)"
    if row.scope == "model":
        return f"{row.ticker} (model {row.model_id})"
    return row.ticker if row.models == 1 else f"{row.ticker} ({row.models} models pooled)"


class ScorecardDoc(TypedDict):
    """scorecard.json: what pooling means, the flags, and the rows (column → value)."""

    note: str
    flags: list[str]
    rows: list[dict[str, float | str | None]]


def summary(table: pd.DataFrame) -> ScorecardDoc:
    """scorecard.json: the rows, the flags, and what pooling means."""
    rows = table.replace({np.nan: None})
    for column in ("first_target", "last_target"):
        rows[column] = rows[column].map(
            lambda d: None if d is None else str(pd.Timestamp(d).date())
        )
    return ScorecardDoc(
        note="rows with model_id '*' pool the forecasts of the number of models in 'models'; "
        "the per-model rows (scope 'model') keep them apart",
        flags=[f for f in table["flag"] if f],
        rows=rows.to_dict(orient="records"),
    )


def actual_prices(tickers: list[str], store: Path | None, csv: Path | None) -> pd.DataFrame:
    """Real prices (``ticker, date`` and a column per kind): from the store (the bundled
    sample for its tickers the store lacks, as ``forecast`` read them), or from a price file
    or a folder of them (ticker = file name), with the sessions cleaning filled left out."""
    from stockpred.data.loading import load_prices

    if csv is None:
        panel = PriceStore(store).read_panel(tickers)[["ticker", "date", *PRICE_KINDS]]
        held = set(panel["ticker"])
        sample = [t for t in tickers if t not in held and t in sample_tickers()]
        parts = [_observed(load_prices(t, source="sample")) for t in sample]
        return pd.concat([panel, *parts], ignore_index=True)
    files = sorted(p for p in csv.iterdir() if p.is_file()) if csv.is_dir() else [csv]
    return pd.concat([_observed(load_prices(csv=file)) for file in files], ignore_index=True)


def _observed(history: PriceHistory) -> pd.DataFrame:
    """A history's real sessions as ``ticker, date`` and a column per price kind."""
    frame = history.frame.loc[history.observed, list(PRICE_KINDS)]
    return frame.rename_axis("date").reset_index().assign(ticker=history.ticker)


def write_scorecard(
    store: Path | None, csv: Path | None, out: Path, loss: str, *, force: bool = False
) -> pd.DataFrame:
    """Score the ledger in ``store`` and write scorecard.csv, .json and .html into ``out``."""
    from stockpred.ledger.page import scorecard_page

    ledger = Ledger(store)
    forecasts = ledger.read()
    if forecasts.empty:
        raise DataError(
            f"the ledger in {ledger.path} holds no forecasts; make some with 'stockpred forecast'"
        )
    prices = actual_prices(sorted(forecasts["ticker"].unique()), store, csv)
    scored = with_actuals(forecasts, prices)
    if scored.empty:
        raise DataError(
            "no ledger forecast has a price for its target session yet; fetch newer prices "
            "(or give them with --csv) and score again"
        )
    table = scorecard(scored, ledger.promises(), loss)
    with output_folder(out, "scorecard", force=force) as tmp:
        table.to_csv(tmp / "scorecard.csv", index=False)
        (tmp / "scorecard.json").write_text(json.dumps(summary(table), indent=2))
        (tmp / "scorecard.html").write_text(scorecard_page(table, scored))
    return table
