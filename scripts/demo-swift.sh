#!/usr/bin/env bash
# Runs examples/swift in the Swift root (needs CCAUTH_* from with-auth-server.sh
# and scripts/build-swift.sh first, which demo.sh does).
source "$(dirname "$0")/lib.sh"
say "examples/swift"
bash "$ROOT/scripts/in-swift-root.sh" sh -c \
  "cd '$ROOT/examples/swift' && swift run --scratch-path '$ROOT/target/swift-example' -q Example"
