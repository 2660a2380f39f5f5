"""The numba kernels of the fast path: eight-lane float32 vectors (``simd``), register-blocked layers (``layers``),
the Boolean-cube first layer and affine folding (``cube``), and the draw-evaluate-certify loop (``forward``)."""
