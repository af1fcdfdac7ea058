# The whole set-up on a fresh machine: `make run` and `make test`. Nothing else.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install run test lint migrate demo messages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo

# Serves the portal with a Celery worker and beat; Ctrl-C stops all three.
# SQLite + kombu's filesystem broker unless DATABASE_URL / REDIS_URL are set.
run: demo
	$(BIN)/python manage.py compilemessages_py
	$(BIN)/python manage.py collectstatic --noinput -v 0
	@echo "Portal: http://$(HOST):$(PORT)/  (demo accounts in README.md)"
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/celery -A consortium worker -l info --concurrency 2 & \
	$(BIN)/celery -A consortium beat -l info --scheduler django_celery_beat.schedulers:DatabaseScheduler & \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Fails if the English catalogue is incomplete; PYTEST_ARGS="-k foo" narrows the run. CI: .ci/run
test: install
	$(BIN)/python manage.py compilemessages_py --check
	$(BIN)/pytest -n 2 --dist loadfile --durations=15 $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

messages: install
	$(BIN)/python manage.py makemessages -l en --ignore '.venv/*' --ignore 'static/*' --ignore 'var/*' --ignore 'tests/*' --no-obsolete
	$(BIN)/python manage.py compilemessages_py

clean:
	rm -rf $(VENV) .pytest_cache db.sqlite3 var/
