"""Rao–Blackwellised estimate vs plain sampling at equal time: how much narrower are the intervals?

Run by hand (not part of the tests):

    python benchmarks/rao_blackwell.py                                  # 2-2-1 relu, gaussian prior
    python benchmarks/rao_blackwell.py --n 3 --widths 3                 # 3-3-1: dimension-4 output layer
    python benchmarks/rao_blackwell.py --n 3 --widths 3 --activation tanh --samples 1e6
    python benchmarks/rao_blackwell.py --n 2 --widths 3 --repeats 6     # 2-3-1
    python benchmarks/rao_blackwell.py --prior uniform
    python benchmarks/rao_blackwell.py --sampler mc --no-symmetrize     # RB without RQMC, without orbits
    python benchmarks/rao_blackwell.py --n 3 --widths 3 --end-to-end    # the command line, as a user runs it

For each of ``--repeats`` seeds it times one Rao–Blackwellised estimate
(``pfmap.geometry.rao_blackwell.run.rao_blackwell``, one thread) and then
plain sampling (``montecarlo.sample``, numba backend, one worker) on its
own calibration count, right after, so that both see the same machine
load; plain sampling is credited with the networks it would have drawn in
the Rao-Blackwell run's time (``--clock cpu``, the default, uses the
process's CPU time, robust on a shared machine; ``wall`` uses wall time).
Per function it prints the mean half-width of the 95% intervals, the
Rao–Blackwellised one as reported and the plain one ``1.96 sqrt(p(1-p)/N)``,
their ratio, the ratio against plain sampling that also averages over the
orbit (``vs sym``: ``1.96 sqrt(p(1 - |O| p) / (N |O|))``), and, as a check
that the reported intervals are honest, the spread of the estimates across
the seeds against their reported standard error.  Functions are summarised
per class (orbit under the prior's symmetries), rare classes first; the
headline is the worst ratio over the resolved classes (ESS >= 400, see
``pfmap.geometry.rao_blackwell.estimate``) and how many classes, of what
probability, were not resolved.

``--end-to-end`` instead runs ``pfmap table mlp ...`` at its default sample
count, then ``pfmap sample mlp ...`` (default workers: all cores) sized to
the same wall time from a calibration run, and compares the intervals in
the two tables: what a user gets from either command in the same time.

Measured (2-core Intel Xeon, shared with other jobs at load average 6-10,
so the in-process comparison uses CPU time; numba 0.68, November 2026;
``--samples 4194304`` = 2^22 hidden samples, the new default for
dimension-4 output layers, 16 replicates; 6 directions; symmetrised):

* 2-3-1 relu (3 seeds): 1.11 us per hidden sample against 0.64 us per plain
  network; worst class (xor) 12.2x narrower at equal time, the other five
  15.8-54.5x.  (Before: the Sheppard-Plackett kernel, 5.8 us per sample,
  xor 4.9x at 2.6e5 samples.)
* 3-3-1 relu (3 seeds): 1.90 us against 0.66 us; worst class 11101000 (at
  most one input on, the majority's complement) 5.6x; then the dictators
  (11110000) 6.8x, 11000000 7.3x, exactly-one (01101000) 7.8x, 11111110
  8.2x, 01111110 8.6x, 11010100 9.1x; the other 32 resolved classes
  9.9-24.3x; parity (P = 3e-8) not resolved.  Against plain sampling that
  also averages over the orbit (``vs sym``) the worst is 2.7x.  (Before: the
  cubature, 6.5 ms per sample, ratio 0.1-0.3.)
* 3-3-1 tanh (3 seeds): 2.54 us against 2.1 us (tanh is dear in plain
  sampling too); worst 9.5x (11101000), the other 38 resolved classes
  13.8-54.7x.
* 4-3-1 relu (2 seeds): 4.73 us against 0.71 us; worst resolved class 4.5x
  (1082 classes resolved; 895 not, all with P below 3e-7, at most ~8 plain
  counts in the same time).
* Where the time goes (3-3-1): hidden layer 0.38 us, each direction 0.19 us,
  the sums 0.17 us.  The hard classes' variance is in the hidden layer: the
  exact conditional law of 11101000 has a per-sample variance only ~57x
  below Bernoulli (1% of the hidden samples carry two thirds of it: units
  working linearly on most inputs), and randomised QMC barely lowers it
  (5.6-6.7x from 2.6e5 to 4.2e6 samples), so the ratio is bounded by the
  kernel's cost relative to a plain network.  Sampled directions (this
  kernel) beat exact laws: half-space slices (``slices_4d``, 3 per sample)
  cost 6.4 us for 3.7x, a Plackett integral per simplicial cone would cost
  more than the cubature.
* End to end (``--end-to-end --repeats 2``: ``pfmap table mlp`` at its
  default count against ``pfmap sample`` with its default workers in the
  same wall time; plain half-widths rescaled by the square root of the
  wall-time ratio where the sizing missed).  Since stop 17 ``pfmap table
  mlp`` also uses every core by default (``--workers``; the table does not
  depend on it).  Quiet 2-core machine, December 2026: 2-3-1 relu (2^23
  samples, 6.3-6.9 s) worst class 13.8x; 3-3-1 relu (2^22, 5.6-5.9 s, plain
  13.4-13.6 million nets) worst 5.3x (with one thread, the old default,
  4.2x); 4-3-1 relu (11-12 s, plain 21-41 million nets) worst resolved class
  5.0x.  In process, one thread each (``--repeats 2``, 2e5 samples): 3-3-1
  worst 7.7x with 6 directions, 7.0-7.5x with 3.
* Again on 2 December 2026 (quiet): 3-3-1 relu ``--end-to-end --repeats 2``,
  ``pfmap table mlp`` 4.7-4.8 s wall (8.1-8.2 s CPU), plain 11.0-12.4 million
  nets in the same time; worst class 11101000 5.4x.
* Why the worst classes stop near 5x: ``benchmarks/rao_blackwell_variance.py``
  measures the variance of the exact conditional law across hidden draws
  and the hidden layer's own cost; even a free output-layer kernel would
  stop near 9x for the worst 3-3-1 and 4-3-1 classes with i.i.d. draws.
* Honesty: ``--reference 1e8`` on 3-3-1 relu (2^22 samples): 256 functions,
  max |z| 2.93, 3.5% beyond 1.96, 0.4% beyond 2.58 (18 functions with
  P < 1e-5: max 2.13); on 4-3-1: 57,840 functions, max |z| 3.47, 1.6% beyond
  1.96.  With 2^14 samples (8 seeds) the replicates' spread alone puts 31%
  of the functions with ESS 3-10 beyond 1.96 (max 4.2), against 5-7% for
  ESS >= 30: hence the Wilson widening below ESS 400.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

from pfmap import MLP, make_prior
from pfmap.geometry.rao_blackwell.run import rao_blackwell
from pfmap.geometry.rao_blackwell.symmetry import function_orbits
from pfmap.truthtable import int_to_string
from pfmap.montecarlo import sample


def _clock(kind: str) -> float:
    return time.process_time() if kind == "cpu" else time.perf_counter()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime



def in_process(args, arch: MLP) -> None:
    """Equal-time comparison inside one process (see the module docstring)."""
    samples = int(float(args.samples))
    encoding = args.encoding
    m = 1 << arch.n
    orbit = function_orbits(arch.n, encoding, complement=arch.prior.bias)
    if args.no_symmetrize:
        orbit = np.arange(1 << m)
    size = np.bincount(orbit, minlength=len(orbit))[orbit]
    options = dict(sampler=args.sampler, symmetrize=not args.no_symmetrize, directions=args.directions)
    rao_blackwell(arch, 64, encoding=encoding, **options)                          # compile
    sample(arch, 10_000, seed=0, workers=1, inputs=encoding)                       # compile
    calibration = int(float(args.calibration))

    estimates, reported, half_rb, resolved, rb_time, nets_equal = [], [], [], [], [], []
    for seed in range(1, args.repeats + 1):
        t0 = _clock(args.clock)
        est = rao_blackwell(arch, samples, seed=seed, encoding=encoding, **options)
        rb_time.append(_clock(args.clock) - t0)
        t0 = _clock(args.clock)
        sample(arch, calibration, seed=10_000 + seed, workers=1, inputs=encoding)
        plain_rate = calibration / (_clock(args.clock) - t0)
        low, high = est.interval(0.95)
        estimates.append(est.probability)
        reported.append(est.std_error)
        half_rb.append((high - low) / 2)
        resolved.append(est.resolved)
        nets_equal.append(plain_rate * rb_time[-1])
    estimates, reported, half_rb = np.array(estimates), np.array(reported), np.array(half_rb)
    resolved = np.array(resolved).all(axis=0)
    nets_equal = np.array(nets_equal)
    p = estimates.mean(axis=0)
    q = p * (1 - p)
    half_plain = 1.96 * np.sqrt(q)[None, :] / np.sqrt(nets_equal)[:, None]
    half_sym = 1.96 * np.sqrt(np.maximum(p * (1 - size * p), 0) / size)[None, :] / np.sqrt(nets_equal)[:, None]
    rb = half_rb.mean(axis=0)
    ratio = half_plain.mean(axis=0) / np.where(rb > 0, rb, np.nan)
    ratio_sym = half_sym.mean(axis=0) / np.where(rb > 0, rb, np.nan)
    observed = estimates.std(axis=0, ddof=1) if args.repeats > 1 else np.full_like(p, np.nan)
    spread = observed / np.where(reported.mean(axis=0) > 0, reported.mean(axis=0), np.nan)
    ratio_observed = (half_plain.mean(axis=0) / 1.96) / np.where(observed > 0, observed, np.nan)

    print(f"{arch.describe()}, inputs {encoding}, {args.sampler}, {args.directions} directions, "
          f"{'not ' if args.no_symmetrize else ''}symmetrised: {est.samples:,} hidden samples per run, "
          f"{args.repeats} runs ({args.clock} time)")
    print(f"Rao-Blackwell: {np.mean(rb_time):.2f} s per run ({np.mean(rb_time) / est.samples * 1e6:.2f} us per "
          f"hidden sample); plain montecarlo (numba, 1 worker): {np.mean(nets_equal / rb_time) / 1e6:.2f} M nets/s, "
          f"{np.mean(nets_equal):,.0f} nets in the same time")
    print()
    seen = np.flatnonzero(p > 0)
    if args.functions:
        print(f"{'function':>18} {'P':>11} {'RB half':>10} {'plain half':>11} {'ratio':>7} {'vs sym':>7} "
              f"{'spread/SE':>10} {'res':>4}")
        for f in seen[np.argsort(p[seen])]:
            print(f"{int_to_string(f, m):>18} {p[f]:11.4g} {rb[f]:10.3g} {half_plain[:, f].mean():11.3g} {ratio[f]:7.1f} "
                  f"{ratio_sym[f]:7.1f} {spread[f]:10.2f} {'yes' if resolved[f] else 'no':>4}")
        print()
    classes: dict = {}
    for f in seen:
        classes.setdefault(int(orbit[f]), []).append(int(f))
    print(f"{'class':>18} {'size':>5} {'P each':>11} {'ratio (min..max)':>18} {'vs sym':>7} {'ratio (spread)':>15} "
          f"{'resolved':>9}")
    worst, unresolved = np.inf, []
    for c, members in sorted(classes.items(), key=lambda kv: p[kv[1]].mean()):
        r = ratio[members]
        ok = bool(resolved[members].all())
        print(f"{int_to_string(c, m):>18} {len(members):5d} {p[members].mean():11.4g} {r.min():8.1f} .. {r.max():6.1f} "
              f"{np.nanmean(ratio_sym[members]):7.1f} {np.nanmean(ratio_observed[members]):15.1f} "
              f"{'yes' if ok else 'no':>9}")
        if ok:
            worst = min(worst, float(np.nanmin(r)))
        else:
            unresolved.append(float(p[members].mean()))
    print(f"\nworst ratio over the {len(classes) - len(unresolved)} resolved classes: {worst:.1f}x narrower at equal "
          f"time; {len(unresolved)} classes unresolved"
          + (f" (P from {min(unresolved):.2g} to {max(unresolved):.2g})" if unresolved else ""))
    if args.repeats > 1:
        good = seen[resolved[seen]]
        print(f"honesty check: spread of the RB estimates across seeds / reported SE over the resolved "
              f"functions, median {np.nanmedian(spread[good]):.2f} (1 expected; noisy with {args.repeats} runs)")


def _half_widths(path: str) -> pd.DataFrame:
    df = pd.read_csv(path, dtype={"function": str})
    df["half"] = (df.ci_high - df.ci_low) / 2
    return df.set_index("function")


def end_to_end(args, arch: MLP) -> None:
    """``pfmap table mlp`` at its default sample count against ``pfmap sample mlp`` in the same wall time."""
    common = ["--n", str(arch.n), "--widths", ",".join(map(str, arch.widths)), "--activation", arch.activation,
              "--encoding", args.encoding, "--prior", args.prior] + (["--no-bias"] if args.no_bias else [])
    pfmap = [sys.executable, "-m", "pfmap.cli"] if args.module else ["pfmap"]
    with tempfile.TemporaryDirectory() as tmp:
        def timed(argv):
            t0, c0 = time.perf_counter(), _children_cpu()
            subprocess.run(pfmap + argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            return time.perf_counter() - t0, _children_cpu() - c0

        rb_path, mc_path = os.path.join(tmp, "rb.csv"), os.path.join(tmp, "mc.csv")
        timed(["table", "mlp", *common, "--samples", "64", "--out", rb_path])            # numba caches warm
        rows = []
        for seed in range(1, args.repeats + 1):
            rb_wall, rb_cpu = timed(["table", "mlp", *common, "--seed", str(seed), "--out", rb_path])
            calibration = int(float(args.calibration))
            cal_wall, _ = timed(["sample", "mlp", *common, "--samples", str(calibration), "--seed", "99",
                                 "--quiet", "--out", mc_path])
            startup, _ = timed(["sample", "mlp", *common, "--samples", "1000", "--seed", "98", "--quiet",
                                "--out", mc_path])
            rate = calibration / max(cal_wall - startup, 1e-9)
            nets = max(1000, int(rate * max(rb_wall - startup, 0.0)))
            mc_wall, _ = timed(["sample", "mlp", *common, "--samples", str(nets), "--seed", str(seed), "--quiet",
                                "--out", mc_path])
            rb, mc = _half_widths(rb_path), _half_widths(mc_path)
            rows.append((seed, rb_wall, rb_cpu, nets, mc_wall, rb, mc))
            print(f"seed {seed}: pfmap table mlp {rb_wall:.1f} s wall ({rb_cpu:.1f} s CPU); pfmap sample "
                  f"{nets:,} nets in {mc_wall:.1f} s wall")
        rb_half = pd.concat([r[5]["half"] for r in rows], axis=1).mean(axis=1)
        # plain sampling's half-width had it run exactly as long as pfmap table mlp (the sizing from the
        # calibration misses on a loaded machine): N scales with the time, the half-width with 1/sqrt(N)
        mc_half = pd.concat([r[6]["half"] * math.sqrt(r[4] / r[1]) for r in rows], axis=1).mean(axis=1)
        p = pd.concat([r[5]["probability"] for r in rows], axis=1).mean(axis=1)
        res = pd.concat([r[5]["resolved"] for r in rows], axis=1).all(axis=1)
        wall = np.mean([r[4] / r[1] for r in rows])
        joined = pd.DataFrame({"p": p, "rb": rb_half, "mc": mc_half, "resolved": res}).dropna(subset=["p"])
        # functions plain sampling never saw: its interval there is [0, Wilson upper of 0 counts]
        nets = np.mean([r[3] for r in rows])
        joined["mc"] = joined["mc"].fillna(1.96**2 / (nets + 1.96**2) / 2 * math.sqrt(wall))
        joined["ratio"] = joined.mc / joined.rb
        orbit = function_orbits(arch.n, args.encoding, complement=arch.prior.bias)
        m = 1 << arch.n
        joined["class"] = [int_to_string(orbit[int(f[::-1], 2)], m) for f in joined.index]
        per_class = joined.groupby("class").agg(p=("p", "mean"), ratio=("ratio", "min"),
                                                resolved=("resolved", "all")).sort_values("p")
        print(f"\n{arch.describe()}: pfmap sample wall time / pfmap table mlp wall time = {wall:.2f} (plain "
              f"half-widths rescaled by sqrt of it, per seed, to equal wall time)")
        print(per_class.to_string(float_format=lambda v: f"{v:.3g}"))
        good = per_class[per_class.resolved]
        print(f"\nworst class ratio (resolved classes, {len(good)} of {len(per_class)}): {good.ratio.min():.1f}x")


def honesty(args, arch: MLP) -> None:
    """The reported intervals against an independent plain-sampling reference of ``--reference`` networks."""
    samples = int(float(args.samples))
    reference_n = int(float(args.reference))
    t0 = time.perf_counter()
    table = rao_blackwell(arch, samples, seed=args.seed, encoding=args.encoding, sampler=args.sampler,
                          symmetrize=not args.no_symmetrize, directions=args.directions).table()
    t1 = time.perf_counter()
    reference = sample(arch, reference_n, seed=10_000 + args.seed, inputs=args.encoding)
    t2 = time.perf_counter()
    ref = dict(zip(reference.function, reference.probability))
    rb = table.set_index("function")
    names = sorted(set(ref) | set(rb.index))
    p_rb = np.array([rb.probability.get(f, 0.0) for f in names])
    se_rb = np.array([rb.std_error.get(f, 0.0) for f in names])
    res = np.array([bool(rb.resolved.get(f, False)) for f in names])
    p_ref = np.array([ref.get(f, 0.0) for f in names])
    q = np.maximum(p_ref, p_rb)
    z = (p_rb - p_ref) / np.sqrt(se_rb**2 + q * (1 - q) / reference_n)
    print(f"{arch.describe()}: Rao-Blackwell {samples:,} hidden samples ({t1 - t0:.1f} s) against plain sampling "
          f"{reference_n:,} nets ({t2 - t1:.1f} s); z = (RB - plain) / combined standard error")
    for label, sel in (("all", np.ones(len(names), bool)), ("P < 1e-4", p_ref < 1e-4),
                       ("P < 1e-5", p_ref < 1e-5), ("resolved", res), ("unresolved", ~res)):
        if sel.any():
            print(f"  {label:>10}: {sel.sum():4d} functions, max |z| {np.abs(z[sel]).max():.2f}, "
                  f"|z| > 1.96: {(np.abs(z[sel]) > 1.96).mean():.3f}, |z| > 2.58: {(np.abs(z[sel]) > 2.576).mean():.3f}")
    worst = np.argsort(-np.abs(z))[:5]
    for i in worst:
        print(f"  {names[i]}: RB {p_rb[i]:.3g} +- {se_rb[i]:.2g} ({'resolved' if res[i] else 'unresolved'}), "
              f"plain {p_ref[i]:.3g}, z {z[i]:+.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2)
    parser.add_argument("--widths", default="2")
    parser.add_argument("--activation", default="relu")
    parser.add_argument("--prior", default="gaussian")
    parser.add_argument("--encoding", default="01", choices=["01", "pm1"])
    parser.add_argument("--no-bias", action="store_true", help="no biases (the output layer loses a dimension)")
    parser.add_argument("--samples", default="2e5", help="hidden samples per Rao-Blackwell run (default 2e5)")
    parser.add_argument("--calibration", default="2e6", help="plain networks timed per run (default 2e6)")
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--sampler", default="rqmc", choices=["rqmc", "mc"])
    parser.add_argument("--directions", type=int, default=6, choices=[3, 4, 6, 10])
    parser.add_argument("--no-symmetrize", action="store_true")
    parser.add_argument("--clock", default="cpu", choices=["cpu", "wall"])
    parser.add_argument("--functions", action="store_true", help="also print every function")
    parser.add_argument("--end-to-end", action="store_true", help="compare the two commands (see the docstring)")
    parser.add_argument("--module", action="store_true", help="run the CLI as python -m pfmap.cli")
    parser.add_argument("--reference", default=None, help="check the intervals against this many plain samples")
    parser.add_argument("--seed", type=int, default=1, help="seed of the --reference check")
    args = parser.parse_args()
    arch = MLP(args.n, args.widths, args.activation, make_prior(args.prior, bias=not args.no_bias))
    if args.reference:
        honesty(args, arch)
    else:
        (end_to_end if args.end_to_end else in_process)(args, arch)


if __name__ == "__main__":
    main()
