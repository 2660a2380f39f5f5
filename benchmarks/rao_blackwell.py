"""Rao–Blackwellised estimate vs plain sampling at equal wall time: how much narrower are the intervals?

Run by hand (not part of the tests):

    python benchmarks/rao_blackwell.py                                  # 2-2-1 relu, gaussian prior
    python benchmarks/rao_blackwell.py --prior uniform
    python benchmarks/rao_blackwell.py --n 3 --widths 2 --samples 5e4
    python benchmarks/rao_blackwell.py --sampler mc                     # RB with independent hidden draws
    python benchmarks/rao_blackwell.py --n 3 --widths 3 --no-bias       # 3-3-1 without biases: dimension 3

For each of ``--repeats`` seeds it times one Rao–Blackwellised estimate
(``pfmap.geometry.rao_blackwell.estimate.rao_blackwell``, hidden layer sampled, output
layer integrated exactly, one thread) and gives plain sampling the same
wall time: ``montecarlo.sample`` (numba backend, one worker), at the rate
measured in the same run.  Per function it prints the mean half-width of
the 95% intervals, the Rao–Blackwellised one as reported (Student t over
the RQMC replicates, or CLT) and the plain one ``1.96 sqrt(p(1-p)/N)``,
their ratio, and, as a check that the reported intervals are honest, the
spread of the Rao–Blackwellised estimates across the seeds against their
reported standard error, and the ratio recomputed with that spread
(``ratio (spread)``, noisier: a standard deviation from ``--repeats`` runs).  Ratios are summarised per function class
(orbit under input permutations and output complement), rare classes
first.

Measured (2-core AMD EPYC, November 2026; 2e5 hidden samples, 8 seeds):

* 2-2-1 relu, gaussian prior: worst function (xor) 12.1x narrower at equal
  time (10.8x from the spread across seeds), common functions 20-67x; with
  independent hidden draws (``--sampler mc``) the worst is 3.7x.
* 2-2-1 tanh: worst 35.4x; 2-2-1 relu under the uniform prior: worst 13.2x.
* Without biases three hidden units keep the output layer in dimension 3
  (``--widths 3 --no-bias``): 2-3-1 relu worst 6.0x at 2e5 hidden samples,
  9.5x at 1e6 (the randomised QMC gains with N).
* Output layers of dimension 4 (``--widths 3``: 2-3-1, 3-3-1 with bias):
  a Gaussian cone in R^4 is a volume on S^3, with no closed form.  With at
  most four distinct planes (2-3-1) the cells are sign patterns of four
  Gaussians, closed forms plus one Plackett integral
  (:mod:`pfmap.geometry.rao_blackwell.cells_4d`): 4.8 us per hidden sample (the earlier
  cubature: 1.6 ms), and the worst function (xor) is 4.8x narrower at 2e5
  hidden samples, 7.0x at 1e6, 8.1x at 4e6 (6 seeds; the other classes
  11-38x there), 9.3x at 1.6e7 (4 seeds; 12.7x from the spread; the other
  classes 17-61x): the randomised QMC gains with N.  3-3-1 (eight planes) still
  uses the cubature, 6.5 ms per hidden sample against 0.44 us per plain
  network: there plain sampling wins (ratio 0.1-0.3).
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np

from pfmap.geometry.rao_blackwell.estimate import rao_blackwell
from pfmap.montecarlo import sample
from pfmap import MLP, boolean_inputs, make_prior


def function_class(f: int, n: int) -> int:
    """Smallest truth table in the orbit of ``f`` under input permutations and output complement."""
    x = boolean_inputs(n)
    m = 1 << n
    best = None
    for perm in itertools.permutations(range(n)):
        index = [int("".join(map(str, x[j][list(perm)])), 2) for j in range(m)]
        g = sum(((f >> index[j]) & 1) << j for j in range(m))
        for h in (g, g ^ ((1 << m) - 1)):
            best = h if best is None else min(best, h)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2)
    parser.add_argument("--widths", default="2")
    parser.add_argument("--activation", default="relu")
    parser.add_argument("--prior", default="gaussian")
    parser.add_argument("--no-bias", action="store_true", help="no biases (the output layer loses a dimension)")
    parser.add_argument("--samples", default="2e5", help="hidden samples per Rao-Blackwell run (default 2e5)")
    parser.add_argument("--repeats", type=int, default=8)
    parser.add_argument("--sampler", default="rqmc", choices=["rqmc", "mc"])
    args = parser.parse_args()

    arch = MLP(args.n, args.widths, args.activation, make_prior(args.prior, bias=not args.no_bias))
    samples = int(float(args.samples))
    rao_blackwell(arch, 64, sampler=args.sampler)            # compile
    sample(arch, 10_000, seed=0, workers=1)                  # compile
    t0 = time.perf_counter()
    calibration = 2_000_000
    sample(arch, calibration, seed=12345, workers=1)
    plain_rate = calibration / (time.perf_counter() - t0)

    estimates, reported, half_rb, rb_time, plain_time, plain_nets = [], [], [], [], [], []
    for seed in range(1, args.repeats + 1):
        t0 = time.perf_counter()
        est = rao_blackwell(arch, samples, seed=seed, sampler=args.sampler)
        rb_time.append(time.perf_counter() - t0)
        low, high = est.interval(0.95)
        estimates.append(est.probability)
        reported.append(est.std_error)
        half_rb.append((high - low) / 2)
        nets = max(1000, int(plain_rate * rb_time[-1]))
        t0 = time.perf_counter()
        sample(arch, nets, seed=seed, workers=1)
        plain_time.append(time.perf_counter() - t0)
        plain_nets.append(nets)
    estimates, reported, half_rb = np.array(estimates), np.array(reported), np.array(half_rb)
    p = estimates.mean(axis=0)
    # plain intervals for the nets plain sampling managed in the Rao-Blackwell run's wall time
    nets_equal_time = np.array(plain_nets) * np.array(rb_time) / np.array(plain_time)
    half_plain = 1.96 * np.sqrt(p * (1 - p))[None, :] / np.sqrt(nets_equal_time)[:, None]
    ratio = half_plain.mean(axis=0) / np.where(half_rb.mean(axis=0) > 0, half_rb.mean(axis=0), np.nan)
    observed = estimates.std(axis=0, ddof=1)
    spread = observed / np.where(reported.mean(axis=0) > 0, reported.mean(axis=0), np.nan)
    # the same ratio with the Rao-Blackwell error measured from the spread across seeds instead of reported
    ratio_observed = (half_plain.mean(axis=0) / 1.96) / np.where(observed > 0, observed, np.nan)

    print(f"{arch.describe()}, {args.sampler}: {est.samples:,} hidden samples per run, {args.repeats} runs")
    print(f"Rao-Blackwell: {np.mean(rb_time):.2f} s per run ({np.mean(rb_time) / est.samples * 1e9:.0f} ns per "
          f"hidden sample); plain montecarlo (numba, 1 worker): {plain_rate / 1e6:.2f} M nets/s, "
          f"{np.mean(nets_equal_time):,.0f} nets in the same time")
    print()
    seen = np.flatnonzero(p > 0)
    print(f"{'function':>18} {'P':>11} {'RB half-width':>14} {'plain half-width':>17} {'ratio':>7} "
          f"{'spread/SE':>10} {'ratio (spread)':>15}")
    for f in seen[np.argsort(p[seen])]:
        name = format(int(f), "b").zfill(1 << args.n)[::-1]
        print(f"{name:>18} {p[f]:11.4g} {half_rb[:, f].mean():14.3g} {half_plain[:, f].mean():17.3g} "
              f"{ratio[f]:7.1f} {spread[f]:10.2f} {ratio_observed[f]:15.1f}")
    print()
    classes: dict = {}
    for f in seen:
        classes.setdefault(function_class(int(f), args.n), []).append(int(f))
    print(f"{'class':>18} {'members':>8} {'P each':>11} {'ratio (min..max)':>18} {'ratio (spread)':>15}")
    for c, members in sorted(classes.items(), key=lambda kv: p[kv[1]].mean()):
        name = format(c, "b").zfill(1 << args.n)[::-1]
        r = ratio[members]
        print(f"{name:>18} {len(members):8d} {p[members].mean():11.4g} {r.min():8.1f} .. {r.max():6.1f} "
              f"{np.nanmean(ratio_observed[members]):15.1f}")
    rare = seen[p[seen] < 1e-3]
    if len(rare):
        print(f"\nfunctions with P < 1e-3: interval ratio {np.nanmin(ratio[rare]):.1f} (worst) to "
              f"{np.nanmax(ratio[rare]):.1f}; all functions: worst {np.nanmin(ratio[seen]):.1f}")
    print(f"honesty check: spread of the RB estimates across seeds / reported SE, median "
          f"{np.nanmedian(spread[seen]):.2f} (1 expected; noisy with {args.repeats} runs)")


if __name__ == "__main__":
    main()
