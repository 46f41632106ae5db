# Set-up and the two commands the README gives: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-fast lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dask]"
	touch $(STAMP)

install: $(STAMP)

## The main job: every pipeline in pipelines/ on every bundled dataset, table + results/.
demo: $(STAMP)
	$(BIN)/neuropipe benchmark --output results

## The whole test suite, slow real-data tests included, then every docstring example (as CI runs it).
# pytest exits 5 when it collects no test: that is a failure here, never a pass.
# One BLAS/OpenMP thread per process unless you set OMP_NUM_THREADS (tests/conftest.py does
# the same for pytest run by hand; `neuropipe` limits its own: docs/performance.md).
test: export OMP_NUM_THREADS ?= 1
test: $(STAMP)
	$(BIN)/ruff check neuropipe tests pipelines benchmarks
	$(BIN)/python -m pytest -q -p no:cacheprovider; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing on purpose" >&2; exit 1; fi; \
	$(BIN)/python -m pytest -q -p no:cacheprovider --doctest-modules neuropipe; drc=$$?; \
	if [ $$drc -eq 5 ]; then echo "no doctests collected: failing on purpose" >&2; exit 1; fi; \
	if [ $$rc -ne 0 ]; then exit $$rc; fi; \
	exit $$drc

## Developer loop: skip the slow real-data tests.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

clean:
	rm -rf $(VENV) results .pytest_cache
