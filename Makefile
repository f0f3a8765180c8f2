# Two commands on a fresh machine with Python 3.11+: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
POLICIES := policies
BUILD := build

.PHONY: demo test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	touch $(STAMP)

# The main job on the bundled policies: check, compile, graph, evaluate, document, report.
demo: $(STAMP)
	$(BIN)/slalang check $(POLICIES)
	$(BIN)/slalang compile $(POLICIES) -o $(BUILD)/policy.json
	$(BIN)/slalang graph $(POLICIES) --format mermaid -o $(BUILD)/graph.mmd
	$(BIN)/slalang graph $(POLICIES) --format dot -o $(BUILD)/graph.dot
	$(BIN)/python scripts/demo.py $(BUILD)

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(BUILD) .pytest_cache
