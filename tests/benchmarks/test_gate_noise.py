"""benchmarks/gate_noise/gate_noise.py's core on a few tiny walks, so the benchmark cannot rot."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from ..conftest import TINY

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks" / "gate_noise"))

from gate_noise import clopper_pearson, main, run, summarise, walk


def test_walks_are_seeded_random_walks_with_the_asked_drift_and_spread() -> None:
    one, again = walk(3, 2000, 0.015, 0.001), walk(3, 2000, 0.015, 0.001)
    np.testing.assert_array_equal(one.prices, again.prices)
    returns = np.diff(np.log(one.prices))
    assert returns.std() == pytest.approx(0.015, rel=0.05)
    assert returns.mean() == pytest.approx(0.001, abs=3 * 0.015 / np.sqrt(2000))


def test_clopper_pearson_is_the_exact_binomial_interval() -> None:
    low, high = clopper_pearson(0, 10)
    assert low == 0.0
    assert high == pytest.approx(1.0 - 0.025 ** (1 / 10))  # P(0 of 10) = 2.5 % at the bound
    low, high = clopper_pearson(7, 150)
    assert low < 7 / 150 < high
    assert summarise([{"open": k < 7, "p_value": k / 150} for k in range(150)])["ok"]
    assert not summarise([{"open": k < 30, "p_value": k / 150} for k in range(150)])["ok"]


def test_each_walk_fits_and_decides_a_gate() -> None:
    rows = run(2, 1, TINY, 1, sessions=400, sd=0.015, drift=0.0005)
    assert [r["drift"] for r in rows] == [0.0, 0.0, 0.0005]
    for row in rows:
        assert 0.0 <= row["p_value"] <= 1.0
        assert row["open"] == (row["p_value"] < 0.05)
        assert row["n"] > 0
    assert rows == [
        {**r, "seconds": s["seconds"]}
        for r, s in zip(run(2, 1, TINY, 1, sessions=400, sd=0.015, drift=0.0005), rows, strict=True)
    ]  # seeded: the same gates again


def test_the_separated_remedy_gates_on_the_second_half_of_validation_only() -> None:
    plain, separate = (
        run(1, 0, TINY, 1, sessions=400, sd=0.015, drift=0.0, separate=flag)[0]
        for flag in (False, True)
    )
    assert separate["n"] == pytest.approx(plain["n"] / 2, abs=1)


def test_the_script_prints_the_rate_and_writes_the_raw_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.json"
    argv = ["gate_noise.py", "--walks", "2", "--drift-walks", "1", "--sessions", "300"]
    monkeypatch.setattr(sys, "argv", [*argv, "--out", str(out)])
    main()
    printed = capsys.readouterr().out
    assert "random walks" in printed
    assert "95 % CI" in printed
    assert "load" in printed
    document = json.loads(out.read_text())
    assert len(document["walks"]) == 3
    assert set(document["machine"]) == {"uname", "cpu_count", "load", "commit"}
    assert document["summary"]["no drift"]["walks"] == 2
