"""Polyhedral cones and their measures.

* :mod:`~pfmap.geometry.cones.polyhedra`: exact extreme rays, rank and a pulling triangulation (integers);
* :mod:`~pfmap.geometry.cones.box`: exact volumes inside the uniform box prior (Fractions);
* :mod:`~pfmap.geometry.cones.orthant`: certified Gaussian orthant probabilities (ball arithmetic);
* :mod:`~pfmap.geometry.cones.gaussian`: certified Gaussian measures of cones, closed forms in dimension 3;
* :mod:`~pfmap.geometry.cones.cubature`: float cubature of simplicial cones (the Rao-Blackwell cells' pieces).
"""

from pfmap.geometry.cones.box import cone_box_fraction, polytope_volume_in_box
from pfmap.geometry.cones.gaussian import cone_gaussian_measure
from pfmap.geometry.cones.orthant import CertifiedProbability, orthant_probability, orthant_probability_exact

__all__ = ["CertifiedProbability", "cone_box_fraction", "cone_gaussian_measure", "orthant_probability",
           "orthant_probability_exact", "polytope_volume_in_box"]
