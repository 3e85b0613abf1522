#!/usr/bin/env bash
# Every test. Installs what it needs; safe to run again.
source "$(dirname "$0")/lib.sh"
start=$(date +%s)
bash "$ROOT/scripts/lint-rust.sh"
bash "$ROOT/scripts/test-rust.sh"
bash "$ROOT/scripts/fuzz-smoke.sh"
bash "$ROOT/scripts/test-python.sh"
bash "$ROOT/scripts/test-python-platforms.sh"
bash "$ROOT/scripts/test-kotlin.sh"
bash "$ROOT/scripts/test-swift.sh"
bash "$ROOT/scripts/test-npm.sh"
bash "$ROOT/scripts/test-fleet.sh"
say "all tests passed in $(( $(date +%s) - start )) s"
