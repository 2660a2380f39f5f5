"""Where the Rao-Blackwell estimate's variance lives, and the ceiling it puts on the equal-time ratio.

Run by hand (not part of the tests):

    python benchmarks/rao_blackwell_variance.py                         # 3-3-1 relu, N(0,1) prior
    python benchmarks/rao_blackwell_variance.py --n 2 --widths 3        # 2-3-1
    python benchmarks/rao_blackwell_variance.py --n 4 --widths 3 --samples 4000

The Rao-Blackwell estimate of ``pfmap table mlp`` samples the hidden layer
and integrates the output layer given it.  Its variance per hidden sample is
therefore at least ``Var_W P(f | W)``, the variance of the *exact*
conditional law across hidden samples ``W``, whatever the output-layer
kernel; and a hidden sample costs at least the hidden layer's own forward
pass.  So for i.i.d. hidden samples no output-layer kernel, however exact
or fast, can make the intervals narrower at equal time than

    ceiling = sqrt( p (1 - p) / Var_W P(f | W)  *  t_plain / t_hidden ),

``p (1 - p)`` being the variance of one plain network's indicator,
``t_plain`` the time of one plain network (``montecarlo.sample``, one
worker) and ``t_hidden`` the time of the hidden layer alone (the estimate's
own compiled code, :func:`pfmap.geometry.rao_blackwell.hidden.output_normals`).
This script measures both factors in one run:

* ``Var_W P(f | W)`` from ``--samples`` plain hidden draws, each law
  computed to ~1e-7 by the half-space slices of
  :mod:`pfmap.geometry.rao_blackwell.slices_4d` (``--slices``), per class
  (orbit under the prior's symmetries, averaged over the orbit as the
  estimate does), with its standard error by the delta method;
* how concentrated it is (share of the variance in the top 1% of samples);
* what the hidden-layer variance reductions one would try first achieve on
  the same samples: post-stratification on the hidden units' activity
  pattern (which inputs each unit is active on, up to unit permutations),
  and control variates with a known mean -- the law of the same hidden
  draw with the units made linear, or made step units -- fitted by least
  squares (the variance left, ``1 / (1 - R^2)``; an upper bound on what the
  fitted coefficient would achieve);
* ``t_plain``, ``t_hidden`` and ``t_rb`` (the whole estimate per hidden
  sample, one thread, as ``pfmap table mlp`` runs it), and the ceilings:
  ``hidden-only`` (a free output kernel) and ``this kernel`` (i.i.d. draws
  with today's kernel; randomised QMC adds ~1.2x on top, see
  ``benchmarks/rao_blackwell.py``).

Measured (2-core Intel Xeon, quiet, December 2026; relu, N(0,1) prior):

* 3-3-1 (``--samples 20000 --slices 512``, 29 s): plain 0.66 us, hidden
  layer 0.32 us, estimate 1.64 us.  Lowest ceilings: 10000000 (P 0.0093,
  var ratio 37.1 +- 0.9) 8.8x hidden-only, 3.9x with this kernel; 00000000
  10.5x / 4.6x; 11101000 (var ratio 56, two thirds of it in 1% of the
  draws) 10.8x / 4.8x; the other 32 classes from 12.8x up.  Reductions of the worst
  class's variance: strata 1.23x, linear-unit control variate 1.67x, step
  1.15x, both 1.69x (1.30x in width).  Scrambling the Sobol points by a
  random linear matrix as well as the digital shift (scipy's
  ``qmc.Sobol(scramble=True)``, tried in a scratch script) left the
  replicate variance unchanged (ratio 0.7-1.3, geometric mean 1.03).
* 2-3-1 (20,000 draws): plain 0.63 us, hidden 0.24 us, estimate 0.85 us;
  lowest ceiling 1000 9.0x / 4.8x, although ``benchmarks/rao_blackwell.py
  --end-to-end`` measures 13.8x for the worst class: in 9 dimensions the
  randomised QMC gains about 3x in width over i.i.d. draws, in the 15 of
  3-3-1 only 1.1-1.4x.
* 4-3-1 (``--samples 2000 --slices 256``, 20 s, 3.5 GB): plain 0.73 us,
  hidden 0.40 us, estimate 3.87 us; lowest ceilings 1000000000000000 and
  its complement class 9.1x / 3.0x, 0000000000000000 9.2x / 3.0x; control
  variates 1.6-2.7x in variance.

So for 3-3-1 and 4-3-1 the 10x of issue 14 is out of reach of conditional
integration over the output layer: even a free and exact output kernel
stops near 9x for the worst classes with i.i.d. hidden draws, the measured
QMC gain adds 1.1-1.4x, and the whole estimate costs 3.5-10x the hidden
layer alone.
"""

from __future__ import annotations

import argparse
import math
import time

import numba
import numpy as np

from pfmap import MLP, make_prior
from pfmap.architectures import ACTIVATION_CODES
from pfmap.geometry.rao_blackwell.cells import conditional_function_law
from pfmap.geometry.rao_blackwell.hidden import hidden_workspace, output_normals
from pfmap.geometry.rao_blackwell.run import _scales, rao_blackwell
from pfmap.geometry.rao_blackwell.symmetry import function_orbits
from pfmap.truthtable import int_to_string
from pfmap.inputs import boolean_inputs
from pfmap.montecarlo import sample


@numba.njit(nogil=True)
def _hidden_pass(rows, inputs, widths, weight_scales, bias_scales, act, out_scales, bias, d, out):
    """The output layer's normals of every row (the estimate's own hidden-layer code), into ``out`` unless it
    is empty (then only timed); returns a checksum so that nothing is optimised away."""
    m = inputs.shape[0]
    features, nxt, weights, biases, g = hidden_workspace(m, inputs.shape[1], widths, d)
    total = 0.0
    for s in range(rows.shape[0]):
        output_normals(rows[s], inputs, widths, weight_scales, bias_scales, True, act, out_scales, bias, features,
                       nxt, weights, biases, g)
        if out.shape[0]:
            out[s] = g
        total += g[0, 0]
    return total


def _left_by_regression(y: np.ndarray, x: np.ndarray) -> float:
    """Variance of ``y`` over the variance left after a least-squares fit on ``x`` (with an intercept)."""
    a = np.column_stack([x.reshape(len(y), -1), np.ones(len(y))])
    beta, *_ = np.linalg.lstsq(a, y, rcond=None)
    left = (y - a @ beta).var()
    return y.var() / left if left > 0 else math.inf


def _left_by_strata(y: np.ndarray, strata: np.ndarray) -> float:
    """Variance of ``y`` over its pooled variance within strata (post-stratification with known weights).

    The pooled within-stratum variance is the within sum of squares over ``N - H`` (``H`` strata seen), unbiased
    however many strata hold a single draw; ``nan`` when nearly every draw is a stratum of its own.
    """
    _, label = np.unique(strata, axis=0, return_inverse=True)
    label = label.ravel()
    sums = np.bincount(label, y)
    sizes = np.bincount(label)
    free = len(y) - len(sizes)
    if free < len(y) // 10:
        return math.nan
    left = float(((y - (sums / sizes)[label]) ** 2).sum()) / free
    return float(y.var(ddof=1)) / left if left > 0 else math.inf


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3)
    parser.add_argument("--widths", default="3")
    parser.add_argument("--activation", default="relu", choices=["relu", "tanh"])
    parser.add_argument("--prior", default="gaussian", choices=["gaussian"])
    parser.add_argument("--samples", type=int, default=20_000, help="hidden draws for the variances (default 2e4)")
    parser.add_argument("--slices", type=int, default=512, help="half-space slices per law (default 512)")
    parser.add_argument("--timing", default="2e5", help="networks and hidden samples timed (default 2e5)")
    parser.add_argument("--worst", type=int, default=8, help="classes shown, lowest ceiling first (default 8)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    arch = MLP(args.n, args.widths, args.activation, make_prior(args.prior))
    if len(arch.widths) != 1 or arch.widths[0] + 1 != 4:
        parser.error("this analysis is for one hidden layer of 3 units (an output layer of dimension 4)")
    inputs = boolean_inputs(arch.n).astype(float)
    m = inputs.shape[0]
    (widths, ws, bs, act, out_scales, bias), dims = _scales(arch)
    rows = np.random.default_rng(args.seed).random((args.samples, dims))
    laws, normals = {}, {}
    t0 = time.perf_counter()
    for name in (arch.activation, "linear", "step"):
        g = np.empty((len(rows), m, 4))
        _hidden_pass(rows, inputs, widths, ws, bs, ACTIVATION_CODES[name], out_scales, bias, 4, g)
        normals[name] = g
        laws[name] = conditional_function_law(g, True, dense=True, method="slices", slices=args.slices)[3]
    seconds = time.perf_counter() - t0
    pre = normals["linear"][:, :, :3] / out_scales[:3]            # pre-activations (m inputs x 3 units)
    masks = ((pre > 0) * (1 << np.arange(m))[None, :, None]).sum(axis=1)   # each unit's active inputs
    strata = np.sort(masks, axis=1)                                 # up to permutations of the units
    orbit = function_orbits(arch.n, "01", complement=bias)

    # timings, one thread each, in the same run
    timing = int(float(args.timing))
    sample(arch, 10_000, seed=0, workers=1)
    rao_blackwell(arch, 64)
    timed_rows = np.random.default_rng(args.seed + 1).random((timing, dims + 3))
    nothing = np.empty((0, m, 4))
    _hidden_pass(timed_rows[:10], inputs, widths, ws, bs, act, out_scales, bias, 4, nothing)
    t = time.perf_counter()
    sample(arch, timing, seed=2, workers=1)
    t_plain = (time.perf_counter() - t) / timing
    t = time.perf_counter()
    _hidden_pass(timed_rows, inputs, widths, ws, bs, act, out_scales, bias, 4, nothing)
    t_hidden = (time.perf_counter() - t) / timing
    t = time.perf_counter()
    rao_blackwell(arch, timing, seed=3)
    t_rb = (time.perf_counter() - t) / timing

    print(f"{arch.describe()}: {args.samples:,} hidden draws, laws by {args.slices} slices ({seconds:.0f} s); "
          f"per network or hidden sample, one thread: plain {t_plain * 1e6:.2f} us, hidden layer "
          f"{t_hidden * 1e6:.2f} us, Rao-Blackwell estimate {t_rb * 1e6:.2f} us")
    print("var ratio = p(1-p) / Var_W P(f|W) (per hidden sample, exact law); top 1% = share of that variance in "
          "the 1% of draws with the largest P(f|W); reductions = variance before / after")
    rows_out = []
    for c in np.unique(orbit):
        members = np.flatnonzero(orbit == c)
        y = laws[arch.activation][:, members].mean(axis=1)
        p = float(y.mean())
        if p < 1e-5:
            continue
        var = float(y.var(ddof=1))
        if var <= 0:
            continue
        # delta-method standard error of log(var): Var(s^2) ~ (mu4 - var^2) / n
        mu4 = float(((y - p) ** 4).mean())
        rel = math.sqrt(max(mu4 - var**2, 0.0) / args.samples) / var
        ratio = p * (1 - p) / var
        top = np.sort((y - p) ** 2)[::-1]
        share = top[: max(1, args.samples // 100)].sum() / top.sum()
        lin = laws["linear"][:, members].mean(axis=1)
        stp = laws["step"][:, members].mean(axis=1)
        rows_out.append((math.sqrt(ratio * t_plain / t_hidden), c, len(members), p, ratio, rel, share,
                         _left_by_strata(y, strata), _left_by_regression(y, lin), _left_by_regression(y, stp),
                         _left_by_regression(y, np.column_stack([lin, stp])), math.sqrt(ratio * t_plain / t_rb)))
    rows_out.sort()
    print(f"{'class':>18} {'size':>4} {'P each':>9} {'var ratio':>14} {'top 1%':>6} {'strata':>6} {'CV lin':>6} "
          f"{'CV step':>7} {'CV both':>7} {'ceiling: hidden-only':>21} {'this kernel':>11}")
    for ceiling, c, size, p, ratio, rel, share, strat, lin, stp, both, kernel in rows_out[: args.worst]:
        print(f"{int_to_string(c, m):>18} {size:4d} {p:9.3g} {ratio:7.1f} +-{rel * ratio:4.1f} {share:6.2f} {strat:6.2f} "
              f"{lin:6.2f} {stp:7.2f} {both:7.2f} {ceiling:20.1f}x {kernel:10.1f}x")
    worst = rows_out[0]
    print(f"\n{len(rows_out)} classes with P >= 1e-5; the lowest ceiling is {worst[0]:.1f}x ({int_to_string(worst[1], m)}: "
          f"the equal-time ratio no output-layer kernel can pass with i.i.d. hidden draws), {worst[-1]:.1f}x with "
          f"this kernel's cost; the best of the reductions above on that class: "
          f"{np.nanmax(worst[7:11]):.2f}x in variance ({math.sqrt(np.nanmax(worst[7:11])):.2f}x in width)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
