#!/usr/bin/env python3
"""Fails when a generated JNA function takes more arguments than arm64
passes in registers (x0-x7). JNA corrupts struct arguments passed on the
stack on arm64 (java-native-access/jna#1736): a UniFFI function with two
dozen arguments crashed the jar on linux-aarch64 with SIGSEGV. Take a
record instead (it crosses as one buffer).

Usage: check-ffi-arity.py <generated ccauth_ffi.kt>
"""
import re
import sys

ARM64_ARGUMENT_REGISTERS = 8

source = open(sys.argv[1], encoding="utf-8").read()
declarations = re.findall(r"external fun (\w+)\(([^)]*)\)", source)
if not declarations:
    sys.exit(f"{sys.argv[1]}: no `external fun` found (has the generated code's shape changed?)")
too_many = [
    (name, n)
    for name, params in declarations
    if (n := len([p for p in params.split(",") if p.strip()])) > ARM64_ARGUMENT_REGISTERS
]
for name, n in too_many:
    print(f"{name}: {n} arguments (at most {ARM64_ARGUMENT_REGISTERS}: JNA on arm64 breaks stack-passed structs)")
if too_many:
    sys.exit(1)
print(f"[ffi] {len(declarations)} JNA functions, each with at most {ARM64_ARGUMENT_REGISTERS} arguments")
