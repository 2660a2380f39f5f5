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

from pfmap.lazy import lazy_exports

_HOMES = {
    "cone_box_fraction": "pfmap.geometry.cones.box",
    "cone_gaussian_measure": "pfmap.geometry.cones.gaussian",
    "network_table": "pfmap.geometry.networks",
    **{name: "pfmap.geometry.perceptron.measures" for name in ("perceptron_box_volumes",
                                                               "perceptron_gaussian_measures")},
    **{name: "pfmap.geometry.perceptron.regions" for name in ("PerceptronRegions", "check_enumerable",
                                                              "measure_orbits", "perceptron_regions",
                                                              "region_count")},
    "perceptron_table": "pfmap.geometry.perceptron.table",
    **{name: "pfmap.geometry.rao_blackwell.run" for name in ("rao_blackwell", "rao_blackwell_table")},
    **{name: "pfmap.geometry.step_networks.table" for name in ("step_network_measure", "step_network_table")},
}
__all__ = sorted(_HOMES, key=str.lower)
# Each room is imported on first use: `pfmap table perceptron --n 2` does not pay for numba, sympy or the
# Rao-Blackwell kernels (pfmap.lazy).
__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
