"""Checks each Python wheel the way an installer and a platform would see it,
for the wheels that cannot be run here (macOS, Windows, musl) as well as the
rest: its platform tag matches its native library (architecture; no glibc
symbol newer than a manylinux tag, per auditwheel; musl: libc.so only; the minimum macOS version
of a Mach-O; only system DLLs imported by a PE), RECORD hashes hold, both
licences and the package metadata are there. Prints one line per wheel with
its size and the native library's.

    python check-wheels.py TOOLS_BIN WHEEL...   (TOOLS_BIN: auditwheel, wheel)
"""

from __future__ import annotations

import hashlib
import pathlib
import re
import struct
import subprocess
import sys
import tempfile
import zipfile

LINUX_ARCH = {"x86_64": "x86-64", "aarch64": "aarch64"}
# What a Rust cdylib for windows-gnu may import: the OS and its C runtime.
WINDOWS_SYSTEM_DLLS = re.compile(
    r"^(kernel32|ntdll|advapi32|bcrypt|bcryptprimitives|userenv|ws2_32|msvcrt|ucrtbase|api-ms-win-[a-z0-9-]+)\.dll$", re.I
)


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def fail(wheel: pathlib.Path, why: str) -> None:
    sys.exit(f"{wheel.name}: {why}")


def check_linux(wheel: pathlib.Path, tag: str, lib: pathlib.Path, tools: pathlib.Path) -> str:
    arch = tag.rsplit("_", 1)[-1] if "x86_64" not in tag else "x86_64"
    header = run("llvm-readobj-22", "--file-headers", str(lib))
    if f"elf64-{'x86-64' if arch == 'x86_64' else 'littleaarch64'}" not in header:
        fail(wheel, f"native library is not {arch}")
    if tag.startswith("musl"):
        # auditwheel needs a musl host to resolve libc.so; the musllinux
        # policy allows that one library and no glibc symbol version.
        needed = re.findall(r"^\s+(\S+)$", run("llvm-readobj-22", "--needed-libs", str(lib)).split("NeededLibraries [")[1], re.M)
        if [n for n in needed if n != "]"] != ["libc.so"]:
            fail(wheel, f"a musllinux library may need libc.so only, needs {needed}")
        if "GLIBC_" in run("llvm-readobj-22", "--dyn-syms", str(lib)):
            fail(wheel, "a musl library with glibc symbol versions")
        return "needs libc.so only (musl)"
    shown = run(str(tools / "auditwheel"), "show", str(wheel))
    policy = f"manylinux_2_17_{arch}"
    if f'"{policy}"' not in shown.replace("\n", " "):
        fail(wheel, f"auditwheel does not find it consistent with {policy}:\n{shown}")
    versions = sorted({tuple(map(int, v.split("."))) for v in re.findall(r"GLIBC_([0-9.]+)", run("llvm-readobj-22", "--dyn-syms", str(lib)))})
    return f"glibc symbols up to {'.'.join(map(str, versions[-1]))} (auditwheel: {policy})"


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
    assert blob_magic == 0xFADE0CC0, "not an embedded signature"
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


def check_macos(wheel: pathlib.Path, tag: str, lib: pathlib.Path) -> str:
    major, minor, arch = re.match(r"macosx_(\d+)_(\d+)_(\w+)", tag).groups()  # type: ignore[union-attr]
    archs = run("llvm-lipo-22", "-archs", str(lib)).split()
    if archs != [arch]:
        fail(wheel, f"Mach-O architectures {archs}, tag says {arch}")
    headers = run("llvm-objdump-22", "--macho", "--private-headers", str(lib))
    # LC_BUILD_VERSION (minos) or, for older minimums, LC_VERSION_MIN_MACOSX (version).
    minos = re.search(r"minos (\d+)\.(\d+)", headers) or re.search(
        r"LC_VERSION_MIN_MACOSX\s+cmdsize \d+\s+version (\d+)\.(\d+)", headers
    )
    if not minos or (int(minos[1]), int(minos[2])) > (int(major), int(minor)):
        fail(wheel, f"needs macOS {minos and minos.group(0)}, tag says {major}.{minor}")
    used = [line.strip().split(" ")[0] for line in run("llvm-objdump-22", "--macho", "--dylibs-used", str(lib)).splitlines()[1:]]
    used = [path for path in used if not path.endswith("/libccauth_ffi.dylib")]  # its own install name
    for path in used:
        if not path.startswith(("/usr/lib/", "/System/Library/")):
            fail(wheel, f"links {path}, which a Mac does not have")
    exported = run("llvm-objdump-22", "--macho", "--exports-trie", str(lib)).count("uniffi_ccauth_ffi_fn_")
    if exported == 0:
        fail(wheel, "exports no UniFFI functions")
    try:
        signature = verify_adhoc_signature(lib)
    except ValueError as e:
        fail(wheel, str(e))
    if arch == "arm64" and not signature.startswith("ad-hoc signature valid"):
        fail(wheel, f"arm64 macOS needs a valid signature: {signature}")
    return f"minimum macOS {minos[1]}.{minos[2]}, {len(used)} system libraries, {exported} UniFFI exports, {signature}"


def check_windows(wheel: pathlib.Path, lib: pathlib.Path) -> str:
    if "IMAGE_FILE_MACHINE_AMD64" not in run("llvm-readobj-22", "--file-headers", str(lib)):
        fail(wheel, "the DLL is not x86-64")
    imports = re.findall(r"Name: (\S+\.dll)", run("llvm-readobj-22", "--coff-imports", str(lib)), re.I)
    foreign = [d for d in imports if not WINDOWS_SYSTEM_DLLS.match(d)]
    if foreign:
        fail(wheel, f"imports DLLs Windows does not ship: {foreign}")
    return f"imports {len(set(imports))} system DLLs only"


def main() -> None:
    tools = pathlib.Path(sys.argv[1])
    for name in sys.argv[2:]:
        wheel = pathlib.Path(name)
        tag = wheel.stem.split("-")[-1]
        with tempfile.TemporaryDirectory() as tmp:
            # `wheel unpack` verifies every file against RECORD.
            run(str(tools / "wheel"), "unpack", "--dest", tmp, str(wheel))
            root = next(pathlib.Path(tmp).iterdir())
            info = next(root.glob("*.dist-info"))
            for licence in ("LICENSE-MIT", "LICENSE-APACHE"):
                if not (info / "licenses" / licence).is_file():
                    fail(wheel, f"no {licence}")
            metadata = (info / "METADATA").read_text()
            for field in ("Requires-Python: >=3.9", "Project-URL: Repository", "Classifier: Typing :: Typed",
                          "Provides-Extra: httpx", "Provides-Extra: requests", "License-Expression: MIT OR Apache-2.0"):
                if field not in metadata:
                    fail(wheel, f"METADATA lacks {field!r}")
            libs = [p for p in (root / "ccauth" / "_ffi").iterdir() if p.suffix in (".so", ".dylib", ".dll")]
            if len(libs) != 1:
                fail(wheel, f"expected one native library, found {[p.name for p in libs]}")
            lib = libs[0]
            if tag.startswith(("manylinux", "musllinux")):
                expected, detail = "libccauth_ffi.so", check_linux(wheel, tag, lib, tools)
            elif tag.startswith("macosx"):
                expected, detail = "libccauth_ffi.dylib", check_macos(wheel, tag, lib)
            elif tag == "win_amd64":
                expected, detail = "ccauth_ffi.dll", check_windows(wheel, lib)
            else:
                fail(wheel, f"unexpected platform tag {tag}")
            if lib.name != expected:
                fail(wheel, f"the generated module loads {expected}, the wheel has {lib.name}")
            with zipfile.ZipFile(wheel) as z:
                compressed = z.getinfo(f"ccauth/_ffi/{lib.name}").compress_size
            print(f"{wheel.name}: {wheel.stat().st_size / 1024:.0f} KB wheel, {lib.stat().st_size / 1024:.0f} KB "
                  f"{lib.name} ({compressed / 1024:.0f} KB compressed), {detail}")


if __name__ == "__main__":
    main()
