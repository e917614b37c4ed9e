# Two entry points a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: demo test fuzz test-avx2 docs-check lint bench clean

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

# deterministic (derandomized hypothesis, tests/conftest.py); lists every skip/xfail and the 15 slowest tests
test: $(STAMP_DEV)
	$(BIN)/python -m pytest -n 2 --dist loadfile --durations=15 -rsxX

# every accelsim command of README.md and docs/*.md runs as written (also part of make test)
docs-check: $(STAMP_DEV)
	$(BIN)/python -m pytest -q tests/test_docs_commands.py

# the same properties with random examples, ACCELSIM_FUZZ_FACTOR (default 20) times as many; a failure
# prints its reproduction blob: add it to the test as an @example
FUZZ_TESTS ?= tests
fuzz: $(STAMP_DEV)
	ACCELSIM_FUZZ=1 $(BIN)/python -m pytest -n 2 --dist loadfile -rsxX $(FUZZ_TESTS)

# the suite as an AVX2-only CPU (no AVX-512, no VNNI) runs it, in two parts:
# 1. natively, numba generating Haswell code and numpy dispatching no AVX-512 kernels (the whole suite);
# 2. the onnxruntime comparisons under QEMU's Haswell model, where onnxruntime's u8xs8 kernels saturate
#    (needs qemu-user-static, installed with apt if missing; ~2 min). Whole-suite runs under QEMU 7.2 crash
#    inside numpy's sort after a while (an emulator problem: the same tests pass run alone), hence 1.
AVX2_TESTS ?= tests/test_onnx.py tests/test_onnx_ops.py tests/test_onnx_resnet.py tests/test_onnx_ort.py
test-avx2: $(STAMP_DEV)
	NUMBA_CPU_NAME=haswell NUMBA_CACHE_DIR=$(CURDIR)/.numba-haswell NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR" \
		$(BIN)/python -m pytest -n 2 --dist loadfile -rsxX
	command -v qemu-x86_64-static >/dev/null || (apt-get update -qq && apt-get install -y -qq qemu-user-static)
	bash -o pipefail -c 'NUMBA_CACHE_DIR=$(CURDIR)/.numba-qemu qemu-x86_64-static -cpu Haswell-v4 \
		$(BIN)/python -m pytest -p no:cacheprovider -rsxX $(AVX2_TESTS) 2>&1 | grep -v "TCG doesn.t support"'

lint: $(STAMP_DEV)
	$(BIN)/ruff check accelsim tests benchmarks examples
	$(BIN)/ruff format --check accelsim tests benchmarks examples

bench: $(STAMP_DEV)
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
