#!/usr/bin/env bash
# Release artifacts of the Swift package, into target/dist/:
#   ccauth_ffiFFI.xcframework        static libraries for iOS (arm64), the iOS
#                                    simulator (arm64 + x86_64) and macOS
#                                    (arm64 + x86_64), header + module map
#   ccauth_ffiFFI.xcframework.zip    it + LICENSE-MIT + LICENSE-APACHE, for a
#   ccauth_ffiFFI.xcframework.zip.sha256   binaryTarget(url:checksum:)
#                                    (the SHA-256 `swift package compute-checksum` gives)
#   ccauth_ffi-<v>-linux-<arch>.tar.gz   lib/libccauth_ffi.so + lib/pkgconfig/ccauth_ffi.pc
#                                    (+ share/doc/ccauth_ffi/LICENSE-*), for a prefix
#   swift/ccauth-swift/              the source package to publish (a git
#                                    repository tagged <v>): generated Swift
#                                    included, the XCFramework by URL + checksum
#
#   bash scripts/dist-swift.sh           # everything (cross builds: ~4 min a target)
#   bash scripts/dist-swift.sh --linux   # no cross builds: the source package and
#                                        # the host's Linux library (scripts/test-swift.sh)
#
# Nothing here needs Apple's tools: static libraries need no linker, LLVM's
# lipo merges them, and an XCFramework is a folder with an XML Info.plist.
# CCAUTH_SWIFT_RELEASE_URL: where the zip will be downloadable from.
source "$(dirname "$0")/lib.sh"
need_rust
apple=1
[ "${1:-}" = --linux ] && apple=0
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -1)
release_url="${CCAUTH_SWIFT_RELEASE_URL:-https://github.com/ccauth/ccauth/releases/download/v$version}"
pkg="$ROOT/bindings-uniffi/ccauth-swift"
dist="$ROOT/target/dist"
name=ccauth_ffiFFI
mkdir -p "$dist"
bash "$ROOT/scripts/build-swift.sh"

# The module map both platforms' C module can use (the generated one names
# Darwin modules; Linux's links libccauth_ffi, which an XCFramework does itself).
modulemap() {
  printf 'module %s {\n    header "%s.h"\n    export *\n}\n' "$name" "$name"
}

if [ "$apple" = 1 ]; then
  PATH="$(bash "$ROOT/scripts/cross-tools.sh"):$PATH"
  CCAUTH_CRATE_TYPE=staticlib bash "$ROOT/scripts/cross-ffi.sh" \
    aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin
  lib() { echo "$ROOT/target/cross/lib/$1/libccauth_ffi.a"; }
  say "assembling $name.xcframework"
  xc="$dist/$name.xcframework"
  rm -rf "$xc"
  # Slice folders named as xcodebuild names them: platform-archs[-variant].
  for slice in ios-arm64 ios-arm64_x86_64-simulator macos-arm64_x86_64; do
    # Headers/<module>/: Xcode copies every static XCFramework's Headers into
    # one folder, where two top-level module.modulemap files would collide;
    # clang looks for <module>/module.modulemap in each include path.
    mkdir -p "$xc/$slice/Headers/$name"
    cp "$pkg/Sources/$name/$name.h" "$xc/$slice/Headers/$name/"
    modulemap > "$xc/$slice/Headers/$name/module.modulemap"
  done
  cp "$(lib aarch64-apple-ios)" "$xc/ios-arm64/libccauth_ffi.a"
  llvm-lipo-22 -create "$(lib aarch64-apple-ios-sim)" "$(lib x86_64-apple-ios)" \
    -output "$xc/ios-arm64_x86_64-simulator/libccauth_ffi.a"
  llvm-lipo-22 -create "$(lib aarch64-apple-darwin)" "$(lib x86_64-apple-darwin)" \
    -output "$xc/macos-arm64_x86_64/libccauth_ffi.a"
  # The Info.plist xcodebuild -create-xcframework writes, as XML (plistlib).
  python3 - "$xc/Info.plist" <<'PY'
import plistlib, sys
def slice(ident, archs, platform, variant=None):
    d = {"BinaryPath": "libccauth_ffi.a", "HeadersPath": "Headers", "LibraryIdentifier": ident,
         "LibraryPath": "libccauth_ffi.a", "SupportedArchitectures": archs, "SupportedPlatform": platform}
    if variant:
        d["SupportedPlatformVariant"] = variant
    return d
with open(sys.argv[1], "wb") as f:
    plistlib.dump({
        "AvailableLibraries": [
            slice("ios-arm64", ["arm64"], "ios"),
            slice("ios-arm64_x86_64-simulator", ["arm64", "x86_64"], "ios", "simulator"),
            slice("macos-arm64_x86_64", ["arm64", "x86_64"], "macos"),
        ],
        "CFBundlePackageType": "XFWK",
        "XCFrameworkFormatVersion": "1.0",
    }, f, fmt=plistlib.FMT_XML)
PY
  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' EXIT
  cp -R "$xc" "$ROOT/LICENSE-MIT" "$ROOT/LICENSE-APACHE" "$stage/"
  rm -f "$dist/$name.xcframework.zip"
  (cd "$stage" && zip -qry -X "$dist/$name.xcframework.zip" "$name.xcframework" LICENSE-MIT LICENSE-APACHE)
  sha256sum "$dist/$name.xcframework.zip" | cut -d' ' -f1 > "$dist/$name.xcframework.zip.sha256"
  # The in-repo package's binary target (Apple builds of a checkout).
  rm -rf "${pkg:?}/$name.xcframework"
  cp -R "$xc" "$pkg/$name.xcframework"
  ls -l "$dist/$name.xcframework.zip" >&2
fi

# Linux: the shared library and a relocatable pkg-config file. The release
# uses the cross builds (glibc 2.17, scripts/cross-ffi.sh); --linux the host's.
linux_tarball() { # $1: arch, $2: the library, $3: the folder for the tarball
  local stage
  stage=$(mktemp -d)
  mkdir -p "$stage/lib/pkgconfig" "$stage/share/doc/ccauth_ffi"
  cp "$2" "$stage/lib/libccauth_ffi.so"
  cp "$ROOT/LICENSE-MIT" "$ROOT/LICENSE-APACHE" "$stage/share/doc/ccauth_ffi/"
  cat > "$stage/lib/pkgconfig/ccauth_ffi.pc" <<PC
prefix=\${pcfiledir}/../..
libdir=\${prefix}/lib

Name: ccauth_ffi
Description: ccauth's UniFFI library (the Swift package's C module links it)
Version: $version
Libs: -L\${libdir} -lccauth_ffi
PC
  mkdir -p "$3"
  tar -C "$stage" -czf "$3/ccauth_ffi-$version-linux-$1.tar.gz" lib share
  rm -rf "$stage"
}
if [ "$apple" = 1 ]; then
  bash "$ROOT/scripts/cross-ffi.sh" x86_64-unknown-linux-gnu.2.17 aarch64-unknown-linux-gnu.2.17
  for arch in x86_64 aarch64; do
    linux_tarball "$arch" "$ROOT/target/cross/lib/$arch-unknown-linux-gnu/libccauth_ffi.so" "$dist"
  done
else
  # Not the release's tarball: target/dist/host/ (built against this host's glibc).
  linux_tarball "$(uname -m)" "$ROOT/target/release/libccauth_ffi.so" "$dist/host"
fi

# The source package users depend on by URL: SwiftPM wants Package.swift at
# the root of a git repository and the generated Swift in it (neither is true
# of this repository).
say "the source package: target/dist/swift/ccauth-swift (tag $version)"
tree="$dist/swift/ccauth-swift"
rm -rf "$tree"
mkdir -p "$tree/Sources"
cp -R "$pkg/Sources/Ccauth" "$pkg/Sources/CcauthFFI" "$pkg/Sources/$name" "$tree/Sources/"
cp "$pkg/README.md" "$ROOT/LICENSE-MIT" "$ROOT/LICENSE-APACHE" "$tree/"
checksum=$(cat "$dist/$name.xcframework.zip.sha256" 2>/dev/null || true)
python3 - "$pkg/Package.swift" "$tree/Package.swift" "$release_url/$name.xcframework.zip" "$checksum" <<'PY'
import sys
src, out, url, checksum = sys.argv[1:]
lines = []
for line in open(src):
    if ".testTarget(" in line:
        continue  # the tests read this repository's vectors: not shipped
    if "// ccauth:binary-target" in line and checksum:
        line = f'let ffi = Target.binaryTarget(name: "ccauth_ffiFFI", url: "{url}", checksum: "{checksum}")\n'
    lines.append(line)
open(out, "w").write("".join(lines))
PY
# Same sources, same commit: the consumer test's caches stay valid across runs.
export GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z"
git -C "$tree" init -q -b main
git -C "$tree" add -A
git -C "$tree" -c user.name=ccauth -c user.email=ccauth@localhost commit -qm "ccauth-swift $version"
git -C "$tree" tag "$version"
[ "$apple" = 1 ] && bash "$ROOT/scripts/check-dist-swift.sh"
true
