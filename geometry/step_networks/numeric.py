"""Step networks with more than one hidden layer: the composition's sums carried out on numbers.

The states of a hidden layer are multisets of its units' functions of the
input, with their probabilities: integers over a common denominator for
the box prior (exact), certified python-flint balls for the Gaussian prior
(every rounding and every factor's error bound inside the radius).  Each
state is pushed through the next layer (a push-forward of the next
perceptron's measure, then multisets of the resulting functions with
multinomial weights) and finally through the output unit.

References
----------
F. Johansson, "Arb: efficient arbitrary-precision midpoint-radius interval arithmetic", IEEE TC 66, 2017.
"""

from __future__ import annotations

import math
from collections import defaultdict
from fractions import Fraction
from functools import lru_cache

import numpy as np

from pfmap.progress import progress_bar
from pfmap.priors import Prior, UniformPrior

from pfmap.geometry.step_networks.composition import Composition, integer_array, top_per_group
from pfmap.geometry.step_networks.units import UnitPerceptron, code_maps, multinomials, multisets, orbit_measures, push_forward


@lru_cache(maxsize=None)
def _combos(support: int, width: int) -> tuple[list, list]:
    rows = multisets(support, width)
    return [tuple(r) for r in rows.tolist()], [int(v) for v in multinomials(rows)]


def _ring(unit: UnitPerceptron, prior):
    """Per-region values for the numeric route: integers over the kind's denominator (box) or arb balls."""
    measures = orbit_measures(unit, prior)
    if isinstance(prior, UniformPrior):
        den = math.lcm(*[m.exact.denominator for m in measures])
        return [int(measures[o].exact * den) for o in unit.orbit.tolist()], den
    from flint import arb

    balls = [arb(m.probability, max(m.error, math.ulp(m.probability))) for m in measures]
    return [balls[o] for o in unit.orbit.tolist()], 1


def compose_numeric(unit1: UnitPerceptron, later: list[UnitPerceptron], widths: tuple[int, ...], *, n: int,
                    prior: Prior, top: int = 3, progress: bool | str = False) -> Composition:
    """Deeper nets: states are multisets of functions of the input with numeric weights (exact or balls).

    Parameters
    ----------
    unit1 : UnitPerceptron
        The first hidden layer's unit (fan-in ``n``).
    later : list of UnitPerceptron
        The units of the later layers, the output unit last.
    widths : tuple of int
        Hidden widths.
    n : int
        Number of inputs.
    prior : GaussianPrior or UniformPrior
        The prior: integers over a common denominator for the box, python-flint balls for the Gaussian.
    top : int
        States listed per function.
    progress : bool or "auto"
        A progress bar over the hidden states of each later layer, on stderr.

    Returns
    -------
    Composition

    Examples
    --------
    >>> from pfmap import UniformPrior
    >>> from pfmap.geometry.step_networks.units import unit_perceptron
    >>> c = compose_numeric(unit_perceptron(2), [unit_perceptron(2)], (2,), n=2, prior=UniformPrior())
    >>> c.values[0b0110][1]                     # xor, the same Fraction as the polynomial route
    Fraction(7, 9216)
    """
    from flint import arb, ctx

    boxed = isinstance(prior, UniformPrior)
    zero = 0 if boxed else arb(0)
    n_inputs = 1 << n
    old = ctx.prec
    ctx.prec = 96
    try:
        values1, den = _ring(unit1, prior)
        rows = multisets(len(unit1.functions), widths[0])
        state_den = den ** widths[0]
        states: dict = {}
        for row, mult in zip(rows.tolist(), multinomials(rows).tolist()):
            weight = mult
            for r in row:
                weight = weight * values1[r]
            states[tuple(sorted(int(unit1.functions[r]) for r in row))] = weight
        for unit, width in zip(later[:-1], widths[1:]):
            values, den = _ring(unit, prior)
            state_den *= den ** width
            keys = list(states)
            image = push_forward(unit, code_maps(np.array(keys, dtype=np.int64), n_inputs))
            new: dict = defaultdict(lambda: zero)
            for key, row in _tracked(zip(keys, image.tolist()), len(keys), progress):
                q: dict = {}
                for f, v in zip(row, values):
                    q[f] = q.get(f, zero) + v
                support = sorted(q)
                qs = [q[f] for f in support]
                weight = states[key]
                combos, mults = _combos(len(support), width)
                for combo, mult in zip(combos, mults):
                    term = weight * mult
                    for i in combo:
                        term = term * qs[i]
                    new[tuple(support[i] for i in combo)] += term
            states = dict(new)
        out_unit = later[-1]
        out_values, out_den = _ring(out_unit, prior)
        keys = list(states)
        last = np.array(keys, dtype=np.int64).reshape(len(keys), widths[-1])
        image = push_forward(out_unit, code_maps(last, n_inputs))
        totals: dict = defaultdict(lambda: zero)
        pairs_k, pairs_f, pairs_v = [], [], []
        for k, (key, row) in enumerate(_tracked(zip(keys, image.tolist()), len(keys), progress)):
            q: dict = {}
            for f, v in zip(row, out_values):
                q[f] = q.get(f, zero) + v
            for f, v in q.items():
                contribution = states[key] * v
                totals[f] += contribution
                pairs_k.append(k)
                pairs_f.append(f)
                pairs_v.append(float(contribution) if boxed else float(contribution.mid()))
    finally:
        ctx.prec = old
    f_arr, k_arr, v_arr = np.array(pairs_f), np.array(pairs_k), np.array(pairs_v)
    tf, tk, _ = top_per_group(f_arr, k_arr, v_arr, top=top)
    top_states: dict = defaultdict(list)
    for f, k in zip(tf.tolist(), tk.tolist()):
        top_states[f].append(k)
    counts = np.bincount(f_arr)
    total_den = state_den * out_den
    if boxed:
        values = {f: (float(Fraction(v, total_den)), Fraction(v, total_den), 0.0) for f, v in totals.items()}
        weight = integer_array([states[k] for k in keys], state_den)
        method = "step composition, box volume (exact)"
        out_value = integer_array(out_values, out_den)
    else:
        from pfmap.geometry.cones.orthant import ball_to_float

        values = {}
        for f, ball in totals.items():
            p, bound = ball_to_float(ball)
            values[f] = (p, None, bound)
        weight = np.array([float(states[k].mid()) for k in keys])
        state_den = 1
        out_value = np.array([float(v.mid()) for v in out_values])
        method = "step composition, gaussian certified"
    return Composition(values, method, last, weight, state_den, out_unit, out_value, out_den, dict(top_states),
                       {f: int(c) for f, c in enumerate(counts.tolist()) if c}, False)


def _tracked(items, total: int, progress: bool | str):
    """``items`` again, with a progress bar over ``total`` hidden states (closed when they run out)."""
    with progress_bar(total, progress=progress, desc="hidden states", unit="state", leave=False) as bar:
        for item in items:
            yield item
            bar.update(1)
