#!/usr/bin/env bash
# Loads the musllinux x86_64 wheel's library with a real musl dynamic loader
# (Debian's musl 1.2.3: a musllinux_1_2 system) and repeats UniFFI's own
# load-time check from C: the contract version and every API checksum the
# wheel's generated Python module expects. No musl CPython exists here, so
# this is as far as that wheel can be run on this machine.
#   bash scripts/check-musl-load.sh WHEEL
source "$(dirname "$0")/lib.sh"
wheel="${1:?usage: $0 MUSLLINUX_X86_64_WHEEL}"
command -v musl-gcc >/dev/null 2>&1 || {
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq musl-tools >/dev/null
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m zipfile -e "$wheel" "$work/wheel"
python3 - "$work" <<'PY'
import pathlib, re, sys
work = pathlib.Path(sys.argv[1])
module = (work / "wheel/ccauth/_ffi/ccauth_ffi.py").read_text()
contract = re.search(r"bindings_contract_version = (\d+)", module)[1]
checks = re.findall(r"lib\.(uniffi_ccauth_ffi_checksum_\w+)\(\) != (\d+)", module)
assert len(checks) > 20, checks
rows = ",\n".join(f'  {{"{name}", {value}}}' for name, value in checks)
(work / "load.c").write_text(f"""#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
static const struct {{ const char *name; unsigned expected; }} checks[] = {{
{rows}
}};
int main(int argc, char **argv) {{
  void *lib = dlopen(argv[1], RTLD_NOW);
  if (!lib) {{ fprintf(stderr, "dlopen: %s\\n", dlerror()); return 1; }}
  uint32_t (*contract)(void) = (uint32_t (*)(void))dlsym(lib, "ffi_ccauth_ffi_uniffi_contract_version");
  if (!contract || contract() != {contract}) {{ fprintf(stderr, "contract version mismatch\\n"); return 1; }}
  for (unsigned i = 0; i < sizeof checks / sizeof checks[0]; i++) {{
    uint16_t (*checksum)(void) = (uint16_t (*)(void))dlsym(lib, checks[i].name);
    if (!checksum || checksum() != checks[i].expected) {{ fprintf(stderr, "%s: mismatch\\n", checks[i].name); return 1; }}
  }}
  printf("musl: libccauth_ffi.so loaded; UniFFI contract {contract} and %u API checksums match\\n",
         (unsigned)(sizeof checks / sizeof checks[0]));
  return 0;
}}
""")
PY
musl-gcc -O1 -o "$work/load" "$work/load.c"
"$work/load" "$work/wheel/ccauth/_ffi/libccauth_ffi.so"
