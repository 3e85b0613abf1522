#!/usr/bin/env bash
# The Kotlin/JVM library: generated bindings + idiomatic layer built by Maven
# (dependencies from Maven Central) with the two Linux natives (x86-64 and
# aarch64, glibc 2.17; scripts/dist-kotlin.sh adds macOS and Windows), then:
# JUnit 5 (every shared vector, both transports, integration against the local
# authorization server), animal-sniffer (Android API 26), the jar's natives
# checked, ccauth-okhttp against the same server, and the jar run on
# linux-aarch64 (Debian arm64 root under qemu, about 20 s once the root exists).
# Under scripts/with-redis.sh: FleetStoreTest (LettuceStore against a real
# Redis) and FleetIT (failsafe, after the jar is packaged: fleets of worker
# JVMs run by target/kotlin/fleet-worker.sh, written here, on the packaged
# jar and its runtime classpath), then the worker once without Lettuce on
# the classpath (the jar runs without it).
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/build-kotlin.sh" x86_64-unknown-linux-gnu.2.17 aarch64-unknown-linux-gnu.2.17
bash "$ROOT/scripts/debian-root.sh" arm64 >/dev/null # made once per machine (minutes), before the server starts
# The fleet worker's launcher (its usage: the top of
# bindings-uniffi/kotlin/src/test/kotlin/dev/ccauth/fleet/FleetWorker.kt).
mkdir -p "$ROOT/target/kotlin"
cat > "$ROOT/target/kotlin/fleet-worker.sh" <<'LAUNCHER'
#!/usr/bin/env bash
# One fleet worker JVM (the protocol of bindings-uniffi/python/tests/fleet_worker.py):
#   CCAUTH_REDIS_URL=redis://127.0.0.1:PORT/0 CCAUTH_TOKEN_ENDPOINT=http://127.0.0.1:PORT/token \
#     target/kotlin/fleet-worker.sh '{"client_id": "ccauth-short", "secret": "short-secret-0123456789"}'
# The packaged jar, the worker's classes (a jar of their own) and the jar's
# runtime classpath (its dependencies, Lettuce and the SLF4J API Lettuce
# needs; no SLF4J binding: SLF4J says so once on stderr), from
# scripts/test-kotlin.sh's build. CCAUTH_FLEET_CLASSPATH replaces that
# classpath (the test without Lettuce). exec: the worker's pid is the JVM's.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
maven="$here/maven"
for f in "$maven/ccauth-0.1.0.jar" "$maven/ccauth-0.1.0-fleet-worker.jar" "$maven/fleet-worker.classpath"; do
  [ -f "$f" ] || { echo "fleet-worker.sh: $f is missing: run scripts/test-kotlin.sh" >&2; exit 1; }
done
deps="${CCAUTH_FLEET_CLASSPATH-$(cat "$maven/fleet-worker.classpath")}"
# C1 only and the serial collector: a short-lived worker starts faster.
exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto \
  -cp "$maven/ccauth-0.1.0.jar:$maven/ccauth-0.1.0-fleet-worker.jar:$deps" dev.ccauth.fleet.FleetWorkerKt "$@"
LAUNCHER
chmod +x "$ROOT/target/kotlin/fleet-worker.sh"
rm -f "$ROOT/target/kotlin/fleet-figures.txt"
say "kotlin: mvn install (JUnit 5: vectors, transports, integration, fleet store; FleetIT; animal-sniffer), ccauth-okhttp, linux-aarch64"
# install: the OkHttp module and the example depend on the jar as a user would (local repository).
bash "$ROOT/scripts/with-redis.sh" "$ROOT/scripts/with-auth-server.sh" bash -c '
  set -euo pipefail
  cd "$ROOT/bindings-uniffi/kotlin"
  mvn -q -B -Dstyle.color=never install "$@"
  python3 "$ROOT/scripts/check-kotlin-jar.py" "$ROOT/target/kotlin/maven/ccauth-0.1.0.jar" linux-x86-64 linux-aarch64
  # The jar without Lettuce (an optional dependency): the worker with no store
  # on a classpath without lettuce-core, netty or reactor gets its token.
  deps=$(tr ":" "\n" < "$ROOT/target/kotlin/maven/fleet-worker.classpath" | grep -v -e lettuce -e netty -e reactor -e reactive-streams -e redis-authx | paste -sd:)
  out=$( (sleep 6) | CCAUTH_FLEET_CLASSPATH="$deps" "$ROOT/target/kotlin/fleet-worker.sh" \
    "{\"client_id\": \"ccauth-short\", \"secret\": \"short-secret-0123456789\", \"callers\": 4, \"no_store\": true}")
  grep -q "\"kind\":\"token\"" <<< "$out" && grep -q "\"errors\":0" <<< "$out" ||
    { echo "$out" >&2; echo "the worker without Lettuce failed" >&2; exit 1; }
  echo "[kotlin] the jar without Lettuce on the classpath: a token, no error" >&2
  (cd okhttp && mvn -q -B -Dstyle.color=never install)
  bash "$ROOT/scripts/run-kotlin-arm64.sh"' _ "$@"
cat "$ROOT/target/kotlin/fleet-figures.txt" >&2 2>/dev/null || true
ls -l "$ROOT"/target/kotlin/maven/ccauth-0.1.0.jar "$ROOT"/target/kotlin/maven-okhttp/ccauth-okhttp-0.1.0.jar >&2
