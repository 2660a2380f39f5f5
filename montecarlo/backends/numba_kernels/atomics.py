"""An atomic counter for numba kernels run on several threads at once: ``fetch_add``.

The fast path's threads share the networks of a batch by taking the next
block from one int64 counter, so that a thread slowed down on a shared
machine simply takes fewer blocks; the increment must be atomic.  numba has
no CPU atomics, so :func:`fetch_add` emits LLVM's ``atomicrmw add``.

Examples
--------
>>> import numba, numpy as np
>>> @numba.njit
... def take_three(counter):
...     return fetch_add(counter, 0, 1), fetch_add(counter, 0, 1), fetch_add(counter, 0, 1)
>>> take_three(np.zeros(1, dtype=np.int64))
(0, 1, 2)

References
----------
The LLVM Language Reference Manual, ``atomicrmw`` instruction (sequentially consistent ordering).
"""

from __future__ import annotations

from numba import types
from numba.extending import intrinsic


@intrinsic
def fetch_add(typingctx, arr, index, value):
    """Atomically add ``value`` to ``arr[index]`` (a C-contiguous int64 array) and return the previous value.

    Parameters
    ----------
    arr : numpy.ndarray
        int64, C-contiguous.
    index, value : int
        The element (no bounds check, no negative wrap) and the increment.

    Returns
    -------
    int
        ``arr[index]`` before the addition.

    Examples
    --------
    >>> import numba, numpy as np
    >>> @numba.njit
    ... def twice(counter):
    ...     fetch_add(counter, 0, 5)
    ...     return fetch_add(counter, 0, 5)
    >>> twice(np.zeros(1, dtype=np.int64))
    5
    """
    if not (isinstance(arr, types.Array) and arr.dtype == types.int64 and arr.layout == "C"
            and isinstance(index, types.Integer) and isinstance(value, types.Integer)):
        return None

    def codegen(context, builder, sig, args):
        array = context.make_array(sig.args[0])(context, builder, args[0])
        offset = context.cast(builder, args[1], sig.args[1], types.intp)
        increment = context.cast(builder, args[2], sig.args[2], types.int64)
        pointer = builder.gep(array.data, [offset])
        return builder.atomic_rmw("add", pointer, increment, "seq_cst")

    return types.int64(arr, index, value), codegen
