"""The one progress helper: a tqdm bar on stderr, switched by ``progress`` (Python) or ``--quiet`` (CLI).

Every long computation of pfmap takes ``progress`` with one meaning:
``True`` shows a bar, ``False`` none, ``"auto"`` (what the command line
passes) a bar only when stderr is a terminal, so that logs and pipes stay clean.
:func:`compile_notice` says, once, that numba is compiling pfmap's kernels
(the first run after installing or upgrading) and how long it took.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.util
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # tqdm is imported when a bar is made, not with this module
    from tqdm import tqdm

PROGRESS_CHOICES = (True, False, "auto")


def progress_bar(total: float | None, *, progress: bool | str = False, desc: str = "", unit: str = "it",
                 initial: float = 0, unit_scale: bool = True, leave: bool = True) -> tqdm:
    """A tqdm bar (or a silent stand-in with the same methods) for ``total`` units of work.

    Parameters
    ----------
    total : float or None
        The amount of work (None when unknown).
    progress : bool or "auto"
        Whether to show it (``"auto"``: only on a terminal).
    desc, unit : str
        The bar's label and unit.
    initial : float
        Work already done (a resumed run).
    unit_scale : bool
        Show 1.2M rather than 1200000.
    leave : bool
        Keep the finished bar on screen.

    Returns
    -------
    tqdm.tqdm
        Use ``update(k)``, ``set_postfix(...)`` and ``close()`` (or ``with``).

    Raises
    ------
    PfmapError
        If ``progress`` is not True, False or "auto".

    Examples
    --------
    >>> with progress_bar(10, progress=False, desc="demo") as bar:
    ...     bar.update(10)
    >>> bar.disable      # progress=False: a silent bar with the same methods
    True
    """
    from tqdm.auto import tqdm

    from pfmap.errors import PfmapError

    if progress not in PROGRESS_CHOICES or isinstance(progress, int) and not isinstance(progress, bool):
        raise PfmapError(f"progress must be True, False or 'auto'; got {progress!r}")
    return tqdm(total=total, initial=initial, unit=unit, unit_scale=unit_scale, desc=desc, leave=leave,
                disable=None if progress == "auto" else not progress, smoothing=0.1, dynamic_ncols=True)


class _CompileListener:
    """Times the outermost compilations of pfmap functions (numba emits its events only when it compiles)."""

    def __init__(self, report: Callable[[str], None], what: str):
        self.report, self.what = report, what
        self.depth = threading.local()
        self.lock = threading.Lock()
        self.started = None
        self.seconds = 0.0

    def on_start(self, ev):
        depth = getattr(self.depth, "value", 0)
        self.depth.value = depth + 1
        if depth == 0:
            self.depth.since = time.perf_counter() if _is_pfmap(ev) else None
            if self.depth.since is not None:
                with self.lock:
                    if self.started is None:
                        self.started = self.depth.since
                        self.report(f"compiling the {self.what} for this machine (the first run after installing "
                                    f"or upgrading pfmap; cached afterwards)...")

    def on_end(self, ev):
        self.depth.value = getattr(self.depth, "value", 1) - 1
        if self.depth.value == 0 and getattr(self.depth, "since", None) is not None:
            with self.lock:
                self.seconds += time.perf_counter() - self.depth.since
            self.depth.since = None


class _ImportWatcher:
    """A meta-path finder that runs ``then()`` right after the module ``name`` is first imported."""

    def __init__(self, name: str, then: Callable[[], None]):
        self.name, self.then = name, then

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)                      # find the real spec, and watch no more
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        loader, then = spec.loader, self.then

        class _Loader(importlib.abc.Loader):
            def create_module(self, spec):
                return loader.create_module(spec)

            def exec_module(self, module):
                loader.exec_module(module)
                then()

        spec.loader = _Loader()
        return spec


def _is_pfmap(ev) -> bool:
    dispatcher = (ev.data or {}).get("dispatcher")
    module = getattr(getattr(dispatcher, "py_func", None), "__module__", "") or ""
    return module.startswith("pfmap.")


@contextlib.contextmanager
def compile_notice(report: Callable[[str], None] | None, what: str = "kernels") -> Iterator[dict]:
    """Within the block, say when numba starts compiling pfmap's kernels, and at the end how long it took.

    Parameters
    ----------
    report : callable or None
        Receives each line (None: silent, and numba is not even imported).
    what : str
        What is compiled, for the message.

    Yields
    ------
    dict
        ``{"seconds": float or None}``: the compile time, filled when the block ends (None if nothing compiled).

    Examples
    --------
    >>> lines = []
    >>> with compile_notice(lines.append) as info:
    ...     pass
    >>> lines, info["seconds"]
    ([], None)
    """
    info = {"seconds": None}
    if report is None:
        yield info
        return
    listener = _CompileListener(report, what)
    registered = []

    def register() -> None:
        from numba.core import event

        adapter = type("Listener", (event.Listener,), {"on_start": lambda self, ev: listener.on_start(ev),
                                                        "on_end": lambda self, ev: listener.on_end(ev)})()
        event.register("numba:compile", adapter)
        registered.append((event, adapter))

    # A command that never uses numba does not import it for this notice: the listener is registered when
    # numba is first imported inside the block (nothing compiles before that).
    watcher = None
    if "numba" in sys.modules:
        register()
    else:
        watcher = _ImportWatcher("numba", register)
        sys.meta_path.insert(0, watcher)
    try:
        yield info
    finally:
        if watcher is not None and watcher in sys.meta_path:
            sys.meta_path.remove(watcher)
        for event, adapter in registered:
            event.unregister("numba:compile", adapter)
        if listener.started is not None:
            info["seconds"] = listener.seconds
            report(f"compiled the {what} in {listener.seconds:.1f} s (once; later runs load them from the cache)")
