#!/usr/bin/env bash
# Checks what scripts/dist-swift.sh made, as far as a Linux machine can:
# the XCFramework's Info.plist parses (plistlib) and names each slice; each
# static library has the architectures its slice claims (llvm-lipo) and
# objects built for its platform (their Mach-O version load commands);
# each slice's header + module map are
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
# What marks each architecture's objects as built for a platform: the Mach-O
# load command (LC_VERSION_MIN_* for the targets' old minimum versions,
# LC_BUILD_VERSION with a platform for arm64 macOS and the arm64 simulator).
marks() { # $1: a thin library
  llvm-objdump-22 --macho --private-headers "$1" |
    awk '$1 == "cmd" { if (c != "") print c; c = ($2 ~ /^LC_(BUILD_VERSION|VERSION_MIN_)/) ? $2 : "" }
         $1 == "platform" && c != "" { c = c ":" $2 } END { if (c != "") print c }' |
    sort -u | tr '\n' ' '
}
check_slice() { # $1: slice, then ARCH=MARK for each architecture it must hold
  local slice="$1" lib="$xc/$1/libccauth_ffi.a" archs want=() arch mark got thin
  shift
  [ -f "$xc/$slice/Headers/$name/$name.h" ] && [ -f "$xc/$slice/Headers/$name/module.modulemap" ] ||
    die "$slice: header or module map missing"
  for pair in "$@"; do want+=("${pair%%=*}"); done
  archs=$(llvm-lipo-22 -archs "$lib" | tr ' ' '\n' | grep . | sort | paste -sd' ')  # want: in sorted order
  [ "$archs" = "${want[*]}" ] || die "$slice: architectures '$archs', want '${want[*]}'"
  thin=$(mktemp)
  for pair in "$@"; do
    arch="${pair%%=*}" mark="${pair#*=}"
    if [ "${#want[@]}" -gt 1 ]; then llvm-lipo-22 -thin "$arch" "$lib" -output "$thin"; else cp "$lib" "$thin"; fi
    got=$(marks "$thin")
    [ "$got" = "$mark " ] || { rm -f "$thin"; die "$slice $arch: objects marked '$got', want '$mark'"; }
    echo "ok $slice $arch: every object $mark" >&2
  done
  rm -f "$thin"
  echo "ok $slice: $(llvm-lipo-22 -info "$lib" | sed 's/.*: //'), $(du -k "$lib" | cut -f1) KB" >&2
}
check_slice ios-arm64 arm64=LC_VERSION_MIN_IPHONEOS
check_slice ios-arm64_x86_64-simulator arm64=LC_BUILD_VERSION:iossimulator x86_64=LC_VERSION_MIN_IPHONEOS
check_slice macos-arm64_x86_64 arm64=LC_BUILD_VERSION:macos x86_64=LC_VERSION_MIN_MACOSX

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
