"""The exact perceptron table written to a Parquet file, orbit by orbit, resumable: the way to n = 6.

``perceptron_table_file(6, "table.parquet")`` enumerates the 15,028,134
threshold functions of 6 inputs (1,066,044 without bias on ``{0,1}^6``):
135 orbit representatives of the hyperoctahedral group (the walk of
:mod:`~pfmap.geometry.perceptron.enumeration`, a few seconds), each
expanded to its orbit with integer witnesses checked in int64 arithmetic
and irredundant conditions (:mod:`~pfmap.geometry.perceptron.orbit_rows`).
With the uniform prior each measure orbit (10,000 and more at n = 6: input
permutations and output complement) gets its exact box volume; with a
Gaussian prior, certified measures where the orbit dimension allows.

The work is cut into chunks of orbits kept in a run folder next to the
output (``table.parquet.parts/``, :class:`pfmap.runfolder.RunFolder`): a
killed run resumes where it stopped, and the folder goes away once the
table is written.  Columns are numbers (uint64 truth tables, int32
witnesses, a uint64 mask of conditions; see
:mod:`~pfmap.geometry.perceptron.orbit_rows`); rows are grouped by orbit.

Measured by hand on the 2-core machine, shared with other jobs (load 5-12):
``pfmap table perceptron --n 6 --out t.parquet`` (conditions and witnesses;
135 orbits, 19,228 measure orbits) 8 min wall, 172 s of CPU, peak 0.74 GB in
one process; with ``--prior uniform`` (exact box volumes, summing to exactly
1) 16.5 min wall, 305 s of CPU; ``--n 6 --no-bias --prior uniform``
(1,066,044 functions, 1,512 orbits) 2.6 min wall, 34 s of CPU.

References
----------
OEIS A000609; A001532 (orbits of self-dual threshold functions under the hyperoctahedral group).
C. K. Chow, "On the characterization of threshold functions", 1961.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from fractions import Fraction
from functools import partial
from pathlib import Path

import numpy as np

from pfmap.architectures import Perceptron
from pfmap.errors import PfmapError
from pfmap.files import atomic_write
from pfmap.priors import GaussianPrior, UniformPrior
from pfmap.progress import progress_bar
from pfmap.runfolder import RunFolder
from pfmap.tables import parquet_metadata

from pfmap.geometry.cones import orthant
from pfmap.geometry.cones.box import cone_box_fraction
from pfmap.geometry.perceptron.counts import MAX_FILE_N, check_enumerable, region_count
from pfmap.geometry.perceptron.enumeration import walk_orbits
from pfmap.geometry.perceptron.orbit_rows import TableCase, orbit_rows, table_case

FORMAT = "pfmap-perceptron-table/1"
MAX_FILE_BOX_DIMENSION = 7        # exact box volumes in a file table up to n = 6 with bias
_ROWS_PER_CHUNK = 1 << 17         # orbits are grouped until a chunk holds about this many functions


def _box_measure(rows: np.ndarray, half_widths: list[Fraction]) -> tuple[float, float, Fraction]:
    value = cone_box_fraction(rows, half_widths)
    return float(value), 0.0, value


def _gaussian_measure(rows: np.ndarray, variances: list[Fraction]) -> tuple[float, float, None]:
    from pfmap.geometry.cones.gaussian import cone_gaussian_measure

    m = cone_gaussian_measure(rows, variances)
    return float(m.probability), float(m.error), None


def choose_measure(n: int, prior: GaussianPrior | UniformPrior, *, volumes: bool | None = None) -> tuple[str | None, str]:
    """Which measure a file table gets: ``("box" | "gaussian" | None, reason)``, decided before any enumeration.

    Parameters
    ----------
    n : int
        Number of inputs.
    prior : GaussianPrior or UniformPrior
    volumes : bool or None
        True: a measure is required; False: none; None: one when it can be computed exactly here.

    Returns
    -------
    kind : str or None
    reason : str
        Why there is none (empty when there is one).

    Raises
    ------
    PfmapError
        If ``volumes=True`` and the measure is out of reach.

    Examples
    --------
    >>> choose_measure(6, UniformPrior())
    ('box', '')
    >>> choose_measure(6, GaussianPrior())[0] is None
    True
    """
    d = n + (1 if prior.bias else 0)
    if volumes is False:
        return None, "conditions only"
    if isinstance(prior, UniformPrior):
        if d <= MAX_FILE_BOX_DIMENSION:
            return "box", ""
        reason = f"exact box volumes run up to {MAX_FILE_BOX_DIMENSION} parameters (n = {n} has {d})"
    else:
        top = orthant.MAX_ORTHANT_DIMENSION
        if d <= top:
            return "gaussian", ""
        reason = (f"certified Gaussian measures run up to {top} parameters (n = {n} has {d}); "
                  f"prior=UniformPrior() gives exact box volumes")
    if volumes:
        raise PfmapError(f"{reason}: pass volumes=None or False for the functions and their conditions, or "
                         f"estimate the probabilities by sampling with pfmap.montecarlo.sample")
    return None, reason


def _measure_callable(kind: str | None, n: int, prior):
    bias = prior.bias
    if kind == "box":
        half = [Fraction(prior.a_w)] * n + ([Fraction(prior.a_b)] if bias else [])
        return partial(_box_measure, half_widths=half)
    if kind == "gaussian":
        var = [prior.weight_variance(n)] * n + ([prior.bias_variance()] if bias else [])
        return partial(_gaussian_measure, variances=var)
    return None


def _chunk_task(case: TableCase, kind: str | None, prior, witnesses: np.ndarray, facets: np.ndarray,
                first_orbit: int) -> dict[str, np.ndarray]:
    """One chunk's rows (module level, so that worker processes can run it)."""
    return orbit_rows(case, witnesses, facets, first_orbit=first_orbit,
                      measure=_measure_callable(kind, case.n, prior))


def _chunks(case: TableCase, n_orbits: int) -> list[tuple[int, int]]:
    """Consecutive ranges of orbits: one orbit per chunk with a bias (orbits up to 645,120 functions), else groups."""
    if case.bias:
        return [(k, k + 1) for k in range(n_orbits)]
    group = max(1, _ROWS_PER_CHUNK // max(1, len(case.arrangement().group_perms)))
    return [(k, min(n_orbits, k + group)) for k in range(0, n_orbits, group)]


def _walk_hash(witnesses: np.ndarray, facets: np.ndarray) -> str:
    digest = hashlib.sha256(np.ascontiguousarray(witnesses, dtype=np.int64).tobytes())
    digest.update(np.packbits(facets).tobytes())
    return digest.hexdigest()[:16]


def parts_folder(path: str | os.PathLike) -> Path:
    """The run folder that keeps a file table's finished chunks: ``PATH.parts`` next to the table.

    Parameters
    ----------
    path : str or os.PathLike
        The table.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> parts_folder("/tmp/t.parquet").name
    't.parquet.parts'
    """
    path = Path(path)
    return path.with_name(path.name + ".parts")


def _check_path(path) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise PfmapError(f"path must be a file name ending in .parquet; got {path!r}")
    path = Path(path)
    if path.suffix.lower() not in (".parquet", ".pq"):
        raise PfmapError(f"path must end in .parquet (the table is a Parquet file); got {str(path)!r}")
    if not path.parent.exists() and str(path.parent) not in ("", "."):
        raise PfmapError(f"cannot write {path}: folder {path.parent} does not exist")
    if path.is_dir():
        raise PfmapError(f"path {path} is a folder; give a file name ending in .parquet")
    return path


def perceptron_table_file(n: int, path: str | os.PathLike, *, prior: GaussianPrior | UniformPrior | None = None,
                          encoding: str = "01", volumes: bool | None = None, workers: int | None = None,
                          progress: bool | str = False, keep_parts: bool = False) -> dict:
    """Write the exact table of a perceptron on ``{0,1}^n`` or ``{-1,1}^n`` (n <= 6) to a Parquet file.

    Parameters
    ----------
    n : int
        Number of inputs, at most 6 (15,028,134 functions with bias).
    path : str or os.PathLike
        The table, ``*.parquet``; its chunks stay in ``PATH.parts/`` until it is written (a rerun resumes).
    prior : GaussianPrior or UniformPrior, optional
        Default ``GaussianPrior()``; its bias setting chooses the arrangement.
    encoding : {"01", "pm1"}
        The input cube.
    volumes : bool or None
        None: probabilities when they can be computed exactly here (box volumes up to 7 parameters,
        Gaussian up to the orthant code's dimension), else functions and conditions only; True: required;
        False: never.
    workers : int, optional
        Processes for the chunks (default: the CPU count).
    progress : bool or "auto"
        A bar over the orbits on stderr.
    keep_parts : bool
        Keep the run folder after the table is written.

    Returns
    -------
    dict
        ``path``, ``rows``, ``orbits``, ``measure_orbits``, ``measure`` (kind or None), ``resumed``
        (chunks found finished), ``seconds``.

    Raises
    ------
    PfmapError
        Before any enumeration: ``n`` beyond 6, a bad prior, encoding, path or ``workers``, a measure
        required but out of reach, a run folder holding another run or in use.

    Examples
    --------
    >>> import tempfile, os, pyarrow.parquet as pq
    >>> from pfmap import UniformPrior
    >>> out = os.path.join(tempfile.mkdtemp(), "t.parquet")
    >>> info = perceptron_table_file(2, out, prior=UniformPrior(), workers=1)
    >>> info["rows"], info["orbits"], info["measure_orbits"]
    (14, 2, 5)
    >>> t = pq.read_table(out).to_pandas()
    >>> t.loc[t.function == 8, ["exact", "n_conditions", "w1", "w2", "b"]].values.tolist()     # AND
    [['1/48', 3, 2, 2, -3]]

    References
    ----------
    OEIS A000609; C. K. Chow, 1961; S. Muroga, *Threshold Logic and its Applications*, 1971.
    """
    started = time.perf_counter()
    prior = prior if prior is not None else GaussianPrior()
    arch = Perceptron(n, prior)                      # validates n and the prior
    check_enumerable(arch.n, encoding, prior.bias, maximum=MAX_FILE_N)
    case = table_case(arch.n, encoding, prior.bias)
    path = _check_path(path)
    if workers is None:
        workers = os.cpu_count() or 1
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise PfmapError(f"workers must be a whole number >= 1; got {workers!r}")
    kind, reason = choose_measure(case.n, prior, volumes=volumes)

    walk = walk_orbits(case.arrangement())
    ranges = _chunks(case, len(walk.witnesses))
    config = {"format": FORMAT, "chunks": len(ranges), "n": case.n, "encoding": case.encoding, "bias": case.bias,
              "measure": kind, "prior": prior.to_dict() if kind else None,
              "orbits": _walk_hash(walk.witnesses, walk.facets)}
    folder = RunFolder(parts_folder(path), config, identity=("n", "encoding", "bias", "measure", "prior", "orbits",
                                                              "chunks"), parameter="path")
    try:
        expected = {k: r for k, r in enumerate(ranges)}

        def check(columns, meta):
            orbit = columns.get("orbit")
            lo, hi = expected[meta["chunk"]]
            if orbit is None or len(orbit) == 0 or orbit.min() != lo or orbit.max() != hi - 1:
                return "its orbits are not the chunk's"
            return None

        done = set(folder.finished(check))
        todo = [k for k in range(len(ranges)) if k not in done]
        args = [(case, kind, prior, walk.witnesses[lo:hi], walk.facets[lo:hi], lo) for lo, hi in
                (ranges[k] for k in todo)]
        with progress_bar(len(walk.witnesses), progress=progress, desc=f"n = {case.n} orbits", unit="orbit",
                          initial=sum(ranges[k][1] - ranges[k][0] for k in done)) as bar:
            def finish(k, columns):
                folder.write_chunk(k, columns)
                bar.update(ranges[k][1] - ranges[k][0])

            if workers == 1 or len(todo) <= 1:
                for k, a in zip(todo, args):
                    finish(k, _chunk_task(*a))
            else:
                from concurrent.futures import ProcessPoolExecutor, as_completed

                with ProcessPoolExecutor(max_workers=int(workers)) as pool:
                    # the big orbits first, so that the two processes end together
                    sizes = [-len(a[3]) for a in args]
                    futures = {pool.submit(_chunk_task, *args[i]): todo[i] for i in np.argsort(sizes, kind="stable")}
                    for future in as_completed(futures):
                        k = futures.pop(future)          # drop the finished result: memory stays one chunk or two
                        finish(k, future.result())
                        del future
        summary = _assemble(folder, case, arch, kind, reason, len(ranges), len(walk.witnesses), path)
    finally:
        folder.close()
    if not keep_parts:
        shutil.rmtree(folder.path, ignore_errors=True)
    summary.update({"path": str(path), "resumed": len(done), "seconds": time.perf_counter() - started})
    return summary


def _assemble(folder: RunFolder, case: TableCase, arch: Perceptron, kind: str | None, reason: str, chunks: int,
              orbits: int, path: Path) -> dict:
    """Stream the chunks into one Parquet file (a row group each), after checking every function is new."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    functions, offsets, offset = [], [], 0
    for k in range(chunks):
        columns = folder.read_chunk(k)
        functions.append(columns["function"])
        offsets.append(offset)
        offset += int(columns["measure_orbit"].max()) + 1
    every = np.concatenate(functions)
    del functions
    every.sort()                                     # in place: 8 bytes a function
    if np.any(every[1:] == every[:-1]):
        raise RuntimeError("a function appears twice in the table")  # pragma: no cover
    published = region_count(case.n, case.encoding, case.bias)
    if published is not None and len(every) != published:
        raise RuntimeError(f"{len(every)} functions, the published count is {published}")  # pragma: no cover
    total = len(every)
    del every
    measure_name = {"box": "box volume (exact)", "gaussian": "gaussian certified", None: None}[kind]
    attrs = {
        "engine": "geometry", "architecture": arch.to_dict(), "inputs": case.encoding,
        "description": arch.describe() + f", inputs {{{'0,1' if case.encoding == '01' else '-1,1'}}}^{case.n}",
        "regions": total, "orbits": orbits, "measure_orbits": offset,
        "measure": measure_name, "no_measure_because": reason or None,
        "function_format": "uint64: bit j is the output on input j (inputs in MSB-first order)",
        "conditions_format": "uint64: bit j set when the condition at input j is irredundant (w.x_j + b > 0 "
                             "where the output is 1, < 0 where it is 0)",
        "row_order": "grouped by orbit",
    }
    first = ["function", "probability", "exact", "error"]

    def write(tmp: Path) -> None:
        writer = None
        try:
            for k in range(chunks):
                columns = folder.read_chunk(k)
                columns["measure_orbit"] = (columns["measure_orbit"].astype(np.int64) + offsets[k]).astype(np.int32)
                if "exact_numerator" in columns:      # the Fraction as text, one dictionary entry per measure orbit
                    num, den = columns.pop("exact_numerator"), columns.pop("exact_denominator")
                    pairs, inverse = np.unique(np.stack([num, den], axis=1), axis=0, return_inverse=True)
                    text = np.array([str(Fraction(int(a), int(b))) for a, b in pairs], dtype=object)
                    columns["exact"] = pa.DictionaryArray.from_arrays(pa.array(inverse.ravel().astype(np.int32)),
                                                                       pa.array(text, type=pa.string()))
                names = [c for c in first if c in columns] + [c for c in columns if c not in first]
                arrays = [columns[name] if name == "exact" else pa.array(columns[name]) for name in names]
                table = pa.Table.from_arrays(arrays, names=names)
                if writer is None:
                    schema = table.schema.with_metadata(parquet_metadata(attrs))
                    writer = pq.ParquetWriter(tmp, schema)
                writer.write_table(table.replace_schema_metadata(writer.schema.metadata))
        finally:
            if writer is not None:
                writer.close()

    atomic_write(path, write)
    return {"rows": total, "orbits": orbits, "measure_orbits": offset, "measure": kind}
