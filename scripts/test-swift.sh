#!/usr/bin/env bash
# The Swift package: generated bindings + the ClientCredentials actor, built
# and tested (XCTest: every shared vector, integration against the local
# authorization server) with Swift 6 in a Debian trixie root.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/build-swift.sh"
say "swift: swift test (in the trixie root)"
"$ROOT/scripts/with-auth-server.sh" bash "$ROOT/scripts/in-swift-root.sh" sh -c \
  "cd '$ROOT/bindings-uniffi/ccauth-swift' && swift test --scratch-path '$ROOT/target/swift' $*"
