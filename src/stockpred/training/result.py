"""The record of one fit (losses per epoch, best epoch, timing), kept free of torch so a
saved model can be loaded and reported on without importing it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TypedDict


@dataclass(frozen=True)
class EpochLog:
    """One epoch's losses (mean squared error on scaled targets)."""

    epoch: int
    train_loss: float
    val_loss: float
    seconds: float


@dataclass(frozen=True)
class MemberSummary:
    """One network of an ensemble in a line: best epoch and loss, epochs run, seconds."""

    best_epoch: int
    best_val_loss: float
    epochs_run: int
    seconds: float


class TrainDoc(TypedDict):
    """A fit's record as JSON: state.json's ``train`` (metrics.json's ``training`` leaves out
    the history); its members' and epochs' entries are their fields by name."""

    best_epoch: int
    best_val_loss: float
    epochs_run: int
    seconds: float
    stopped_early: bool
    n_train: int
    n_val: int
    samples_per_second: float
    members: list[dict[str, float]]
    history: list[dict[str, float]]


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
    members: list[MemberSummary] = field(default_factory=list)

    @property
    def samples_per_second(self) -> float:
        """Training windows processed per second of wall time (validation included)."""
        epochs = sum(m.epochs_run for m in self.members) or len(self.history)
        return self.n_train * epochs / self.seconds if self.seconds else 0.0

    def to_dict(self) -> TrainDoc:
        """JSON-ready form: this fit's summary line first, then the rest."""
        summary = self.member_summary()
        return TrainDoc(
            best_epoch=summary.best_epoch,
            best_val_loss=summary.best_val_loss,
            epochs_run=summary.epochs_run,
            seconds=summary.seconds,
            stopped_early=self.stopped_early,
            n_train=self.n_train,
            n_val=self.n_val,
            samples_per_second=self.samples_per_second,
            members=[asdict(m) for m in self.members],
            history=[asdict(e) for e in self.history],
        )

    def member_summary(self) -> MemberSummary:
        """This fit as one network of an ensemble."""
        return MemberSummary(self.best_epoch, self.best_val_loss, len(self.history), self.seconds)

    @classmethod
    def from_dict(cls, data: TrainDoc) -> TrainResult:
        """Inverse of :meth:`to_dict` (a folder from before ensembles has no ``members``)."""
        return cls(
            history=[
                EpochLog(int(e["epoch"]), e["train_loss"], e["val_loss"], e["seconds"])
                for e in data["history"]
            ],
            best_epoch=data["best_epoch"],
            best_val_loss=data["best_val_loss"],
            stopped_early=data["stopped_early"],
            seconds=data["seconds"],
            n_train=data["n_train"],
            n_val=data["n_val"],
            members=[
                MemberSummary(
                    int(m["best_epoch"]), m["best_val_loss"], int(m["epochs_run"]), m["seconds"]
                )
                for m in data.get("members", [])
            ],
        )
