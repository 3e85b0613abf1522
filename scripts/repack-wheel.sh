#!/usr/bin/env bash
# Makes the wheel for one platform from the host-built wheel (maturin: the
# Python code, the UniFFI-generated module, METADATA, the licences) by putting
# that platform's native library (scripts/cross-ffi.sh) in place of the
# host's and tagging it; `wheel pack` rewrites the RECORD. The generated
# module is slimmed on the way (scripts/slim-uniffi-python.py says how).
#   bash scripts/repack-wheel.sh HOST_WHEEL RUST_TARGET OUT_DIR
# The generated module loads lib<name>.so / lib<name>.dylib / <name>.dll from
# its own folder, so the file name follows the platform.
source "$(dirname "$0")/lib.sh"
[ $# -eq 3 ] || die "usage: $0 HOST_WHEEL RUST_TARGET OUT_DIR"
host_wheel="$1" target="$2" out="$3"
tools=$(bash "$ROOT/scripts/cross-tools.sh")
triple="${target%.2.17}"
case "$triple" in
  x86_64-unknown-linux-gnu) tag=manylinux_2_17_x86_64.manylinux2014_x86_64 lib=libccauth_ffi.so ;;
  aarch64-unknown-linux-gnu) tag=manylinux_2_17_aarch64.manylinux2014_aarch64 lib=libccauth_ffi.so ;;
  x86_64-unknown-linux-musl) tag=musllinux_1_2_x86_64 lib=libccauth_ffi.so ;;
  aarch64-unknown-linux-musl) tag=musllinux_1_2_aarch64 lib=libccauth_ffi.so ;;
  # Rust's own minimum macOS versions for these targets.
  x86_64-apple-darwin) tag=macosx_10_12_x86_64 lib=libccauth_ffi.dylib ;;
  aarch64-apple-darwin) tag=macosx_11_0_arm64 lib=libccauth_ffi.dylib ;;
  x86_64-pc-windows-gnu) tag=win_amd64 lib=ccauth_ffi.dll ;;
  *) die "no wheel platform tag for $target" ;;
esac
native="$ROOT/target/cross/lib/$triple/$lib"
[ -f "$native" ] || die "$native is missing: run scripts/cross-ffi.sh $target first"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$tools/wheel" unpack --dest "$work" "$host_wheel" >/dev/null
unpacked=$(echo "$work"/ccauth-*)
ffi="$unpacked/ccauth/_ffi"
python3 "$ROOT/scripts/slim-uniffi-python.py" "$ffi/ccauth_ffi.py"  # same module, 15 ms less to import
rm -f "$ffi"/libccauth_ffi.so "$ffi"/libccauth_ffi.dylib "$ffi"/ccauth_ffi.dll
cp "$native" "$ffi/$lib"
# One Tag line per platform tag (the compressed tag set, PEP 425).
wheel_file=$(echo "$unpacked"/ccauth-*.dist-info/WHEEL)
grep -v '^Tag: ' "$wheel_file" > "$work/WHEEL"
for t in ${tag//./ }; do echo "Tag: py3-none-$t"; done >> "$work/WHEEL"
cp "$work/WHEEL" "$wheel_file"
mkdir -p "$out"
for t in ${tag//./ }; do rm -f "$out"/ccauth-*[-.]"$t".whl "$out"/ccauth-*[-.]"$t".*.whl; done
"$tools/wheel" pack --dest-dir "$out" "$unpacked" >/dev/null  # names it with the tags sorted
for t in ${tag//./ }; do ls "$out"/ccauth-*[-.]"$t"*.whl >/dev/null || die "no wheel tagged $t in $out"; done
ls -l "$out"/ccauth-*"${tag##*.}"*.whl >&2
