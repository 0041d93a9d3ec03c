"""Every shell and Python example of the README and the docs runs, offline, on the sample.

Each page's examples run in order in one fresh folder (a later block may read what an earlier
one wrote, as a reader would), holding ``prices.csv`` and ``prices/`` made from the bundled
sample, with ``STOCKPRED_STORE`` pointing inside it. A ``stockpred`` command runs in this
process; where it takes model options and the example gives none, a tiny network and a short
history are added (``TINY``; the files hold the same short history), so the examples are
checked for what they do, not for how well they forecast. The README and the getting-started
page share one run, and a command one of them already ran is not run twice. A
block just below ``<!-- skip: why -->`` is skipped, and the test says why; one below
``<!-- file: NAME -->`` is written to that file for the examples after it. ``A || B`` says
that A fails: A must exit 1 (a one-line error).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from stockpred.cli.main import main
from stockpred.data.loading import load_prices

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Pages whose examples run together, in one folder: the README repeats getting-started's.
TOGETHER = (ROOT / "README.md", ROOT / "docs" / "getting-started.md")
# A fence, and the mark just above it: skip (and why), or file (the block is that file's text).
FENCE = re.compile(
    r"(?:<!-- (?P<mark>skip|file): (?P<arg>[^>]*?) -->\n)?```(?P<lang>\w+)\n(?P<code>.*?)\n```",
    re.S,
)
SHELL = {"bash", "sh", "console", "shell"}
# Added to a command that takes these options and was not given them by the example.
START = "2010-01-01"
TINY = {"--epochs": "2", "--hidden": "8", "--window": "10", "--device": "cpu", "--start": START}
UNIVERSE = ("AAPL", "IBM", "MSFT")


@dataclass(frozen=True)
class Block:
    """One fenced example: its page, language, code, why it is skipped, the file it is."""

    page: Path
    lang: str
    code: str
    skip: str | None = None
    file: str | None = None


def blocks(page: Path) -> list[Block]:
    """The page's shell and Python examples and its files, in order."""
    found = []
    for m in FENCE.finditer(page.read_text()):
        mark = {m["mark"]: m["arg"]} if m["mark"] else {}
        if m["lang"] in SHELL or m["lang"] == "python" or "file" in mark:
            found.append(Block(page, m["lang"], m["code"], **mark))
    return found


def _workspace(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The files the examples name: prices.csv, prices/ and a store of their own."""
    (folder / "prices").mkdir()
    load_prices("MSFT", start=START).frame.to_csv(folder / "prices.csv", index_label="date")
    for ticker in UNIVERSE:
        frame = load_prices(ticker, start=START).frame
        frame.to_csv(folder / "prices" / f"{ticker}.csv", index_label="date")
    monkeypatch.chdir(folder)
    monkeypatch.setenv("STOCKPRED_STORE", str(folder / "store.duckdb"))
    monkeypatch.setenv("COLUMNS", "200")


def _options(argv: list[str]) -> set[str]:
    """The long options of the stockpred (sub)command that ``argv`` names."""
    import typer

    from stockpred.cli.app import app

    command = typer.main.get_command(app)
    for word in argv:
        ctx = command.context_class(command, info_name=word)
        sub = command.get_command(ctx, word) if hasattr(command, "get_command") else None
        if sub is None:
            break
        command = sub
    return {opt for param in command.params for opt in getattr(param, "opts", [])}


def with_tiny_settings(argv: list[str]) -> list[str]:
    """``argv`` plus the tiny network's options it takes and does not give."""
    accepted = _options(argv)
    extra = [x for opt, v in TINY.items() if opt in accepted and opt not in argv for x in (opt, v)]
    return [*argv, *extra]


def run_stockpred(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    """``stockpred ARGV`` in this process, as a shell would see it end."""
    monkeypatch.setattr(sys, "argv", ["stockpred", *with_tiny_settings(argv)])
    try:
        main()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0


def run_command(command: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """One shell command: stockpred in this process, anything else in bash."""
    words = shlex.split(command)
    if words and words[0] == "stockpred":
        return run_stockpred(words[1:], monkeypatch)
    return subprocess.run(["bash", "-c", command], check=False, cwd=os.getcwd()).returncode


def _without_comments(line: str) -> str:
    return line.split(" #", 1)[0].strip()


def run_shell(code: str, monkeypatch: pytest.MonkeyPatch, seen: set[str]) -> None:
    """Each line in order; ``A && B`` both succeed; ``A || B``: A fails with exit code 1."""
    for line in map(_without_comments, code.splitlines()):
        if not line or line.startswith("#") or line in seen:
            continue
        seen.add(line)
        if " || " in line:
            command = line.split(" || ", 1)[0]
            assert run_command(command, monkeypatch) == 1, f"expected a one-line error: {command}"
            continue
        for command in line.split(" && "):
            assert run_command(command, monkeypatch) == 0, f"failed: {command}"


def run_pages(pages: tuple[Path, ...], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Run every example of the pages, each once; return why each skipped block was skipped."""
    skipped, seen = [], set[str]()
    for block in (b for page in pages for b in blocks(page)):
        code = "\n".join(map(_without_comments, block.code.splitlines()))
        if block.skip is not None:
            skipped.append(f"{block.page.name}: {block.skip}")
        elif block.file is not None:
            Path(block.file).write_text(block.code + "\n")
        elif block.lang == "python" and code not in seen:
            seen.add(code)
            exec(compile(block.code, f"{block.page.name} example", "exec"), {"__name__": "ex"})
        elif block.lang != "python":
            run_shell(block.code, monkeypatch, seen)
    return skipped


def _groups() -> list[tuple[Path, ...]]:
    """The pages with examples, those run together as one group."""
    alone = [(p,) for p in PAGES if p not in TOGETHER and blocks(p)]
    return [TOGETHER, *alone]


def test_the_fence_pattern_sees_skip_marks(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_text(
        "<!-- skip: needs a GPU -->\n```bash\nx\n```\n\n```python\ny = 1\n```\n"
        "<!-- file: a.toml -->\n```toml\nk = 1\n```\n\n```toml\nignored = 1\n```\n"
    )
    assert [(b.lang, b.skip, b.file) for b in blocks(page)] == [
        ("bash", "needs a GPU", None),
        ("python", None, None),
        ("toml", None, "a.toml"),
    ]


def test_tiny_settings_fill_only_what_a_command_takes_and_lacks() -> None:
    assert with_tiny_settings(["predict", "runs/x"]) == ["predict", "runs/x"]
    argv = with_tiny_settings(["run", "MSFT", "--epochs", "5"])
    assert argv[:4] == ["run", "MSFT", "--epochs", "5"]
    assert "--hidden" in argv
    assert argv.count("--epochs") == 1


@pytest.mark.slow
@pytest.mark.parametrize("pages", _groups(), ids=lambda ps: "+".join(p.name for p in ps))
def test_every_example_on_the_page_runs(
    pages: tuple[Path, ...],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _workspace(tmp_path, monkeypatch)
    skipped = run_pages(pages, monkeypatch)
    capsys.readouterr()
    if skipped:
        print(f"skipped {len(skipped)} block(s): {'; '.join(skipped)}")
