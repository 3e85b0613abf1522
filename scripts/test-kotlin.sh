#!/usr/bin/env bash
# The Kotlin/JVM library: generated bindings + idiomatic layer built by Maven
# (dependencies from Maven Central), JUnit 5 tests: every shared vector, and
# integration against the local authorization server.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/build-kotlin.sh"
say "kotlin: mvn verify (JUnit 5: vectors, integration)"
cd "$ROOT/bindings-uniffi/kotlin"
# install: the example depends on the jar as a user would (local repository).
"$ROOT/scripts/with-auth-server.sh" mvn -q -B -Dstyle.color=never install "$@"
ls -l "$ROOT"/target/kotlin/maven/ccauth-*.jar >&2
