# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make run   - virtual environment, install, migrate, demo data, serve on 127.0.0.1:8000
#   make test  - the whole test suite (make lint: ruff and the missing-migration check)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1:8000
PYTEST_WORKERS ?= 2

.PHONY: run test fuzz install lint migrate seed worker beat messages lock clean

$(BIN)/activate: requirements.lock
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is needed"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $(BIN)/activate

install: $(BIN)/activate

migrate: install
	$(PY) manage.py migrate --noinput

# Links in e-mails and the addresses seed_demo prints follow HOST (SERVED_ON), unless SITE_URL
# is given in the environment or in .env.
seed: migrate
	SERVED_ON=$(HOST) $(PY) manage.py seed_demo

run: seed
	SERVED_ON=$(HOST) $(PY) manage.py runserver $(HOST)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

test: install
	$(BIN)/pytest -n $(PYTEST_WORKERS)

# Fuzzing with a fresh random seed and a long budget: the portal's and the placements' state
# machines (tests/model), the form fuzzers and the placement actions' fuzzers. FUZZ_MINUTES is
# the whole run's budget (tests/fuzz_budget.py shares it out), FUZZ_EXAMPLES caps the examples
# per test, FUZZ_SEED repeats a run. It ends with the seed, the examples tried and the failures,
# and exits non-zero on a failure.
FUZZ_MINUTES ?= 20
FUZZ_TESTS ?= tests/model/test_portal_state_machine.py tests/reliability/test_fuzz_forms.py \
	tests/hosts/test_fuzz.py tests/model/test_placement_state_machine.py \
	tests/work/test_fuzz_placement_inputs.py tests/volunteers/test_visit_forms_fuzz.py \
	tests/reports/test_suppression.py
ifndef FUZZ_SEED
FUZZ_SEED := $(shell od -An -N4 -tu4 /dev/urandom | tr -d ' ')
endif

fuzz: install
	@echo "fuzz: seed $(FUZZ_SEED), budget $(FUZZ_MINUTES) minutes"
	FUZZ_MINUTES=$(FUZZ_MINUTES) $(PY) -m pytest -p no:xdist -p tests.fuzz_budget -q -rfE \
		--hypothesis-profile=fuzz --hypothesis-seed=$(FUZZ_SEED) --hypothesis-show-statistics \
		$(FUZZ_TESTS)

worker: install
	$(BIN)/celery -A matching_portal worker --loglevel=INFO

# Beat keeps its schedule in the database (django-celery-beat): the tables must exist.
beat: migrate
	$(BIN)/celery -A matching_portal beat --loglevel=INFO

messages: install
	$(PY) manage.py makemessages -l sv --no-obsolete --add-location file
	$(PY) manage.py compilemessages -l sv

# Re-resolve the pinned versions after changing pyproject.toml.
lock: install
	$(PY) -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) staticfiles
