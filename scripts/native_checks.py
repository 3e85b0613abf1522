"""What a platform demands of a native library that cannot be run here, read
from its headers with LLVM's tools: architecture; Linux glibc: no symbol
version newer than allowed; musl: libc.so only; macOS: the minimum version,
system libraries only, the UniFFI exports, and on arm64 an ad-hoc signature
whose every page hash holds; Windows: only system DLLs imported. One checker
for every artifact that carries the library (scripts/check-wheels.py,
scripts/check-kotlin-jar.py). `check_library` raises ValueError on a failure
and returns a one-line description otherwise."""

from __future__ import annotations

import hashlib
import pathlib
import re
import struct
import subprocess
from typing import Optional, Tuple

# What a Rust cdylib for windows-gnu may import: the OS and its C runtime.
WINDOWS_SYSTEM_DLLS = re.compile(
    r"^(kernel32|ntdll|advapi32|bcrypt|bcryptprimitives|userenv|ws2_32|msvcrt|ucrtbase|api-ms-win-[a-z0-9-]+)\.dll$", re.I
)
ELF_FORMAT = {"x86_64": "elf64-x86-64", "aarch64": "elf64-littleaarch64"}
MACHO_ARCH = {"x86_64": "x86_64", "aarch64": "arm64"}


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def check_library(lib: pathlib.Path, system: str, arch: str, minimum: Optional[Tuple[int, int]] = None) -> str:
    """`system`: linux-gnu, linux-musl, macos or windows; `arch`: x86_64 or
    aarch64; `minimum`: the newest glibc (linux-gnu) or the oldest macOS the
    library must accept."""
    if system.startswith("linux"):
        if ELF_FORMAT[arch] not in run("llvm-readobj-22", "--file-headers", str(lib)):
            raise ValueError(f"not an {arch} ELF library")
        symbols = run("llvm-readobj-22", "--dyn-syms", str(lib))
        if system == "linux-musl":
            listed = run("llvm-readobj-22", "--needed-libs", str(lib)).split("NeededLibraries [")[1]
            needed = [n for n in re.findall(r"^\s+(\S+)$", listed, re.M) if n != "]"]
            if needed != ["libc.so"]:
                raise ValueError(f"a musl library may need libc.so only, needs {needed}")
            if "GLIBC_" in symbols:
                raise ValueError("a musl library with glibc symbol versions")
            return "needs libc.so only (musl)"
        versions = sorted({tuple(map(int, v.split("."))) for v in re.findall(r"GLIBC_([0-9.]+)", symbols)})
        if not versions or (minimum and versions[-1][:2] > minimum):
            raise ValueError(f"needs glibc {versions and '.'.join(map(str, versions[-1]))}, allowed up to {minimum}")
        return f"glibc symbols up to {'.'.join(map(str, versions[-1]))}"
    if system == "macos":
        return _check_macos(lib, arch, minimum)
    if system == "windows":
        if "IMAGE_FILE_MACHINE_AMD64" not in run("llvm-readobj-22", "--file-headers", str(lib)):
            raise ValueError("the DLL is not x86-64")
        imports = re.findall(r"Name: (\S+\.dll)", run("llvm-readobj-22", "--coff-imports", str(lib)), re.I)
        foreign = [d for d in imports if not WINDOWS_SYSTEM_DLLS.match(d)]
        if foreign:
            raise ValueError(f"imports DLLs Windows does not ship: {foreign}")
        return f"imports {len(set(imports))} system DLLs only"
    raise ValueError(f"unknown system {system}")


def _check_macos(lib: pathlib.Path, arch: str, minimum: Optional[Tuple[int, int]]) -> str:
    archs = run("llvm-lipo-22", "-archs", str(lib)).split()
    if archs != [MACHO_ARCH[arch]]:
        raise ValueError(f"Mach-O architectures {archs}, expected {MACHO_ARCH[arch]}")
    headers = run("llvm-objdump-22", "--macho", "--private-headers", str(lib))
    # LC_BUILD_VERSION (minos) or, for older minimums, LC_VERSION_MIN_MACOSX (version).
    minos = re.search(r"minos (\d+)\.(\d+)", headers) or re.search(
        r"LC_VERSION_MIN_MACOSX\s+cmdsize \d+\s+version (\d+)\.(\d+)", headers
    )
    if not minos or (minimum and (int(minos[1]), int(minos[2])) > minimum):
        raise ValueError(f"needs macOS {minos and minos.group(0)}, must accept {minimum}")
    used = [line.strip().split(" ")[0] for line in run("llvm-objdump-22", "--macho", "--dylibs-used", str(lib)).splitlines()[1:]]
    used = [path for path in used if not path.endswith("/libccauth_ffi.dylib")]  # its own install name
    for path in used:
        if not path.startswith(("/usr/lib/", "/System/Library/")):
            raise ValueError(f"links {path}, which a Mac does not have")
    exported = run("llvm-objdump-22", "--macho", "--exports-trie", str(lib)).count("uniffi_ccauth_ffi_fn_")
    if exported == 0:
        raise ValueError("exports no UniFFI functions")
    signature = verify_adhoc_signature(lib)
    if arch == "aarch64" and not signature.startswith("ad-hoc signature valid"):
        raise ValueError(f"arm64 macOS needs a valid signature: {signature}")
    return f"minimum macOS {minos[1]}.{minos[2]}, {len(used)} system libraries, {exported} UniFFI exports, {signature}"


def verify_adhoc_signature(lib: pathlib.Path) -> str:
    """Recomputes every page hash of a Mach-O's code signature: macOS on arm64
    refuses to load a dylib whose ad-hoc signature no longer matches (after
    strip or install-name-tool, say). x86-64 images may be unsigned."""
    data = lib.read_bytes()
    magic, _, _, _, ncmds, _, _, _ = struct.unpack_from("<8I", data, 0)
    if magic != 0xFEEDFACF:
        return "not a 64-bit Mach-O"
    at, signature = 32, None
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<2I", data, at)
        if cmd == 0x1D:  # LC_CODE_SIGNATURE
            signature = struct.unpack_from("<2I", data, at + 8)
        at += size
    if signature is None:
        return "unsigned"
    base = signature[0]
    blob_magic, _, count = struct.unpack_from(">3I", data, base)
    if blob_magic != 0xFADE0CC0:
        raise ValueError("the code signature is not an embedded signature")
    for i in range(count):
        kind, offset = struct.unpack_from(">2I", data, base + 12 + 8 * i)
        cd = base + offset
        if kind != 0 or struct.unpack_from(">I", data, cd)[0] != 0xFADE0C02:
            continue  # only the CodeDirectory holds page hashes
        hash_offset, _, _, n_code, code_limit = struct.unpack_from(">5I", data, cd + 16)
        hash_size, hash_type, _, page_log2 = struct.unpack_from(">4B", data, cd + 36)
        if hash_type != 2:  # SHA-256
            return f"signed with hash type {hash_type} (not checked)"
        page = 1 << page_log2
        for slot in range(n_code):
            chunk = data[slot * page : min((slot + 1) * page, code_limit)]
            want = data[cd + hash_offset + slot * hash_size : cd + hash_offset + (slot + 1) * hash_size]
            if hashlib.sha256(chunk).digest() != want:
                raise ValueError(f"code signature page {slot} does not match")
        return f"ad-hoc signature valid ({n_code} pages)"
    raise ValueError("signature without a CodeDirectory")
