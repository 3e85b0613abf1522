#!/usr/bin/env bash
# The Kotlin artifacts to publish, into target/dist/kotlin/: dev.ccauth:ccauth
# (one jar with the natives for linux-x86-64, linux-aarch64 (glibc 2.17),
# darwin-x86-64, darwin-aarch64 and win32-x86-64) and dev.ccauth:ccauth-okhttp,
# each with its pom, sources jar and javadoc jar (Dokka, profile dist). The
# five-platform jar is tested as test-kotlin.sh tests the two-platform one
# (JUnit against the local server, animal-sniffer, natives checked, run on
# linux-aarch64 under qemu).
# Cross builds: scripts/cross-ffi.sh (about 4 minutes a target the first time).
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/build-kotlin.sh" x86_64-unknown-linux-gnu.2.17 aarch64-unknown-linux-gnu.2.17 \
  x86_64-apple-darwin aarch64-apple-darwin x86_64-pc-windows-gnu
bash "$ROOT/scripts/debian-root.sh" arm64 >/dev/null
say "kotlin dist: mvn install with five natives, ccauth-okhttp, linux-aarch64"
"$ROOT/scripts/with-auth-server.sh" bash -c '
  set -euo pipefail
  cd "$ROOT/bindings-uniffi/kotlin"
  mvn -q -B -Dstyle.color=never -Pdist install
  python3 "$ROOT/scripts/check-kotlin-jar.py" "$ROOT/target/kotlin/maven/ccauth-0.1.0.jar" \
    linux-x86-64 linux-aarch64 darwin-x86-64 darwin-aarch64 win32-x86-64
  (cd okhttp && mvn -q -B -Dstyle.color=never -Pdist install)
  bash "$ROOT/scripts/run-kotlin-arm64.sh"'
out="$ROOT/target/dist/kotlin"
rm -rf "$out"
mkdir -p "$out"
cp "$ROOT"/target/kotlin/maven/ccauth-0.1.0{,-sources,-javadoc}.jar "$out/"
cp "$ROOT/bindings-uniffi/kotlin/pom.xml" "$out/ccauth-0.1.0.pom"
cp "$ROOT"/target/kotlin/maven-okhttp/ccauth-okhttp-0.1.0{,-sources,-javadoc}.jar "$out/"
cp "$ROOT/bindings-uniffi/kotlin/okhttp/pom.xml" "$out/ccauth-okhttp-0.1.0.pom"
ls -l "$out" >&2
