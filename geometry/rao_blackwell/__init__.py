"""Rao-Blackwell estimates for ReLU and tanh tiny nets: sample the hidden layers, integrate the output layer exactly.

* :mod:`~pfmap.geometry.rao_blackwell.run`: the entry points (:func:`rao_blackwell`, the table, the checks);
* :mod:`~pfmap.geometry.rao_blackwell.estimate`: the estimate as a result (intervals, resolution, table);
* :mod:`~pfmap.geometry.rao_blackwell.draws`: where the hidden parameters come from (plain or RQMC);
* :mod:`~pfmap.geometry.rao_blackwell.hidden`: hidden parameters to the output layer's normals;
* :mod:`~pfmap.geometry.rao_blackwell.batch`: one compiled loop per output-layer kernel;
* :mod:`~pfmap.geometry.rao_blackwell.symmetry`: the prior's symmetries and their orbits;
* :mod:`~pfmap.geometry.rao_blackwell.cells`: the conditional law given the normals, as a library call;
* the kernels: :mod:`~pfmap.geometry.rao_blackwell.cells_3d` (dimension 3),
  :mod:`~pfmap.geometry.rao_blackwell.cells_4d` (dimension 4, up to four planes, exact),
  :mod:`~pfmap.geometry.rao_blackwell.directions_4d` (dimension 4, any planes: what the estimate runs),
  :mod:`~pfmap.geometry.rao_blackwell.slices_4d` (dimension 4, any planes: a converging reference),
  :mod:`~pfmap.geometry.rao_blackwell.simplices` (any dimension, by cutting).
"""

from pfmap.geometry.rao_blackwell.cells import conditional_function_law
from pfmap.geometry.rao_blackwell.estimate import RaoBlackwellEstimate
from pfmap.geometry.rao_blackwell.run import check_rao_blackwell, output_kernel, rao_blackwell, rao_blackwell_table

__all__ = ["RaoBlackwellEstimate", "check_rao_blackwell", "conditional_function_law", "output_kernel",
           "rao_blackwell", "rao_blackwell_table"]
