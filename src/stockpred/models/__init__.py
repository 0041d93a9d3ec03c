"""Forecasting models: the LSTM network and the naive baselines it must beat."""
