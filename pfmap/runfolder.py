"""Run folders: resumable chunked runs on disk, shared by the sampling and the training engines.

A run is a configuration (a JSON-able dict) cut into chunks; chunk ``k``
draws its randomness from child ``k`` of ``numpy.random.SeedSequence(seed)``,
so a chunk's result depends only on the configuration and ``k``.  The folder
keeps what is finished::

    DIR/manifest.json                 what the run is (a later command with other identity keys is refused;
                                      a missing or unreadable manifest is reported, never rewritten)
    DIR/lock                          held (flock) by the one process working on the run; a second is refused
    DIR/ledger.jsonl                  one line per finished chunk: its index, rows and SHA-256, appended and
                                      fsynced after the chunk's file is in place
    DIR/chunks/chunk-000007.parquet   one per finished chunk, written atomically; its metadata names the run
                                      (configuration hash), the chunk index, its row count and the SHA-256 of its data
    DIR/rejected/                     chunk files found truncated, corrupt, foreign or misplaced, or disagreeing with
                                      the ledger (moved here, reported in one line, and recomputed)

Every file is written under a temporary name and renamed, so a kill at any
moment leaves a folder that resumes: a chunk is either whole and verified,
or recomputed.  (Over 400 lines, for one concept: the folder, its lock
(flock, and an exclusive-create fallback where there is none), its ledger
and its chunks.)

References
----------
Foreman-Mackey et al., "emcee: the MCMC hammer", PASP 125 (2013) (resumable file-backed runs).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from pfmap.errors import PfmapError
from pfmap.files import atomic_write, fsync_folder

MANIFEST = "manifest.json"
LOCK = "lock"
LEDGER = "ledger.jsonl"
_CHUNK_NAME = re.compile(r"chunk-(\d+)\.parquet")
_TEMPORARY = re.compile(r".+\.\d+-\d+\.tmp")  # pfmap.files.temporary_path

try:  # POSIX: the kernel releases a flock when its process dies, kill -9 included
    import fcntl
except ImportError:  # pragma: no cover - Windows: an exclusive create and a liveness check instead
    fcntl = None


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

    Parameters
    ----------
    columns : dict of numpy.ndarray
        A chunk's columns, in order.

    Returns
    -------
    str
        64 hexadecimal digits.

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
    """A run folder on disk: its manifest, its lock, its ledger and one Parquet file per finished chunk.

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
        If ``path`` is a file, holds another run or another kind of folder, has an unreadable or missing
        manifest, is locked by a live process, or cannot be written.

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
        self._lock_fd = None
        self._locked = False
        self.ledger: dict[int, dict] = {}
        if self.path.exists() and not self.path.is_dir():
            raise PfmapError(f"{self.path} is a file, not a run folder; give a new or existing run folder as "
                             f"{parameter}")
        manifest = self.path / MANIFEST
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            if lock:  # before anything is read or written: two processes never both get past this
                self._lock()
            if manifest.exists():
                self._check_manifest(manifest)
            else:
                self._check_empty()
                atomic_write(manifest, json.dumps(config, indent=1) + "\n")
            chunks = self.path / "chunks"
            if chunks.exists() and not chunks.is_dir():
                raise PfmapError(f"{chunks} is a file, not the run's chunk folder; move it away to resume, or give a new "
                                 f"folder as {parameter}")
            chunks.mkdir(exist_ok=True)
            if lock:
                self._remove_temporaries()
            self.ledger = self._read_ledger()
        except OSError as exc:
            self.close()
            raise PfmapError(f"cannot use {self.path} as a run folder: {exc.strerror or exc}") from None
        except BaseException:
            self.close()
            raise

    # -- the folder ---------------------------------------------------------------------------------
    def _check_manifest(self, manifest: Path) -> None:
        try:
            existing = json.loads(manifest.read_text(encoding="utf-8"))
            if not isinstance(existing, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as exc:
            reason = " ".join(str(exc).split())
            raise PfmapError(f"{manifest} is not a readable run manifest ({reason}); it was left as it is: repair or "
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
        # a folder left half-created by a kill holds at most an empty chunks/ folder, a lock and temporaries
        leftovers = [p for p in self.path.iterdir()
                     if not (p.name == LOCK or p.name.endswith(".tmp")
                             or (p.name == "chunks" and p.is_dir() and not any(p.iterdir())))]
        if not leftovers:
            return
        if (self.path / LEDGER).exists() or ((self.path / "chunks").is_dir() and any((self.path / "chunks").iterdir())):
            raise PfmapError(f"{self.path} has finished chunks but no {MANIFEST} (removed?); it was left as it is: "
                             f"restore {MANIFEST}, or give a new folder as {self.parameter}")
        raise PfmapError(f"{self.path} is not a run folder (it has files but no {MANIFEST}); give an empty or new "
                         f"folder as {self.parameter}")

    def _lock(self) -> None:
        lock = self.path / LOCK
        if fcntl is None:  # pragma: no cover - Windows
            return self._lock_exclusive(lock)
        for _ in range(5):
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                owner = _lock_owner(lock)
                os.close(fd)
                who = f"process {owner}" if owner else "another process"
                raise PfmapError(f"{self.path} is in use by {who} (see {lock}); wait for it to finish, or stop it: "
                                 f"two runs on one folder are never allowed") from None
            try:
                same = os.fstat(fd).st_ino == os.stat(lock).st_ino
            except FileNotFoundError:
                same = False
            if not same:  # the previous holder removed the file between our open and our lock: take the new one
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
            self._lock_fd, self._locked = fd, True
            return
        raise PfmapError(f"cannot lock {self.path} (another process keeps taking {lock}); try again")

    def _lock_exclusive(self, lock: Path) -> None:  # pragma: no cover - Windows
        for _ in range(2):
            try:
                fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                owner = _lock_owner(lock)
                if owner is not None and owner != os.getpid() and _alive(owner):
                    raise PfmapError(f"{self.path} is in use by process {owner} (see {lock}); wait for it to "
                                     f"finish, or remove {lock} if that process is gone") from None
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
        """Release the lock (idempotent); the lock file goes too."""
        if self._locked:
            try:
                (self.path / LOCK).unlink()  # while still holding the flock, so no one locks a file being removed
            except OSError:
                pass
            self._locked = False
        if self._lock_fd is not None:
            try:
                os.close(self._lock_fd)
            except OSError:
                pass
            self._lock_fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    def _remove_temporaries(self) -> None:
        """Temporary files of writers killed mid-write (the lock is held: no live writer owns them)."""
        for folder in (self.path, self.path / "chunks"):
            for leftover in folder.glob("*.tmp"):
                if _TEMPORARY.fullmatch(leftover.name):
                    try:
                        leftover.unlink()
                    except OSError:
                        pass

    # -- the ledger ---------------------------------------------------------------------------------
    def _read_ledger(self) -> dict[int, dict]:
        path = self.path / LEDGER
        if not path.exists():
            return {}
        entries, torn = {}, False
        raw = path.read_bytes()
        for line in raw.split(b"\n"):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                entries[int(entry["chunk"])] = entry
            except (ValueError, KeyError, TypeError):
                torn = True  # a line cut by a kill: its chunk is verified from its own file and written again
        if torn or not raw.endswith(b"\n"):
            atomic_write(path, "".join(json.dumps(e, sort_keys=True) + "\n" for e in entries.values()))
        return entries

    def _append_ledger(self, entry: dict) -> None:
        line = (json.dumps(entry, sort_keys=True) + "\n").encode()
        try:
            fd = os.open(self.path / LEDGER, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise PfmapError(f"cannot write {self.path / LEDGER}: {exc.strerror or exc}; the chunks finished so far "
                             f"are kept") from None
        self.ledger[int(entry["chunk"])] = entry

    # -- chunks -------------------------------------------------------------------------------------
    def chunk_path(self, chunk: int) -> Path:
        """Where chunk ``chunk`` lives."""
        return self.path / "chunks" / f"chunk-{chunk:06d}.parquet"

    def write_chunk(self, chunk: int, columns: dict[str, np.ndarray], meta: dict | None = None) -> None:
        """Write a finished chunk atomically, with its identity and checksum in the file's metadata and the ledger.

        Raises
        ------
        PfmapError
            If the disk is full or the folder cannot be written (the chunks finished before are kept).
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        info = dict(meta or {})
        rows = int(len(next(iter(columns.values())))) if columns else 0
        info.update({"run": self.hash, "chunk": int(chunk), "rows": rows, "sha256": columns_checksum(columns)})
        table = pa.table({k: pa.array(np.ascontiguousarray(v)) for k, v in columns.items()})
        table = table.replace_schema_metadata({b"pfmap_chunk": json.dumps(info).encode()})
        # no dictionary: a chunk's words are nearly all distinct, and building the dictionary only to drop it
        # costs six times the write (1.2 s against 0.2 s for a 7-40-40-1 chunk of 2^20 networks)
        atomic_write(self.chunk_path(chunk), lambda tmp: pq.write_table(table, tmp, use_dictionary=False))
        self._append_ledger({"chunk": int(chunk), "rows": rows, "sha256": info["sha256"]})

    def read_chunk(self, chunk: int, check: Callable[[dict, dict], str | None] | None = None) -> dict[str, np.ndarray]:
        """The columns of a finished chunk, verified (identity, index, checksum, ledger, and ``check(columns, meta)``).

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
            reason = " ".join(str(exc).split()) if str(exc) else type(exc).__name__
            raise PfmapError(f"chunk file {path} is unreadable ({reason[:200]})") from None
        if meta.get("run") != self.hash:
            raise PfmapError(f"chunk file {path} belongs to another run (configuration {meta.get('run')}, this run "
                             f"{self.hash})")
        if meta.get("chunk") != chunk:
            raise PfmapError(f"chunk file {path} holds chunk {meta.get('chunk')}, not chunk {chunk}")
        checksum = columns_checksum(columns)
        if meta.get("sha256") != checksum:
            raise PfmapError(f"chunk file {path} is corrupt (its data do not match its checksum)")
        recorded = self.ledger.get(chunk)
        if recorded is not None and recorded.get("sha256") != checksum:
            raise PfmapError(f"chunk file {path} is not the chunk the ledger recorded (checksum "
                             f"{checksum[:12]} where {LEDGER} has {str(recorded.get('sha256'))[:12]})")
        problem = check(columns, meta) if check is not None else None
        if problem:
            raise PfmapError(f"chunk file {path} is corrupt ({problem})")
        if recorded is None:  # finished by a process killed before its ledger line: verified, so recorded now
            self._append_ledger({"chunk": int(chunk), "rows": int(meta.get("rows", 0)), "sha256": checksum})
        return columns

    def iter_finished(self, check: Callable[[dict, dict], str | None] | None = None,
                      report: Callable[[str], None] | None = None):
        """Yield ``(chunk, columns)`` for each finished chunk that verifies, in ascending order, reading each once;
        the others are moved to ``rejected/`` and reported in one line each.

        Parameters
        ----------
        check : callable, optional
            ``check(columns, meta)`` returns a reason when a chunk's content is wrong for this run.
        report : callable, optional
            Receives one line per rejected chunk (default: printed to stderr as ``pfmap: warning: ...``).
        """
        report = report or (lambda line: print(f"pfmap: warning: {line}", file=sys.stderr))
        names = {}
        for name in os.listdir(self.path / "chunks"):
            match = _CHUNK_NAME.fullmatch(name)
            if match is not None:
                names[name] = int(match.group(1))
        for name, k in sorted(names.items(), key=lambda item: (item[1], item[0])):
            if name != self.chunk_path(k).name or k >= int(self.config["chunks"]):
                moved = self._reject(self.path / "chunks" / name)
                report(f"chunk file {self.path / 'chunks' / name} is not a chunk of this run (it has "
                       f"{self.config['chunks']} chunks); moved to {moved}")
                continue
            try:
                columns = self.read_chunk(k, check)
            except PfmapError as exc:
                moved = self._reject(self.chunk_path(k))
                report(f"{exc}; moved to {moved} and recomputing that chunk")
                continue
            yield k, columns

    def finished(self, check: Callable[[dict, dict], str | None] | None = None,
                 report: Callable[[str], None] | None = None) -> list[int]:
        """Indices of the finished chunks that verify (see :meth:`iter_finished`); the others are moved aside.

        Returns
        -------
        list of int
            Ascending.
        """
        return [k for k, _ in self.iter_finished(check, report)]

    def _reject(self, source: Path) -> Path:
        folder = self.path / "rejected"
        folder.mkdir(exist_ok=True)
        target = folder / source.name
        serial = 1
        while target.exists():
            target = folder / f"{source.stem}.{serial}{source.suffix}"
            serial += 1
        os.replace(source, target)
        fsync_folder(source.parent)
        return target


def _difference(key, there, here) -> str:
    """The first leaf where two configurations differ, as ``architecture.prior.sigma_w: 1 there vs 2 now``."""
    while isinstance(there, dict) and isinstance(here, dict):
        keys = sorted(k for k in set(there) | set(here) if there.get(k) != here.get(k))
        if not keys:
            break
        key, there, here = f"{key}.{keys[0]}", there.get(keys[0]), here.get(keys[0])
    return f"{key}: {_short(there)} there vs {_short(here)} now"


def _short(value) -> str:
    text = json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _lock_owner(lock: Path) -> int | None:
    try:
        return int(lock.read_text().strip() or "0") or None
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:  # pragma: no cover - Windows fallback only
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
