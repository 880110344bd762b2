# Two commands for a fresh machine (see README.md):
#   make run    install into .venv, then run the pipeline on seeds/ (files in, Avro files out)
#   make test   install, start Kafka and the schema registry, build Prism and the Flink parts,
#               run the whole test suite
include deploy/versions.env
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install run test lint services stop-services lexicon

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml deploy/versions.env
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]' 'apache-beam==$(BEAM_VERSION)'
	touch $@

run: install
	$(PY) -m pipelines.run --runner=DirectRunner
	$(PY) -m pipelines.inspect 'out/events-*.avro'

# The secured broker of the security tests (tests/test_kafka_security.py): SASL_SSL on
# SECURITY_KAFKA_PORT + 2, mutual TLS on + 3, beside its plain listener.
SECURITY_KAFKA_PORT ?= 9392
SECURED_KAFKA := KAFKA_PORT=$(SECURITY_KAFKA_PORT) KAFKA_SASL_SSL_PORT=$$(($(SECURITY_KAFKA_PORT) + 2)) \
	KAFKA_SSL_PORT=$$(($(SECURITY_KAFKA_PORT) + 3)) deploy/local/kafka.sh

# The schema registry (plain on 8781) and its TLS front with basic auth for the security tests.
REGISTRY_TLS_PORT ?= 8782

services:
	deploy/local/kafka.sh start
	$(SECURED_KAFKA) start
	REGISTRY_TLS_PORT=$(REGISTRY_TLS_PORT) deploy/local/registry.sh start
	deploy/local/prism.sh
	deploy/local/job_server.sh
	deploy/local/flink.sh fetch

stop-services:
	deploy/local/kafka.sh stop
	$(SECURED_KAFKA) stop
	deploy/local/registry.sh stop

test: install services
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The trigger lexicon from the CAMEO/PLOVER dictionaries (pipelines/extract/cameo_convert.py)
# and the installed vaderSentiment's word valences
DICTIONARIES ?= ../shared/dictionaries
lexicon: install
	$(PY) -m pipelines.extract.cameo_convert --verbs $(DICTIONARIES)/CAMEO.2.0.txt \
		--mapping $(DICTIONARIES)/CAMEO2PLOVER-2021.txt \
		--discards $(DICTIONARIES)/Phoenix.discards.txt --agents $(DICTIONARIES)/Phoenix.agents.txt \
		--output pipelines/extract/lexicon.json
