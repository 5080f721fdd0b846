# Two commands on a fresh machine with Python 3.11 and make:
#   make run    set up .venv, then run the default sweep (ARGS="..." passes Hydra overrides)
#   make test   set up .venv, then run the tests (slow ones too when CI is set)
#   make report the volume-thesis sweep from scratch (about 30 minutes on 2 cores), then its report
#   make llm-server  build llama.cpp's llama-server (and llama-batched-bench), fetch two small models, once per machine
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed
export MLFLOW_DISABLE_TELEMETRY := true
export RAY_USAGE_STATS_ENABLED := 0

.PHONY: run test report setup clean llm-server
setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/harness-run $(ARGS)

# Plain `make test` skips tests marked slow; CI (CI=true) runs them all.
test: $(STAMP)
	$(VENV)/bin/python -m pytest $(if $(CI),,-m "not slow") $(PYTEST_ARGS)

# The committed report, regenerated: the sweep's runs are deleted first, so it is made from
# this sweep alone (same seeds, same numbers; see results/volume-thesis/REPORT.md, Reproducing).
# The sweep's parent run already has the report of its children (<runs>/volume-thesis/<parent>/report/),
# which is what `harness-report --experiment volume-thesis` would compute again: it is copied,
# without its one-file REPORT.html (an MLflow artifact, not committed).
REPORT_RUNS := results/volume-thesis-runs
REPORT := results/volume-thesis
report: $(STAMP)
	rm -rf $(REPORT_RUNS)
	$(VENV)/bin/harness-run experiment=volume_thesis results_dir=$(REPORT_RUNS)
	test -f $(REPORT_RUNS)/volume-thesis/*/report/REPORT.md  # exactly one sweep, and it made a report
	rm -rf $(REPORT) && cp -r $(REPORT_RUNS)/volume-thesis/*/report $(REPORT) && rm $(REPORT)/REPORT.html

# From the package registries only, cached outside the clone (harness/servers/install.py).
llm-server: $(STAMP)
	$(VENV)/bin/python -m harness.servers.install

clean:
	rm -rf $(VENV) results/hydra
