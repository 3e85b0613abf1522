"""Checks each Python wheel the way an installer and a platform would see it,
for the wheels that cannot be run here (macOS, Windows, musl) as well as the
rest: its platform tag matches its native library (scripts/native_checks.py;
manylinux also per auditwheel), RECORD hashes hold, both
licences and the package metadata are there. Prints one line per wheel with
its size and the native library's.

    python check-wheels.py TOOLS_BIN WHEEL...   (TOOLS_BIN: auditwheel, wheel)
"""

from __future__ import annotations

import pathlib
import re
import sys
import tempfile
import zipfile

from native_checks import check_library, run


def fail(wheel: pathlib.Path, why: str) -> None:
    sys.exit(f"{wheel.name}: {why}")


def platform_of(tag: str) -> "tuple[str, str, tuple[int, int] | None, str]":
    """(system, arch, glibc ceiling or macOS floor, library file) for a platform tag."""
    arch = "x86_64" if "x86_64" in tag else "aarch64"
    if tag.startswith("manylinux"):
        return "linux-gnu", arch, (2, 17), "libccauth_ffi.so"
    if tag.startswith("musllinux"):
        return "linux-musl", arch, None, "libccauth_ffi.so"
    mac = re.match(r"macosx_(\d+)_(\d+)_", tag)
    if mac:
        return "macos", arch, (int(mac[1]), int(mac[2])), "libccauth_ffi.dylib"
    if tag == "win_amd64":
        return "windows", "x86_64", None, "ccauth_ffi.dll"
    raise ValueError(f"unexpected platform tag {tag}")


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
            try:
                system, arch, bound, expected = platform_of(tag)
                if [p.name for p in libs] != [expected]:
                    raise ValueError(f"the generated module loads {expected}, the wheel has {[p.name for p in libs]}")
                lib = libs[0]
                detail = check_library(lib, system, arch, bound)
            except ValueError as e:
                fail(wheel, str(e))
            if system == "linux-gnu":
                policy = f"manylinux_2_17_{arch}"
                if f'"{policy}"' not in run(str(tools / "auditwheel"), "show", str(wheel)).replace("\n", " "):
                    fail(wheel, f"auditwheel does not find it consistent with {policy}")
                detail += f" (auditwheel: {policy})"
            with zipfile.ZipFile(wheel) as z:
                compressed = z.getinfo(f"ccauth/_ffi/{lib.name}").compress_size
            print(f"{wheel.name}: {wheel.stat().st_size / 1024:.0f} KB wheel, {lib.stat().st_size / 1024:.0f} KB "
                  f"{lib.name} ({compressed / 1024:.0f} KB compressed), {detail}")


if __name__ == "__main__":
    main()
