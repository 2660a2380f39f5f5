"""Monte Carlo run folders: the generic :class:`pfmap.runfolder.RunFolder` with this engine's chunks and table.

Run folder layout::

    DIR/manifest.json                 what the run is (refused if a later command differs)
    DIR/chunks/chunk-000007.parquet   one per finished chunk: w0.., count (written atomically, checksummed)
    DIR/table.parquet                 the merged volume table, once every chunk is done

References
----------
Foreman-Mackey et al., "emcee: the MCMC hammer", PASP 125 (2013) (resumable file-backed runs).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pfmap.errors import PfmapError
from pfmap.runfolder import RunFolder
from pfmap.tables import read_table

from pfmap.montecarlo.runs.chunks import chunk_checker, chunk_columns, columns_to_counts
from pfmap.montecarlo.runs.manifest import IDENTITY, available_memory

if TYPE_CHECKING:
    import pandas as pd

TABLE = "table.parquet"


class SamplingFolder(RunFolder):
    """A Monte Carlo run folder: chunks are counted packed truth tables.

    Parameters
    ----------
    path : str or os.PathLike
        The folder (created if missing).
    config : dict
        The run's manifest (:func:`pfmap.montecarlo.runs.manifest.run_config`); an existing folder must
        agree with it on the :data:`~pfmap.montecarlo.runs.manifest.IDENTITY` keys.
    lock : bool
        Hold the folder's lock while open.

    Raises
    ------
    PfmapError
        If the folder holds a different run, is locked by a live process, or cannot be written.

    Examples
    --------
    >>> import tempfile
    >>> from pfmap import Perceptron
    >>> from pfmap.montecarlo.runs.manifest import prepare
    >>> _, _, cfg = prepare(Perceptron(2), 10, 0, inputs=None, backend=None, device="cpu", chunk_size=None)
    >>> with SamplingFolder(tempfile.mkdtemp() + "/run", cfg) as folder:
    ...     folder.write_counts(0, np.array([[8]], dtype=np.uint64), np.array([10]))
    ...     dict(folder.finished_counts())[0][1].tolist()
    [10]
    """

    def __init__(self, path: str | os.PathLike, config: dict, *, lock: bool = True) -> None:
        super().__init__(path, config, identity=IDENTITY, parameter="out", lock=lock)

    def write_counts(self, chunk: int, keys: np.ndarray, counts: np.ndarray) -> None:
        """Store a finished chunk's counted tables."""
        self.write_chunk(chunk, chunk_columns(keys, counts), {"networks": int(np.sum(counts))})

    def finished_counts(self, report=None) -> Iterator[tuple[int, tuple[np.ndarray, np.ndarray]]]:
        """Yield ``(chunk, (keys, counts))`` for every finished chunk that verifies, reading each file once
        (the others are moved aside and reported)."""
        for k, columns in self.iter_finished(chunk_checker(self.config), report):
            yield k, columns_to_counts(columns, self.config["words"])

    @property
    def table_path(self) -> Path:
        """Where the finished run's volume table lives."""
        return self.path / TABLE


def load_run(path: str | os.PathLike, top: int | None = None, *, columns: Sequence[str] | None = None
             ) -> pd.DataFrame:
    """The volume table of a finished run folder (``DIR/table.parquet``) as a DataFrame.

    Parameters
    ----------
    path : str or os.PathLike
        The run folder.
    top : int, optional
        Only the ``top`` most probable functions (the table is stored in that
        order), read batch by batch: a 10^8-sample table can hold tens of
        millions of rows.
    columns : list of str, optional
        Only these columns (``function`` always comes too).

    Returns
    -------
    pandas.DataFrame
        The volume table, with the run's provenance in ``attrs["pfmap"]``.

    Raises
    ------
    PfmapError
        If the folder has no finished table, or the whole table (without ``top``) would not fit in the memory
        available (the message says how much of it would).

    Examples
    --------
    >>> import tempfile
    >>> from pfmap import Perceptron
    >>> from pfmap.montecarlo import sample
    >>> folder = tempfile.mkdtemp() + "/run"
    >>> df = sample(Perceptron(2), 1000, out=folder)
    >>> load_run(folder)["count"].tolist() == df["count"].tolist()
    True
    >>> load_run(folder, top=2, columns=["count"]).columns.tolist()
    ['function', 'count']

    References
    ----------
    Apache Parquet file format (via pyarrow); emcee's file backends (Foreman-Mackey et al. 2013).
    """
    table = Path(path) / TABLE
    if not table.is_file():
        raise PfmapError(f"{path} has no {TABLE} yet; rerun the same sampling command to finish it")
    if top is None:
        need, rows = table_memory(table, columns)
        available = available_memory()
        if need > available // 2:
            fit = max(1, int(rows * (available // 2) / max(need, 1)))
            raise PfmapError(f"the table of {path} has {rows:,} rows, about {need / 2**30:.3g} GiB in memory, more "
                             f"than half of the {available / 2**30:.3g} GiB available: read its head with top= (about "
                             f"{fit:,} rows fit) or only some columns with columns=")
    return read_table(table, top=top, columns=columns)


def table_memory(path: str | os.PathLike, columns: Sequence[str] | None = None) -> tuple[int, int]:
    """``(bytes, rows)``: about how much memory the DataFrame of a Parquet volume table takes, from its metadata.

    Parameters
    ----------
    path : str or os.PathLike
        A Parquet volume table.
    columns : list of str, optional
        Only these columns.

    Returns
    -------
    tuple of int
        ``(bytes, rows)``: the estimated bytes (Arrow's buffers and pandas' columns) and the row count.

    Examples
    --------
    >>> import tempfile
    >>> from pfmap import Perceptron
    >>> from pfmap.montecarlo import sample_to_folder
    >>> folder = tempfile.mkdtemp() + "/run"
    >>> _ = sample_to_folder(Perceptron(2), 1000, folder)
    >>> table_memory(Path(folder) / TABLE)[1]
    14
    """
    import pyarrow.parquet as pq

    handle = pq.ParquetFile(path)
    rows = handle.metadata.num_rows
    names = handle.schema_arrow.names if columns is None else ["function"] + [c for c in columns if c != "function"]
    length = 0
    if rows:
        first = next(handle.iter_batches(batch_size=1, columns=["function"]))
        length = len(first.column(0)[0].as_py())
    per_row = sum(length + 8 if name == "function" else 8 for name in names)
    return 2 * per_row * rows, rows  # Arrow's buffers, then pandas' columns
