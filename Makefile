# One command each: `make run` (set up + run every pilot on embedded data), `make test` (set up + test).
# Works as the first command on a fresh machine with Python 3.11 and access to the package index.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= runs
PROFILE ?= default
PILOTS ?=
PYTEST_ARGS ?=

# Keep Jupyter's config, data and runtime files inside the checkout, not in the home directory.
JUPYTER_ENV := JUPYTER_CONFIG_DIR=$(CURDIR)/.jupyter/config JUPYTER_DATA_DIR=$(CURDIR)/.jupyter/data \
	JUPYTER_RUNTIME_DIR=$(CURDIR)/.jupyter/runtime IPYTHONDIR=$(CURDIR)/.jupyter/ipython \
	JUPYTER_PLATFORM_DIRS=1 OMP_WAIT_POLICY=PASSIVE

.PHONY: install hooks run test lab bench mutate audit lint strip lock clean

install: $(STAMP)

# uv resolves and installs the pinned set in seconds; bytecode is compiled at install time so that
# every kernel start imports pandas & co. quickly (this environment sets PYTHONDONTWRITEBYTECODE).
$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv>=0.5"
	$(BIN)/uv pip install --python $(BIN)/python --compile-bytecode --quiet \
		--constraints requirements.lock -e '.[dev]'
	$(BIN)/python -c "from livinglab.runner import ensure_kernel; ensure_kernel()"
	@$(MAKE) --no-print-directory hooks
	@touch $(STAMP)

# The git filter that strips notebook outputs on commit. `nbstripout --install` ignores --keep-id, so the
# clean command is set here: without --keep-id it would rewrite cell ids and show committed notebooks as
# modified after any run.
hooks:
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
		$(BIN)/nbstripout --install && \
		git config filter.nbstripout.clean "'$(abspath $(BIN))/python' -m nbstripout --keep-id"; fi

run: $(STAMP)
	@mkdir -p .jupyter/ipython
	$(JUPYTER_ENV) $(BIN)/livinglab run $(PILOTS) --profile $(PROFILE) --out $(OUT)

test: $(STAMP)
	@mkdir -p .jupyter/ipython
	$(JUPYTER_ENV) $(BIN)/python -m pytest -n 2 --dist loadfile tests pilots $(PYTEST_ARGS)

# JupyterLab on the project's kernel, its files inside the checkout. `make lab HEADLESS=1 LAB_PORT=8890` on a
# server (no browser opened; the URL with its token is printed); root is allowed (containers run as root).
LAB_IP   ?= 127.0.0.1
LAB_PORT ?= 8888
HEADLESS ?=
lab: $(STAMP)
	@mkdir -p .jupyter/ipython
	$(JUPYTER_ENV) $(BIN)/jupyter lab --ServerApp.root_dir=$(CURDIR) --LabApp.default_url=/lab/tree/pilots \
		--ip=$(LAB_IP) --port=$(LAB_PORT) $(if $(HEADLESS),--no-browser,) \
		$(if $(filter 0,$(shell id -u)),--allow-root,)

bench: $(STAMP)
	$(BIN)/livinglab bench --out bench-results/benchmarks.md

# Mutation testing of the core safety code (not part of CI: tens of minutes). MODULES="pii bootstrap" for some.
MODULES ?=
mutate: $(STAMP)
	$(BIN)/python tests/mutation/run.py $(MODULES)

# Plant each known wiring mistake (tests/mutation/planted.yaml) in a scratch copy, one at a time, and report
# which tests fail; BUGS="fintech_eventual_labels dp_bounds_from_data" for some. Minutes; not part of CI.
BUGS ?=
audit: $(STAMP)
	@mkdir -p .jupyter/ipython
	$(JUPYTER_ENV) $(BIN)/python tests/mutation/audit.py $(BUGS)

lint: $(STAMP)
	$(BIN)/ruff check .

strip: $(STAMP)
	$(BIN)/nbstripout --keep-id pilots/*/*.ipynb tests/fixtures/project/pilots/*/*.ipynb

# Re-pin after changing dependencies in pyproject.toml (and environment.yml).
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --quiet -o requirements.lock

clean:
	rm -rf $(VENV) .jupyter .pytest_cache .ruff_cache
