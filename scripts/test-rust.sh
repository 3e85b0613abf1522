#!/usr/bin/env bash
# The core's unit, property and vector tests, and the Rust driver against a
# real authorization server that the integration test starts on 127.0.0.1
# (and, for the fleet tests, a real Redis: scripts/with-redis.sh installs it).
source "$(dirname "$0")/lib.sh"
need_rust
cd "$ROOT"
bash scripts/auth-server.sh
say "cargo test"
bash scripts/with-redis.sh cargo test --workspace --exclude ccauth-bench --locked
