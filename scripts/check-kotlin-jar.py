#!/usr/bin/env python3
"""Checks a ccauth jar's native libraries: exactly the JNA folders named, each
holding the library its platform loads and accepts (scripts/native_checks.py:
architecture; Linux: glibc <= 2.17, manylinux2014, where a library linked on
this machine needs 2.34; macOS: minimum version, system libraries, exports,
arm64 signature; Windows: system DLLs only), and both licence texts in
META-INF/. Prints the sizes.
    python3 scripts/check-kotlin-jar.py JAR PREFIX...
"""
import os
import pathlib
import re
import sys
import tempfile
import zipfile

from native_checks import check_library

# JNA prefix -> (file name, system, arch, glibc ceiling or macOS floor)
EXPECTED = {
    "linux-x86-64": ("libccauth_ffi.so", "linux-gnu", "x86_64", (2, 17)),
    "linux-aarch64": ("libccauth_ffi.so", "linux-gnu", "aarch64", (2, 17)),
    "darwin-x86-64": ("libccauth_ffi.dylib", "macos", "x86_64", (10, 12)),
    "darwin-aarch64": ("libccauth_ffi.dylib", "macos", "aarch64", (11, 0)),
    "win32-x86-64": ("ccauth_ffi.dll", "windows", "x86_64", None),
}


def main() -> None:
    jar, prefixes = sys.argv[1], sys.argv[2:]
    assert prefixes and all(p in EXPECTED for p in prefixes), f"prefixes: {sorted(EXPECTED)}"
    with zipfile.ZipFile(jar) as z, tempfile.TemporaryDirectory() as tmp:
        names = set(z.namelist())
        natives = {n for n in names if re.search(r"\.(so|dylib|dll)$", n)}
        want = {f"{p}/{EXPECTED[p][0]}" for p in prefixes}
        assert natives == want, f"natives in the jar: {sorted(natives)}, expected {sorted(want)}"
        for licence in ("META-INF/LICENSE-MIT", "META-INF/LICENSE-APACHE"):
            assert licence in names, f"{licence} is missing"
        for p in prefixes:
            name, system, arch, bound = EXPECTED[p]
            lib = pathlib.Path(z.extract(f"{p}/{name}", tmp))
            try:
                detail = check_library(lib, system, arch, bound)
            except ValueError as e:
                raise AssertionError(f"{p}/{name}: {e}") from e
            print(f"[jar] {p}/{name}: {lib.stat().st_size / 1024:.0f} KiB, {detail}")
    print(f"[jar] {os.path.basename(jar)}: {os.path.getsize(jar) / 1024:.0f} KiB, {len(prefixes)} platform(s), licences in META-INF/")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        sys.exit(f"check-kotlin-jar: {e}")
