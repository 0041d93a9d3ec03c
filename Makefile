# Two commands a new user needs: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The CPU wheel of this exact version lies on the build machines' disk; an unpinned torch
# would pull a multi-GB CUDA build. The package itself only asks for a range.
TORCH_PIN ?= torch==2.13.0
STAMP := $(VENV)/.installed

.PHONY: install demo test lint format docs cli-reference screenshots bench bench-peers mutation deliberate-bugs clean

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH_PIN)"
	echo "$(TORCH_PIN)" > $(VENV)/constraints.txt
	$(BIN)/python -m pip install --quiet -c $(VENV)/constraints.txt -e ".[dev,tune,ray,docs]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/stockpred run MSFT --out runs/demo --days 10

# One xdist worker a core (at most 4); tests sharing an expensive fixture or the Ray cluster
# carry an xdist_group mark, so --dist loadgroup keeps each group on one worker, and
# --no-loadscope-reorder keeps conftest's order (the longest stretches first). One OpenMP/BLAS
# thread a process: with every core running a worker, two-thread pools only spin against each
# other (~10 % more CPU time, measured); the test of thread-independence
# (tests/cluster/test_backend.py) sets its own two threads.
test: $(STAMP)
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n auto --maxprocesses 4 --dist loadgroup --no-loadscope-reorder

# The docs site is built strictly, so a broken link, page or docstring reference fails CI.
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/mypy
	$(BIN)/lint-imports
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir site

# The docs site in site/ (ignored by git); `$(BIN)/mkdocs serve` to read it while writing.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

# docs/cli.md from the CLI itself, after adding or changing an option (a test checks it).
cli-reference: $(STAMP)
	$(BIN)/python tools/cli_reference.py

# docs/images/*.png: a real report and universe page in headless Chromium (apt-get install chromium).
screenshots: $(STAMP)
	$(BIN)/python tools/screenshots.py

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks tools
	$(BIN)/ruff check --fix src tests benchmarks tools

bench: $(STAMP)
	$(BIN)/python benchmarks/train_speed/train_speed.py

# The peers (Darts, NeuralForecast) bring their own pins (Lightning, Ray, pandas < 3), so they
# get their own venv, never the project's; the constraints file keeps the CPU torch wheel.
PEERS := benchmarks/peers
PEERS_STAMP := $(PEERS)/.venv/.installed

$(PEERS_STAMP): $(PEERS)/requirements.txt $(PEERS)/constraints.txt
	$(PYTHON) -m venv $(PEERS)/.venv
	$(PEERS)/.venv/bin/python -m pip install --quiet --upgrade pip
	$(PEERS)/.venv/bin/python -m pip install --quiet -c $(PEERS)/constraints.txt -r $(PEERS)/requirements.txt
	touch $(PEERS_STAMP)

bench-peers: $(STAMP) $(PEERS_STAMP)
	nice $(BIN)/python $(PEERS)/bench.py

# Not CI (slow): mutants of the modules the verdicts rest on ([tool.mutmut] in pyproject.toml),
# then the survivors. A subset: make mutation MUTANTS='stockpred.stats*'
MUTANTS ?=
mutation: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[mutation]"
	-$(BIN)/mutmut run --max-children 2 $(MUTANTS)
	$(BIN)/mutmut results

# The deliberate bugs (tools/deliberate_bugs.py), one at a time: which test catches each (--full: whole suite).
deliberate-bugs: $(STAMP)
	$(BIN)/python tools/deliberate_bugs.py

clean:
	rm -rf $(VENV) runs site .pytest_cache .mypy_cache .ruff_cache .hypothesis mutants
