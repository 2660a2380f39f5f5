"""The numba kernels of the fast path: eight-lane float32 vectors (``simd``; their masks and reductions, ``lanes``),
the ziggurat's eight-lane proposals (``proposals``), an atomic counter (``atomics``), register-blocked layers
(``layers``), the Boolean-cube first layer and affine folding (``cube``), and the draw-evaluate-certify loop
(``forward``)."""
