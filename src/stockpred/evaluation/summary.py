"""summary.json: what a walk-forward backtest means, in tests, p-values and sentences."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import pandas as pd

from stockpred.data.history import PriceHistory
from stockpred.evaluation.intervals import compare_intervals, interval_scores, volatility_thirds
from stockpred.evaluation.lag import lag_check
from stockpred.evaluation.metrics import DM_LOSS, dm_verdict
from stockpred.evaluation.trading import TradingRule, signal_backtest
from stockpred.evaluation.walkforward import WalkForward
from stockpred.models.base import LSTM
from stockpred.models.intervals import INTERVAL_METHODS
from stockpred.stats import (
    ALPHA,
    DMResult,
    diebold_mariano,
    direction_binomial,
    pesaran_timmermann,
)


def _dm(rows: pd.DataFrame, model: str, against: str, step: int) -> dict[str, Any]:
    def test(loss: str) -> DMResult:
        return diebold_mariano(
            (rows[model] - rows["actual"]).to_numpy(),
            (rows[against] - rows["actual"]).to_numpy(),
            horizon=step,
            loss=loss,  # type: ignore[arg-type]
        )

    return {loss: test(loss).to_dict() for loss in ("squared", "absolute")}


def dm_tables(wf: WalkForward, model: str = LSTM) -> dict[str, Any]:
    """DM tests of ``model`` against every baseline, pooled and per fold, for each step."""
    out: dict[str, Any] = {}
    for against in (m for m in wf.models if m != model):
        by_step = []
        for step, rows in wf.forecasts.groupby("step"):
            by_step.append(
                {
                    "step": step,
                    "pooled": _dm(rows, model, against, int(step)),
                    "folds": {
                        int(fold): _dm(part, model, against, int(step))
                        for fold, part in rows.groupby("fold")
                    },
                }
            )
        out[against] = by_step
    return out


def model_table(wf: WalkForward, step: int = 1) -> dict[str, dict[str, float | None]]:
    """Pooled metrics of every model at one step."""
    table = wf.metrics()
    pooled = table[(table["fold"] == "all") & (table["step"] == step)]
    return {
        model: {r.metric: (None if pd.isna(r.value) else float(r.value)) for r in part.itertuples()}
        for model, part in pooled.groupby("model", sort=False)
    }


@dataclass(frozen=True)
class BacktestSummary:
    """What a walk-forward backtest means; ``to_dict()`` is summary.json, field for field."""

    ticker: str
    mode: str
    refit: str
    horizon: int
    folds: list[dict[str, Any]]
    verdict: str
    loss: str  # the verdict's loss, as --loss names it (mae, mse)
    dm_loss: str  # the same loss as the DM tables name it (absolute, squared)
    lag_sentence: str
    models: dict[str, dict[str, float | None]]
    diebold_mariano: dict[str, Any]
    direction: dict[str, Any]
    lag_detector: dict[str, Any]
    signal_backtest: dict[str, Any]
    intervals: dict[str, Any]
    gates: list[dict[str, Any]]  # the LSTM's validation gate before each fold
    n_one_step: int
    first_test_date: str
    last_test_date: str
    # Who won, as the verdict says it: the LSTM's pooled one-step DM test against naive.
    beats_naive: bool = field(default=False, metadata={"json": False})

    def to_dict(self) -> dict[str, Any]:
        """summary.json: every field but the ones the sentence already says."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.metadata.get("json", True)}


def summarise(
    wf: WalkForward, history: PriceHistory, rule: TradingRule | None = None
) -> BacktestSummary:
    """Every verdict of the backtest: DM, direction tests, lag detector, trading rule, intervals."""
    one = wf.one_step()
    actual, prev, lstm = (one[c].to_numpy() for c in ("actual", "previous", LSTM))
    dm = dm_tables(wf)
    headline = diebold_mariano(
        lstm - actual, one["naive"].to_numpy() - actual, loss=DM_LOSS[wf.loss]
    )
    lag = lag_check(history.prices, one["origin"].to_numpy() + 1, lstm)
    coverage = [
        {
            "step": int(step),
            **interval_scores(
                rows["actual"].to_numpy(),
                rows[f"{LSTM}_lower"].to_numpy(),
                rows[f"{LSTM}_upper"].to_numpy(),
                wf.interval,
            ),
        }
        for step, rows in wf.forecasts.groupby("step")
    ]
    dates = history.dates
    methods = [m for m in INTERVAL_METHODS if f"{LSTM}_{m}_lower" in one]
    models = model_table(wf)
    ours, naive = models[LSTM][wf.loss], models["naive"][wf.loss]
    return BacktestSummary(
        ticker=wf.ticker,
        mode=wf.mode,
        refit=wf.refit,
        horizon=wf.horizon,
        folds=[
            {
                "fold": f.number,
                "fit_start": str(dates[f.fit_start].date()),
                "train_end": str(dates[f.train_end - 1].date()),
                "test_start": str(dates[f.test_start].date()),
                "test_end": str(dates[f.test_end - 1].date()),
                "n_test": f.test_end - f.test_start,
            }
            for f in wf.folds
        ],
        verdict=f"{dm_verdict(wf.ticker, headline)}: {wf.loss.upper()} {ours:.4g} vs "
        f"{naive:.4g} over {len(one)} sessions",
        loss=wf.loss,
        dm_loss=DM_LOSS[wf.loss],
        lag_sentence=lag["sentence"],
        models=models,
        diebold_mariano=dm,
        direction={
            "binomial": direction_binomial(actual, lstm, prev),
            "pesaran_timmermann": pesaran_timmermann(actual, lstm, prev),
        },
        lag_detector=lag,
        signal_backtest=signal_backtest(prev, lstm, actual, rule),
        intervals={
            "method": wf.interval_method,
            "compared": tuple(methods) == INTERVAL_METHODS,
            "by_step": coverage,
            "methods": compare_intervals(
                actual,
                {
                    m: (one[f"{LSTM}_{m}_lower"].to_numpy(), one[f"{LSTM}_{m}_upper"].to_numpy())
                    for m in methods
                },
                volatility_thirds(history.prices, one["origin"].to_numpy()),
                wf.interval,
            ),
        },
        gates=wf.gates,
        n_one_step=len(one),
        first_test_date=str(one.index[0].date()),
        last_test_date=str(one.index[-1].date()),
        beats_naive=headline.p_better < ALPHA,
    )
