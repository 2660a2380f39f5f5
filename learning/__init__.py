"""pfmap.learning: the trained and conditioned engine (NNGP kernels, posteriors P_B(f|S), batched SGD P_SGD(f|S))."""
