#!/usr/bin/env bash
# Every artifact a user installs, for every platform, into target/dist/:
# the Python wheels and sdist, the Kotlin jar (JNA natives for five
# platforms), the Swift XCFramework, and the npm tarball. Each step checks
# what it built; see the README's platform table for what runs here.
source "$(dirname "$0")/lib.sh"
start=$(date +%s)
bash "$ROOT/scripts/dist-python.sh"
[ -f "$ROOT/scripts/dist-kotlin.sh" ] && bash "$ROOT/scripts/dist-kotlin.sh"
[ -f "$ROOT/scripts/dist-swift.sh" ] && bash "$ROOT/scripts/dist-swift.sh"
bash "$ROOT/scripts/build-npm.sh"
cp "$ROOT"/target/npm/ccauth-*.tgz "$ROOT/target/dist/"
say "target/dist/ ($(( $(date +%s) - start )) s):"
ls -l "$ROOT/target/dist" >&2
