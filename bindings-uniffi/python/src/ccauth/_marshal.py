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
from typing import Any, Callable, Dict, List, Optional, Tuple

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


def _reader(s: struct.Struct) -> Callable[[Stream], Any]:
    """A ``Stream.read_*`` method for one fixed-size primitive (one call, not two)."""
    size, unpack_from = s.size, s.unpack_from

    def read(self: Stream) -> Any:
        offset = self.offset
        stop = offset + size
        if stop > self.len:
            raise _g.InternalError("read past end of rust buffer")
        self.offset = stop
        return unpack_from(self.data, offset)[0]

    return read


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

    read_i8 = _reader(_I8)
    read_u8 = _reader(_U8)
    read_i16 = _reader(_I16)
    read_u16 = _reader(_U16)
    read_i32 = _reader(_I32)
    read_u32 = _reader(_U32)
    read_i64 = _reader(_I64)
    read_u64 = _reader(_U64)
    read_float = _reader(_F32)
    read_double = _reader(_F64)


def _read_str(buf: Stream) -> str:
    # The generated String.read: an i32 length, then UTF-8, in one step.
    offset, data = buf.offset, buf.data
    start = offset + 4
    if start > buf.len:
        raise _g.InternalError("read past end of rust buffer")
    (size,) = _I32.unpack_from(data, offset)
    if size < 0:
        raise _g.InternalError("Unexpected negative string length")
    stop = start + size
    if stop > buf.len:
        raise _g.InternalError("read past end of rust buffer")
    buf.offset = stop
    return data[start:stop].decode("utf-8")


# The generated LifecycleEvent record, field by field: (name, optional, kind)
# with kind s (str), L (list of str), b (bool) or a struct for an integer.
_EVENT_FIELDS = (
    ("event", "s"), ("at_ms", "Q"), ("key", "s"), ("ticket", "?Q"), ("attempt", "?I"), ("reason", "?s"),
    ("duration_ms", "?Q"), ("lifetime_ms", "?Q"), ("expires_at_ms", "?Q"), ("expiry_source", "?s"),
    ("deviations", "L"), ("token_id", "?s"), ("delay_ms", "?Q"), ("until_ms", "?Q"), ("retry_after_ms", "?Q"),
    ("code", "?s"), ("error", "?s"), ("status", "?H"), ("retryable", "?b"), ("message", "?s"), ("trace_ids", "L"),
)
_INTS = {"Q": _U64, "I": _U32, "H": _U16}
_EVENT_PLAN: Tuple[Tuple[str, bool, str, Optional[struct.Struct]], ...] = tuple(
    (name, kind[0] == "?", kind[-1], _INTS.get(kind[-1])) for name, kind in _EVENT_FIELDS
)
# The converters the generated reader of that record calls: the shape this was written for.
_EVENT_CONVERTERS = {
    "_UniffiFfiConverterString", "_UniffiFfiConverterUInt64", "_UniffiFfiConverterOptionalUInt64",
    "_UniffiFfiConverterOptionalUInt32", "_UniffiFfiConverterOptionalString", "_UniffiFfiConverterSequenceString",
    "_UniffiFfiConverterOptionalUInt16", "_UniffiFfiConverterOptionalBoolean",
}


def _str_at(data: bytes, offset: int) -> Tuple[str, int]:
    (size,) = _I32.unpack_from(data, offset)
    start = offset + 4
    if size < 0 or start + size > len(data):
        raise _g.InternalError("read past end of rust buffer")
    return data[start : start + size].decode("utf-8"), start + size


def _read_events(buf: Stream) -> List[Any]:
    # The generated Sequence<LifecycleEvent>.read: 21 fields a record, read
    # in one loop over the bytes instead of a converter call (and two buffer
    # reads) per field: a fetch's two events cross with every listener.
    data, offset = buf.data, buf.offset
    record_type = _g.LifecycleEvent
    records = []
    try:
        (count,) = _I32.unpack_from(data, offset)
        offset += 4
        if count < 0:
            raise _g.InternalError("Unexpected negative sequence length")
        for _ in range(count):
            fields: Dict[str, Any] = {}
            for name, optional, kind, integer in _EVENT_PLAN:
                if optional:
                    flag = data[offset]
                    offset += 1
                    if flag == 0:
                        fields[name] = None
                        continue
                    if flag != 1:
                        raise _g.InternalError("Unexpected flag byte for optional type")
                if integer is not None:
                    fields[name] = integer.unpack_from(data, offset)[0]
                    offset += integer.size
                elif kind == "s":
                    fields[name], offset = _str_at(data, offset)
                elif kind == "b":
                    fields[name] = data[offset] != 0
                    offset += 1
                else:
                    (n,) = _I32.unpack_from(data, offset)
                    offset += 4
                    items = []
                    for _ in range(n):
                        item, offset = _str_at(data, offset)
                        items.append(item)
                    fields[name] = items
            record = record_type.__new__(record_type)
            record.__dict__.update(fields)  # what the generated __init__ does, one assignment a field
            records.append(record)
    except (struct.error, IndexError):
        raise _g.InternalError("read past end of rust buffer") from None
    if offset > buf.len:
        raise _g.InternalError("read past end of rust buffer")
    buf.offset = offset
    return records


def _events_shape_expected() -> bool:
    """Whether the generated LifecycleEvent is the record :func:`_read_events` reads."""
    record = getattr(_g, "LifecycleEvent", None)
    reader = getattr(getattr(_g, "_UniffiFfiConverterTypeLifecycleEvent", None), "read", None)
    init = getattr(record, "__init__", None)
    code = getattr(init, "__code__", None)
    if record is None or reader is None or code is None or hasattr(record, "__slots__"):
        return False
    names = tuple(name for name, _ in _EVENT_FIELDS)
    fields = code.co_varnames[1 : 1 + code.co_kwonlyargcount]
    converters = {n for n in reader.__code__.co_names if n.startswith("_Uniffi")}
    return fields == names and converters == _EVENT_CONVERTERS


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


def _call_with_error(error_ffi_converter: Any, fn: Any, *args: Any) -> Any:
    # The generated _uniffi_rust_call_with_error, with less Python per call
    # (every call into Rust goes through it): the status is checked only
    # when Rust set it.
    status = _g._UniffiRustCallStatus()
    result = fn(*args, ctypes.byref(status))
    if status.code:
        _g._uniffi_check_call_status(error_ffi_converter, status)
    return result


def _alloc(size: int) -> Any:
    return _call_with_error(None, _RUSTBUFFER["alloc"], size)


def _free(rbuf: Any) -> None:
    _call_with_error(None, _RUSTBUFFER["free"], rbuf)


_RUSTBUFFER: Dict[str, Any] = {}
"""The library's ``rustbuffer_alloc`` and ``rustbuffer_free``, found by install()."""


def _check_headers(value: Any) -> None:
    for h in value:
        if type(h.name) is not str or type(h.value) is not str:
            bad = h.value if type(h.name) is str else h.name
            raise TypeError(f"argument must be str, not {type(bad).__name__}")


def _write_headers(value: Any, buf: Any) -> None:
    # A list of Header records (name, value): i32 count, then each string as
    # i32 length + UTF-8, joined once instead of four writes a header.
    parts = [_I32.pack(len(value))]
    add = parts.append
    pack = _I32.pack
    for h in value:
        name, val = h.name.encode("utf-8"), h.value.encode("utf-8")
        add(pack(len(name)))
        add(name)
        add(pack(len(val)))
        add(val)
    buf.write(b"".join(parts))


def _lower_bytes(value: Any) -> Any:
    return _to_rust(_I32.pack(len(value)) + bytes(value))


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
    # The library's buffer functions, by the names the generated alloc()/free() call.
    for name in ("alloc", "free"):
        code = getattr(rb, name).__code__
        found = [n for n in code.co_names if n.endswith(f"_rustbuffer_{name}")]
        if len(found) != 1 or not hasattr(_g._UniffiLib, found[0]):
            return False
        _RUSTBUFFER[name] = getattr(_g._UniffiLib, found[0])
    if not callable(getattr(_g, "_uniffi_check_call_status", None)) or not callable(getattr(_g, "_uniffi_rust_call_with_error", None)):
        return False
    pieces: Dict[Any, Any] = {
        (_g, "_UniffiRustBufferBuilder"): Builder,
        (_g, "_UniffiRustBufferStream"): Stream,
        (conv, "lift"): classmethod(_lift),
        (conv, "lower"): classmethod(_lower),
        (string, "lift"): staticmethod(_lift_str),
        (string, "lower"): staticmethod(_lower_str),
        (string, "read"): staticmethod(_read_str),
        # Zero-initialized: CALL_SUCCESS and an empty error buffer, as the generated default() makes it.
        (status, "default"): staticmethod(status),
        (rb, "alloc"): staticmethod(_alloc),
        (rb, "free"): _free,
        (_g, "_uniffi_rust_call_with_error"): _call_with_error,
    }
    headers = getattr(_g, "_UniffiFfiConverterSequenceTypeHeader", None)
    if headers is not None and [f for f in vars(_g.Header(name="", value=""))] == ["name", "value"]:
        # Response headers cross on every token fetch (nine from a real provider).
        pieces[(headers, "check_lower")] = staticmethod(_check_headers)
        pieces[(headers, "write")] = staticmethod(_write_headers)
    if hasattr(_g, "_UniffiFfiConverterBytes"):
        pieces[(_g._UniffiFfiConverterBytes, "lower")] = staticmethod(_lower_bytes)
    events = getattr(_g, "_UniffiFfiConverterSequenceTypeLifecycleEvent", None)
    if events is not None and _events_shape_expected():
        pieces[(events, "read")] = staticmethod(_read_events)
    swap(pieces)
    return True


def swap(pieces: Dict[Any, Any]) -> Dict[Any, Any]:
    """Sets each ``(owner, name)`` to its value; returns what was there (as stored, descriptors included)."""
    before = {(owner, name): vars(owner).get(name, INHERITED) for owner, name in pieces}
    if not GENERATED:  # the first swap, install(): what UniFFI generated
        GENERATED.update(before)
    for (owner, name), value in pieces.items():
        if value is INHERITED:
            delattr(owner, name)
        else:
            setattr(owner, name, value)
    return before


INHERITED = object()
"""Stands for "not set on this class" (it used its base class's): swapping it back deletes the override."""


INSTALLED = install()
