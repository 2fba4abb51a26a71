# Two entry points for a fresh clone: `make site` builds the demo digest, `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: site test serve bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

SITEGEN_FLAGS ?=

site: $(STAMP)
	$(BIN)/sitegen build $(SITEGEN_FLAGS)

test: $(STAMP)
	$(BIN)/python -m pytest

serve: $(STAMP)
	$(BIN)/sitegen serve --watch

clean:
	rm -rf site .sitegen
