#!/usr/bin/env bash
# Criterion benchmarks of the core beside oauth2-rs (token exchange) and
# jsonwebtoken (signed requests), then the ratios.
source "$(dirname "$0")/lib.sh"
need_rust
cd "$ROOT"
cargo bench --locked -p ccauth-bench --bench token_exchange --bench client_assertion -- "$@"
python3 scripts/bench-ratios.py target/criterion
