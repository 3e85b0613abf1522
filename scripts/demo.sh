#!/usr/bin/env bash
# The examples, each against the same local authorization server.
source "$(dirname "$0")/lib.sh"
need_rust
cd "$ROOT"
cargo build --quiet --locked -p ccauth-example
bash scripts/build-npm.sh
bash scripts/build-python.sh
bash scripts/build-kotlin.sh
bash scripts/build-swift.sh
(cd bindings-uniffi/kotlin && mvn -q -B -Dstyle.color=never install -DskipTests)
bash scripts/with-auth-server.sh bash -c \
  '"$1/target/debug/ccauth-example" && bash "$1/scripts/demo-js.sh" && bash "$1/scripts/demo-python.sh" &&
   bash "$1/scripts/demo-kotlin.sh" && bash "$1/scripts/demo-swift.sh"' _ "$ROOT"
