"""The training record: an ensemble's members as typed summaries that read old files."""

from __future__ import annotations

import json

from stockpred.training.result import EpochLog, MemberSummary, TrainResult

# state.json's "train" as stockpred wrote it for a two-network ensemble (members as objects).
OLD = {
    "best_epoch": 2,
    "best_val_loss": 0.5,
    "epochs_run": 2,
    "seconds": 3.0,
    "stopped_early": False,
    "n_train": 10,
    "n_val": 4,
    "samples_per_second": 13.333333333333334,
    "members": [
        {"best_epoch": 2, "best_val_loss": 0.5, "epochs_run": 2, "seconds": 1.0},
        {"best_epoch": 1, "best_val_loss": 0.75, "epochs_run": 2, "seconds": 2.0},
    ],
    "history": [
        {"epoch": 1, "train_loss": 1.0, "val_loss": 0.75, "seconds": 0.5},
        {"epoch": 2, "train_loss": 0.75, "val_loss": 0.5, "seconds": 0.5},
    ],
}


def test_an_old_record_reads_into_typed_members_and_writes_back_the_same() -> None:
    result = TrainResult.from_dict(json.loads(json.dumps(OLD)))
    assert result.members[1] == MemberSummary(1, 0.75, 2, 2.0)
    assert result.history[0] == EpochLog(1, 1.0, 0.75, 0.5)
    assert json.dumps(result.to_dict()) == json.dumps(OLD)


def test_samples_per_second_counts_every_members_epochs() -> None:
    result = TrainResult.from_dict(OLD)
    assert result.samples_per_second == 10 * 4 / 3.0
    assert result.member_summary() == MemberSummary(2, 0.5, 2, 3.0)
