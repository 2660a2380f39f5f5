"""The one progress helper: a tqdm bar on stderr, switched by ``progress`` (Python) or ``--quiet`` (CLI).

Every long computation of pfmap takes ``progress`` with one meaning:
``True`` shows a bar, ``False`` none, ``"auto"`` (what the command line
passes) a bar only when stderr is a terminal, so that logs and pipes stay clean.
"""

from __future__ import annotations

PROGRESS_CHOICES = (True, False, "auto")


def progress_bar(total: float | None, *, progress: bool | str = False, desc: str = "", unit: str = "it",
                 initial: float = 0, unit_scale: bool = True, leave: bool = True):
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
