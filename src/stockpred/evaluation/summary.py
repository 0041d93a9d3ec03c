"""summary.json: what a walk-forward backtest means, in tests, p-values and sentences."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from stockpred.artifacts import to_json
from stockpred.data.history import PriceHistory
from stockpred.evaluation.intervals import (
    IntervalScores,
    MethodScores,
    compare_intervals,
    interval_scores,
    volatility_thirds,
)
from stockpred.evaluation.lag import LagCheck, lag_check
from stockpred.evaluation.metrics import DM_LOSS, dm_verdict
from stockpred.evaluation.trading import SignalBacktest, TradingRule, signal_backtest
from stockpred.evaluation.walkforward import FoldGate, WalkForward
from stockpred.models.base import LSTM
from stockpred.models.intervals import INTERVAL_METHODS
from stockpred.stats import (
    ALPHA,
    BinomialTest,
    DirectionTest,
    DMResult,
    Loss,
    diebold_mariano,
    direction_binomial,
    pesaran_timmermann,
)


@dataclass(frozen=True)
class DMPair:
    """One Diebold–Mariano comparison under both losses."""

    squared: DMResult
    absolute: DMResult

    def under(self, loss: str) -> DMResult:
        """The test under ``loss`` as the DM tables name it (squared, absolute)."""
        return self.squared if loss == "squared" else self.absolute


@dataclass(frozen=True)
class DMStep:
    """A model against one baseline at one step: pooled over folds, and fold by fold."""

    step: int
    pooled: DMPair
    folds: dict[int, DMPair]


@dataclass(frozen=True)
class FoldSpan:
    """One fold's dates: fitted from ``fit_start`` to ``train_end``, tested after."""

    fold: int
    fit_start: str
    train_end: str
    test_start: str
    test_end: str
    n_test: int


@dataclass(frozen=True)
class Direction:
    """Are the LSTM's one-step directions right more often than luck allows?"""

    binomial: BinomialTest
    pesaran_timmermann: DirectionTest


@dataclass(frozen=True)
class StepCoverage:
    """The forecast's interval at one step (written flat: step, then the scores)."""

    step: int
    scores: IntervalScores = field(metadata={"json": "inline"})


@dataclass(frozen=True)
class IntervalSummary:
    """The forecast's interval step by step, and the fitted methods compared at step one."""

    method: str
    compared: bool  # every method fitted (--compare-intervals), not just method and constant
    by_step: tuple[StepCoverage, ...]
    methods: dict[str, MethodScores]


def _dm(rows: pd.DataFrame, model: str, against: str, step: int) -> DMPair:
    def test(loss: Loss) -> DMResult:
        return diebold_mariano(
            (rows[model] - rows["actual"]).to_numpy(),
            (rows[against] - rows["actual"]).to_numpy(),
            horizon=step,
            loss=loss,
        )

    return DMPair(test("squared"), test("absolute"))


def dm_tables(wf: WalkForward, model: str = LSTM) -> dict[str, tuple[DMStep, ...]]:
    """DM tests of ``model`` against every baseline, pooled and per fold, for each step."""
    return {
        against: tuple(
            DMStep(
                int(step),
                _dm(rows, model, against, int(step)),
                {
                    int(fold): _dm(part, model, against, int(step))
                    for fold, part in rows.groupby("fold")
                },
            )
            for step, rows in wf.forecasts.groupby("step")
        )
        for against in wf.models
        if against != model
    }


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
    folds: tuple[FoldSpan, ...]
    verdict: str
    loss: str  # the verdict's loss, as --loss names it (mae, mse)
    dm_loss: str  # the same loss as the DM tables name it (absolute, squared)
    lag_sentence: str
    models: dict[str, dict[str, float | None]]
    diebold_mariano: dict[str, tuple[DMStep, ...]]  # baseline → the LSTM against it, by step
    direction: Direction
    lag_detector: LagCheck
    signal_backtest: SignalBacktest
    intervals: IntervalSummary
    gates: tuple[FoldGate, ...]  # the LSTM's validation gate before each fold
    n_one_step: int
    first_test_date: str
    last_test_date: str
    # Who won, as the verdict says it: the LSTM's pooled one-step DM test against naive.
    beats_naive: bool = field(default=False, metadata={"json": False})

    def to_dict(self) -> dict[str, Any]:
        """summary.json: every field but the ones the sentence already says."""
        return to_json(self)


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
    coverage = tuple(
        StepCoverage(
            int(step),
            interval_scores(
                rows["actual"].to_numpy(),
                rows[f"{LSTM}_lower"].to_numpy(),
                rows[f"{LSTM}_upper"].to_numpy(),
                wf.interval,
            ),
        )
        for step, rows in wf.forecasts.groupby("step")
    )
    dates = history.dates
    methods = [m for m in INTERVAL_METHODS if f"{LSTM}_{m}_lower" in one]
    models = model_table(wf)
    ours, naive = models[LSTM][wf.loss], models["naive"][wf.loss]
    return BacktestSummary(
        ticker=wf.ticker,
        mode=wf.mode,
        refit=wf.refit,
        horizon=wf.horizon,
        folds=tuple(
            FoldSpan(
                f.number,
                str(dates[f.fit_start].date()),
                str(dates[f.train_end - 1].date()),
                str(dates[f.test_start].date()),
                str(dates[f.test_end - 1].date()),
                f.test_end - f.test_start,
            )
            for f in wf.folds
        ),
        verdict=f"{dm_verdict(wf.ticker, headline)}: {wf.loss.upper()} {ours:.4g} vs "
        f"{naive:.4g} over {len(one)} sessions",
        loss=wf.loss,
        dm_loss=DM_LOSS[wf.loss],
        lag_sentence=lag.sentence,
        models=models,
        diebold_mariano=dm,
        direction=Direction(
            direction_binomial(actual, lstm, prev), pesaran_timmermann(actual, lstm, prev)
        ),
        lag_detector=lag,
        signal_backtest=signal_backtest(prev, lstm, actual, rule),
        intervals=IntervalSummary(
            wf.interval_method,
            tuple(methods) == INTERVAL_METHODS,
            coverage,
            compare_intervals(
                actual,
                {
                    m: (one[f"{LSTM}_{m}_lower"].to_numpy(), one[f"{LSTM}_{m}_upper"].to_numpy())
                    for m in methods
                },
                volatility_thirds(history.prices, one["origin"].to_numpy()),
                wf.interval,
            ),
        ),
        gates=tuple(wf.gates),
        n_one_step=len(one),
        first_test_date=str(one.index[0].date()),
        last_test_date=str(one.index[-1].date()),
        beats_naive=headline.p_better < ALPHA,
    )
