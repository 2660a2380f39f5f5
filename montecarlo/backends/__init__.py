"""The sampling backends behind one registry and one dispatch.

* ``"numpy"``: the float64 reference.  Parameters come from the counter-based
  stream of :mod:`pfmap.montecarlo.rng`; the forward pass is plain ``numpy.matmul``.
* ``"numba"`` (the CPU default): the same parameters, a multi-threaded float32
  forward pass whose signs are certified against the float64 reference, so it
  returns the same tables as ``"numpy"``.
* ``"torch"``: torch's own generator and a batched ``bmm`` forward pass on
  CPU or CUDA; it samples the same distribution but not the same networks.

:func:`resolve_backend` is the one place where a ``(backend, device)`` request
is decided: no backend given and a CUDA device means torch; numpy and numba
run on the CPU only.

References
----------
Valle-Pérez, Camargo, Louis, "Deep learning generalizes because the parameter-function map is biased
towards simple functions", ICLR 2019 (sampling random networks on {0,1}^7 and counting functions).
"""

from __future__ import annotations

from pfmap.montecarlo.backends.layout import NetworkLayout
from pfmap.montecarlo.backends.numba_backend import float32_outputs
from pfmap.montecarlo.backends.registry import (BACKENDS, DEFAULT_BACKEND, REGISTRY, resolve_backend, resolve_key,
                                                sample_tables, tables_from_parameters, validate_backend)

__all__ = ["BACKENDS", "DEFAULT_BACKEND", "REGISTRY", "NetworkLayout", "float32_outputs", "resolve_backend", "resolve_key",
           "sample_tables", "tables_from_parameters", "validate_backend"]
