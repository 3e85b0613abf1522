#!/usr/bin/env bash
# Checks what scripts/dist-swift.sh made, as far as a Linux machine can:
# the XCFramework's Info.plist parses (plistlib) and names each slice; each
# static library has the architectures its slice claims (llvm-lipo) and
# objects built for its platform (the Mach-O LC_BUILD_VERSION platform:
# 2 iOS, 7 iOS simulator, 1 macOS); each slice's header + module map are
# there, and Swift finds the module through them (the generated Swift
# type-checks against each slice's Headers, in the trixie root); the zip
# holds the XCFramework and both licences, and its checksum is the file's
# SHA-256 (`swift package compute-checksum`, run in the root).
source "$(dirname "$0")/lib.sh"
dist="$ROOT/target/dist"
name=ccauth_ffiFFI
xc="$dist/$name.xcframework"
[ -f "$xc/Info.plist" ] || die "no $xc: run scripts/dist-swift.sh first"
PATH="$(bash "$ROOT/scripts/cross-tools.sh"):$PATH"

python3 - "$xc/Info.plist" <<'PY'
import plistlib, sys
with open(sys.argv[1], "rb") as f:
    info = plistlib.load(f)
assert info["CFBundlePackageType"] == "XFWK" and info["XCFrameworkFormatVersion"] == "1.0", info
for lib in info["AvailableLibraries"]:
    print(lib["LibraryIdentifier"], lib["SupportedPlatform"], lib.get("SupportedPlatformVariant", "-"),
          ",".join(lib["SupportedArchitectures"]), lib["LibraryPath"], lib["HeadersPath"])
PY
check_slice() { # $1: slice, $2: lipo's architectures, $3: LC_BUILD_VERSION platform
  local lib="$xc/$1/libccauth_ffi.a" archs platforms size
  [ -f "$xc/$1/Headers/$name/$name.h" ] && [ -f "$xc/$1/Headers/$name/module.modulemap" ] ||
    die "$1: header or module map missing"
  archs=$(llvm-lipo-22 -archs "$lib")
  [ "$archs" = "$2" ] || die "$1: architectures '$archs', want '$2'"
  platforms=$(llvm-objdump-22 --macho --private-headers "$lib" | awk '$1 == "platform" { print $2 }' | sort -u | tr '\n' ' ')
  [ "$platforms" = "$3 " ] || die "$1: platforms '$platforms', want '$3'"
  size=$(du -k "$lib" | cut -f1)
  echo "ok $1: $(llvm-lipo-22 -info "$lib" | sed 's/.*: //'), platform $3, ${size} KB" >&2
}
check_slice ios-arm64 "arm64" 2
check_slice ios-arm64_x86_64-simulator "arm64 x86_64" 7
check_slice macos-arm64_x86_64 "arm64 x86_64" 1

listing=$(unzip -Z1 "$dist/$name.xcframework.zip")
for f in LICENSE-MIT LICENSE-APACHE "$name.xcframework/Info.plist" "$name.xcframework/macos-arm64_x86_64/libccauth_ffi.a"; do
  grep -qx "$f" <<<"$listing" || die "the zip lacks $f"
done
[ "$(cat "$dist/$name.xcframework.zip.sha256")" = "$(sha256sum "$dist/$name.xcframework.zip" | cut -d' ' -f1)" ] ||
  die "the recorded checksum is not the zip's"

say "swift: the generated Swift type-checks against each slice's Headers; compute-checksum (in the trixie root)"
gen="$ROOT/bindings-uniffi/ccauth-swift/Sources/CcauthFFI/ccauth_ffi.swift"
bash "$ROOT/scripts/in-swift-root.sh" sh -c "
  set -e
  for slice in ios-arm64 ios-arm64_x86_64-simulator macos-arm64_x86_64; do
    swiftc -typecheck -I '$xc/'\$slice/Headers '$gen' && echo \"ok \$slice: import $name type-checks\" >&2
  done
  cd '$dist' && swift package compute-checksum $name.xcframework.zip > '$dist/.checksum-swiftpm'"
[ "$(cat "$dist/.checksum-swiftpm")" = "$(cat "$dist/$name.xcframework.zip.sha256")" ] ||
  die "swift package compute-checksum disagrees with the recorded checksum"
rm -f "$dist/.checksum-swiftpm"
echo "ok: zip $(du -k "$dist/$name.xcframework.zip" | cut -f1) KB, checksum $(cat "$dist/$name.xcframework.zip.sha256") (= swift package compute-checksum)" >&2
