"""Fitting the LSTM: the training loop and its torch-free log."""
