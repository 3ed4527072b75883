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
# etc/jupyter holds the configuration the project ships (the project's kernel is the default for new notebooks).
JUPYTER_ENV := JUPYTER_CONFIG_DIR=$(CURDIR)/.jupyter/config JUPYTER_DATA_DIR=$(CURDIR)/.jupyter/data \
	JUPYTER_RUNTIME_DIR=$(CURDIR)/.jupyter/runtime IPYTHONDIR=$(CURDIR)/.jupyter/ipython \
	JUPYTER_CONFIG_PATH=$(CURDIR)/etc/jupyter JUPYTER_PLATFORM_DIRS=1 OMP_WAIT_POLICY=PASSIVE

# What the notebook filter strips besides outputs and execution counts (nbstripout's own list covers the
# rest): the kernel's details that JupyterLab writes on every save. The language's name stays.
NB_EXTRA_KEYS := metadata.language_info.codemirror_mode metadata.language_info.file_extension \
	metadata.language_info.mimetype metadata.language_info.nbconvert_exporter \
	metadata.language_info.pygments_lexer metadata.language_info.version

# The quick starts (pilots/*/quickstart.ipynb) are committed with their outputs and compared with a fresh
# execution by nbval; times, paths, run ids and pseudonyms are masked first (tests/nbval-sanitize.cfg).
QUICKSTARTS := pilots/*/quickstart.ipynb
NBVAL := --nbval --nbval-sanitize-with tests/nbval-sanitize.cfg

.PHONY: install hooks run test lab bench mutate audit lint strip quickstart lock clean

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

# The git filter that strips notebook outputs and the kernel's metadata on commit, so that opening, running
# and saving a notebook in JupyterLab leaves `git status` clean unless a cell's source changed. Which files
# it applies to is committed in .gitattributes (the quick starts keep their outputs); the filter itself lives
# in git's config, which a clone does not carry, so it is set here. --keep-id: without it cell ids would be
# rewritten and committed notebooks show as modified after any run. A checkout set up by an earlier version
# has the filter in .git/info/attributes too, which overrides .gitattributes: the quick starts' exception
# is added after it there.
hooks:
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
		git config filter.nbstripout.clean "'$(abspath $(BIN))/python' -m nbstripout --keep-id" && \
		git config filter.nbstripout.smudge cat && \
		git config filter.nbstripout.required true && \
		git config filter.nbstripout.extrakeys "$(NB_EXTRA_KEYS)" && \
		git config diff.ipynb.textconv "'$(abspath $(BIN))/python' -m nbstripout -t" && \
		info="$$(git rev-parse --git-common-dir)/info/attributes" && \
		if grep -qs 'filter=nbstripout' "$$info" && ! grep -qsF '$(QUICKSTARTS) -filter' "$$info"; then \
			echo '$(QUICKSTARTS) -filter !diff' >> "$$info"; fi; fi

run: $(STAMP)
	@mkdir -p .jupyter/ipython
	$(JUPYTER_ENV) $(BIN)/livinglab run $(PILOTS) --profile $(PROFILE) --out $(OUT)

test: $(STAMP)
	@mkdir -p .jupyter/ipython
	$(JUPYTER_ENV) $(BIN)/python -m pytest -n 2 --dist loadfile $(NBVAL) tests pilots $(PYTEST_ARGS)

# Re-execute the quick starts after an intended change (their outputs are committed; `make test` compares);
# the kernel's details are dropped and a warning's file is written relative to the checkout.
quickstart: $(STAMP)
	@mkdir -p .jupyter/ipython
	$(JUPYTER_ENV) LIVINGLAB_OFFLINE=1 $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.kernel_name=livinglab --ExecutePreprocessor.timeout=600 $(QUICKSTARTS)
	sed -i 's#$(CURDIR)/##g' $(QUICKSTARTS)
	$(BIN)/nbstripout --keep-id --keep-output --keep-count --extra-keys "$(NB_EXTRA_KEYS)" $(QUICKSTARTS)

# JupyterLab on the project's kernel (also the default for new notebooks: etc/jupyter), its files inside the
# checkout. `make lab HEADLESS=1 LAB_PORT=8890` on a server (no browser opened; the URL with its token is
# printed); root is allowed (containers run as root).
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

# Mutation testing of the core safety code (not part of CI: tens of minutes). MODULES="pii bootstrap" for some;
# after mutmut's modules, mutants of the redactor's regular expressions themselves (MODULES=regex: only those).
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

# Outputs out of the notebooks, except the quick starts' (`make quickstart`).
strip: $(STAMP)
	$(BIN)/nbstripout --keep-id --extra-keys "$(NB_EXTRA_KEYS)" \
		$(filter-out $(wildcard $(QUICKSTARTS)),$(wildcard pilots/*/*.ipynb)) tests/fixtures/project/pilots/*/*.ipynb

# Re-pin after changing dependencies in pyproject.toml (and environment.yml).
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --quiet -o requirements.lock

clean:
	rm -rf $(VENV) .jupyter .pytest_cache .ruff_cache
