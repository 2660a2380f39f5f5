"""Atomic files: every writer of pfmap goes through :func:`atomic_write`, so no file is ever half written.

A file is written under a temporary name unique to the writing process and
thread, flushed and fsynced, renamed over the target, and the folder is
fsynced, so that a kill or a power loss leaves either the old file or the
new one, and two processes writing the same path never share a temporary.
"""

from __future__ import annotations

import os
import platform
import threading
from collections.abc import Callable
from pathlib import Path

from pfmap.errors import PfmapError


def temporary_path(path: str | os.PathLike) -> Path:
    """The temporary name :func:`atomic_write` uses for ``path`` (process- and thread-unique, same folder).

    Parameters
    ----------
    path : str or os.PathLike
        The file to be written.

    Returns
    -------
    pathlib.Path
        ``path`` with a ``.<pid>-<thread>.tmp`` suffix.

    Examples
    --------
    >>> temporary_path("/tmp/t.csv").name.endswith(".tmp")
    True
    """
    path = Path(path)
    return path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")


def atomic_write(path: str | os.PathLike, data: bytes | str | Callable[[Path], None]) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename, fsync of the folder).

    Parameters
    ----------
    path : str or os.PathLike
        The target file.
    data : bytes, str or callable
        The content (a str is UTF-8 encoded), or a function that writes the
        file at the temporary path it is given (for writers such as pyarrow).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    PfmapError
        If the folder does not exist or the file cannot be written (read-only, disk full); the
        temporary file is removed and an existing ``path`` is left as it was.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> _ = atomic_write(p, "hello\\n"); open(p).read()
    'hello\\n'
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise PfmapError(f"cannot write {path}: folder {path.parent} does not exist")
    tmp = temporary_path(path)
    try:
        if callable(data):
            data(tmp)
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        else:
            payload = data.encode("utf-8") if isinstance(data, str) else data
            with open(tmp, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
        fsync_folder(path.parent)
    except OSError as exc:
        _remove_quietly(tmp)
        raise PfmapError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        _remove_quietly(tmp)
        raise
    return path


def fsync_folder(path: str | os.PathLike) -> None:
    """Flush a folder's entries to disk (a no-op on Windows, where folders cannot be opened).

    Parameters
    ----------
    path : str or os.PathLike
        The folder.

    Examples
    --------
    >>> import tempfile
    >>> fsync_folder(tempfile.mkdtemp())
    """
    if platform.system() == "Windows":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
