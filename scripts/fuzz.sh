#!/usr/bin/env bash
# Runs each fuzz target for FUZZ_SECONDS (default 60). cargo-fuzz needs
# nightly features; RUSTC_BOOTSTRAP lets the stable toolchain provide them.
source "$(dirname "$0")/lib.sh"
need_rust
command -v cargo-fuzz >/dev/null 2>&1 || cargo install --locked cargo-fuzz
cd "$ROOT/core"
export RUSTC_BOOTSTRAP=1
for target in token_response www_authenticate endpoint_replies private_key config_document; do
  say "fuzz $target for ${FUZZ_SECONDS:-60} s"
  cargo fuzz run "$target" -- -max_total_time="${FUZZ_SECONDS:-60}" -max_len=8192
done
