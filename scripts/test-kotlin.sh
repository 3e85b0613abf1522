#!/usr/bin/env bash
# The Kotlin/JVM library: generated bindings + idiomatic layer built by Maven
# (dependencies from Maven Central) with the two Linux natives (x86-64 and
# aarch64, glibc 2.17; scripts/dist-kotlin.sh adds macOS and Windows), then:
# JUnit 5 (every shared vector, both transports, integration against the local
# authorization server), animal-sniffer (Android API 26), the jar's natives
# checked, ccauth-okhttp against the same server, and the jar run on
# linux-aarch64 (Debian arm64 root under qemu, about 20 s once the root exists).
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/build-kotlin.sh" x86_64-unknown-linux-gnu.2.17 aarch64-unknown-linux-gnu.2.17
bash "$ROOT/scripts/debian-root.sh" arm64 >/dev/null # made once per machine (minutes), before the server starts
say "kotlin: mvn install (JUnit 5: vectors, transports, integration; animal-sniffer), ccauth-okhttp, linux-aarch64"
# install: the OkHttp module and the example depend on the jar as a user would (local repository).
"$ROOT/scripts/with-auth-server.sh" bash -c '
  set -euo pipefail
  cd "$ROOT/bindings-uniffi/kotlin"
  mvn -q -B -Dstyle.color=never install "$@"
  python3 "$ROOT/scripts/check-kotlin-jar.py" "$ROOT/target/kotlin/maven/ccauth-0.1.0.jar" linux-x86-64 linux-aarch64
  (cd okhttp && mvn -q -B -Dstyle.color=never install)
  bash "$ROOT/scripts/run-kotlin-arm64.sh"' _ "$@"
ls -l "$ROOT"/target/kotlin/maven/ccauth-0.1.0.jar "$ROOT"/target/kotlin/maven-okhttp/ccauth-okhttp-0.1.0.jar >&2
