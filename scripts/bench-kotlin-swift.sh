#!/usr/bin/env bash
# Small benchmarks of the Kotlin and Swift layers: the cached-token hot path
# and one token round trip against the local authorization server.
# Kotlin: also an API call with a held Bearer token (authorized(), and a
# stubbed OkHttp call through ccauth-okhttp's interceptor); the hot path and
# the round trip with a lifecycle listener too (SLF4J's simple binding, on the
# test classpath, logs the fetches to target/kotlin/bench-slf4j.log).
# Swift: examples/swift's Bench, then bindings-uniffi/ccauth-swift/Bench (the
# hot path and round trip without and with a listener, stats()).
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/build-kotlin.sh"
(cd "$ROOT/bindings-uniffi/kotlin" && mvn -q -B -Dstyle.color=never install -DskipTests && cd okhttp && mvn -q -B -Dstyle.color=never test-compile)
bash "$ROOT/scripts/build-swift.sh"
say "kotlin and swift benchmarks"
bash "$ROOT/scripts/with-auth-server.sh" bash -c '
  cd "$1/bindings-uniffi/kotlin" &&
  mvn -q -B -Dstyle.color=never exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.ccauth.BenchKt \
    -Dorg.slf4j.simpleLogger.logFile="$1/target/kotlin/bench-slf4j.log" &&
  (cd okhttp && mvn -q -B -Dstyle.color=never exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.ccauth.okhttp.OkHttpBenchKt) &&
  bash "$1/scripts/in-swift-root.sh" sh -c "cd \"$1/examples/swift\" && swift run -c release --scratch-path \"$1/target/swift-example\" -q Bench" &&
  bash "$1/scripts/in-swift-root.sh" sh -c "cd \"$1/bindings-uniffi/ccauth-swift/Bench\" && swift run -c release --scratch-path \"$1/target/swift-bench\" -q ListenerBench"
' _ "$ROOT"
