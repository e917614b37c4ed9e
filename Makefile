# Two entry points a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@ $(STAMP_RUN)

demo: $(STAMP_RUN)
	$(BIN)/accelsim simulate --network resnet18 --arch bitfusion --bits 4/4
	$(BIN)/accelsim simulate --network lenet5-digits --arch isaac --bits 8/8 --accuracy --set crossbar.adc.bits=6

test: $(STAMP_DEV)
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: $(STAMP_DEV)
	$(BIN)/ruff check accelsim tests benchmarks examples
	$(BIN)/ruff format --check accelsim tests benchmarks examples

bench: $(STAMP_DEV)
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
