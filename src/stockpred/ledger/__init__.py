"""The forecast ledger: forecasts made every day, kept, and scored when the future arrives."""
