"""Time the certified Gaussian measures of every perceptron region against scipy's Genz QMC on the same cones.

Run by hand (not part of the tests):

    python benchmarks/gaussian.py                       # n = 4, {0,1}, bias, standard normal prior
    python benchmarks/gaussian.py --n 5 --no-bias       # 11,292 regions in dimension 5
    python benchmarks/gaussian.py --n 5                 # 94,572 regions in dimension 6 (860 orbits)
    python benchmarks/gaussian.py --n 5 --encoding pm1 --workers 1
    python benchmarks/gaussian.py --n 3 --encoding pm1 --sigma-w 1/3 --sigma-b 5

It prints the wall and CPU time of the enumeration and of
``perceptron_gaussian_measures`` (certified, one computation per symmetry
orbit; in dimension 6 the kernel's share and its work counters), the largest
error bound, whether the certified sum of all measures contains 1, and, as
the baseline measured in the same run, scipy's ``multivariate_normal.cdf``
(Genz's randomised QMC, absolute tolerance 1e-8, no certified bound) on the
simplicial cones of the same triangulations for a sample of orbits, with the
per-cone time ratio.  Wall times on a shared machine swing with its load;
the CPU times are steadier.

Measured (2 cores shared with other jobs, load average 7-11, kernel compiled
and cached), n = 5 with bias, standard prior, {0,1}^5: enumeration 5.6 s;
certified measures 72.8 s wall and 18.9 s of CPU, of which the dimension-6
kernel 60.8 s wall and 15.7 s of CPU for 4,784 simplicial cones (2,850
correlation patterns, 3.7e7 inner and 1.9e5 outer nodes); largest error bound
2.95e-11; certified sum contains 1.  Baseline in the same run, 10 orbits (20
simplicial cones): certified 0.37 s, Genz 69.8 s (ratio 0.01), largest
difference 2.4e-8 (Genz's error on these thin cones).  {-1,1}^5: 63 orbits,
549 simplicial cones (86 patterns), 5.5 s of CPU for the whole run.
"""

from __future__ import annotations

import argparse
import time
from fractions import Fraction

import numpy as np
from flint import arb, ctx
from scipy.stats import multivariate_normal

from pfmap.geometry.cones.orthant import clear_cache
from pfmap.geometry.cones.orthant_block_quadrature import STATS
from pfmap.geometry.cones import orthant_dimension6
from pfmap.geometry.perceptron.regions import measure_orbits, perceptron_regions
from pfmap.geometry.cones.gaussian import simplex_covariance, cone_gaussian_measure
from pfmap.geometry.perceptron.measures import perceptron_gaussian_measures, perceptron_variances
from pfmap.geometry.cones.polyhedra import triangulate_cone
from pfmap import GaussianPrior


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=4)
    parser.add_argument("--encoding", default="01", choices=["01", "pm1"])
    parser.add_argument("--no-bias", action="store_true")
    parser.add_argument("--sigma-w", default="1")
    parser.add_argument("--sigma-b", default="1")
    parser.add_argument("--baseline-orbits", type=int, default=20, help="orbits timed with scipy (0: skip)")
    parser.add_argument("--workers", type=int, default=None, help="threads for the dimension-6 batch")
    args = parser.parse_args()

    bias = not args.no_bias
    prior = GaussianPrior(Fraction(args.sigma_w), Fraction(args.sigma_b), bias=bias)
    start = time.perf_counter()
    regions = perceptron_regions(args.n, args.encoding, bias)
    enumerate_s = time.perf_counter() - start
    orbit = measure_orbits(regions)
    print(f"n = {args.n}, inputs {args.encoding}, bias {bias}, {prior.describe()}: {len(regions)} regions, "
          f"{len(set(orbit.tolist()))} orbits, dimension {regions.dimension} (enumeration {enumerate_s:.1f} s)")

    stats = np.zeros(STATS, np.int64)
    batch = orthant_dimension6.orthant6_balls
    kernel = {"wall": 0.0, "cpu": 0.0, "cones": 0}

    def timed_batch(matrices, **kwargs):
        w, c = time.perf_counter(), time.process_time()
        out = batch(matrices, stats=stats, **kwargs)
        kernel["wall"] += time.perf_counter() - w
        kernel["cpu"] += time.process_time() - c
        kernel["cones"] += len(matrices)
        return out

    orthant_dimension6.orthant6_balls = timed_batch
    import pfmap.geometry.cones.orthant as orthant_module
    orthant_module.orthant6_balls = timed_batch
    start, cpu = time.perf_counter(), time.process_time()
    measures = perceptron_gaussian_measures(regions, prior, workers=args.workers)
    certified_s, certified_cpu = time.perf_counter() - start, time.process_time() - cpu
    with ctx.workprec(128):
        total = sum((m.ball for m in measures), arb(0))
    print(f"certified measures: {certified_s:.1f} s wall, {certified_cpu:.1f} s CPU, largest error bound "
          f"{max(m.error for m in measures):.2e}, certified sum contains 1: {total.contains(1)}, "
          f"closed forms: {sum(m.exact is not None for m in measures)}")
    if kernel["cones"]:
        patterns = orthant_dimension6.cached_patterns()
        print(f"  dimension-6 kernel: {kernel['cones']} simplicial cones, {patterns} patterns, "
              f"{kernel['wall']:.1f} s wall, {kernel['cpu']:.1f} s CPU; inner nodes {stats[0]:,}, outer nodes "
              f"{stats[1]:,}, bisections {stats[2]} + {stats[3]}, failures {stats[5]}")

    if args.baseline_orbits <= 0:
        return
    var = perceptron_variances(regions, prior)
    reps = {}
    for i, o in enumerate(orbit.tolist()):
        reps.setdefault(o, i)
    sample = list(reps.values())[:args.baseline_orbits]
    clear_cache()  # time the certified integrals afresh, not the cache of the full run
    cones, ours_s, genz_s, worst = 0, 0.0, 0.0, 0.0
    for i in sample:
        rays, simplices = triangulate_cone(regions.cone(i))
        ray_list = rays.tolist()
        start = time.perf_counter()
        ours = cone_gaussian_measure(regions.cone(i), var, method="triangulation")
        ours_s += time.perf_counter() - start
        start = time.perf_counter()
        genz = 0.0
        for simplex in simplices:
            cov = np.array(simplex_covariance([ray_list[j] for j in simplex], var), dtype=float)
            genz += multivariate_normal(np.zeros(len(cov)), cov, abseps=1e-8, releps=1e-8, maxpts=10**7,
                                        seed=np.random.default_rng(0)).cdf(np.zeros(len(cov)))
        genz_s += time.perf_counter() - start
        cones += len(simplices)
        worst = max(worst, abs(genz - ours.probability))
    print(f"baseline on {len(sample)} orbits ({cones} simplicial cones): certified {ours_s:.2f} s, "
          f"scipy Genz (abseps 1e-8) {genz_s:.2f} s, ratio certified/Genz {ours_s / genz_s:.2f}, "
          f"largest |difference| {worst:.1e}")


if __name__ == "__main__":
    main()
