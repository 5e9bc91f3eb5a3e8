# The two commands: `make run` opens the app, `make test` passes the tests. Both set everything up first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench bundle smoke clean screenshots

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip >/dev/null
	$(BIN)/pip install -e '.[test,export]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/nn-designer

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest
	$(BIN)/ruff check designer tests benchmarks

lint: $(STAMP)
	$(BIN)/ruff check designer tests benchmarks

smoke: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/nn-designer --smoke-test

# Benchmarks compare against PyTorch CPU in the same run (the CPU wheel pinned by the issue).
bench: $(STAMP)
	$(BIN)/pip install -q torch==2.13.0
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python -m benchmarks  # engine vs PyTorch CPU (ratios)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks.bench_canvas     # 300-layer graph
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks.bench_gui_stall  # GUI stall, in-app throughput
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks.bench_long_runs  # long runs: window vs headless
	$(BIN)/python -m benchmarks.bench_csv_import                        # 1,000,000 x 20 CSV import

bundle: $(STAMP)
	$(BIN)/pip install -q 'pyinstaller>=6.5'
	$(BIN)/pyinstaller --noconfirm packaging/nn-designer.spec

clean:
	rm -rf $(VENV) build dist .pytest_cache
