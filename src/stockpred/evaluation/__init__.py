"""Scoring forecasts: metrics, the holdout comparison, walk-forward backtests and their statistics."""
