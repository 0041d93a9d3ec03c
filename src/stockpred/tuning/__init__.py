"""Hyperparameter search on validation only: the space, the objective, the study, the outputs."""
