# Countersign: `make run` serves the app with demo data; `make test` runs the whole suite.
# Both install what is missing first (Debian packages when run as root, the virtualenv, migrations).

VENV        ?= .venv
PYTHON      ?= python3
BIN         := $(VENV)/bin
APT_PACKAGES := python3-venv libreoffice-writer-nogui python3-uno fonts-liberation2 \
                fonts-crosextra-carlito fonts-crosextra-caladea fonts-dejavu-core poppler-utils chromium wrk nodejs
export FLASK_APP := app

.PHONY: install system-packages migrate run serve test bench gallery forms clean

install: system-packages $(VENV)/.installed migrate

system-packages:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "These Debian packages are missing:$$missing"; \
	    echo "Install them as root:  apt-get install$$missing   (or run make as root)"; \
	    exit 1; \
	  fi; \
	fi

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

migrate: $(VENV)/.installed
	$(BIN)/flask db upgrade

run: install
	COUNTERSIGN_PRINT_LINKS=1 $(BIN)/flask demo
	COUNTERSIGN_PRINT_LINKS=1 $(BIN)/flask run --host 127.0.0.1 --port 5000

# The production topology from this checkout: gunicorn, the Celery worker and beat, and the host's
# conversion service, against the PostgreSQL, Redis and SMTP given by COUNTERSIGN_* settings.
serve: export COUNTERSIGN_CONVERSION_URL ?= http://127.0.0.1:2100
serve: export PATH := $(abspath $(BIN)):$(PATH)
serve:
	@test -n "$$COUNTERSIGN_CELERY_BROKER_URL" || { echo "make serve runs a Celery worker: set COUNTERSIGN_CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0)"; exit 1; }
	@test -n "$$COUNTERSIGN_DATABASE_URL" || { echo "make serve runs several processes on one database: set COUNTERSIGN_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/countersign)"; exit 1; }
	$(MAKE) install
	$(BIN)/honcho start --procfile Procfile

# The tests' OpenID provider (panva/oidc-provider, run with node): installed from its lock file.
OIDC_PROVIDER := tests/oidc/provider

$(OIDC_PROVIDER)/node_modules/.installed: $(OIDC_PROVIDER)/package.json $(OIDC_PROVIDER)/package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: apt-get install npm (Debian ships it apart from nodejs)"; exit 1; }
	cd $(OIDC_PROVIDER) && npm ci --no-audit --no-fund
	touch $@

# axe-core for the browser tests' accessibility checks: committed; fetched from npm only when missing.
AXE := tests/browser/vendor/axe.min.js

$(AXE):
	scripts/vendor_axe.sh

test: install $(OIDC_PROVIDER)/node_modules/.installed $(AXE)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/seal.py
	$(BIN)/python bench/convert.py
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/reissue.py

gallery: install
	$(BIN)/python docs/gallery/make.py

forms: $(VENV)/.installed
	$(BIN)/python document_templates/build_forms.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache $(OIDC_PROVIDER)/node_modules
