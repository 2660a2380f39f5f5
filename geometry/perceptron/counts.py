"""Published region counts of the perceptron's arrangement, and the limits of exact enumeration here.

With a bias, the regions on ``{0,1}^n`` and on ``{-1,1}^n`` are the threshold functions of ``n`` variables
(OEIS A000609); without one, ``{0,1}^n`` gives the chambers of the resonance-type arrangement of the
``2^n - 1`` nonzero cube points and ``{-1,1}^n`` the self-dual threshold functions, as many as A000609(n-1).

References
----------
OEIS A000609 (threshold functions of n or fewer variables).
S. Muroga, *Threshold Logic and its Applications*, 1971.
T. Zaslavsky, "Facing up to arrangements", Mem. AMS 154, 1975 (region counts).
"""

from __future__ import annotations

import numpy as np

from pfmap.errors import PfmapError
from pfmap.inputs import validate_encoding

# Published region counts (OEIS A000609 with bias; resonance arrangement without bias, {0,1}^n).
THRESHOLD_COUNTS_BIAS = {0: 2, 1: 4, 2: 14, 3: 104, 4: 1882, 5: 94572, 6: 15028134, 7: 8378070864,
                         8: 17561539552946, 9: 144130531453121108}
THRESHOLD_COUNTS_NO_BIAS_01 = {1: 2, 2: 6, 3: 32, 4: 370, 5: 11292, 6: 1066044, 7: 347326352,
                               8: 419172756930, 9: 1955230985997140}
MAX_ENUMERATION_N = 5      # regions held in memory (PerceptronRegions); n = 6 is written to a file
MAX_FILE_N = 6             # the largest n whose table this package writes (perceptron_table_file)
# Measured by hand: `pfmap table perceptron --n 6 --out t.parquet` (conditions and witnesses) took 8 min wall
# (172 s of CPU, the 2 cores shared with other jobs); with --prior uniform (exact box volumes) 16.5 min (305 s CPU).
N6_WALL_TIME = "8 minutes on 2 cores, 16 with exact box volumes"


def region_count(n: int, encoding: str = "01", bias: bool = True) -> int | None:
    """Published number of realisable functions (regions), when known.

    Parameters
    ----------
    n : int
        Number of inputs.
    encoding : {"01", "pm1"}
        The input cube.
    bias : bool
        Whether the perceptron has a bias.

    Returns
    -------
    int or None
        The count, or None when it is not tabulated here.

    Raises
    ------
    PfmapError
        If ``encoding`` is not one of the two cubes.

    Examples
    --------
    >>> region_count(5), region_count(4, "01", bias=False), region_count(3, "pm1", bias=False)
    (94572, 370, 14)
    """
    encoding = validate_encoding(encoding)
    if bias:
        return THRESHOLD_COUNTS_BIAS.get(n)
    if encoding == "pm1":
        return THRESHOLD_COUNTS_BIAS.get(n - 1)
    return THRESHOLD_COUNTS_NO_BIAS_01.get(n)


def _how_many(n: int, encoding: str, bias: bool) -> str:
    count = region_count(n, encoding, bias)
    source = "OEIS A000609" if bias or encoding == "pm1" else "resonance arrangement"
    return f"{count:,} threshold functions ({source})" if count else "more threshold functions than fit a table"


def check_enumerable(n: int, encoding: str = "01", bias: bool = True, *, maximum: int = MAX_ENUMERATION_N) -> None:
    """Raise a one-line PfmapError when ``n`` is beyond exact enumeration (``maximum`` inputs).

    Parameters
    ----------
    n : int
        Number of inputs.
    encoding : {"01", "pm1"}
        The input cube.
    bias : bool
        Whether the perceptron has a bias.
    maximum : int
        The largest ``n`` the caller enumerates (in memory: 5; to a file: 6).

    Raises
    ------
    PfmapError
        If ``n`` is not a whole number >= 1, or exceeds ``maximum``; the message gives the number of
        regions, and beyond n = 6 how long n = 6 took, and points to sampling.

    Examples
    --------
    >>> check_enumerable(5)
    >>> check_enumerable(6)
    Traceback (most recent call last):
    ...
    pfmap.errors.PfmapError: n = 6 has 15,028,134 threshold functions (OEIS A000609); in memory exact enumeration stops at n = 5: write the n = 6 table to a Parquet file with perceptron_table_file, or estimate it by sampling with pfmap.montecarlo.sample
    >>> check_enumerable(7, maximum=6)
    Traceback (most recent call last):
    ...
    pfmap.errors.PfmapError: n = 7 has 8,378,070,864 threshold functions (OEIS A000609); exact enumeration stops at n = 6 (15,028,134 regions took 8 minutes on 2 cores, 16 with exact box volumes): estimate them by sampling with pfmap.montecarlo.sample
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise PfmapError(f"n must be a whole number >= 1; got {n!r}")
    encoding = validate_encoding(encoding)
    if n <= maximum:
        return
    if n <= MAX_FILE_N:
        raise PfmapError(f"n = {n} has {_how_many(n, encoding, bias)}; in memory exact enumeration stops at "
                         f"n = {maximum}: write the n = {n} table to a Parquet file with perceptron_table_file, "
                         f"or estimate it by sampling with pfmap.montecarlo.sample")
    six = region_count(MAX_FILE_N, encoding, bias)
    raise PfmapError(f"n = {n} has {_how_many(n, encoding, bias)}; exact enumeration stops at n = {MAX_FILE_N} "
                     f"({six:,} regions took {N6_WALL_TIME}): estimate them by sampling with "
                     f"pfmap.montecarlo.sample")
