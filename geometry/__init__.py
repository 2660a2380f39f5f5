"""Exact engine: regions, conditions, box volumes and Gaussian measures of perceptrons and tiny nets."""

from .arrangement import (PerceptronRegions, check_enumerable, measure_orbits, perceptron_regions,
                          region_count)
from .box import cone_box_fraction, perceptron_box_volumes
from .gaussian import cone_gaussian_measure, perceptron_gaussian_measures
from .networks import network_table, rao_blackwell, rao_blackwell_table, step_network_measure, step_network_table
from .perceptron import perceptron_table

__all__ = ["PerceptronRegions", "check_enumerable", "cone_box_fraction", "cone_gaussian_measure", "measure_orbits",
           "network_table", "perceptron_box_volumes", "perceptron_gaussian_measures", "perceptron_regions",
           "perceptron_table", "rao_blackwell", "rao_blackwell_table", "region_count", "step_network_measure",
           "step_network_table"]
