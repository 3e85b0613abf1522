#!/usr/bin/env bash
# Runs examples/kotlin against the jar installed in the local Maven repository
# (needs CCAUTH_* from with-auth-server.sh; scripts/build-kotlin.sh + mvn
# install first, which demo.sh does).
source "$(dirname "$0")/lib.sh"
say "examples/kotlin"
cd "$ROOT/examples/kotlin"
mvn -q -B -Dstyle.color=never compile exec:java
