"""A replay of several tickers on Ray writes the ledger the local workers write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from stockpred.ledger.table import Ledger

from ..cli.test_ledger_cli import run
from ..ledger.month import CONFIG

pytestmark = pytest.mark.xdist_group("ray")


def _replay(out: Path, backend: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    config = [f"--{k.replace('_', '-')}={v}" for k, v in CONFIG.items()]
    argv = [
        "replay", "MSFT", "AAPL", "--from", "2013-02-11", "--to", "2013-02-22",
        "--store", str(out / "s.duckdb"), "--models", str(out / "models"),
        "--days", "2", "--refit-every", "1000", "--start", "2008-01-01",
        "--backend", backend, "--quiet", *config,
    ]  # fmt: skip
    assert run(argv, monkeypatch) == 0
    return Ledger(out / "s.duckdb").read().drop(columns="written_at")


@pytest.mark.slow
def test_a_replay_on_ray_writes_the_local_ledger(
    ray_cluster: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pandas as pd

    on_ray = _replay(tmp_path / "ray", "ray", monkeypatch)
    local = _replay(tmp_path / "local", "local", monkeypatch)
    assert set(on_ray["ticker"]) == {"MSFT", "AAPL"}
    assert on_ray["as_of"].nunique() == 9  # 2013-02-18 was a holiday
    assert len(on_ray) == 2 * 9 * 2  # two tickers, nine sessions, two steps
    pd.testing.assert_frame_equal(on_ray, local, check_exact=True)
