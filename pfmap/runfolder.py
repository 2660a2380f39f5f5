"""Run folders: resumable chunked runs on disk, shared by the sampling and the training engines.

A run is a configuration (a JSON-able dict) cut into chunks; chunk ``k``
draws its randomness from child ``k`` of ``numpy.random.SeedSequence(seed)``,
so a chunk's result depends only on the configuration and ``k``.  The folder
keeps what is finished::

    DIR/manifest.json                 what the run is (a later command with other identity keys is refused)
    DIR/lock                          the process working on the run (a second one is refused)
    DIR/chunks/chunk-000007.parquet   one per finished chunk, written atomically; its metadata names the run
                                      (configuration hash), the chunk index, its row count and a SHA-256 of its data
    DIR/rejected/                     chunk files found truncated, corrupt, foreign or misplaced (moved here and
                                      recomputed)

References
----------
Foreman-Mackey et al., "emcee: the MCMC hammer", PASP 125 (2013) (resumable file-backed runs).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from pfmap.errors import PfmapError
from pfmap.files import atomic_write, fsync_folder

MANIFEST = "manifest.json"
LOCK = "lock"


def config_hash(config: dict, identity: tuple[str, ...]) -> str:
    """SHA-256 (hex, 16 digits) of the identity keys of a run configuration.

    Parameters
    ----------
    config : dict
        The run's configuration.
    identity : tuple of str
        The keys that decide whether two configurations are the same run.

    Returns
    -------
    str

    Examples
    --------
    >>> config_hash({"seed": 1, "x": 2}, ("seed",)) == config_hash({"seed": 1, "x": 3}, ("seed",))
    True
    """
    text = json.dumps({k: config.get(k) for k in identity}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def columns_checksum(columns: dict[str, np.ndarray]) -> str:
    """SHA-256 of a chunk's columns (names, dtypes and bytes, in order).

    Examples
    --------
    >>> a = {"count": np.array([1, 2])}
    >>> columns_checksum(a) == columns_checksum({"count": np.array([1, 2])}) != columns_checksum({"count": np.array([2, 1])})
    True
    """
    digest = hashlib.sha256()
    for name, values in columns.items():
        arr = np.ascontiguousarray(values)
        digest.update(f"{name}:{arr.dtype.str}:{arr.shape}".encode())
        digest.update(arr.tobytes())
    return digest.hexdigest()


class RunFolder:
    """A run folder on disk: its manifest, its lock, and one Parquet file per finished chunk.

    Parameters
    ----------
    path : str or os.PathLike
        The folder (created if new; resumed if it holds the same run).
    config : dict
        The run's configuration; must have ``"format"`` (a string naming the kind of run) and
        ``"chunks"`` (how many chunks).
    identity : tuple of str
        The configuration keys that must match to resume.
    parameter : str
        The name of the caller's parameter that gave ``path``, for messages.
    lock : bool
        Hold ``DIR/lock`` while the object lives (released by :meth:`close` or ``with``).

    Raises
    ------
    PfmapError
        If ``path`` is a file, holds another run or another kind of folder, has an unreadable manifest,
        is locked by a live process, or cannot be written.

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp() + "/run"
    >>> cfg = {"format": "demo/1", "chunks": 2, "seed": 0}
    >>> with RunFolder(d, cfg, identity=("seed",)) as folder:
    ...     folder.write_chunk(1, {"count": np.array([3, 4])})
    ...     folder.finished()
    [1]
    >>> with RunFolder(d, cfg, identity=("seed",)) as folder:
    ...     folder.read_chunk(1)["count"].tolist()
    [3, 4]
    """

    def __init__(self, path, config: dict, *, identity: tuple[str, ...], parameter: str = "out", lock: bool = True):
        self.path = Path(path)
        self.config = config
        self.identity = tuple(identity)
        self.parameter = parameter
        self.hash = config_hash(config, self.identity)
        self._locked = False
        if self.path.exists() and not self.path.is_dir():
            raise PfmapError(f"{self.path} is a file, not a run folder; give a new or existing run folder as {parameter}")
        manifest = self.path / MANIFEST
        try:
            if manifest.exists():
                self._check_manifest(manifest)
            else:
                self._check_empty()
                self.path.mkdir(parents=True, exist_ok=True)
            if lock:
                self._lock()
            if not manifest.exists():
                atomic_write(manifest, json.dumps(config, indent=1) + "\n")
            chunks = self.path / "chunks"
            if chunks.exists() and not chunks.is_dir():
                raise PfmapError(f"{chunks} is a file, not the run's chunk folder; move it away to resume, or give a new "
                                 f"folder as {parameter}")
            chunks.mkdir(exist_ok=True)
        except OSError as exc:
            self.close()
            raise PfmapError(f"cannot use {self.path} as a run folder: {exc.strerror or exc}") from None
        except PfmapError:
            self.close()
            raise

    # -- the folder ---------------------------------------------------------------------------------
    def _check_manifest(self, manifest: Path) -> None:
        try:
            existing = json.loads(manifest.read_text(encoding="utf-8"))
            if not isinstance(existing, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as exc:
            raise PfmapError(f"{manifest} is not a readable run manifest ({exc}); it was left as it is: repair or "
                             f"remove it, or give a new folder as {self.parameter}") from None
        if existing.get("format") != self.config.get("format"):
            raise PfmapError(f"{self.path} is not a {self.config.get('format')} run folder (manifest format "
                             f"{existing.get('format')!r}); give a new folder as {self.parameter}")
        differ = [k for k in self.identity if existing.get(k) != self.config.get(k)]
        if differ:
            detail = "; ".join(_difference(k, existing.get(k), self.config.get(k)) for k in differ)
            raise PfmapError(f"{self.path} holds a different run ({detail}); rerun with the same options to resume "
                             f"it, or give a new folder as {self.parameter}")

    def _check_empty(self) -> None:
        if not self.path.is_dir():
            return
        # a folder left half-created by a kill holds at most an empty chunks/ folder, a lock and temporaries
        leftovers = [p for p in self.path.iterdir()
                     if not (p.name == LOCK or p.name.endswith(".tmp")
                             or (p.name == "chunks" and p.is_dir() and not any(p.iterdir())))]
        if leftovers:
            raise PfmapError(f"{self.path} is not a run folder (it has files but no {MANIFEST}); give an empty or new "
                             f"folder as {self.parameter}")

    def _lock(self) -> None:
        lock = self.path / LOCK
        for _ in range(2):
            try:
                fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                owner = _lock_owner(lock)
                if owner is not None and owner != os.getpid() and _alive(owner):
                    raise PfmapError(f"{self.path} is in use by process {owner} (see {lock}); wait for it to finish, "
                                     f"or remove {lock} if that process is gone") from None
                try:
                    lock.unlink()  # a stale lock, left by a process that died
                except FileNotFoundError:
                    pass
                continue
            with os.fdopen(fd, "w") as handle:
                handle.write(str(os.getpid()))
            self._locked = True
            return
        raise PfmapError(f"cannot lock {self.path} (another process keeps taking {lock}); try again")

    def close(self) -> None:
        """Release the lock (idempotent)."""
        if self._locked:
            try:
                (self.path / LOCK).unlink()
            except OSError:
                pass
            self._locked = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    # -- chunks -------------------------------------------------------------------------------------
    def chunk_path(self, chunk: int) -> Path:
        """Where chunk ``chunk`` lives."""
        return self.path / "chunks" / f"chunk-{chunk:06d}.parquet"

    def write_chunk(self, chunk: int, columns: dict[str, np.ndarray], meta: dict | None = None) -> None:
        """Write a finished chunk atomically, with its identity and checksum in the file's metadata."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        info = dict(meta or {})
        info.update({"run": self.hash, "chunk": int(chunk), "rows": int(len(next(iter(columns.values()))))
                     if columns else 0, "sha256": columns_checksum(columns)})
        table = pa.table({k: pa.array(np.ascontiguousarray(v)) for k, v in columns.items()})
        table = table.replace_schema_metadata({b"pfmap_chunk": json.dumps(info).encode()})
        atomic_write(self.chunk_path(chunk), lambda tmp: pq.write_table(table, tmp))

    def read_chunk(self, chunk: int, check: Callable[[dict, dict], str | None] | None = None) -> dict[str, np.ndarray]:
        """The columns of a finished chunk, verified (identity, index, checksum, and ``check(columns, meta)``).

        Raises
        ------
        PfmapError
            Naming the file and what is wrong with it.
        """
        import pyarrow.parquet as pq

        path = self.chunk_path(chunk)
        try:
            table = pq.read_table(path)
            meta = json.loads((table.schema.metadata or {}).get(b"pfmap_chunk", b"{}"))
            columns = {name: table.column(name).to_numpy() for name in table.column_names}
        except Exception as exc:  # any unreadable file: say which and why
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise PfmapError(f"chunk file {path} is unreadable ({reason})") from None
        if meta.get("run") != self.hash:
            raise PfmapError(f"chunk file {path} belongs to another run (configuration {meta.get('run')}, this run "
                             f"{self.hash})")
        if meta.get("chunk") != chunk:
            raise PfmapError(f"chunk file {path} holds chunk {meta.get('chunk')}, not chunk {chunk}")
        if meta.get("sha256") != columns_checksum(columns):
            raise PfmapError(f"chunk file {path} is corrupt (its data do not match its checksum)")
        problem = check(columns, meta) if check is not None else None
        if problem:
            raise PfmapError(f"chunk file {path} is corrupt ({problem})")
        return columns

    def finished(self, check: Callable[[dict, dict], str | None] | None = None,
                 report: Callable[[str], None] | None = None) -> list[int]:
        """Indices of the finished chunks that verify; the others are moved to ``rejected/`` and reported.

        Parameters
        ----------
        check : callable, optional
            ``check(columns, meta)`` returns a reason when a chunk's content is wrong for this run.
        report : callable, optional
            Receives one line per rejected chunk (default: printed to stderr as ``pfmap: warning: ...``).
        """
        report = report or (lambda line: print(f"pfmap: warning: {line}", file=sys.stderr))
        good = []
        for k in range(int(self.config["chunks"])):
            if not self.chunk_path(k).is_file():
                continue
            try:
                self.read_chunk(k, check)
            except PfmapError as exc:
                moved = self._reject(k)
                report(f"{exc}; moved to {moved} and recomputing that chunk")
                continue
            good.append(k)
        return good

    def _reject(self, chunk: int) -> Path:
        folder = self.path / "rejected"
        folder.mkdir(exist_ok=True)
        source = self.chunk_path(chunk)
        target = folder / source.name
        serial = 1
        while target.exists():
            target = folder / f"{source.stem}.{serial}{source.suffix}"
            serial += 1
        os.replace(source, target)
        fsync_folder(source.parent)
        return target


def _difference(key, there, here) -> str:
    if isinstance(there, dict) and isinstance(here, dict):
        keys = sorted(k for k in set(there) | set(here) if there.get(k) != here.get(k))
        inner = ", ".join(f"{k} {_short(there.get(k))} there vs {_short(here.get(k))} now" for k in keys[:3])
        return f"{key}: {inner}"
    return f"{key}: {_short(there)} there vs {_short(here)} now"


def _short(value) -> str:
    text = json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _lock_owner(lock: Path) -> int | None:
    try:
        return int(lock.read_text().strip() or "0") or None
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
