# The two set-up commands: `make demo` and `make test`. CI runs `make test`.
# Every target calls a script in scripts/, so CI and local runs are the same.
.PHONY: demo test test-rust test-python bench lint fmt fuzz bench-npm size-npm bench-python

demo:            ## the examples against a local authorization server
	bash scripts/demo.sh

test:            ## every test (installs what it needs)
	bash scripts/test.sh

test-rust:       ## the Rust core, vectors, properties and integration only
	bash scripts/test-rust.sh

bench:           ## criterion benchmarks, ccauth beside oauth2-rs, with ratios
	bash scripts/bench.sh

lint:
	bash scripts/lint-rust.sh

fmt:
	cargo fmt --all

fuzz:            ## fuzz every parser (FUZZ_SECONDS each, default 60)
	bash scripts/fuzz.sh

test-python:     ## the Python wheel: vectors, integration, mypy
	bash scripts/test-python.sh

bench-python:    ## the Python package beside authlib, httpx-auth, requests-oauthlib
	bash scripts/bench-python.sh

bench-npm:       ## the npm package beside oauth4webapi, openid-client, simple-oauth2
	bash scripts/bench-npm.sh

size-npm:        ## npm tarball and wasm size, cold import time
	bash scripts/size-npm.sh
