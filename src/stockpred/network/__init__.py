"""The LSTM network: its torch definition, which training fits, and its numpy forward pass,
which models predict with; below both, so neither imports the other."""
