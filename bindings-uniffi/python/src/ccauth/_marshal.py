"""Faster marshalling for the UniFFI-generated module: the same bytes, fewer
calls into Rust and less Python per value.

The generated runtime writes an argument into a 16-byte Rust buffer and
calls into Rust to grow it for each write that does not fit, behind a
context manager per primitive (nine response headers cost ~100 µs to pass);
it reads results by slicing a ctypes pointer per primitive. Here a value is
written into a ``bytearray`` and copied into one Rust allocation of the
right size, and a result is copied out once and read with ``struct``. The
wire format (UniFFI's: big-endian, i32 lengths) and who frees what are
unchanged. Installed once, at import, only if the generated module has the
shape this was written for (UniFFI 0.32); else the generated code runs as is.
bench/ffi_costs.py measures both.
"""

from __future__ import annotations

import ctypes
import struct
from typing import Any, Dict

from ._ffi import ccauth_ffi as _g

_I8, _U8 = struct.Struct(">b"), struct.Struct(">B")
_I16, _U16 = struct.Struct(">h"), struct.Struct(">H")
_I32, _U32 = struct.Struct(">i"), struct.Struct(">I")
_I64, _U64 = struct.Struct(">q"), struct.Struct(">Q")
_F32, _F64 = struct.Struct(">f"), struct.Struct(">d")
_SIZE_T = struct.Struct("@N")


def _to_rust(data: bytes) -> Any:
    """A Rust-owned buffer holding ``data`` (one allocation)."""
    n = len(data)
    rbuf = _g._UniffiRustBuffer.alloc(n)
    rbuf.len = n
    if n:
        ctypes.memmove(rbuf.data, data, n)
    return rbuf


class Builder:
    """The generated ``_UniffiRustBufferBuilder``'s interface over a bytearray."""

    __slots__ = ("_data",)

    def __init__(self) -> None:
        self._data = bytearray()

    def finalize(self) -> Any:
        return _to_rust(bytes(self._data))

    def discard(self) -> None:
        pass  # nothing is allocated in Rust before finalize()

    def write(self, value: bytes) -> None:
        self._data += value

    def write_i8(self, v: int) -> None:
        self._data += _I8.pack(v)

    def write_u8(self, v: int) -> None:
        self._data += _U8.pack(v)

    def write_i16(self, v: int) -> None:
        self._data += _I16.pack(v)

    def write_u16(self, v: int) -> None:
        self._data += _U16.pack(v)

    def write_i32(self, v: int) -> None:
        self._data += _I32.pack(v)

    def write_u32(self, v: int) -> None:
        self._data += _U32.pack(v)

    def write_i64(self, v: int) -> None:
        self._data += _I64.pack(v)

    def write_u64(self, v: int) -> None:
        self._data += _U64.pack(v)

    def write_float(self, v: float) -> None:
        self._data += _F32.pack(v)

    def write_double(self, v: float) -> None:
        self._data += _F64.pack(v)

    def write_c_size_t(self, v: int) -> None:
        self._data += _SIZE_T.pack(v)


class Stream:
    """The generated ``_UniffiRustBufferStream``'s interface over bytes copied out once."""

    __slots__ = ("data", "len", "offset")

    def __init__(self, data: bytes, len: int) -> None:
        self.data = data
        self.len = len
        self.offset = 0

    @classmethod
    def from_rust_buffer(cls, buf: Any) -> Stream:
        n = buf.len
        return cls(ctypes.string_at(buf.data, n) if n else b"", n)

    def remaining(self) -> int:
        return self.len - self.offset

    def _unpack(self, s: struct.Struct) -> Any:
        offset = self.offset
        if offset + s.size > self.len:
            raise _g.InternalError("read past end of rust buffer")
        self.offset = offset + s.size
        return s.unpack_from(self.data, offset)[0]

    def _unpack_from(self, size: int, format: str) -> Any:
        return self._unpack(struct.Struct(format))

    def read(self, size: int) -> bytes:
        offset = self.offset
        if offset + size > self.len:
            raise _g.InternalError("read past end of rust buffer")
        self.offset = offset + size
        return self.data[offset : offset + size]

    def read_i8(self) -> int:
        return int(self._unpack(_I8))

    def read_u8(self) -> int:
        return int(self._unpack(_U8))

    def read_i16(self) -> int:
        return int(self._unpack(_I16))

    def read_u16(self) -> int:
        return int(self._unpack(_U16))

    def read_i32(self) -> int:
        return int(self._unpack(_I32))

    def read_u32(self) -> int:
        return int(self._unpack(_U32))

    def read_i64(self) -> int:
        return int(self._unpack(_I64))

    def read_u64(self) -> int:
        return int(self._unpack(_U64))

    def read_float(self) -> float:
        return float(self._unpack(_F32))

    def read_double(self) -> float:
        return float(self._unpack(_F64))


def _lift(cls: Any, rbuf: Any) -> Any:
    try:
        stream = Stream.from_rust_buffer(rbuf)
        value = cls.read(stream)
        if stream.offset != stream.len:
            raise RuntimeError(f"junk data left in buffer at end of consume_with_stream {stream.len - stream.offset}")
        return value
    finally:
        rbuf.free()


def _lower(cls: Any, value: Any) -> Any:
    builder = Builder()
    cls.write(value, builder)
    return builder.finalize()


def _lift_str(rbuf: Any) -> str:
    try:
        n = rbuf.len
        return ctypes.string_at(rbuf.data, n).decode("utf-8") if n else ""
    finally:
        rbuf.free()


def _lower_str(value: str) -> Any:
    return _to_rust(value.encode("utf-8"))


GENERATED: Dict[Any, Any] = {}
"""The generated runtime's pieces this module replaced, by ``(owner, name)``
(bench/ffi_costs.py puts them back with :func:`swap` to compare)."""


def install() -> bool:
    """Swaps the generated runtime's buffer code for the above; ``False``
    (nothing changed) when the generated module is not the expected shape."""
    names = (
        "_UniffiRustBuffer", "_UniffiConverterRustBuffer", "_UniffiFfiConverterString", "_UniffiRustCallStatus",
        "_UniffiRustBufferBuilder", "_UniffiRustBufferStream",
    )
    if not all(hasattr(_g, name) for name in names):
        return False
    rb: Any = _g._UniffiRustBuffer
    conv: Any = _g._UniffiConverterRustBuffer
    string: Any = _g._UniffiFfiConverterString
    status: Any = _g._UniffiRustCallStatus
    expected = (
        [f for f, _ in rb._fields_] == ["capacity", "len", "data"]
        and [f for f, _ in status._fields_] == ["code", "error_buf"] and status.CALL_SUCCESS == 0
        and callable(getattr(rb, "alloc", None)) and callable(getattr(rb, "free", None))
    )
    if not expected:
        return False
    swap(
        {
            (_g, "_UniffiRustBufferBuilder"): Builder,
            (_g, "_UniffiRustBufferStream"): Stream,
            (conv, "lift"): classmethod(_lift),
            (conv, "lower"): classmethod(_lower),
            (string, "lift"): staticmethod(_lift_str),
            (string, "lower"): staticmethod(_lower_str),
            # Zero-initialized: CALL_SUCCESS and an empty error buffer, as the generated default() makes it.
            (status, "default"): staticmethod(status),
        }
    )
    return True


def swap(pieces: Dict[Any, Any]) -> Dict[Any, Any]:
    """Sets each ``(owner, name)`` to its value; returns what was there (as stored, descriptors included)."""
    before = {(owner, name): vars(owner)[name] for owner, name in pieces}
    if not GENERATED:  # the first swap, install(): what UniFFI generated
        GENERATED.update(before)
    for (owner, name), value in pieces.items():
        setattr(owner, name, value)
    return before


INSTALLED = install()
