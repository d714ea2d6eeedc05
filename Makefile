# servicebot: the two commands a new user needs are `make run` and `make test`.
.PHONY: setup run test lint bench clean

setup:  ## create .venv and .venv-rasa, migrate and seed the database, train the model if needed
	@bash scripts/setup.sh

run: setup  ## start the demo stack on http://127.0.0.1:8080 (Ctrl-C stops it)
	@.venv/bin/servicebot run

test: setup  ## lint, type-check and run the whole test suite
	@bash scripts/test.sh

lint:  ## ruff, mypy --strict and the import-linter layering contracts
	@bash scripts/test.sh --lint-only

bench: setup  ## our bot vs raw Rasa (R1) and Rasa's Telegram bot (R2): bench/results/
	@.venv/bin/python -m pip install --disable-pip-version-check -q -e '.[dev,bench]'
	@.venv/bin/pytest -p no:cacheprovider -q -m bench tests/bench
	@.venv/bin/python -m bench.run

clean:  ## remove environments, models and local data
	rm -rf .venv .venv-rasa models var
