#!/usr/bin/env python3
"""Checks a ccauth jar's native libraries: exactly the JNA folders named, each
holding a library for its OS and CPU (ELF/Mach-O/PE headers read here), Linux
ones needing no glibc newer than 2.17 (manylinux2014; a library linked on this
machine needs 2.34), and both licence texts in META-INF/. Prints the sizes.
    python3 scripts/check-kotlin-jar.py JAR PREFIX...
"""
import os
import re
import struct
import sys
import zipfile

# JNA prefix -> (file name, format, machine)
EXPECTED = {
    "linux-x86-64": ("libccauth_ffi.so", "elf", 62),        # EM_X86_64
    "linux-aarch64": ("libccauth_ffi.so", "elf", 183),      # EM_AARCH64
    "darwin-x86-64": ("libccauth_ffi.dylib", "macho", 0x01000007),  # CPU_TYPE_X86_64
    "darwin-aarch64": ("libccauth_ffi.dylib", "macho", 0x0100000C),  # CPU_TYPE_ARM64
    "win32-x86-64": ("ccauth_ffi.dll", "pe", 0x8664),       # IMAGE_FILE_MACHINE_AMD64
}
MAX_GLIBC = (2, 17)


def machine(data: bytes, fmt: str) -> int:
    if fmt == "elf":
        assert data[:4] == b"\x7fELF" and data[4] == 2, "not a 64-bit ELF"
        return struct.unpack_from("<H", data, 18)[0]
    if fmt == "macho":
        assert data[:4] == b"\xcf\xfa\xed\xfe", "not a 64-bit Mach-O"
        return struct.unpack_from("<I", data, 4)[0]
    assert data[:2] == b"MZ", "not a PE file"
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    assert data[pe:pe + 4] == b"PE\0\0", "no PE header"
    return struct.unpack_from("<H", data, pe + 4)[0]


def main() -> None:
    jar, prefixes = sys.argv[1], sys.argv[2:]
    assert prefixes and all(p in EXPECTED for p in prefixes), f"prefixes: {sorted(EXPECTED)}"
    with zipfile.ZipFile(jar) as z:
        names = set(z.namelist())
        natives = {n for n in names if re.search(r"\.(so|dylib|dll)$", n)}
        want = {f"{p}/{EXPECTED[p][0]}" for p in prefixes}
        assert natives == want, f"natives in the jar: {sorted(natives)}, expected {sorted(want)}"
        for licence in ("META-INF/LICENSE-MIT", "META-INF/LICENSE-APACHE"):
            assert licence in names, f"{licence} is missing"
        for p in prefixes:
            name, fmt, cpu = EXPECTED[p]
            data = z.read(f"{p}/{name}")
            got = machine(data, fmt)
            assert got == cpu, f"{p}/{name}: machine {got:#x}, expected {cpu:#x}"
            note = ""
            if fmt == "elf":
                versions = {tuple(map(int, v)) for v in re.findall(rb"GLIBC_(\d+)\.(\d+)", data)}
                assert versions, f"{p}/{name}: no glibc symbol versions found"
                newest = max(versions)
                assert newest <= MAX_GLIBC, f"{p}/{name} needs glibc {newest[0]}.{newest[1]} (> 2.17)"
                note = f", glibc <= {newest[0]}.{newest[1]}"
            print(f"[jar] {p}/{name}: {len(data) / 1024:.0f} KiB{note}")
    print(f"[jar] {os.path.basename(jar)}: {os.path.getsize(jar) / 1024:.0f} KiB, {len(prefixes)} platform(s), licences in META-INF/")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        sys.exit(f"check-kotlin-jar: {e}")
