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
say "rustdoc: every doc link resolves"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace --locked --quiet
