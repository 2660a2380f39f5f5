"""Monte Carlo runs: the validated request and its manifest, one chunk's work, and the run folder.

* :mod:`~pfmap.montecarlo.runs.manifest`: what a run is (``prepare``, ``run_config``);
* :mod:`~pfmap.montecarlo.runs.chunks`: sampling and counting one chunk, the worker task;
* :mod:`~pfmap.montecarlo.runs.folder`: the resumable folder and ``load_run``.

Where chunks execute (here or on Dask) is :mod:`pfmap.executors`; the folder
machinery itself is :mod:`pfmap.runfolder`, shared with the training engine.
"""

from pfmap.montecarlo.runs.chunks import chunk_networks, count_chunk
from pfmap.montecarlo.runs.folder import SamplingFolder, load_run
from pfmap.montecarlo.runs.manifest import DEFAULT_CHUNK_SIZE, IDENTITY, RUN_FORMAT, prepare, run_config

__all__ = ["DEFAULT_CHUNK_SIZE", "IDENTITY", "RUN_FORMAT", "SamplingFolder", "chunk_networks", "count_chunk",
           "load_run", "prepare", "run_config"]
