"""The record of one fit (losses per epoch, best epoch, timing), kept free of torch so a
saved model can be loaded and reported on without importing it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class EpochLog:
    """One epoch's losses (mean squared error on scaled targets)."""

    epoch: int
    train_loss: float
    val_loss: float
    seconds: float


@dataclass
class TrainResult:
    """What the fit loop did, for metrics.json and the report's training curves."""

    history: list[EpochLog] = field(default_factory=list)
    best_epoch: int = 0
    best_val_loss: float = float("inf")
    stopped_early: bool = False
    seconds: float = 0.0
    n_train: int = 0
    n_val: int = 0
    # An ensemble's networks (network/numpy_lstm.py members), each summarised; empty for one.
    members: list[dict[str, Any]] = field(default_factory=list)

    @property
    def samples_per_second(self) -> float:
        """Training windows processed per second of wall time (validation included)."""
        epochs = sum(m["epochs_run"] for m in self.members) or len(self.history)
        return self.n_train * epochs / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            **self.member_summary(),
            "stopped_early": self.stopped_early,
            "n_train": self.n_train,
            "n_val": self.n_val,
            "samples_per_second": self.samples_per_second,
            "members": self.members,
            "history": [asdict(e) for e in self.history],
        }

    def member_summary(self) -> dict[str, Any]:
        """One network of an ensemble in a line: best epoch and loss, epochs run, seconds."""
        return {
            "best_epoch": self.best_epoch,
            "best_val_loss": self.best_val_loss,
            "epochs_run": len(self.history),
            "seconds": self.seconds,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainResult:
        """Inverse of :meth:`to_dict`."""
        return cls(
            history=[EpochLog(**e) for e in data["history"]],
            best_epoch=data["best_epoch"],
            best_val_loss=data["best_val_loss"],
            stopped_early=data["stopped_early"],
            seconds=data["seconds"],
            n_train=data["n_train"],
            n_val=data["n_val"],
            members=list(data.get("members", [])),
        )
