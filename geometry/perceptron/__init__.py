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

from pfmap.lazy import lazy_exports

_HOMES = {
    "MAX_BOX_N": "pfmap.geometry.cones.box",
    "conditions_from_mask": "pfmap.geometry.perceptron.conditions",
    **{name: "pfmap.geometry.perceptron.measures" for name in ("perceptron_box_volumes",
                                                               "perceptron_gaussian_measures")},
    **{name: "pfmap.geometry.perceptron.regions" for name in ("PerceptronRegions", "check_enumerable",
                                                              "enumeration_limit", "function_string",
                                                              "measure_orbits", "perceptron_regions",
                                                              "region_count")},
    **{name: "pfmap.geometry.perceptron.table" for name in ("MAX_GAUSSIAN_N", "MAX_GAUSSIAN_N_NO_BIAS",
                                                            "perceptron_table")},
    "perceptron_table_file": "pfmap.geometry.perceptron.table_file",
}
__all__ = sorted(_HOMES, key=str.lower)
__getattr__, __dir__ = lazy_exports(__name__, _HOMES)   # each module is imported on first use (pfmap.lazy)
