#!/usr/bin/env bash
# Runs the jar on Linux arm64 as a user there would: OpenJDK 17 in a Debian
# bullseye arm64 root (scripts/debian-root.sh) under qemu-user, JNA taking the
# native library from the jar's linux-aarch64/. The main is PlatformSmoke (test
# classes): shared vectors, then a real token fetch from the local server.
# Needs the jar built with linux-aarch64 inside (test-kotlin.sh, dist-kotlin.sh)
# and CCAUTH_* from scripts/with-auth-server.sh (loopback is shared).
source "$(dirname "$0")/lib.sh"
[ -n "${CCAUTH_TOKEN_ENDPOINT:-}" ] || die "run through scripts/with-auth-server.sh"
jar="$ROOT/target/kotlin/maven/ccauth-0.1.0.jar"
python3 -c 'import sys, zipfile; sys.exit("linux-aarch64/libccauth_ffi.so" not in zipfile.ZipFile(sys.argv[1]).namelist())' "$jar" ||
  die "$jar has no linux-aarch64 native (scripts/build-kotlin.sh aarch64-unknown-linux-gnu.2.17 ...)"
lib="$ROOT/target/kotlin/arm64-lib"
rm -rf "$lib"
# The jar's dependencies and JUnit's API (PlatformSmoke calls the test classes), from the local Maven repository.
(cd "$ROOT/bindings-uniffi/kotlin" && mvn -q -B -Dstyle.color=never \
  org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
  -DincludeScope=test -DoutputDirectory="$lib")
say "kotlin: the jar on linux-aarch64 (Debian bullseye, OpenJDK 17, qemu)"
start=$(date +%s)
bash "$ROOT/scripts/in-debian-root.sh" arm64 java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
  -Dccauth.vectors="$ROOT/tests/vectors" -Djava.io.tmpdir=/tmp \
  -cp "$jar:$ROOT/target/kotlin/maven/test-classes:$lib/*" dev.ccauth.PlatformSmokeKt linux-aarch64
echo "[kotlin/arm64] $(( $(date +%s) - start )) s under qemu" >&2
