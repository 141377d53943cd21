"""Load official benchmark pickles without executing anything they contain.

The official NAS-Bench-201 / NATS-Bench / HW-NAS-Bench files are pickles. A pickle can
name any importable callable and have it called while loading, so an unrestricted
``pickle.load`` of a downloaded file runs whatever the file says. This module uses the C
``pickle.Unpickler`` (fast) with :meth:`RestrictedUnpickler.find_class` limited to the
few classes these formats need, each mapped to a plain-data constructor:

* ``collections.OrderedDict``, ``builtins.set`` / ``frozenset`` / ``dict`` / ``list`` /
  ``tuple``, ``_codecs.encode`` (how protocol 2 stores ``bytes``);
* numpy scalars, dtypes and arrays of numbers (object arrays are refused);
* torch tensors, rebuilt as numpy arrays (``tensors="numpy"``) or, by default, as a
  :class:`TensorInfo` (shape and dtype, storage bytes never read: the importers drop
  network weights anyway).

Anything else (``os.system``, ``builtins.eval``, ``subprocess.Popen``, ...) raises
:class:`~nasbench_kit.errors.BenchmarkFormatError` naming the file and the refused global,
before it is called.

torch files (``.pth``) are read without torch, in both serializations:

* the zip format (torch >= 1.6 default): ``<name>/data.pkl`` plus one entry per storage;
* the legacy format (torch < 1.6 and ``_use_new_zipfile_serialization=False``): magic
  number, protocol version and system-info pickles, the object pickle, the storage keys,
  then the raw storages.

The even older tar format (torch < 0.4) is refused with a clear error.

Example:
    >>> import pickle
    >>> load_pickle_bytes(pickle.dumps({"a": [1.5, 2.5]}), source="demo")
    {'a': [1.5, 2.5]}
"""

from __future__ import annotations

import bz2
import codecs
import collections
import io
import os
import pickle
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from ...errors import BenchmarkFormatError

__all__ = [
    "TensorInfo",
    "GlobalRef",
    "RestrictedUnpickler",
    "load_pickle_bytes",
    "load_pbz2",
    "load_torch",
    "torch_data_stream",
    "format_error",
]

_TORCH_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_TORCH_LEGACY_PROTOCOL = 1001


@dataclass(frozen=True)
class TensorInfo:
    """Stand-in for a torch tensor whose storage was not read (``tensors="skip"``).

    Attributes:
        shape: the tensor's shape.
        dtype: numpy dtype name of its elements (``"float32"``, ...).
    """

    shape: tuple[int, ...]
    dtype: str


@dataclass(frozen=True)
class GlobalRef:
    """A global (``module.name``) handed to an unpickler as a persistent object; resolved
    through :meth:`RestrictedUnpickler.find_class`, so the allowlist still applies."""

    module: str
    name: str


def format_error(source: object, what: str) -> BenchmarkFormatError:
    """A :class:`BenchmarkFormatError` that starts with the file name."""
    return BenchmarkFormatError(f"{source}: {what}")


# --- safe constructors the allowed globals map to ------------------------------------------


def _check_dtype(dtype: np.dtype, source: str) -> np.dtype:
    if dtype.hasobject:
        raise format_error(source, f"refused a numpy array/scalar of dtype {dtype} (it would hold Python objects)")
    return dtype


def _safe_encode(text: str, encoding: str = "utf-8") -> bytes:
    # protocol 2 pickles bytes as _codecs.encode(str, "latin1"); nothing else is needed.
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1", "utf-8", "utf8", "ascii"):
        raise pickle.UnpicklingError(f"_codecs.encode({type(text).__name__}, {encoding!r}) is not allowed")
    return codecs.encode(text, encoding)


class _SafeArray(np.ndarray):
    """ndarray whose ``__setstate__`` refuses object dtypes (used by ``_reconstruct``)."""

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, tuple) and len(state) >= 3 and isinstance(state[2], np.dtype) and state[2].hasobject:
            raise pickle.UnpicklingError(f"refused a numpy array of dtype {state[2]} (it would hold Python objects)")
        super().__setstate__(state)


_STORAGE_DTYPES = {
    "DoubleStorage": "float64",
    "FloatStorage": "float32",
    "HalfStorage": "float16",
    "BFloat16Storage": "bfloat16",
    "LongStorage": "int64",
    "IntStorage": "int32",
    "ShortStorage": "int16",
    "CharStorage": "int8",
    "ByteStorage": "uint8",
    "BoolStorage": "bool",
}


@dataclass(frozen=True)
class _StorageType:
    """Marker for ``torch.<X>Storage`` globals (only used as a persistent-id field)."""

    dtype: str


@dataclass(frozen=True)
class _TorchMarker:
    """Marker for torch classes that appear only as arguments (``torch.Tensor``, ...)."""

    name: str


@dataclass
class _Storage:
    """A torch storage: its dtype and, once read, a 1-D numpy array of its elements."""

    dtype: str
    numel: int
    data: np.ndarray | None = None


def _numpy_dtype(name: str) -> np.dtype:
    # bfloat16 is stored as uint16 bit patterns and widened to float32 on rebuild.
    return np.dtype("uint16") if name == "bfloat16" else np.dtype(name)


def _rebuild_tensor(storage: Any, offset: int, size: Any, stride: Any, *_: Any) -> Any:
    shape = tuple(int(s) for s in size)
    if not isinstance(storage, _Storage):
        raise pickle.UnpicklingError(f"tensor storage of unexpected type {type(storage).__name__}")
    if storage.data is None:
        return TensorInfo(shape, storage.dtype)
    data = storage.data
    itemsize = data.dtype.itemsize
    array = np.lib.stride_tricks.as_strided(
        data[int(offset) :], shape=shape, strides=tuple(int(s) * itemsize for s in stride), writeable=False
    ).copy()
    if storage.dtype == "bfloat16":
        array = (array.astype(np.uint32) << 16).view(np.float32)
    return array


def _rebuild_parameter(data: Any, *_: Any) -> Any:
    return data


def _rebuild_from_type_v2(func: Any, new_type: Any, args: Any, state: Any) -> Any:
    if func not in (_rebuild_tensor, _rebuild_parameter):
        raise pickle.UnpicklingError("torch._tensor._rebuild_from_type_v2 with an unexpected rebuild function")
    return func(*args)


class RestrictedUnpickler(pickle.Unpickler):
    """C unpickler that resolves only the globals official benchmark files need.

    Args:
        file: binary file object positioned at a pickle.
        source: file name used in error messages.
        tensors: ``"skip"`` (tensors become :class:`TensorInfo`, storages are not read) or
            ``"numpy"`` (tensors become numpy arrays).
        storage_reader: for torch files, called with ``(key, dtype, numel)`` to get the
            storage's 1-D numpy array (``tensors="numpy"`` only).
        objects: values for persistent ids ``("memo", i)`` (used by the streaming reader
            to hand a slice the objects it shares with earlier slices).

    Raises:
        BenchmarkFormatError: from :meth:`load` for a refused global, a corrupt or
            truncated pickle.
    """

    def __init__(
        self,
        file: BinaryIO,
        *,
        source: str,
        tensors: str = "skip",
        storage_reader: Callable[[str, str, int], np.ndarray] | None = None,
        objects: dict[int, Any] | None = None,
    ) -> None:
        super().__init__(file)
        if tensors not in ("skip", "numpy"):
            raise ValueError(f"tensors must be 'skip' or 'numpy', got {tensors!r}")
        self._source = source
        self._tensors = tensors
        self._storage_reader = storage_reader
        self._objects = objects or {}
        self.storages: dict[str, _Storage] = {}
        self.allowed = self._allowed_globals()

    def _allowed_globals(self) -> dict[tuple[str, str], Any]:
        source = self._source

        def np_dtype(obj: Any, align: bool = False, copy: bool = False) -> np.dtype:
            if not isinstance(obj, str):
                raise pickle.UnpicklingError(f"numpy.dtype({obj!r}) is not allowed")
            return _check_dtype(np.dtype(obj, align=bool(align)), source)

        def np_scalar(dtype: Any, data: Any = None) -> Any:
            if not isinstance(dtype, np.dtype):
                raise pickle.UnpicklingError("numpy scalar without a dtype")
            _check_dtype(dtype, source)
            if not isinstance(data, (bytes, bytearray)) or len(data) != dtype.itemsize:
                raise pickle.UnpicklingError(f"numpy scalar of {dtype} with {len(data or b'')} data bytes")
            return np.frombuffer(bytes(data), dtype=dtype)[0]

        def np_reconstruct(cls: Any, shape: Any, dtype: Any) -> np.ndarray:
            if cls is not np.ndarray:
                raise pickle.UnpicklingError(f"numpy _reconstruct of {cls!r} is not allowed")
            return np.ndarray.__new__(_SafeArray, shape, dtype)

        def np_frombuffer(buffer: Any, dtype: Any, shape: Any, order: str = "C") -> np.ndarray:
            _check_dtype(np.dtype(dtype), source)
            return np.frombuffer(buffer, dtype=dtype).reshape(shape, order=order)

        def load_storage_bytes(data: bytes) -> _Storage:
            # how torch storages pickle themselves inside plain pickles (NATS "full" files)
            if self._tensors == "skip":
                return _Storage("float32", -1)
            inner = load_torch(io.BytesIO(data), source=f"{source} (embedded storage)", tensors="numpy")
            if not isinstance(inner, _Storage):
                raise pickle.UnpicklingError("an embedded torch storage did not hold a storage")
            return inner

        table: dict[tuple[str, str], Any] = {
            ("collections", "OrderedDict"): collections.OrderedDict,
            ("_codecs", "encode"): _safe_encode,
            ("numpy", "dtype"): np_dtype,
            ("numpy", "ndarray"): np.ndarray,
            ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
            ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
            ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
            ("torch._tensor", "_rebuild_from_type_v2"): _rebuild_from_type_v2,
            ("torch.storage", "_load_from_bytes"): load_storage_bytes,
        }
        for module in ("builtins", "__builtin__"):
            for name, value in (("set", set), ("frozenset", frozenset), ("dict", dict), ("list", list), ("tuple", tuple)):
                table[(module, name)] = value
        for module in ("numpy.core.multiarray", "numpy._core.multiarray"):
            table[(module, "scalar")] = np_scalar
            table[(module, "_reconstruct")] = np_reconstruct
        for module in ("numpy.core.numeric", "numpy._core.numeric"):
            table[(module, "_frombuffer")] = np_frombuffer
        for name in ("Tensor", "Size"):
            table[("torch", name)] = _TorchMarker(name)
            table[("torch._tensor", name)] = _TorchMarker(name)
        table[("torch.nn.parameter", "Parameter")] = _TorchMarker("Parameter")
        for name, dtype in _STORAGE_DTYPES.items():
            table[("torch", name)] = _StorageType(dtype)
        return table

    def find_class(self, module: str, name: str) -> Any:
        """Resolve an allowed global; refuse every other one (nothing is imported)."""
        try:
            return self.allowed[(module, name)]
        except KeyError:
            raise format_error(
                self._source,
                f"refused to load global '{module}.{name}': official benchmark files never need it, "
                f"so the file is corrupted or not what it claims to be (nothing from it was executed)",
            ) from None

    def persistent_load(self, pid: Any) -> Any:
        """torch storages (``('storage', type, key, location, numel, ...)``) and shared objects."""
        if isinstance(pid, tuple) and len(pid) == 2 and pid[0] == "memo" and pid[1] in self._objects:
            value = self._objects[pid[1]]
            return self.find_class(value.module, value.name) if isinstance(value, GlobalRef) else value
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unsupported persistent id {str(pid)[:80]}")
        storage_type, key, _location, numel = pid[1:5]
        if not isinstance(storage_type, _StorageType):
            raise pickle.UnpicklingError(f"unsupported torch storage type {storage_type!r}")
        key = str(key)
        storage = self.storages.get(key)
        if storage is None:
            storage = _Storage(storage_type.dtype, int(numel))
            if self._tensors == "numpy" and self._storage_reader is not None:
                storage.data = self._storage_reader(key, storage_type.dtype, int(numel))
            self.storages[key] = storage
        return storage

    def load(self) -> Any:
        """Unpickle one object; every failure becomes a :class:`BenchmarkFormatError`."""
        try:
            return super().load()
        except BenchmarkFormatError:
            raise
        except EOFError:
            raise format_error(self._source, "the file ends in the middle of a pickle: it is truncated") from None
        except RecursionError:
            raise format_error(self._source, "the pickle nests too deeply to be a benchmark file") from None
        except (pickle.UnpicklingError, ValueError, TypeError, KeyError, IndexError, AttributeError, OSError,
                MemoryError, struct.error, zipfile.BadZipFile, UnicodeDecodeError, OverflowError) as err:
            raise format_error(self._source, f"not a valid benchmark pickle ({type(err).__name__}: {err})") from None


def load_pickle_bytes(data: bytes, *, source: str, tensors: str = "skip", objects: dict[int, Any] | None = None) -> Any:
    """Unpickle ``data`` with :class:`RestrictedUnpickler`.

    Raises:
        BenchmarkFormatError: refused global, truncated or corrupt data.
    """
    if not data:
        raise format_error(source, "the file is empty")
    return RestrictedUnpickler(io.BytesIO(data), source=source, tensors=tensors, objects=objects).load()


def read_bz2(path: str | os.PathLike[str]) -> bytes:
    """Decompress a whole ``.pbz2`` file (clear error for a missing/corrupt/truncated one)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise format_error(path, f"cannot be read ({err.strerror or err})") from None
    if not raw:
        raise format_error(path, "the file is empty")
    if not raw.startswith(b"BZh"):
        raise format_error(path, "not a bzip2-compressed pickle (.pbz2): it does not start with 'BZh'")
    try:
        return bz2.decompress(raw)
    except (OSError, ValueError, EOFError) as err:
        raise format_error(path, f"the bzip2 data is corrupted or truncated ({err})") from None


def load_pbz2(path: str | os.PathLike[str], *, tensors: str = "skip") -> Any:
    """Load a NATS-Bench ``.pickle.pbz2`` file (bzip2-compressed pickle).

    Example:
        >>> import bz2, pickle, tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.pickle.pbz2"
        >>> _ = p.write_bytes(bz2.compress(pickle.dumps({"meta_archs": []})))
        >>> load_pbz2(p)
        {'meta_archs': []}
    """
    return load_pickle_bytes(read_bz2(path), source=str(path), tensors=tensors)


# --- torch files ----------------------------------------------------------------------------


def _zip_prefix(archive: zipfile.ZipFile, source: str) -> str:
    names = [n for n in archive.namelist() if n.endswith("data.pkl")]
    if not names:
        raise format_error(source, "a zip file without data.pkl: not a torch .pth file")
    return names[0][: -len("data.pkl")]


def torch_data_stream(file: BinaryIO, *, source: str) -> tuple[BinaryIO, str, Callable[..., Any] | None]:
    """Open the object pickle inside a torch file, for streaming readers.

    Returns:
        ``(stream, kind, closer)``: ``stream`` is positioned at the object pickle, ``kind``
        is ``"zip"`` or ``"legacy"``, ``closer`` releases what was opened (or ``None``).

    Raises:
        BenchmarkFormatError: not a torch file, the tar format, a corrupt header.
    """
    head = file.read(4)
    file.seek(0)
    if head.startswith(b"PK"):
        try:
            archive = zipfile.ZipFile(file)
            prefix = _zip_prefix(archive, source)
            stream = archive.open(prefix + "data.pkl")
        except (zipfile.BadZipFile, OSError, KeyError) as err:
            raise format_error(source, f"a corrupted or truncated torch zip file ({err})") from None
        return stream, "zip", archive.close
    if not head:
        raise format_error(source, "the file is empty")
    _legacy_header(file, source)
    return file, "legacy", None


def _legacy_header(file: BinaryIO, source: str) -> None:
    header = RestrictedUnpickler(file, source=source)
    try:
        magic = header.load()
    except BenchmarkFormatError:
        raise format_error(source, "not a torch .pth file (neither a zip archive nor a legacy torch pickle)") from None
    if magic != _TORCH_LEGACY_MAGIC:
        if isinstance(magic, int) or (isinstance(magic, dict) and not magic):
            raise format_error(source, "an old torch tar-format file (torch < 0.4), which is not supported")
        raise format_error(source, f"not a torch .pth file (first pickle is {type(magic).__name__}, not torch's magic number)")
    version = header.load()
    if version != _TORCH_LEGACY_PROTOCOL:
        raise format_error(source, f"unsupported legacy torch protocol version {version!r}")
    sys_info = header.load()
    if not isinstance(sys_info, dict) or not sys_info.get("little_endian", True):
        raise format_error(source, "a big-endian torch file, which is not supported")


def load_torch(file: str | os.PathLike[str] | BinaryIO, *, source: str | None = None, tensors: str = "skip") -> Any:
    """Load a torch ``.pth`` file (zip or legacy format) without torch.

    Tensors become :class:`TensorInfo` (``tensors="skip"``) or numpy arrays
    (``tensors="numpy"``).

    Raises:
        BenchmarkFormatError: not a torch file, truncated, corrupt, or a refused global.
    """
    if isinstance(file, (str, os.PathLike)):
        path = Path(file)
        try:
            with open(path, "rb") as handle:
                return load_torch(handle, source=source or str(path), tensors=tensors)
        except OSError as err:
            raise format_error(path, f"cannot be read ({err.strerror or err})") from None
    source = source or getattr(file, "name", "<torch file>")
    head = file.read(4)
    file.seek(0)
    if head.startswith(b"PK"):
        return _load_torch_zip(file, source, tensors)
    if not head:
        raise format_error(source, "the file is empty")
    _legacy_header(file, source)
    unpickler = RestrictedUnpickler(file, source=source, tensors=tensors)
    result = unpickler.load()
    if tensors == "numpy" and unpickler.storages:
        keys = RestrictedUnpickler(file, source=source).load()
        if not isinstance(keys, list):
            raise format_error(source, "the legacy torch storage key list is missing")
        for key in keys:
            storage = unpickler.storages.get(str(key))
            if storage is None:
                raise format_error(source, f"storage {key!r} listed but never used")
            raw = file.read(8)
            if len(raw) < 8:
                raise format_error(source, "the file ends inside the tensor data: it is truncated")
            (numel,) = struct.unpack("<q", raw)
            dtype = _numpy_dtype(storage.dtype)
            data = file.read(numel * dtype.itemsize)
            if len(data) < numel * dtype.itemsize:
                raise format_error(source, "the file ends inside the tensor data: it is truncated")
            storage.data = np.frombuffer(data, dtype=dtype)
        # Tensors were rebuilt before their data was read; rebuild them now.
        file.seek(0)
        _legacy_header(file, source)
        filled = {k: s for k, s in unpickler.storages.items()}
        second = RestrictedUnpickler(file, source=source, tensors="numpy", storage_reader=lambda key, d, n: filled[key].data)
        result = second.load()
    return result


def _load_torch_zip(file: BinaryIO, source: str, tensors: str) -> Any:
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError) as err:
        raise format_error(source, f"a corrupted or truncated torch zip file ({err})") from None
    with archive:
        prefix = _zip_prefix(archive, source)

        def read_storage(key: str, dtype: str, numel: int) -> np.ndarray:
            try:
                raw = archive.read(f"{prefix}data/{key}")
            except (KeyError, zipfile.BadZipFile, OSError) as err:
                raise pickle.UnpicklingError(f"tensor storage {key!r} missing or corrupt ({err})") from None
            return np.frombuffer(raw, dtype=_numpy_dtype(dtype))[:numel]

        try:
            with archive.open(prefix + "data.pkl") as stream:
                return RestrictedUnpickler(stream, source=source, tensors=tensors, storage_reader=read_storage).load()
        except (zipfile.BadZipFile, OSError) as err:
            raise format_error(source, f"a corrupted torch zip file ({err})") from None
