#!/usr/bin/env bash
# Fuzz smoke for CI: every fuzz target in core/fuzz runs over a corpus seeded
# from the shared vectors' inputs (scripts/fuzz_seeds.py: one file per
# response body, challenge, key or config document), then mutates it for
# FUZZ_SMOKE_SECONDS (default 15) per target. A crash or a failed assertion
# fails the run; the input is in core/fuzz/artifacts/<target>/. Long runs:
# `make fuzz`. cargo-fuzz needs nightly features; RUSTC_BOOTSTRAP lets the
# stable toolchain provide them.
source "$(dirname "$0")/lib.sh"
need_rust
CARGO_FUZZ_VERSION=0.13.2
if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
  say "installing cargo-fuzz $CARGO_FUZZ_VERSION (crates.io)"
  cargo install --quiet --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi
seconds="${FUZZ_SMOKE_SECONDS:-15}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$ROOT/scripts/fuzz_seeds.py" "$ROOT/tests/vectors" "$work/seeds"
cd "$ROOT/core"
export RUSTC_BOOTSTRAP=1
say "building the fuzz targets (cargo fuzz build)"
cargo fuzz build 2>&1 | grep -vE '^\s*(Compiling|Downloaded|Downloading)\b' >&2 || true
test "${PIPESTATUS[0]}" -eq 0
for target in $(cargo fuzz list); do
  if [ ! -d "$work/seeds/$target" ]; then
    echo "warning: no seeds for $target (scripts/fuzz_seeds.py does not know it): mutations only" >&2
    mkdir -p "$work/seeds/$target"
  fi
  say "fuzz smoke: $target, $(ls "$work/seeds/$target" | wc -l) seeds from tests/vectors, then ${seconds} s"
  if ! cargo fuzz run "$target" "$work/seeds/$target" -- \
      -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 >"$work/$target.log" 2>&1; then
    grep -m 1 -A 3 -E 'panicked at|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)' "$work/$target.log" >&2 || true
    grep -E '^(artifact_prefix|Reproduce with|\s+cargo fuzz run)' "$work/$target.log" >&2 || true
    die "fuzz target $target failed (input in core/fuzz/artifacts/$target/)"
  fi
  grep -E '^Done [0-9]+ runs' "$work/$target.log" | tail -n 1 >&2
done
