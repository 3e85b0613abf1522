#!/usr/bin/env bash
# The Swift package: generated bindings + the ClientCredentials actor, built
# and tested (XCTest: every shared vector, integration against the local
# authorization server; the fleet store against a real Redis) with Swift 6 in
# a Debian trixie root. Then a user's
# package (bindings-uniffi/ccauth-swift/Consumer) depends on the release tree
# by URL and version, with the library installed as a user installs it (the
# Linux tarball: lib/ + pkg-config file), and runs against the server.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/build-swift.sh"
# The hand-written sources (not the generated bindings), with the
# toolchain's swift-format: rules in .swift-format (`swift-format format -i -r` fixes most).
say "swift: swift-format lint --strict"
bash "$ROOT/scripts/in-swift-root.sh" sh -c "cd '$ROOT' && /usr/libexec/swift/bin/swift-format lint --strict -r \
  bindings-uniffi/ccauth-swift/Sources/Ccauth bindings-uniffi/ccauth-swift/Tests bindings-uniffi/ccauth-swift/Package.swift \
  bindings-uniffi/ccauth-swift/Consumer/Sources bindings-uniffi/ccauth-swift/Consumer/Package.swift \
  bindings-uniffi/ccauth-swift/Bench/Sources bindings-uniffi/ccauth-swift/Bench/Package.swift \
  examples/swift/Sources examples/swift/Package.swift"
say "swift: swift test (in the trixie root, with a Redis for the fleet tests)"
# The root shares the host's loopback: the tests reach the authorization
# server and the Redis (scripts/with-redis.sh) on 127.0.0.1. The Redis port
# is known only once it runs, so the command inside the root is built then.
swift_test="cd '$ROOT/bindings-uniffi/ccauth-swift' && swift test --scratch-path '$ROOT/target/swift' $*"
"$ROOT/scripts/with-redis.sh" "$ROOT/scripts/with-auth-server.sh" bash -c \
  'exec bash "$1" sh -c "export CCAUTH_REDIS_URL=$CCAUTH_REDIS_URL CCAUTH_REDIS_PORT=$CCAUTH_REDIS_PORT && $2"' \
  _ "$ROOT/scripts/in-swift-root.sh" "$swift_test"

bash "$ROOT/scripts/dist-swift.sh" --linux
say "swift: a consumer package depending on ccauth-swift by URL (in the trixie root)"
work="$ROOT/target/swift-consumer"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -1)
# A fresh resolution each run: the release tree is re-tagged by every dist.
rm -rf "$work" "$ROOT/bindings-uniffi/ccauth-swift/Consumer/Package.resolved"
mkdir -p "$work/prefix"
tar -xzf "$ROOT/target/dist/host/ccauth_ffi-$version-linux-$(uname -m).tar.gz" -C "$work/prefix"
"$ROOT/scripts/with-auth-server.sh" bash "$ROOT/scripts/in-swift-root.sh" sh -c \
  "export PKG_CONFIG_PATH='$work/prefix/lib/pkgconfig' LD_LIBRARY_PATH='$work/prefix/lib' &&
   cd '$ROOT/bindings-uniffi/ccauth-swift/Consumer' &&
   swift build --disable-dependency-cache --scratch-path '$work/build' -q &&
   '$work/build/debug/Consumer'"

# The same consumer refuses a release with unsafe flags: proof that it
# resolves ccauth-swift as a remote dependency, where the old manifest failed.
say "swift: the consumer refuses a release tree with unsafeFlags (expected)"
rm -rf "$work/unsafe" && mkdir -p "$work/unsafe"
cp -R "$ROOT/target/dist/swift/ccauth-swift" "$ROOT/bindings-uniffi/ccauth-swift/Consumer" "$work/unsafe/"
rm -f "$work/unsafe/Consumer/Package.resolved"
sed -i 's|path: "Sources/CcauthFFI")|path: "Sources/CcauthFFI", linkerSettings: [.unsafeFlags(["-L/tmp"])])|' "$work/unsafe/ccauth-swift/Package.swift"
sed -i 's|"../../../target/dist/swift/ccauth-swift"|"../ccauth-swift"|' "$work/unsafe/Consumer/Package.swift"
git -C "$work/unsafe/ccauth-swift" -c user.name=ccauth -c user.email=ccauth@localhost commit -qam unsafe
git -C "$work/unsafe/ccauth-swift" tag -f "$version" >/dev/null
out=$(bash "$ROOT/scripts/in-swift-root.sh" sh -c \
  "cd '$work/unsafe/Consumer' && swift package resolve --disable-dependency-cache --scratch-path '$work/unsafe/build' && swift build --disable-dependency-cache --scratch-path '$work/unsafe/build' 2>&1" || true)
grep -q "contains unsafe build flags" <<<"$out" || die "SwiftPM did not refuse unsafe flags in a URL dependency: $out"
echo "refused: $(grep -m1 'unsafe build flags' <<<"$out")" >&2
