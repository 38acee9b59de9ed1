# actorgrid: the two commands are `make demo` and `make test`; both set themselves up.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
INSTALL_INPUTS := pyproject.toml packaging/pysha3-shim/pyproject.toml $(shell find actorgrid -name "*.c" -o -name "*.h" 2>/dev/null)

.PHONY: demo test lint typecheck pytest bench venv clean

venv: $(STAMP)

$(STAMP): $(INSTALL_INPUTS)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	# PyOTA wants a distribution named "pysha3": install our stand-in in the same
	# resolve so pip never tries to build the real one (see README).
	$(PY) -m pip install --quiet ./packaging/pysha3-shim -e '.[dev]'
	@touch $(STAMP)

# The neighbourhood day on the simulated clock, paying on the embedded node. Two injected
# crashes (a home's meter at 10:00, a wind turbine at 15:00) show supervision at work: the
# entities restart and the day's figures stay exact.
DEMO_ARGS ?= --payout-every 4 --crash home-07@40 --crash wind-north-t1@60 \
	--report var/demo-report.json --plot var/demo.png

demo: $(STAMP)
	@mkdir -p var
	$(PY) -m actorgrid demo $(DEMO_ARGS)

test: lint typecheck pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check actorgrid tests bench
	$(VENV)/bin/ruff format --check actorgrid tests bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP)
	$(PY) -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	for b in bench/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
