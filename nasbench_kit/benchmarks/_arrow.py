"""Arrow -> numpy without pyarrow's pandas-based converter.

``pyarrow.Array.to_numpy`` goes through Arrow's pandas conversion code, which imports
pandas (a quarter of a second of a cold start) even for a plain int32 column. A numeric
column without nulls is one data buffer: :func:`to_numpy` reads it with
``numpy.frombuffer`` (zero-copy, read-only, like ``to_numpy`` of such a column) and
leaves every other case (nulls, strings, booleans, ...) to ``to_numpy(zero_copy_only=False)``,
so the values are the same either way.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

__all__ = ["to_numpy"]


def _numeric_dtype(arrow_type: pa.DataType) -> np.dtype | None:
    if pa.types.is_signed_integer(arrow_type):
        return np.dtype(f"i{arrow_type.bit_width // 8}")
    if pa.types.is_unsigned_integer(arrow_type):
        return np.dtype(f"u{arrow_type.bit_width // 8}")
    if pa.types.is_floating(arrow_type):
        return np.dtype(f"f{arrow_type.bit_width // 8}")
    return None


def to_numpy(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """The values of an Arrow array (or chunked array) as a numpy array.

    >>> to_numpy(pa.chunked_array([[1, 2], [3]], type=pa.int32()))
    array([1, 2, 3], dtype=int32)
    >>> to_numpy(pa.array([1.5, None]))
    array([1.5, nan])
    """
    copied = False
    if isinstance(values, pa.ChunkedArray):
        copied = values.num_chunks != 1
        values = values.combine_chunks() if copied else values.chunk(0)
    dtype = _numeric_dtype(values.type)
    if dtype is None or values.null_count:
        return values.to_numpy(zero_copy_only=False)
    data = values.buffers()[1]
    if data is None:  # an empty array may have no data buffer
        return np.empty(0, dtype=dtype)
    out = np.frombuffer(data, dtype=dtype, count=len(values), offset=values.offset * dtype.itemsize)
    return out.copy() if copied else out
