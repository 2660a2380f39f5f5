"""pfmap.montecarlo: the sampled engine.

Draw random networks from the prior, evaluate them on every input at once,
count the distinct functions, and return the volume table with confidence
intervals.  Rooms, by job:

* :mod:`~pfmap.montecarlo.sampling`: the public entry points ``sample``, ``sample_to_folder``, ``sample_to_file``,
  ``sample_counts``;
* :mod:`~pfmap.montecarlo.runs`: what a run is, one chunk's work, the resumable run folder;
* :mod:`~pfmap.montecarlo.backends`: the registry and dispatch of the numpy, numba and torch backends;
* :mod:`~pfmap.montecarlo.rng`, :mod:`~pfmap.montecarlo.ziggurat`, :mod:`~pfmap.montecarlo.draws`: the counter-based
  random stream, normals from it, and a network's parameters;
* :mod:`~pfmap.montecarlo.jit`: the one numba decorator (its cache keyed on the engine's source);
* :mod:`~pfmap.montecarlo.counting`: streaming counts of packed truth tables;
* :mod:`~pfmap.montecarlo.volume_table`: counts to the volume table (in memory, or written in batches in any format).

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
from pfmap.montecarlo.draws import draw_parameters
from pfmap.montecarlo.rng import chunk_key
from pfmap.montecarlo.runs import DEFAULT_CHUNK_SIZE, load_run
from pfmap.montecarlo.sampling import sample, sample_counts, sample_to_file, sample_to_folder
from pfmap.montecarlo.volume_table import VolumeRows, volume_table, write_volume

__all__ = ["BACKENDS", "DEFAULT_CHUNK_SIZE", "NetworkLayout", "TableCounter", "VolumeRows", "chunk_key",
           "draw_parameters", "load_run", "sample", "sample_counts", "sample_tables", "sample_to_file",
           "sample_to_folder", "tables_from_parameters", "volume_table", "wilson_interval", "write_volume"]
