"""Perceptron regions: one region of the hyperplane arrangement per threshold function.

* :mod:`~pfmap.geometry.perceptron.regions`: enumeration with integer witnesses, irredundant conditions,
  symmetry orbits, the published counts;
* :mod:`~pfmap.geometry.perceptron.measures`: every region's box volume and Gaussian measure, once per orbit;
* :mod:`~pfmap.geometry.perceptron.table`: the exact volume table (conditions and probabilities).
"""

from pfmap.geometry.perceptron.measures import perceptron_box_volumes, perceptron_gaussian_measures
from pfmap.geometry.perceptron.regions import (PerceptronRegions, check_enumerable, function_string, measure_orbits,
                                               perceptron_regions, region_count)
from pfmap.geometry.perceptron.table import perceptron_table

__all__ = ["PerceptronRegions", "check_enumerable", "function_string", "measure_orbits", "perceptron_box_volumes",
           "perceptron_gaussian_measures", "perceptron_regions", "perceptron_table", "region_count"]
