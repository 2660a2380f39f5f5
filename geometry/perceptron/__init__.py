"""Perceptron regions: one region of the hyperplane arrangement per threshold function.

* :mod:`~pfmap.geometry.perceptron.counts`: the published region counts and the enumeration limits;
* :mod:`~pfmap.geometry.perceptron.symmetry`: signed permutations, Chow-vector orbit keys, measure orbits;
* :mod:`~pfmap.geometry.perceptron.feasibility`: integer witnesses and Gordan certificates of strict systems;
* :mod:`~pfmap.geometry.perceptron.enumeration`: the orbit walk and the orbit expansion;
* :mod:`~pfmap.geometry.perceptron.conditions`: irredundant conditions and how they read;
* :mod:`~pfmap.geometry.perceptron.regions`: every region in memory (n <= 5), with witnesses and conditions;
* :mod:`~pfmap.geometry.perceptron.volumes`: exact box volumes, once per orbit;
* :mod:`~pfmap.geometry.perceptron.measures`: certified Gaussian measures, once per orbit;
* :mod:`~pfmap.geometry.perceptron.table`: the exact volume table in memory (conditions and probabilities);
* :mod:`~pfmap.geometry.perceptron.orbit_rows`, :mod:`~pfmap.geometry.perceptron.table_file`: the n = 6 table,
  orbit by orbit, as numbers in a resumable Parquet file.
"""

from pfmap.geometry.cones.box import MAX_BOX_N
from pfmap.geometry.perceptron.conditions import conditions_from_mask
from pfmap.geometry.perceptron.measures import perceptron_box_volumes, perceptron_gaussian_measures
from pfmap.geometry.perceptron.regions import (PerceptronRegions, check_enumerable, enumeration_limit, function_string,
                                               measure_orbits, perceptron_regions, region_count)
from pfmap.geometry.perceptron.table import MAX_GAUSSIAN_N, MAX_GAUSSIAN_N_NO_BIAS, perceptron_table
from pfmap.geometry.perceptron.table_file import perceptron_table_file

__all__ = ["MAX_BOX_N", "MAX_GAUSSIAN_N", "MAX_GAUSSIAN_N_NO_BIAS", "PerceptronRegions", "check_enumerable",
           "conditions_from_mask", "enumeration_limit", "function_string", "measure_orbits",
           "perceptron_box_volumes", "perceptron_gaussian_measures", "perceptron_regions", "perceptron_table",
           "perceptron_table_file", "region_count"]
