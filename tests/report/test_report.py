from __future__ import annotations

from stockpred import ForecastConfig, Forecaster
from stockpred.data.history import PriceHistory
from stockpred.report.holdout import ReportInputs, render_report

from ..conftest import TINY


def test_report_is_self_contained_and_states_the_verdict(msft: PriceHistory) -> None:
    fc = Forecaster(ForecastConfig(**TINY)).fit(msft, progress=False)
    ev = fc.evaluate(msft)
    page = render_report(
        ReportInputs(
            "t",
            ev,
            fc.predict(msft, days=4),
            msft.frame["adj_close"],
            fc.train_result_,
            {"a": "<b>"},
            ["n"],
        )
    )
    assert page.count("<img") == 4
    assert "http" not in page.replace("http-equiv", "")
    assert ev.verdict() in page
    assert "&lt;b&gt;" in page  # facts are escaped
