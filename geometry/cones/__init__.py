"""Polyhedral cones and their measures.

* :mod:`~pfmap.geometry.cones.polyhedra`: exact extreme rays, rank and a pulling triangulation (integers);
* :mod:`~pfmap.geometry.cones.box`: exact volumes inside the uniform box prior (Fractions);
* :mod:`~pfmap.geometry.cones.orthant`: certified Gaussian orthant probabilities (ball arithmetic);
* :mod:`~pfmap.geometry.cones.gaussian`: certified Gaussian measures of cones, closed forms in dimension 3;
* :mod:`~pfmap.geometry.cones.cubature`: float cubature of simplicial cones (the Rao-Blackwell cells' pieces).
"""

from pfmap.lazy import lazy_exports

_HOMES = {
    **{name: "pfmap.geometry.cones.box" for name in ("cone_box_fraction", "polytope_volume_in_box")},
    "cone_gaussian_measure": "pfmap.geometry.cones.gaussian",
    **{name: "pfmap.geometry.cones.orthant" for name in ("CertifiedProbability", "orthant_probability",
                                                         "orthant_probability_exact")},
}
__all__ = sorted(_HOMES, key=str.lower)
__getattr__, __dir__ = lazy_exports(__name__, _HOMES)   # each module is imported on first use (pfmap.lazy)
