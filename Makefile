# The two set-up commands: `make demo` and `make test`. CI runs `make test`.
# Every target calls a script in scripts/, so CI and local runs are the same.
.PHONY: demo test test-fleet dist dist-python test-python-platforms test-rust test-python test-kotlin test-swift bench lint lint-npm fmt fuzz fuzz-smoke bench-npm size-npm bench-python bench-kotlin-swift

demo:            ## the examples against a local authorization server
	bash scripts/demo.sh

test:            ## every test (installs what it needs)
	bash scripts/test.sh

dist:            ## every artifact for every platform into target/dist/ (wheels + sdist, jar, XCFramework, npm tarball)
	bash scripts/dist.sh

dist-python:     ## the Python wheels for every platform and the sdist, checked
	bash scripts/dist-python.sh

test-python-platforms: ## lone extras; the wheels in Debian 11 (old glibc) and arm64 under qemu
	bash scripts/test-python-platforms.sh

test-fleet:      ## 3 Python + 3 Node + 2 Kotlin processes sharing one token on Redis (after the three test scripts)
	bash scripts/test-fleet.sh

test-rust:       ## the Rust core, vectors, properties and integration only
	bash scripts/test-rust.sh

bench:           ## criterion benchmarks, ccauth beside oauth2-rs, with ratios
	bash scripts/bench.sh

lint:            ## clippy and rustfmt --check (Rust), Biome (npm's TypeScript)
	bash scripts/lint-rust.sh
	bash scripts/lint-npm.sh

lint-npm:        ## Biome lint of bindings-wasm/js and bindings-wasm/test
	bash scripts/lint-npm.sh

fmt:
	cargo fmt --all

fuzz:            ## fuzz every parser (FUZZ_SECONDS each, default 60)
	bash scripts/fuzz.sh

fuzz-smoke:      ## every fuzz target over the shared vectors' inputs, then FUZZ_SMOKE_SECONDS (default 15) each
	bash scripts/fuzz-smoke.sh

test-python:     ## the Python wheel: vectors, integration, mypy
	bash scripts/test-python.sh

test-kotlin:      ## the Kotlin/JVM library (Maven, JUnit 5)
	bash scripts/test-kotlin.sh

test-swift:       ## the Swift package (XCTest, in a Debian trixie root)
	bash scripts/test-swift.sh

bench-kotlin-swift: ## hot path and token round trip from Kotlin and Swift
	bash scripts/bench-kotlin-swift.sh

bench-python:    ## the Python package beside authlib, httpx-auth, requests-oauthlib
	bash scripts/bench-python.sh

bench-npm:       ## the npm package beside oauth4webapi, openid-client, simple-oauth2
	bash scripts/bench-npm.sh

size-npm:        ## npm tarball and wasm size, cold import time
	bash scripts/size-npm.sh
