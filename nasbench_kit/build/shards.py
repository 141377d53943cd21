"""The work folder of a build: resumable, crash-safe storage of finished runs.

Layout of ``WORK_DIR``::

    build.json                  recipe of every run and the command of every invocation
    .lock                       held (flock) by the one build process using the folder
    shards/train-NNNNNN-H.parquet   finished runs: a valid format-v1 table each
    latency/latency-NNNNNN-H.parquet  latency of the official-size networks (one group of one sweep)
    failures.jsonl              runs whose training raised, one JSON object a line

Every shard is written to a temporary file in the same folder and renamed into place
(``os.replace``), so a shard is either complete or absent, even after ``kill -9``.
``NNNNNN`` is a sequence number given by the (single, locked) driver and ``H`` a digest
of the runs the shard holds, so names are unique and deterministic. On opening, leftover
temporary files are deleted and unreadable shards are set aside as ``*.corrupt`` (their
runs are trained again). :meth:`WorkDir.assemble` merges the shards into one table and
refuses duplicated runs.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import tempfile
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import ArgumentError, BenchmarkFormatError
from .runs import BuildRecipe, check_same_recipe, recipe_of_meta, rows_to_table, run_key, table_to_rows
from ..benchmarks.schema import read_table, write_parquet_atomic, write_table

__all__ = ["WorkDir", "LATENCY_DEVICE"]

#: Device name of the latency columns: CPU, one thread, batch 1.
LATENCY_DEVICE = "cpu1t"
_SHARD_RE = re.compile(r"^(train|latency)-(\d{6})-([0-9a-f]{12})\.parquet$")
_LATENCY_META_KEY = b"nasbench_kit_latency"
#: Per-measurement fields of a latency shard (column ``latency_<field>_cpu1t``).
_LATENCY_FIELDS = ("ms", "cv", "robust_cv", "ratio", "reference_ms")


def _utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _digest(keys: Iterable[Any]) -> str:
    return hashlib.sha1(json.dumps(sorted(map(list, keys))).encode()).hexdigest()[:12]


class WorkDir:
    """Open (and lock) a build's work folder for ``recipe``; use as a context manager.

    Args:
        path: the folder (created if missing).
        recipe: the recipe every stored run must have been trained with.

    Raises:
        BenchmarkFormatError: the folder holds runs of another recipe.
        ArgumentError: another process is using the folder.

    Example:
        >>> import tempfile                                            # doctest: +SKIP
        >>> with WorkDir(tempfile.mkdtemp(), BuildRecipe()) as work:   # doctest: +SKIP
        ...     work.done_keys()
        set()
    """

    def __init__(self, path: str | os.PathLike[str], recipe: BuildRecipe) -> None:
        self.path = Path(path)
        self.recipe = recipe
        self.shard_dir = self.path / "shards"
        self.latency_dir = self.path / "latency"
        for folder in (self.shard_dir, self.latency_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.path / ".lock", "a+")  # noqa: SIM115 (held for the object's life)
        try:
            fcntl.flock(self._lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.seek(0)
            holder = self._lock.read().strip() or "?"
            self._lock.close()
            raise ArgumentError(f"{self.path} is in use by another build (process {holder}); wait for it or stop it") from None
        self._lock.seek(0)
        self._lock.truncate()
        self._lock.write(str(os.getpid()))
        self._lock.flush()
        self._manifest_path = self.path / "build.json"
        self._check_manifest()
        #: Temporary files of writes that were interrupted, deleted on opening.
        self.removed_temp_files = self._remove_temp_files()
        self._runs: dict[tuple[str, int, int], dict[str, Any]] | None = None
        self._sources: dict[tuple[str, int, int], str] = {}
        self.duplicates: list[tuple[tuple[str, int, int], str, str]] = []
        self._next = {"train": self._max_seq("train") + 1, "latency": self._max_seq("latency") + 1}

    # --- lifetime -------------------------------------------------------------------------
    def close(self) -> None:
        """Release the folder's lock."""
        if not self._lock.closed:
            fcntl.flock(self._lock.fileno(), fcntl.LOCK_UN)
            self._lock.close()

    def __enter__(self) -> WorkDir:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- manifest -------------------------------------------------------------------------
    def _check_manifest(self) -> None:
        if self._manifest_path.exists():
            try:
                manifest = json.loads(self._manifest_path.read_text())
                stored = BuildRecipe.from_json(json.dumps(manifest["recipe"]))
            except (ValueError, KeyError, TypeError) as err:
                raise BenchmarkFormatError(f"{self._manifest_path}: unreadable build manifest ({err})") from None
            check_same_recipe(stored, self.recipe, where=f"work folder {self.path} (build.json)")
        else:
            self._write_manifest({"recipe": json.loads(self.recipe.to_json()), "invocations": []})

    def _write_manifest(self, manifest: Mapping[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.path, prefix=".build.json.", suffix=".tmp")
        with os.fdopen(fd, "w") as handle:
            json.dump(manifest, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self._manifest_path)

    def manifest(self) -> dict[str, Any]:
        """The content of ``build.json``."""
        return json.loads(self._manifest_path.read_text())

    def record_invocation(self, command: str, **details: Any) -> None:
        """Append one invocation (its command line, UTC time and ``details``) to the manifest."""
        manifest = self.manifest()
        manifest.setdefault("invocations", []).append(
            {"command": command, "started_utc": _utc_now(), **details}
        )
        self._write_manifest(manifest)

    def finish_invocation(self, **details: Any) -> None:
        """Add ``details`` (e.g. stage summaries) and the end time to the latest invocation."""
        manifest = self.manifest()
        invocations = manifest.setdefault("invocations", [{}])
        invocations[-1].update(details, finished_utc=_utc_now())
        self._write_manifest(manifest)

    def commands(self) -> list[str]:
        """Command lines of every invocation so far, oldest first."""
        return [inv["command"] for inv in self.manifest().get("invocations", [])]

    # --- files ----------------------------------------------------------------------------
    def _remove_temp_files(self) -> list[Path]:
        found = [p for folder in (self.path, self.shard_dir, self.latency_dir) for p in folder.glob(".*.tmp")]
        for p in found:
            p.unlink(missing_ok=True)
        return found

    def _shards(self, kind: str) -> list[Path]:
        folder = self.shard_dir if kind == "train" else self.latency_dir
        return sorted(p for p in folder.glob(f"{kind}-*.parquet") if _SHARD_RE.match(p.name))

    def _max_seq(self, kind: str) -> int:
        folder = self.shard_dir if kind == "train" else self.latency_dir
        seqs = [int(m.group(2)) for p in folder.iterdir() if (m := _SHARD_RE.match(p.name.removesuffix(".corrupt")))]
        return max(seqs, default=0)

    def _shard_path(self, kind: str, keys: Iterable[Any]) -> Path:
        folder = self.shard_dir if kind == "train" else self.latency_dir
        path = folder / f"{kind}-{self._next[kind]:06d}-{_digest(keys)}.parquet"
        self._next[kind] += 1
        return path

    def _quarantine(self, path: Path, err: Exception) -> None:
        target = path.with_name(path.name + ".corrupt")
        os.replace(path, target)
        warnings.warn(f"{path.name} is unreadable and was moved to {target.name}; its runs will be trained again "
                      f"({err})", RuntimeWarning, stacklevel=3)

    # --- training shards ------------------------------------------------------------------
    def _load_runs(self) -> dict[tuple[str, int, int], dict[str, Any]]:
        if self._runs is None:
            runs: dict[tuple[str, int, int], dict[str, Any]] = {}
            for path in self._shards("train"):
                try:
                    table, meta = read_table(path)
                except BenchmarkFormatError as err:
                    self._quarantine(path, err)
                    continue
                check_same_recipe(recipe_of_meta(meta, source=str(path)), self.recipe, where=str(path))
                for row in table_to_rows(table):
                    key = run_key(row["canonical"], row["seed"], row["schedule_epochs"])
                    if key in runs:
                        self.duplicates.append((key, self._sources[key], path.name))
                        continue
                    runs[key] = row
                    self._sources[key] = path.name
            self._runs = runs
        return self._runs

    def done_keys(self) -> set[tuple[str, int, int]]:
        """``(canonical, seed, schedule_epochs)`` of every stored run."""
        return set(self._load_runs())

    def runs(self) -> list[dict[str, Any]]:
        """Every stored run (rows as ``train_run`` returns them), in storage order."""
        return list(self._load_runs().values())

    def write_runs(self, rows: Sequence[Mapping[str, Any]]) -> Path:
        """Write ``rows`` as one new training shard, atomically; returns its path.

        Raises:
            BenchmarkFormatError: a row repeats a stored run or another row (nothing written).
        """
        runs = self._load_runs()
        keys = [run_key(r["canonical"], r["seed"], r["schedule_epochs"]) for r in rows]
        repeated = [k for k in keys if k in runs] or [k for i, k in enumerate(keys) if k in keys[:i]]
        if repeated:
            raise BenchmarkFormatError(f"run {repeated[0]} is already stored in {self.path}; not writing it twice")
        path = self._shard_path("train", keys)
        meta = self.recipe.table_meta(source=f"build shard {path.name}")
        write_table(rows_to_table(rows, meta), path)
        for key, row in zip(keys, rows):
            runs[key] = dict(row)
            self._sources[key] = path.name
        self._note_progress(len(rows))
        return path

    def _note_progress(self, n_runs: int) -> None:
        """Record in the latest invocation when its last shard landed and how many runs it
        wrote, so the wall time of an invocation that is killed still counts."""
        manifest = self.manifest()
        invocations = manifest.get("invocations")
        if not invocations:
            return
        latest = invocations[-1]
        latest["last_shard_utc"] = _utc_now()
        latest["runs_written"] = int(latest.get("runs_written", 0)) + n_runs
        self._write_manifest(manifest)

    def log_failure(self, **details: Any) -> None:
        """Append one failed run to ``failures.jsonl``."""
        details["time_utc"] = _utc_now()
        with open(self.path / "failures.jsonl", "a") as handle:
            handle.write(json.dumps(details, default=str) + "\n")

    # --- latency shards -------------------------------------------------------------------
    def latency_passes(self) -> dict[str, dict[int, dict[str, float]]]:
        """``canonical -> {pass: {ms, cv, robust_cv, ratio, reference_ms}}`` of every measurement.

        ``ratio`` and ``reference_ms`` (a reference network timed next to each call) are NaN
        in shards measured without a reference; shards written before passes existed count
        as pass 0.

        Raises:
            BenchmarkFormatError: the shards were measured with different protocols
                (mixing them would make the medians incomparable).
        """
        out: dict[str, dict[int, dict[str, float]]] = {}
        protocols: dict[str, str] = {}
        for path in self._shards("latency"):
            try:
                table = pq.read_table(path)
                meta = table.schema.metadata or {}
                if _LATENCY_META_KEY not in meta:
                    raise BenchmarkFormatError("not a latency shard")
                data = table.to_pydict()
            except (pa.ArrowException, OSError, BenchmarkFormatError) as err:
                self._quarantine(path, err)
                continue
            protocols.setdefault(meta[_LATENCY_META_KEY].decode(), path.name)
            n = len(data["canonical"])
            columns = {key: data.get(f"latency_{key}_{LATENCY_DEVICE}", [np.nan] * n) for key in _LATENCY_FIELDS}
            for k, (c, p) in enumerate(zip(data["canonical"], data.get("pass", [0] * n))):
                out.setdefault(c, {}).setdefault(int(p), {key: float(columns[key][k]) for key in _LATENCY_FIELDS})
        if len(protocols) > 1:
            (first, a), (second, b) = list(protocols.items())[:2]
            raise BenchmarkFormatError(
                f"{self.latency_dir}: latency shards were measured with different protocols ({a}: {first}; "
                f"{b}: {second}); delete the latency folder to measure again with one protocol")
        return out

    def latencies(self) -> tuple[dict[str, dict[str, Any]], float]:
        """Every measured class's latency, and the reference scale (ms).

        With a reference network (the build's protocol), a sweep's latency of a class is
        its ratio to the reference times the scale: the median reference time over every
        measurement. Without one, it is the median of the rounds.

        Returns:
            ``({canonical: {latency_ms, cv, robust_cv, passes, raw_passes}}, scale_ms)``:
            ``latency_ms`` is the median over sweeps, ``cv`` and ``robust_cv`` the medians
            over sweeps of the round-to-round spreads of the milliseconds, ``passes`` each
            sweep's latency and ``raw_passes`` each sweep's median milliseconds, by sweep
            number; ``scale_ms`` is NaN without a reference.
        """
        measured = self.latency_passes()
        references = np.array([m["reference_ms"] for by_pass in measured.values() for m in by_pass.values()])
        scale = float(np.nanmedian(references)) if np.isfinite(references).any() else float("nan")
        out: dict[str, dict[str, Any]] = {}
        for c, by_pass in measured.items():
            passes = {p: m["ratio"] * scale if np.isfinite(m["ratio"]) else m["ms"] for p, m in sorted(by_pass.items())}
            out[c] = {"latency_ms": float(np.median(list(passes.values()))),
                      "cv": float(np.median([m["cv"] for m in by_pass.values()])),
                      "robust_cv": float(np.median([m["robust_cv"] for m in by_pass.values()])),
                      "passes": passes, "raw_passes": {p: m["ms"] for p, m in sorted(by_pass.items())}}
        return out, scale

    def write_latencies(self, rows: Sequence[Mapping[str, Any]], protocol: Mapping[str, Any]) -> Path:
        """Write ``{canonical, arch, arch_index, latency_ms, cv[, robust_cv, ratio, reference_ms,
        pass]}`` rows as one shard."""
        passes = [int(r.get("pass", 0)) for r in rows]
        path = self._shard_path("latency", [[r["canonical"], p] for r, p in zip(rows, passes)])
        columns = {
            "canonical": pa.array([r["canonical"] for r in rows], pa.string()),
            "arch": pa.array([r["arch"] for r in rows], pa.string()),
            "arch_index": pa.array([r["arch_index"] for r in rows], pa.int32()),
            "pass": pa.array(passes, pa.int16()),
        }
        for key in _LATENCY_FIELDS:
            source = "latency_ms" if key == "ms" else key
            columns[f"latency_{key}_{LATENCY_DEVICE}"] = pa.array([r.get(source, np.nan) for r in rows], pa.float64())
        table = pa.table(columns).replace_schema_metadata(
            {_LATENCY_META_KEY: json.dumps(dict(protocol), sort_keys=True)})
        write_parquet_atomic(table, path)
        return path

    # --- assembly -------------------------------------------------------------------------
    def assemble(self, out: str | os.PathLike[str], *, source: str, description: str = "",
                 extra: Mapping[str, str] | None = None) -> tuple[Path, int]:
        """Merge every stored run (and latency, if measured) into one table at ``out``.

        Rows are sorted by ``arch_index`` then ``seed``; nothing is dropped. Latency
        columns are added when the latency stage ran, NaN for classes not measured yet:
        ``latency_ms_cpu1t`` (median over sweeps, see :meth:`latencies`),
        ``latency_cv_cpu1t`` and ``latency_robust_cv_cpu1t`` (round-to-round spreads)
        and, with several sweeps, ``latency_pass<P>_ms_cpu1t`` (each sweep's latency) and
        ``latency_raw_pass<P>_ms_cpu1t`` (each sweep's median milliseconds).

        Returns:
            ``(path written, number of runs)``.

        Raises:
            BenchmarkFormatError: no runs, or a run stored twice (naming both shards).
        """
        runs = self._load_runs()
        if self.duplicates:
            key, first, second = self.duplicates[0]
            raise BenchmarkFormatError(
                f"{self.path}: run (canonical={key[0]!r}, seed={key[1]}, schedule_epochs={key[2]}) is stored in "
                f"both {first} and {second} ({len(self.duplicates)} duplicate(s)); remove one of the shards"
            )
        if not runs:
            raise BenchmarkFormatError(f"{self.path}: no finished runs to assemble")
        rows = sorted(runs.values(), key=lambda r: (r["arch_index"], r["seed"], r["schedule_epochs"]))
        columns: dict[str, Any] = {}
        latency, _scale = self.latencies()
        if latency:
            missing: dict[str, Any] = {"latency_ms": np.nan, "cv": np.nan, "robust_cv": np.nan, "passes": {},
                                       "raw_passes": {}}
            found = [latency.get(r["canonical"], missing) for r in rows]
            for key, name in (("latency_ms", "ms"), ("cv", "cv"), ("robust_cv", "robust_cv")):
                columns[f"latency_{name}_{LATENCY_DEVICE}"] = np.array([f[key] for f in found], dtype=np.float64)
            passes = sorted({p for f in found for p in f["passes"]})
            if passes != [0]:  # one column per sweep, for test-retest (a single sweep is the median itself)
                for p in passes:
                    for key, name in (("passes", f"pass{p}"), ("raw_passes", f"raw_pass{p}")):
                        columns[f"latency_{name}_ms_{LATENCY_DEVICE}"] = np.array(
                            [f[key].get(p, np.nan) for f in found], dtype=np.float64)
        meta = self.recipe.table_meta(source=source, description=description, extra=extra)
        path = write_table(rows_to_table(rows, meta, extra=columns), out)
        return path, len(rows)
