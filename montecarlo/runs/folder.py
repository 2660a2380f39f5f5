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

from pathlib import Path

import numpy as np

from pfmap.errors import PfmapError
from pfmap.runfolder import RunFolder
from pfmap.tables import read_table

from pfmap.montecarlo.runs.chunks import chunk_checker, chunk_columns, columns_to_counts
from pfmap.montecarlo.runs.manifest import IDENTITY

TABLE = "table.parquet"


class SamplingFolder(RunFolder):
    """A Monte Carlo run folder: chunks are counted packed truth tables.

    Examples
    --------
    >>> import tempfile
    >>> from pfmap import Perceptron
    >>> from pfmap.montecarlo.runs.manifest import prepare
    >>> _, _, cfg = prepare(Perceptron(2), 10, 0, None, None, "cpu", None)
    >>> with SamplingFolder(tempfile.mkdtemp() + "/run", cfg) as folder:
    ...     folder.write_counts(0, np.array([[8]], dtype=np.uint64), np.array([10]))
    ...     folder.finished_counts()[0][1].tolist()
    [10]
    """

    def __init__(self, path, config: dict, *, lock: bool = True):
        super().__init__(path, config, identity=IDENTITY, parameter="out", lock=lock)

    def write_counts(self, chunk: int, keys: np.ndarray, counts: np.ndarray) -> None:
        """Store a finished chunk's counted tables."""
        self.write_chunk(chunk, chunk_columns(keys, counts), {"networks": int(np.sum(counts))})

    def finished_counts(self, report=None) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """``{chunk: (keys, counts)}`` of every finished chunk that verifies (the others are moved aside)."""
        check = chunk_checker(self.config)
        done = {}
        for k in self.finished(check, report):
            done[k] = columns_to_counts(self.read_chunk(k, check), self.config["words"])
        return done

    @property
    def table_path(self) -> Path:
        """Where the finished run's volume table lives."""
        return self.path / TABLE


def load_run(path, top: int | None = None):
    """The volume table of a finished run folder (``DIR/table.parquet``) as a DataFrame.

    Parameters
    ----------
    path : str or os.PathLike
        The run folder.
    top : int, optional
        Only the ``top`` most probable functions (the table is stored in that
        order), read batch by batch: a 10^8-sample table can hold tens of
        millions of rows.

    Returns
    -------
    pandas.DataFrame
        The volume table, with the run's provenance in ``attrs["pfmap"]``.

    Raises
    ------
    PfmapError
        If the folder has no finished table.

    Examples
    --------
    >>> import tempfile
    >>> from pfmap import Perceptron
    >>> from pfmap.montecarlo import sample
    >>> folder = tempfile.mkdtemp() + "/run"
    >>> df = sample(Perceptron(2), 1000, out=folder)
    >>> load_run(folder)["count"].tolist() == df["count"].tolist()
    True
    >>> load_run(folder, top=2)["function"].tolist() == df["function"][:2].tolist()
    True

    References
    ----------
    Apache Parquet file format (via pyarrow); emcee's file backends (Foreman-Mackey et al. 2013).
    """
    table = Path(path) / TABLE
    if not table.is_file():
        raise PfmapError(f"{path} has no {TABLE} yet; rerun the same sampling command to finish it")
    return read_table(table, top=top)
