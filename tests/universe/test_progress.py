"""The universe's progress bar: its ETA is at the pace of the tickers run in this process."""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Sequence
from pathlib import Path
from typing import Any

import pytest

from stockpred.universe.inputs import TickerSource
from stockpred.universe.job import TickerOutcome
from stockpred.universe.progress import Interrupted, stream


class _Resumed:
    """A backend whose first ``reused`` tickers come back at once (reused by --resume), then
    ``fresh`` more two seconds apart, then Ctrl-C."""

    def __init__(self, clock: list[float], reused: int, fresh: int) -> None:
        self.clock, self.reused, self.fresh = clock, reused, fresh

    def map(
        self, fn: Callable[[Any], Any], items: Sequence[Any], lost: Any = None
    ) -> Generator[TickerOutcome, None, None]:
        for i, item in enumerate(items[: self.reused + self.fresh]):
            self.clock[0] += 0.01 if i < self.reused else 2.0
            yield TickerOutcome(item.ticker, resumed=i < self.reused)
        raise KeyboardInterrupt


def test_the_eta_after_resume_counts_only_tickers_run_now(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: '95/341 ETA 0:00:18' when the 246 left take 246 x 2 s."""
    clock = [0.0]
    monkeypatch.setattr("rich.console.monotonic", lambda: clock[0])
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # the bar renders as in a terminal
    monkeypatch.setenv("TTY_INTERACTIVE", "1")
    monkeypatch.setenv("COLUMNS", "150")
    sources = [TickerSource(f"T{i}") for i in range(341)]
    with pytest.raises(Interrupted):
        stream(_Resumed(clock, 92, 3), str, sources, tmp_path, True, failed=TickerOutcome)
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", capsys.readouterr().err)  # no colours
    found = re.search(r"ETA (\d+):(\d\d):(\d\d)", plain.rsplit("95/341", 1)[1])
    assert found, plain
    hours, minutes, seconds = map(int, found.groups())
    # 246 left at 3 fresh tickers in 6.92 s: 567 s; the reused 92 make no pace.
    assert hours * 3600 + minutes * 60 + seconds == round(246 * (0.92 + 6.0) / 3)
