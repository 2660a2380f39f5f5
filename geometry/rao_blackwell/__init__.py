"""Rao-Blackwell estimates for ReLU and tanh tiny nets: sample the hidden layers, integrate the output layer exactly.

* :mod:`~pfmap.geometry.rao_blackwell.estimate`: the estimator, its replicates and the table;
* :mod:`~pfmap.geometry.rao_blackwell.cells`: the conditional law of the function given the hidden features,
  with the one dispatch over the output-layer dimension;
* :mod:`~pfmap.geometry.rao_blackwell.cells_3d`, :mod:`~pfmap.geometry.rao_blackwell.cells_4d`: the fast kernels
  for output layers of dimension 3 and 4.
"""

from pfmap.geometry.rao_blackwell.cells import conditional_function_law
from pfmap.geometry.rao_blackwell.estimate import (RaoBlackwellEstimate, check_rao_blackwell, rao_blackwell,
                                                   rao_blackwell_table)

__all__ = ["RaoBlackwellEstimate", "check_rao_blackwell", "conditional_function_law", "rao_blackwell",
           "rao_blackwell_table"]
