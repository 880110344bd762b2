# Two commands for a fresh machine (see README.md):
#   make run    install into .venv, then run the pipeline on seeds/ (files in, Avro files out)
#   make test   install, start Kafka, build Prism and the Flink parts, run the whole test suite
include deploy/versions.env
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install run test lint services stop-services

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml deploy/versions.env
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]' 'apache-beam==$(BEAM_VERSION)'
	touch $@

run: install
	$(PY) -m pipelines.run --runner=DirectRunner
	$(PY) -m pipelines.inspect 'out/events-*.avro'

services:
	deploy/local/kafka.sh start
	deploy/local/prism.sh
	deploy/local/job_server.sh
	deploy/local/flink.sh fetch

stop-services:
	deploy/local/kafka.sh stop

test: install services
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
