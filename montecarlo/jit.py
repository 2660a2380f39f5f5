"""The engine's one numba decorator: an on-disk cache keyed on the source of everything a kernel inlines.

numba's own ``cache=True`` keys a compiled function on its own bytecode and
on the timestamp of its own file.  A kernel compiled with the functions it
calls from *other* modules linked or inlined into it (every kernel here)
would then run stale code after an edit or an upgrade of those modules.
:func:`cached_njit` adds a digest of a set of source files to the cache key;
the engine's :data:`njit` uses the digest of every module of
``pfmap.montecarlo`` that holds kernels and of the modules they import
from (:func:`engine_sources`), with pfmap's version, so an upgrade or an
edit of any of them compiles afresh instead of loading old machine code.

(That the first run after installing or upgrading pays for compiling is
reported by :func:`pfmap.progress.compile_notice`.)

References
----------
Lam, Pitrou, Seibert, "Numba: a LLVM-based Python JIT compiler", LLVM-HPC 2015 (the compiler and its cache).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import numba
import numba.core.dispatcher
from numba.core.caching import FunctionCache

from pfmap import __version__

_HERE = Path(__file__).resolve().parent
_KERNEL = re.compile(r"^@(?:numba\.)?(?:njit|jit|intrinsic)\b|^def cached_njit", re.MULTILINE)
_IMPORT = re.compile(r"^from (pfmap(?:\.\w+)*) import", re.MULTILINE)


def source_digest(paths: Iterable[str | os.PathLike], *, salt: str = "") -> str:
    """SHA-256 (hex) of the given source files: their names relative to their common folder and their bytes.

    Parameters
    ----------
    paths : iterable of path-like
        The files whose content decides the compiled code.
    salt : str
        Extra text mixed in (a version string).

    Returns
    -------
    str
        64 hexadecimal digits; any change of any file's content changes it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "k.py"
    >>> _ = p.write_text("x = 1\\n"); first = source_digest([p])
    >>> _ = p.write_text("x = 2\\n"); first == source_digest([p])
    False
    """
    files = sorted(Path(p).resolve() for p in paths)
    root = Path(os.path.commonpath([str(f.parent) for f in files])) if files else Path(".")
    digest = hashlib.sha256(salt.encode())
    for path in files:
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def engine_sources() -> list[Path]:
    """The files whose source the engine's compiled kernels depend on.

    Every module of ``pfmap.montecarlo`` that defines a kernel (``njit`` or an
    LLVM ``intrinsic``), and every ``pfmap`` module such a module imports
    names from (the constants and functions a kernel freezes or inlines, such
    as :mod:`pfmap.architectures`' activation codes).  Editing any of them
    changes :data:`ENGINE_DIGEST`; editing the engine's plain Python (the run
    folder, the command line) does not force a recompile.

    Returns
    -------
    list of pathlib.Path

    Examples
    --------
    >>> names = {p.name for p in engine_sources()}
    >>> {"jit.py", "counting.py", "forward.py", "architectures.py"} <= names, "sampling.py" in names
    (True, False)
    """
    import pfmap

    roots = {"pfmap.montecarlo": _HERE, "pfmap": Path(pfmap.__file__).resolve().parent}

    def module_file(name: str) -> Path | None:
        for prefix, root in sorted(roots.items(), key=lambda item: -len(item[0])):
            if name == prefix or name.startswith(prefix + "."):
                parts = name[len(prefix):].strip(".").split(".") if name != prefix else []
                base = root.joinpath(*parts)
                for candidate in (base.with_suffix(".py"), base / "__init__.py"):
                    if candidate.is_file():
                        return candidate
        return None

    kernels = [p for p in sorted(_HERE.rglob("*.py")) if _KERNEL.search(p.read_text(encoding="utf-8"))]
    files = set(kernels)
    for path in kernels:
        for name in _IMPORT.findall(path.read_text(encoding="utf-8")):
            found = module_file(name)
            if found is not None:
                files.add(found.resolve())
    return sorted(files)


def cached_njit(digest: str) -> Callable:
    """An ``njit`` whose on-disk cache entries carry ``digest`` in their key.

    Parameters
    ----------
    digest : str
        Typically :func:`source_digest` of every file the kernels inline or call.

    Returns
    -------
    callable
        ``njit(**options)`` returning a decorator, with numba's options (``inline``, ``nogil``, ...);
        ``cache`` is implied and may not be passed.

    Raises
    ------
    TypeError
        If ``cache`` is passed.

    Examples
    --------
    >>> jit = cached_njit("demo")
    >>> @jit()
    ... def twice(x):
    ...     return 2 * x
    >>> twice(21)
    42
    """
    class SourceKeyedCache(FunctionCache):
        """numba's function cache, with the source digest appended to every index key."""

        def _index_key(self, sig, codegen):
            return (*super()._index_key(sig, codegen), digest)

    def njit(**options: object) -> Callable[[Callable], Callable]:
        """A decorator compiling a function with ``numba.njit(cache=True, **options)``, keyed on the source digest.

        Parameters
        ----------
        **options
            numba's ``njit`` options (``inline``, ``nogil``, ``fastmath``, ...), ``cache`` excepted.

        Returns
        -------
        callable
            The decorator: it returns numba's dispatcher (the plain function under ``NUMBA_DISABLE_JIT``).

        Raises
        ------
        TypeError
            If ``cache`` is passed.

        Examples
        --------
        >>> @njit(nogil=True)
        ... def add_one(x):
        ...     return x + 1
        >>> add_one(41)
        42
        """
        if "cache" in options:
            raise TypeError("cached_njit kernels are always cached; do not pass cache")

        def wrap(func):
            dispatcher = numba.njit(**options)(func)
            if isinstance(dispatcher, numba.core.dispatcher.Dispatcher):  # not under NUMBA_DISABLE_JIT
                # numba has no public hook for the cache key; its dispatchers keep the cache in ``_cache``
                try:
                    dispatcher._cache = SourceKeyedCache(dispatcher.py_func)
                except RuntimeError:  # no writable cache location: compile every time, as numba would
                    pass
            return dispatcher

        return wrap

    return njit


ENGINE_DIGEST = source_digest(engine_sources(), salt=f"pfmap {__version__}")
njit = cached_njit(ENGINE_DIGEST)
"""The engine's decorator: ``@njit()``, ``@njit(inline="always")``, ``@njit(nogil=True)``."""
