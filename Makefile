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

# The suite runs in this many processes (pytest-xdist); 0 runs it in this one.
TEST_WORKERS ?= 2

## One command: install the test tools and run lint and the whole suite (DATABASE_URL picks the database)
test: $(VENV)/.installed-dev messages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

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

# Rebuild the vendored front end from the npm registry (package.json and package-lock.json pin the
# versions): the design system (USWDS) compiled from its Sass with Consult's theme
# (frontend/consult-uswds.scss), the icons its CSS refers to, the fonts and the licences. The output
# is committed; deploying needs neither npm nor a build step.
USWDS := node_modules/@uswds/uswds
FONTS := node_modules/@fontsource/source-sans-3/files
USWDS_ICONS := error warning info check_circle launch unfold_more
vendor:
	npm ci --no-audit --no-fund
	rm -rf static/vendor/uswds static/vendor/fonts
	mkdir -p static/vendor/uswds/img/usa-icons static/vendor/uswds/img/usa-icons-bg static/vendor/fonts/source-sans-3
	npx sass --quiet-deps --no-source-map --style=compressed --load-path=$(USWDS)/packages --load-path=frontend \
		frontend/consult-uswds.scss static/vendor/uswds/consult-uswds.min.css
	for icon in $(USWDS_ICONS); do cp $(USWDS)/dist/img/usa-icons/$$icon.svg static/vendor/uswds/img/usa-icons/; done
	cp $(USWDS)/dist/img/usa-icons-bg/error--white.svg $(USWDS)/dist/img/usa-icons-bg/launch--white.svg static/vendor/uswds/img/usa-icons-bg/
	cp $(USWDS)/LICENSE.md static/vendor/uswds/
	for subset in latin latin-ext cyrillic; do for face in 400-normal 600-normal 700-normal 400-italic; do \
		cp $(FONTS)/source-sans-3-$$subset-$$face.woff2 static/vendor/fonts/source-sans-3/; done; done
	cp node_modules/@fontsource/source-sans-3/LICENSE static/vendor/fonts/source-sans-3/LICENSE.txt

clean:
	rm -rf $(VENV) var staticfiles
