# Consult — the commands the README documents. Everything runs from the project's own .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The embedded default: SQLite, Whoosh, tasks in process, emails to the console.
DEV_ENV := DEBUG=1

.PHONY: run setup test lint format messages translations demo check-deploy clean vendor

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed-runtime

# Compiled catalogues are built from the .po files, never committed.
messages:
	@command -v msgfmt >/dev/null || { echo "msgfmt is missing: install gettext (apt-get install gettext)"; exit 1; }
	$(DEV_ENV) $(BIN)/python manage.py compilemessages --ignore=.venv -v 0

setup: $(VENV)/.installed-runtime messages
	$(DEV_ENV) $(BIN)/python manage.py migrate --no-input -v 0
	$(DEV_ENV) $(BIN)/python manage.py load_demo
	$(DEV_ENV) $(BIN)/python manage.py search_index drain

## One command: install, migrate, load demo data and serve http://127.0.0.1:8000
run: setup
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

## One command: install the test tools and run lint and the whole suite (DATABASE_URL picks the database)
test: $(VENV)/.installed-dev messages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Refresh the .po catalogues from the code and templates (then translate what is new)
translations: $(VENV)/.installed-dev
	$(DEV_ENV) $(BIN)/python manage.py makemessages -l ro -l bg --no-obsolete --ignore=.venv --ignore=node_modules --ignore=staticfiles --ignore=var --ignore=tests --ignore=bench

demo: setup

check-deploy: $(VENV)/.installed-runtime
	DEBUG=0 SECRET_KEY=$$(python3 -c 'import secrets;print(secrets.token_urlsafe(50))') \
	ALLOWED_HOSTS=consult.example.org SITE_URL=https://consult.example.org \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

# Re-copy vendored front-end files from the npm registry (package.json pins the versions).
vendor:
	npm install --no-audit --no-fund
	cp node_modules/@picocss/pico/css/pico.min.css static/vendor/pico/
	cp node_modules/@picocss/pico/LICENSE.md static/vendor/pico/

clean:
	rm -rf $(VENV) var staticfiles
