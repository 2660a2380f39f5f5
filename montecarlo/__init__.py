"""pfmap.montecarlo: the sampled engine.

Draw random networks from the prior, evaluate them on every input at once,
count the distinct functions, and return the volume table with confidence
intervals.  Rooms, by job:

* :mod:`~pfmap.montecarlo.sampling`: the public entry points ``sample``, ``sample_to_folder``, ``sample_counts``;
* :mod:`~pfmap.montecarlo.runs`: what a run is, one chunk's work, the resumable run folder;
* :mod:`~pfmap.montecarlo.backends`: the registry and dispatch of the numpy, numba and torch backends;
* :mod:`~pfmap.montecarlo.rng`: the counter-based random parameters;
* :mod:`~pfmap.montecarlo.counting`: streaming counts of packed truth tables;
* :mod:`~pfmap.montecarlo.volume_table`: counts to the volume table (in memory or written in batches).

Examples
--------
>>> from pfmap import Perceptron
>>> from pfmap.montecarlo import sample
>>> df = sample(Perceptron(1), 1000, seed=0)
>>> sorted(df["function"])
['00', '01', '10', '11']
"""

from pfmap.intervals import wilson_interval
from pfmap.montecarlo.backends import BACKENDS, NetworkLayout, sample_tables, tables_from_parameters
from pfmap.montecarlo.counting import TableCounter
from pfmap.montecarlo.rng import chunk_key, draw_parameters
from pfmap.montecarlo.runs import DEFAULT_CHUNK_SIZE, load_run
from pfmap.montecarlo.sampling import sample, sample_counts, sample_to_folder
from pfmap.montecarlo.volume_table import volume_table

__all__ = ["BACKENDS", "DEFAULT_CHUNK_SIZE", "NetworkLayout", "TableCounter", "chunk_key", "draw_parameters",
           "load_run", "sample", "sample_counts", "sample_tables", "sample_to_folder", "tables_from_parameters",
           "volume_table", "wilson_interval"]
