# Every target installs what it needs; `make help` lists them.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | md5sum | cut -c1-8)
JARS := .run/jars/kafka/.complete .run/jars/neo4j/.complete
TINY_LLM := .run/models/tiny-llm/config.json
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install setup run up down status test test-unit test-integration soak bench-transport bench-pipeline \
        models train-intent corpus bench-intent bench-retrieval bench-generation quality llm-tiny llm-serve metrics \
        chat crm-sink gateway topics lint schemas-check schemas-lock clean

help: ## List every target
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,bench]'
	rm -f $(VENV)/.installed-* && touch $@

$(JARS):
	$(BIN)/python -m infra fetch

install: $(STAMP) ## Create .venv and install the package with dev and bench extras

setup: $(STAMP) $(JARS) schemas-check models ## install + Maven jars + schema check + trained default models

run: setup ## The main job: start everything, play the scripted conversation, serve until Ctrl-C
	$(BIN)/python -m streams.stack run

up: setup ## Start Kafka, Neo4j, topics, workers and gateway in the background
	$(BIN)/python -m streams.stack up

down: ## Stop everything `make up` started (by PID)
	@test -x $(BIN)/python && $(BIN)/python -m streams.stack down || true

status: ## Show which processes of the stack are running
	$(BIN)/python -m streams.stack status

test: setup lint ## All tests: unit, then integration against real Kafka and Neo4j
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-unit: setup ## Unit tests only (no services)
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

test-integration: setup ## Integration tests only (starts its own Kafka and Neo4j)
	$(BIN)/python -m pytest tests/integration $(PYTEST_ARGS)

soak: setup ## Chaos soak: 2,000 turns under kill -9s, a broker and a Neo4j restart; lost/duplicated/out-of-order tally
	$(BIN)/python -m benchmarks.soak

bench-transport: setup ## One consume->produce hop: raw confluent-kafka vs Faust vs quixstreams
	$(BIN)/python -m benchmarks.transport

bench-pipeline: setup ## Whole pipeline under open-loop load: latency, answered/s, CPU ms per turn per process, floor, 2 workers
	$(BIN)/python -m benchmarks.pipeline

chat: ## Terminal chat against a running stack (`make up` first)
	$(BIN)/python -m streams.chat

crm-sink: ## Example CRM consumer: replies into crm.sqlite
	$(BIN)/python -m streams.crm_sink --db crm.sqlite

gateway: ## Run only the web gateway in the foreground
	$(BIN)/python -m streams.gateway

topics: ## Create missing topics from the catalog
	$(BIN)/python -m streams.stack topics

models: $(STAMP) ## Train the default intent and compliance models (skipped when their data is unchanged)
	$(BIN)/python -m streams.train hybrid
	$(BIN)/python -m streams.train compliance

train-intent: $(STAMP) ## Train the transformers intent backend (INIT_FROM=dir to fine-tune a local checkpoint)
	$(BIN)/python -m streams.train transformer $(if $(INIT_FROM),--init-from $(INIT_FROM))

corpus: $(STAMP) ## Rebuild data/intents/{train,dev,test}.tsv from data/intents/phrases.py
	$(BIN)/python data/make_corpus.py

bench-intent: setup ## Intent backends side by side on the test split
	$(BIN)/python -m benchmarks.intent

bench-retrieval: setup ## Retrieval recall@5, latency at catalogue size and 120k/850k, FAISS kinds side by side
	$(BIN)/python -m benchmarks.retrieval

bench-generation: setup ## LLM backends side by side: time to first token, inter-token latency, chunks/s
	$(BIN)/python -m benchmarks.generation

$(TINY_LLM): $(STAMP)
	$(BIN)/python -m engines.llm.tiny build --out $(dir $(TINY_LLM))

llm-tiny: $(TINY_LLM) ## Build the tiny offline demo LM into .run/models/tiny-llm (once)

llm-serve: llm-tiny ## Serve a local model over the OpenAI API on 127.0.0.1:8400 (MODEL=dir, default the tiny LM)
	$(BIN)/python -m engines.llm.serve --model $(or $(MODEL),.run/models/tiny-llm) --threads 1

metrics: ## Prometheus exporter of the service metrics on 127.0.0.1:9108 (`make up` first)
	$(BIN)/python -m streams.metrics serve

quality: setup ## QUALITY.md evaluations on the project's own held-out files
	$(BIN)/python -m benchmarks.quality intent data/intents/test.tsv
	$(BIN)/python -m benchmarks.quality intent data/intents/holdout_independent.tsv
	$(BIN)/python -m benchmarks.quality dst data/dst/dialogues.jsonl
	$(BIN)/python -m benchmarks.quality dst data/dst/holdout_independent.jsonl
	$(BIN)/python -m benchmarks.quality compliance data/compliance/labelled.tsv
	$(BIN)/python -m benchmarks.quality compliance data/compliance/holdout_independent.tsv
	$(BIN)/python -m benchmarks.quality compliance data/compliance/independent_dev.tsv
	$(BIN)/python -m benchmarks.quality dst data/dst/dev_independent.jsonl
	$(BIN)/python -m benchmarks.quality conversations data/conversations/dev.jsonl --own-stack

lint: $(STAMP) ## ruff over the source, and the import contracts (layers, independent stages, pure domain)
	$(BIN)/ruff check contracts domain schemas streams agents engines infra benchmarks tests data
	$(BIN)/lint-imports

schemas-check: $(STAMP) ## Fail if a schema changed without a lock entry or breaks BACKWARD compatibility
	$(BIN)/python -m schemas.lock check

schemas-lock: $(STAMP) ## Record new schema versions in schemas/schemas.lock.json
	$(BIN)/python -m schemas.lock update

clean: down ## Remove run state (topics data, tables, logs); keeps jars and .venv
	rm -rf .run/kafka .run/neo4j .run/faust .run/logs .run/pids
