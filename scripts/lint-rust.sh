#!/usr/bin/env bash
# Formatting and clippy (the sans-IO bans live in core/clippy.toml).
source "$(dirname "$0")/lib.sh"
need_rust
cd "$ROOT"
say "core layout: no import circle, imports point down the layers"
python3 scripts/check-core-layers.py
say "error codes: the bindings' lists match the core's catalogue"
python3 scripts/check-error-codes.py
say "rustfmt"
cargo fmt --all -- --check
say "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
# The core as the npm wasm builds it (no signing algorithms, the fleet store)
# and with nothing optional: feature-gated code must stay warning-free.
cargo clippy -p ccauth --no-default-features --features fleet --all-targets --locked -- -D warnings
cargo clippy -p ccauth --no-default-features --all-targets --locked -- -D warnings
say "rustdoc: every doc link resolves"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace --locked --quiet
