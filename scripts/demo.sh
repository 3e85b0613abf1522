#!/usr/bin/env bash
# The examples, each against the same local authorization server.
source "$(dirname "$0")/lib.sh"
need_rust
cd "$ROOT"
cargo build --quiet --locked -p ccauth-example
bash scripts/with-auth-server.sh "$ROOT/target/debug/ccauth-example"
