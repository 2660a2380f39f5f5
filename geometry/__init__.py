"""pfmap.geometry: the exact engine.

Rooms, by concept:

* :mod:`~pfmap.geometry.perceptron`: the regions of a perceptron's arrangement (witnesses, conditions,
  orbits) and the exact volume table;
* :mod:`~pfmap.geometry.cones`: exact box volumes, certified Gaussian (orthant) measures, closed forms;
* :mod:`~pfmap.geometry.step_networks`: exact composition for step-activation tiny nets;
* :mod:`~pfmap.geometry.rao_blackwell`: ReLU/tanh tiny nets, exact output layer over sampled hidden layers;
* :mod:`~pfmap.geometry.networks`: one entry point for tiny nets, the right method per activation.

Examples
--------
>>> from pfmap.geometry import perceptron_table
>>> from pfmap import UniformPrior
>>> t = perceptron_table(2, UniformPrior())
>>> str(t.set_index("function").loc["0001", "exact"])
'1/48'
"""

from pfmap.geometry.cones import cone_box_fraction, cone_gaussian_measure
from pfmap.geometry.networks import network_table
from pfmap.geometry.perceptron import (PerceptronRegions, check_enumerable, measure_orbits, perceptron_box_volumes,
                                       perceptron_gaussian_measures, perceptron_regions, perceptron_table, region_count)
from pfmap.geometry.rao_blackwell import rao_blackwell, rao_blackwell_table
from pfmap.geometry.step_networks import step_network_measure, step_network_table

__all__ = ["PerceptronRegions", "check_enumerable", "cone_box_fraction", "cone_gaussian_measure", "measure_orbits",
           "network_table", "perceptron_box_volumes", "perceptron_gaussian_measures", "perceptron_regions",
           "perceptron_table", "rao_blackwell", "rao_blackwell_table", "region_count", "step_network_measure",
           "step_network_table"]
