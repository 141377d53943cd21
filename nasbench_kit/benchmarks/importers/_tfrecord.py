"""TFRecord framing without TensorFlow: length, masked CRC32C of the length, data, masked CRC32C.

Each record is ``uint64 length | uint32 masked_crc(length) | data | uint32 masked_crc(data)``
(little-endian), where ``masked_crc(x) = rotr15(crc32c(x)) + 0xa282ead8 (mod 2**32)``.
CRC32C comes from the ``google-crc32c`` package (C); a pure-Python table fallback is used
if it is missing (about 100x slower: fine for tests, slow for the full files).

Example:
    >>> import io
    >>> stream = io.BytesIO(frame_record(b"hello") + frame_record(b"world"))
    >>> [data for _offset, data in iter_records(stream, source="demo")]
    [b'hello', b'world']
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import BinaryIO

from ._safe_pickle import format_error

__all__ = ["crc32c", "masked_crc32c", "frame_record", "iter_records", "record_offsets"]

try:
    import google_crc32c as _crc_module

    def crc32c(data: bytes) -> int:
        """CRC-32C (Castagnoli) of ``data``."""
        return _crc_module.value(data)

except ImportError:  # pragma: no cover - exercised only without the dependency
    _TABLE = []
    for _i in range(256):
        _c = _i
        for _ in range(8):
            _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
        _TABLE.append(_c)

    def crc32c(data: bytes) -> int:
        """CRC-32C (Castagnoli) of ``data`` (pure Python fallback)."""
        crc = 0xFFFFFFFF
        table = _TABLE
        for byte in data:
            crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
        return crc ^ 0xFFFFFFFF


_MASK_DELTA = 0xA282EAD8


def masked_crc32c(data: bytes) -> int:
    """The TFRecord checksum of ``data``."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def frame_record(data: bytes) -> bytes:
    """One TFRecord (header, data, footer) holding ``data``."""
    length = struct.pack("<Q", len(data))
    return length + struct.pack("<I", masked_crc32c(length)) + data + struct.pack("<I", masked_crc32c(data))


def iter_records(
    stream: BinaryIO, *, source: str, start: int = 0, end: int | None = None, verify: bool = True
) -> Iterator[tuple[int, bytes]]:
    """Yield ``(offset, data)`` of the records starting in ``[start, end)``.

    Raises:
        BenchmarkFormatError: a truncated record or a checksum mismatch (naming the offset).
    """
    stream.seek(start)
    offset = start
    read = stream.read
    while end is None or offset < end:
        header = read(12)
        if not header:
            return
        if len(header) < 12:
            raise format_error(source, f"the record at byte {offset} is truncated (incomplete download?)")
        length_bytes = header[:8]
        (length,) = struct.unpack("<Q", length_bytes)
        if verify and struct.unpack("<I", header[8:])[0] != masked_crc32c(length_bytes):
            raise format_error(
                source, f"bad length checksum of the record at byte {offset}: corrupted, or not a TFRecord file"
            )
        if length > 1 << 30:
            raise format_error(source, f"implausible record length {length} at byte {offset}: not a TFRecord file")
        body = read(length + 4)
        if len(body) < length + 4:
            raise format_error(source, f"the record at byte {offset} is truncated (incomplete download?)")
        data = body[:length]
        if verify and struct.unpack("<I", body[length:])[0] != masked_crc32c(data):
            raise format_error(source, f"bad data checksum of the record at byte {offset}: the file is corrupted")
        yield offset, data
        offset += 16 + length


def record_offsets(stream: BinaryIO, *, source: str, every: int) -> tuple[list[int], int]:
    """Offsets of every ``every``-th record (the first included) and the number of records.

    Reads only the 12-byte headers (checking the length checksums), seeking over the data.
    """
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    offsets: list[int] = []
    offset = count = 0
    while offset < size:
        stream.seek(offset)
        header = stream.read(12)
        if len(header) < 12:
            raise format_error(source, f"the record at byte {offset} is truncated (incomplete download?)")
        length_bytes = header[:8]
        if struct.unpack("<I", header[8:])[0] != masked_crc32c(length_bytes):
            raise format_error(
                source, f"bad length checksum of the record at byte {offset}: corrupted, or not a TFRecord file"
            )
        (length,) = struct.unpack("<Q", length_bytes)
        if count % every == 0:
            offsets.append(offset)
        count += 1
        offset += 16 + length
        if offset > size:
            raise format_error(source, f"the record at byte {offset - 16 - length} is truncated (incomplete download?)")
    return offsets, count
