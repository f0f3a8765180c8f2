# Two commands on a fresh machine with Python 3.11+: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
POLICIES := policies
BUILD := build

.PHONY: demo test test-spark bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	touch $(STAMP)

SAMPLES := $(POLICIES)/samples
PERIOD := 2025-03

# The main job on the bundled policies: check, compile, test, evaluate tickets (and the service
# desk's own event export, read through the policy's `source`), report on outages and tickets,
# and draw the policy graph, all into build/.
demo: $(STAMP)
	$(BIN)/slalang check $(POLICIES)
	$(BIN)/slalang compile $(POLICIES) -o $(BUILD)/policy.json
	$(BIN)/slalang test $(BUILD)/policy.json
	$(BIN)/slalang eval $(SAMPLES)/tickets.jsonl --policy $(BUILD)/policy.json --now 2025-03-31T23:00:00Z --format csv > $(BUILD)/tickets.csv
	$(BIN)/slalang eval $(SAMPLES)/tickets.jsonl --policy $(BUILD)/policy.json --now 2025-03-31T23:00:00Z
	$(BIN)/slalang eval $(SAMPLES)/tickets.jsonl --policy $(BUILD)/policy.json --now 2025-03-31T23:00:00Z --format parquet -o $(BUILD)/tickets.parquet
	$(BIN)/slalang eval $(SAMPLES)/servicedesk_export.csv --policy $(BUILD)/policy.json --source servicedesk --now 2025-03-31T23:00:00Z --format csv -o $(BUILD)/servicedesk.csv
	$(BIN)/slalang report --policy $(BUILD)/policy.json --outages $(SAMPLES)/outages.jsonl --tickets $(SAMPLES)/tickets.jsonl --period $(PERIOD) --format md -o $(BUILD)/report-$(PERIOD).md
	$(BIN)/slalang report --policy $(BUILD)/policy.json --outages $(SAMPLES)/outages.jsonl --tickets $(SAMPLES)/tickets.jsonl --period $(PERIOD) --format html -o $(BUILD)/report-$(PERIOD).html
	$(BIN)/slalang report --policy $(BUILD)/policy.json --outages $(SAMPLES)/outages.jsonl --tickets $(SAMPLES)/tickets.jsonl --period $(PERIOD) --format json -o $(BUILD)/report-$(PERIOD).json
	$(BIN)/slalang graph $(POLICIES) --format mermaid -o $(BUILD)/graph.mmd
	@echo "demo: wrote $(BUILD)/policy.json, tickets.csv, tickets.parquet, servicedesk.csv (the desk's own export read through a source), report-$(PERIOD).{md,html,json}, graph.mmd"

test: $(STAMP)
	$(BIN)/python -m pytest

# Spark local mode for real (SPEC §13): installs the spark extra (pyspark, ~450 MB; Java 17 on
# PATH) into the same venv, then runs tests/spark, which `make test` leaves out (pyproject's
# addopts); `-o addopts=-q` lifts that. A missing pyspark or Java fails the run, never skips it.
SPARK_STAMP := $(VENV)/.installed-spark

$(SPARK_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,spark]"
	touch $(SPARK_STAMP)

test-spark: $(SPARK_STAMP)
	$(BIN)/python -m pytest -o addopts=-q tests/spark

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(BUILD) .pytest_cache
