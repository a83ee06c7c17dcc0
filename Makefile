# Two entry points for a fresh machine with Python 3.11: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
export TF_CPP_MIN_LOG_LEVEL ?= 3

.PHONY: demo test test-core lint bench clean docs

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# the whole suite: the core, the train extra (TensorFlow), and MediaPipe and tf-keras to compare against
	$(BIN)/python -m pip install --quiet -e ".[test,train,mediapipe]" "tf-keras>=2.16"
	# bytecode once, as a wheel's install writes it: an editable install leaves it to each start
	# where Python may not write it (PYTHONDONTWRITEBYTECODE), a tenth of a second a command
	$(BIN)/python -m compileall -q fer_video
	touch $@

demo: $(BIN)/.installed
	$(BIN)/fer-video demo

lint: $(BIN)/.installed
	$(BIN)/ruff check .

# The suite runs in a shuffled order (the seed is printed): no test may lean on another's leftovers. The docs
# site's strict build and every Python block of README.md and docs/ run in it (tests/e2e/test_docs.py).
test: lint
	$(BIN)/pytest --random-order

docs: $(BIN)/.installed  # the documentation site in site/ (mkdocs serve: while writing it)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# A core install (no TensorFlow, no MediaPipe) in a venv of its own, for another Python:
# make test-core PYTHON=python3.13. The unit tests and the end-to-end tests of what a core install runs;
# tests that need the train extra skip, saying so.
CORE_VENV ?= .venv-core
CORE_TESTS := tests/unit tests/e2e/test_core_install.py tests/e2e/test_shipped_models.py tests/e2e/test_wheel.py \
	tests/e2e/test_annotate.py tests/e2e/test_one_line_errors.py tests/e2e/test_bad_input.py tests/e2e/test_report.py \
	tests/e2e/test_batch.py

$(CORE_VENV)/bin/.installed: pyproject.toml
	$(PYTHON) -m venv $(CORE_VENV)
	$(CORE_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CORE_VENV)/bin/python -m pip install --quiet -e ".[test]"
	touch $@

test-core: $(CORE_VENV)/bin/.installed
	$(CORE_VENV)/bin/pytest --random-order $(CORE_TESTS)

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/pipeline_speed.py --levers

clean:
	rm -rf $(VENV) $(CORE_VENV) fer-video-demo .pytest_cache site

.PHONY: bench-fer
bench-fer: $(BIN)/.installed
	$(BIN)/python benchmarks/compare_fer.py --seconds 20 --repeat 3

.PHONY: bench-serve
bench-serve: $(BIN)/.installed
	$(BIN)/python benchmarks/serve_latency.py

.PHONY: report-screenshots docs-pictures
report-screenshots: $(BIN)/.installed
	$(BIN)/python examples/make_report_screenshots.py

docs-pictures: report-screenshots  # the README's pictures: the report's two and an annotated frame
	$(BIN)/python examples/make_annotated_frame.py

.PHONY: bench-batch
bench-batch: $(BIN)/.installed
	$(BIN)/python benchmarks/batch_speed.py

.PHONY: bench-memory
bench-memory: $(BIN)/.installed
	nice -n 19 $(BIN)/python benchmarks/memory_soak.py
