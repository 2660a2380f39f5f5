"""Start writing a table file's pages to disk while the rest of it is still being formatted.

A finished table file is fsynced before it is renamed into place
(:func:`pfmap.files.atomic_write`).  A CSV of a 10^7-sample run is over a
gigabyte: left to that final fsync, its whole write-out to disk comes after
the formatting instead of beside it.  :class:`Writeback` asks the kernel,
after every batch, to start writing what has been written so far
(``sync_file_range(SYNC_FILE_RANGE_WRITE)`` on Linux: it starts the
write-out and does not wait for it), so the final fsync finds little left.
Elsewhere, or on a pipe or an in-memory stream, it does nothing.

References
----------
Linux man page sync_file_range(2).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

_SYNC_FILE_RANGE_WRITE = 2


def _sync_file_range():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        call = libc.sync_file_range
    except (OSError, AttributeError):
        return None
    call.argtypes = (ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint)
    call.restype = ctypes.c_int
    return call


_CALL = _sync_file_range()


class Writeback:
    """After each batch, start the write-out of a regular file's dirty pages (a no-op where that cannot be done).

    Parameters
    ----------
    handle : file object
        The binary file being written.

    Examples
    --------
    >>> import tempfile, os
    >>> with open(os.path.join(tempfile.mkdtemp(), "t.csv"), "wb") as f:
    ...     _ = f.write(b"function\\n"); Writeback(f).started()
    ...     f.tell()
    9
    >>> import io; Writeback(io.BytesIO()).started()   # nothing to write out
    """

    def __init__(self, handle):
        self.handle = handle
        self.fd = None
        if _CALL is None:
            return
        try:
            fd = handle.fileno()
            import stat

            if stat.S_ISREG(os.fstat(fd).st_mode):
                self.fd = fd
        except (AttributeError, OSError, ValueError):
            self.fd = None

    def started(self) -> None:
        """Flush Python's buffer and start writing the file's pages out (returns at once)."""
        if self.fd is None:
            return
        try:
            self.handle.flush()
            _CALL(self.fd, 0, 0, _SYNC_FILE_RANGE_WRITE)
        except (OSError, ValueError):
            self.fd = None
