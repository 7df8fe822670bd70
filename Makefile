# The two commands the README promises. Each does its own set-up first.
YIZHAN := .venv/bin/yizhan
# The docs site: strict, so a broken link or anchor fails the build; no network needed.
MKDOCS := NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs

.PHONY: run test bench bench-scale lint setup audit docs

setup:
	@scripts/bootstrap

run: setup
	$(YIZHAN) db up
	$(YIZHAN) db migrate
	$(YIZHAN) seed demo --if-empty
	$(YIZHAN) serve

test:
	@scripts/bootstrap --test
	$(YIZHAN) db up
	.venv/bin/ruff check .
	$(MKDOCS) build --strict --quiet
	.venv/bin/mypy
	.venv/bin/python -m scripts.audit
	.venv/bin/python -m pytest $(PYTEST_ARGS)

bench: setup
	$(YIZHAN) db up
	.venv/bin/python -m bench.nearest

bench-scale:
	@scripts/bootstrap --bench
	$(YIZHAN) db up
	.venv/bin/python -m bench.scale $(BENCH_ARGS)

lint: setup
	.venv/bin/ruff check .

docs:
	@scripts/bootstrap --test
	$(MKDOCS) build --strict
	@echo "open site/index.html in a browser"

audit: setup
	.venv/bin/python -m scripts.audit --strict
