"""montecarlo: the sampled engine of pfmap.

Draw random networks from the prior, evaluate them on all inputs at once,
count the distinct functions, and return the volume table with confidence
intervals.  Modules: ``rng`` (counter-based parameters), ``sampler`` and
``kernels`` (backends and the certified float32 fast path, with ``layers``,
``cube`` and ``simd`` below it), ``counts``
(streaming hash counting), ``table`` (Wilson intervals), ``run`` and
``driver`` (chunks, run folders, resume, Dask, progress).

Examples
--------
>>> from pfmap import Perceptron
>>> from pfmap.montecarlo import sample
>>> df = sample(Perceptron(1), 1000, seed=0)
>>> sorted(df["function"])
['00', '01', '10', '11']
"""

from .counts import TableCounter
from .driver import sample, sample_counts, sample_to_folder
from .rng import chunk_key, draw_parameters
from .run import DEFAULT_CHUNK_SIZE, load_run
from .sampler import BACKENDS, NetworkLayout, sample_tables, tables_from_parameters
from .table import volume_table, wilson_interval

__all__ = ["BACKENDS", "DEFAULT_CHUNK_SIZE", "NetworkLayout", "TableCounter", "chunk_key", "draw_parameters",
           "load_run", "sample", "sample_counts", "sample_tables", "sample_to_folder", "tables_from_parameters",
           "volume_table", "wilson_interval"]
