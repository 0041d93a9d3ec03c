"""Output folders: stockpred never deletes what it did not write, and never half-writes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from stockpred.exceptions import ConfigError
from stockpred.run_folder import (
    MARKER,
    Kind,
    check_output,
    finished,
    output_folder,
    read_marker,
    reserve,
)

from .folder_checks import USER_HIDDEN, open_tmp, plant, snapshot, unwritable


def _write(tmp: Path, names: dict[str, str]) -> None:
    for name, text in names.items():
        (tmp / name).write_text(text)


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and p.name != MARKER)


def test_new_folder_gets_the_files_and_a_marker(tmp_path: Path) -> None:
    target = tmp_path / "runs" / "x"
    with output_folder(target, "backtest") as tmp:
        _write(tmp, {"summary.json": "{}", "report.html": "<p>"})
    assert sorted(p.name for p in target.iterdir()) == [MARKER, "report.html", "summary.json"]
    assert json.loads((target / MARKER).read_text())["kind"] == "backtest"
    assert _hidden(tmp_path / "runs") == []


def test_foreign_folder_is_refused_and_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "important"
    (target / "sub").mkdir(parents=True)
    (target / "notes.txt").write_text("mine")
    with (
        pytest.raises(ConfigError, match="files stockpred did not write"),
        output_folder(target, "run"),
    ):
        pytest.fail("must not get here")
    assert (target / "notes.txt").read_text() == "mine"
    assert (target / "sub").is_dir()
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt", "sub"]


def test_a_folder_of_another_job_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "run"
    with output_folder(target, "run") as tmp:
        (tmp / "model").mkdir()
        (tmp / "model" / "weights.safetensors").write_text("w")
    with pytest.raises(ConfigError, match="stockpred run folder"):
        check_output(target, "backtest")
    assert (target / "model" / "weights.safetensors").is_file()


def test_a_file_is_refused_and_no_old_copy_is_left(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.write_text("a file")
    with pytest.raises(ConfigError, match="is a file"), output_folder(target, "run"):
        pytest.fail("must not get here")
    assert target.read_text() == "a file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_force_replaces_a_marked_folder_of_another_job_and_keeps_the_users(
    tmp_path: Path,
) -> None:
    target = tmp_path / "mixed"
    with output_folder(target, "run") as tmp:
        _write(tmp, {"report.html": "old report", "metrics.json": "{}"})
    _write(target, {"notes.txt": "mine"})
    with output_folder(target, "backtest", force=True) as tmp:
        _write(tmp, {"report.html": "new report", "summary.json": "{}"})
    assert (target / "notes.txt").read_text() == "mine"
    assert (target / "report.html").read_text() == "new report"
    assert sorted(p.name for p in target.iterdir()) == [
        MARKER,
        "notes.txt",
        "report.html",
        "summary.json",
    ]


def test_same_job_replaces_its_own_files_and_keeps_the_users(tmp_path: Path) -> None:
    target = tmp_path / "bt"
    with output_folder(target, "backtest") as tmp:
        _write(tmp, {"summary.json": "1", "backtest.csv": "old"})
    (target / "my-notes.md").write_text("keep me")
    with output_folder(target, "backtest") as tmp:
        _write(tmp, {"summary.json": "2"})
    names = sorted(p.name for p in target.iterdir())
    assert names == [MARKER, "my-notes.md", "summary.json"]  # stale backtest.csv was ours
    assert (target / "summary.json").read_text() == "2"


def _fail_while_writing(target: Path, error: BaseException) -> None:
    with output_folder(target, "backtest") as tmp:
        _write(tmp, {"summary.json": "half"})
        raise error


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_failure_or_ctrl_c_leaves_the_folder_as_it_was(
    tmp_path: Path, error: BaseException
) -> None:
    target = tmp_path / "bt"
    with output_folder(target, "backtest") as tmp:
        _write(tmp, {"summary.json": "first"})
    before = sorted(p.name for p in target.iterdir())
    with pytest.raises(type(error)):
        _fail_while_writing(target, error)
    assert sorted(p.name for p in target.iterdir()) == before
    assert (target / "summary.json").read_text() == "first"
    fresh = tmp_path / "new"
    with pytest.raises(type(error)), output_folder(fresh, "backtest"):
        raise error
    assert not fresh.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bt"]


@contextmanager
def hold(target: Path) -> Iterator[None]:
    """Another process holding ``target`` as a backtest job would, while the block runs."""
    code = (
        "import sys, time\n"
        "from stockpred.run_folder import reserve\n"
        f"with reserve({str(target)!r}, 'backtest'):\n"
        "    print('held', flush=True)\n"
        "    time.sleep(60)\n"
    )
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) as job:
        try:
            assert job.stdout is not None
            assert job.stdout.readline().strip() == "held"
            yield
        finally:
            job.kill()


def test_a_second_writer_of_the_same_folder_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "bt"
    with output_folder(target, "backtest") as tmp:
        _write(tmp, {"summary.json": "first"})
    with hold(target), pytest.raises(ConfigError, match="another stockpred process"):
        _fail_while_writing(target, RuntimeError("must not get here"))
    assert (target / "summary.json").read_text() == "first"
    with output_folder(target, "backtest") as tmp:  # free again once the other one is gone
        _write(tmp, {"summary.json": "second"})
    assert (target / "summary.json").read_text() == "second"


def _job_that_fails_after_writing(target: Path) -> None:
    with reserve(target, "run"):
        assert target.is_dir()  # reserved (and locked) before the work
        with output_folder(target, "run") as tmp:  # the job's own lock is no obstacle
            _write(tmp, {"data.json": "{}"})
        raise RuntimeError("training failed")


def test_a_job_keeps_its_folder_reserved_and_cleans_up_if_it_fails(tmp_path: Path) -> None:
    target = tmp_path / "new"
    with pytest.raises(RuntimeError):
        _job_that_fails_after_writing(target)
    assert not target.exists()  # made for the job, so removed with it


@pytest.mark.parametrize("force", [False, True])
@pytest.mark.parametrize(
    ("kind", "files"),
    [
        ("run", {"report.html": b"my report", "model/keras.h5": b"my weights"}),
        ("backtest", {"report.html": b"my report"}),
    ],
)
def test_an_unmarked_folder_of_names_stockpred_uses_is_refused_and_left_byte_identical(
    tmp_path: Path, kind: Kind, files: dict[str, bytes], force: bool
) -> None:
    target = tmp_path / "userdir"
    plant(target, files)
    before = snapshot(tmp_path)
    with (
        pytest.raises(ConfigError, match=r"stockpred did not write.*choose an empty or new"),
        output_folder(target, kind, force=force) as tmp,
    ):
        _write(tmp, {"report.html": "stockpred's report"})
    assert snapshot(tmp_path) == before


def test_a_users_file_named_as_stockpred_writes_is_refused_in_a_marked_folder(
    tmp_path: Path,
) -> None:
    target = tmp_path / "trained"
    with output_folder(target, "train") as tmp:
        _write(tmp, {"data.json": "{}"})
    _write(target, {"report.html": "the user's own report"})
    before = snapshot(tmp_path)
    with pytest.raises(ConfigError, match=r"holds report\.html, which stockpred did not write"):
        check_output(target, "run")
    with (
        pytest.raises(ConfigError, match=r"report\.html"),
        output_folder(target, "run", force=True) as tmp,
    ):
        _write(tmp, {"report.html": "stockpred's report"})
    assert snapshot(tmp_path) == before


def test_a_marked_folder_keeps_hidden_user_files_and_loses_only_stale_temporaries(
    tmp_path: Path,
) -> None:
    target = tmp_path / "bt"
    with output_folder(target, "backtest") as tmp:
        _write(tmp, {"summary.json": "1"})
    plant(target, {**USER_HIDDEN, ".stockpred-tmp-killed/summary.json": b"half"})
    with output_folder(target, "backtest") as tmp:
        _write(tmp, {"summary.json": "2"})
    after = snapshot(target)
    assert {name: after[name][1] for name in USER_HIDDEN} == USER_HIDDEN
    assert _hidden(target) == [".bashrc", ".env", ".git", ".ssh"]
    assert (target / "summary.json").read_text() == "2"


def test_a_folder_that_cannot_be_written_is_refused_before_any_work() -> None:
    with open_tmp() as root:
        existing, parent = root / "existing", root / "parent"
        existing.mkdir()
        parent.mkdir()
        before = snapshot(root)
        with unwritable(existing), pytest.raises(ConfigError, match="cannot be written"):
            check_output(existing, "run")
        with unwritable(parent), pytest.raises(ConfigError, match="cannot be written"):
            check_output(parent / "new" / "run", "run")
        assert snapshot(root) == before


def test_a_failed_job_removes_every_folder_it_made(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), reserve(tmp_path / "a" / "b" / "c", "run"):
        raise RuntimeError("training failed")
    assert list(tmp_path.iterdir()) == []


def _fail_beside_another_job(runs: Path) -> None:
    with reserve(runs / "deep" / "A", "run"):
        with output_folder(runs / "deep" / "B", "run") as tmp:  # another job, done meanwhile
            _write(tmp, {"data.json": "{}"})
        raise RuntimeError("job A failed")


def test_a_failed_job_keeps_a_parent_it_made_once_another_job_wrote_there(
    tmp_path: Path,
) -> None:
    with pytest.raises(RuntimeError):
        _fail_beside_another_job(tmp_path / "runs")
    assert sorted(p.name for p in (tmp_path / "runs" / "deep").iterdir()) == ["B"]
    assert (tmp_path / "runs" / "deep" / "B" / "data.json").read_text() == "{}"


def test_a_folder_written_inside_a_write_is_part_of_it_with_no_second_temporary(
    tmp_path: Path,
) -> None:
    target = tmp_path / "run"
    with output_folder(target, "run") as tmp:
        with output_folder(tmp / "model", "model") as part:
            assert part == tmp / "model"  # written in place: the run's temporary is the only one
            _write(part, {"weights.safetensors": "w"})
        assert [p.name for p in tmp_path.rglob(".stockpred-*")] == [tmp.name]
        _write(tmp, {"metrics.json": "{}"})
    assert sorted(p.name for p in target.iterdir()) == [MARKER, "metrics.json", "model"]
    assert read_marker(target / "model") == {"kind": "model", "files": ["weights.safetensors"]}
    assert _hidden(target) == []


KILLED_IN_COMMIT = """
import os, pathlib, sys
from stockpred.run_folder import output_folder
real = pathlib.Path.rename
def rename(self, dest):
    if pathlib.Path(dest).name == "stamp.json":
        os._exit(9)  # killed halfway through moving the entries in
    return real(self, dest)
pathlib.Path.rename = rename
with output_folder(pathlib.Path(sys.argv[1]), "run") as tmp:
    (tmp / "metrics.json").write_text("half")
    (tmp / "stamp.json").write_text("{}")
"""


def test_a_commit_killed_halfway_leaves_an_unfinished_folder_that_stays_stockpreds(
    tmp_path: Path,
) -> None:
    target = tmp_path / "MSFT"
    with output_folder(target, "run") as tmp:  # an earlier run, written again (a refit)
        _write(tmp, {"metrics.json": "first", "stamp.json": "{}"})
    killed = subprocess.run([sys.executable, "-c", KILLED_IN_COMMIT, str(target)], check=False)
    assert killed.returncode == 9
    assert not finished(target)  # a resume must not trust it
    with output_folder(target, "run") as tmp:  # nor is it refused as the user's
        _write(tmp, {"metrics.json": "whole", "stamp.json": "{}"})
    assert finished(target)
    assert sorted(p.name for p in target.iterdir()) == [MARKER, "metrics.json", "stamp.json"]


def test_an_update_replaces_only_the_entries_it_writes(tmp_path: Path) -> None:
    target = tmp_path / "universe"
    with output_folder(target, "universe") as tmp:
        _write(tmp, {"universe-run.json": "{}", "leaderboard.csv": "old"})
    with output_folder(target, "universe", update=True) as tmp:
        _write(tmp, {"leaderboard.csv": "new", "index.html": "<p>"})
    assert (target / "universe-run.json").read_text() == "{}"
    assert (target / "leaderboard.csv").read_text() == "new"
    assert read_marker(target) == {
        "kind": "universe",
        "files": ["index.html", "leaderboard.csv", "universe-run.json"],
    }
