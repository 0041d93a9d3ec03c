"""One ticker's day: models refitted on schedule, never newer than the session, sessions only."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

from stockpred.config import ForecastConfig
from stockpred.data.calendar import sessions_after
from stockpred.ledger.replay import run_daily
from stockpred.ledger.table import Ledger

from .conftest import Replayed
from .month import CONFIG, job


def test_a_model_is_reused_while_young_and_refitted_when_old(
    replayed: Replayed, tmp_path: Path
) -> None:
    csv, month, _ = replayed
    week = month[:6]
    plan = dataclasses.replace(job(csv, tmp_path / "s.duckdb", tmp_path / "m", week), refit_every=4)
    outcome = run_daily(plan)
    assert outcome.ok, outcome.error
    assert sorted(p.name for p in (tmp_path / "m" / "MSFT").iterdir()) == [
        str(week[0].date()),
        str(week[4].date()),
    ]
    rows = Ledger(tmp_path / "s.duckdb").read()
    trained = rows["model_id"].map(
        Ledger(tmp_path / "s.duckdb").promises().set_index("model_id")["trained_through"]
    )
    age = [
        week.get_loc(a) - week.get_loc(pd.Timestamp(t))
        for a, t in zip(rows["as_of"], trained, strict=True)
    ]
    assert max(age) == 3
    assert min(age) == 0


def test_target_dates_are_the_next_sessions_of_the_exchange(replayed: Replayed) -> None:
    _, _, store = replayed
    rows = Ledger(store).read()
    for as_of, day in rows.groupby("as_of"):
        expected = sessions_after("XNYS", as_of, len(day))
        assert list(day.sort_values("step")["target_date"]) == list(expected)


def test_a_model_trained_after_the_session_is_never_used(
    replayed: Replayed, tmp_path: Path
) -> None:
    csv, month, store = replayed
    models = tmp_path / "models"
    shutil.copytree(store.parent / "models_a", models)
    later_id = Ledger(store).read()["model_id"].iloc[0]
    earlier = pd.Timestamp(month[0]) - pd.offsets.BDay(5)
    plan = dataclasses.replace(
        job(csv, tmp_path / "s.duckdb", models, month), first=None, last=earlier
    )
    outcome = run_daily(plan)
    assert outcome.ok, outcome.error
    assert outcome.model_ids != [later_id]
    assert (models / "MSFT" / str(Ledger(tmp_path / "s.duckdb").read()["as_of"][0].date())).is_dir()


def test_a_market_index_is_cut_at_the_session_too(replayed: Replayed, tmp_path: Path) -> None:
    csv, month, _ = replayed
    plan = dataclasses.replace(
        job(csv, tmp_path / "s.duckdb", tmp_path / "m", month),
        config=ForecastConfig(**CONFIG, market=str(csv)),  # its own index: any file will do
        first=None,
        last=month[0],
    )
    outcome = run_daily(plan)
    assert outcome.ok, outcome.error
    assert outcome.last_as_of == month[0]
    assert outcome.written == len(Ledger(tmp_path / "s.duckdb").read())


def test_a_day_with_saved_models_does_not_import_torch(replayed: Replayed, tmp_path: Path) -> None:
    csv, month, store = replayed
    models = store.parent / "models_a"  # read only: the day reuses the model saved there
    code = (
        "import sys, pandas as pd; from pathlib import Path; "
        "from stockpred.ledger.replay import run_daily; from tests.ledger.month import job; "
        f"plan = job(Path({str(csv)!r}), Path({str(tmp_path / 's.duckdb')!r}), "
        f"Path({str(models)!r}), pd.DatetimeIndex([pd.Timestamp({str(month[1])!r})])); "
        "outcome = run_daily(plan); print(outcome.ok, outcome.written, 'torch' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": f"{root / 'src'}:{root}"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert done.stdout.split() == ["True", "2", "False"]
