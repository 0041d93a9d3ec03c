"""Self-contained HTML reports: a run's holdout report and a backtest's report."""
