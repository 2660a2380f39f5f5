"""Internals of the step-network composition: unit perceptrons, hidden codes, push-forwards, polynomials.

See :mod:`pfmap.geometry.step_networks.table` for the method.  Two routes build the
same :class:`Composition`:

* :func:`compose_polynomial` (one hidden layer, or deeper nets whose
  factors all have closed forms): every P(f) is a polynomial with
  non-negative integer coefficients in the perceptron measures of the
  layers' orbits, accumulated vectorised; it is evaluated exactly
  (Fractions), symbolically (sympy) or in floats with a propagated bound;
* :func:`pfmap.geometry.step_networks.numeric.compose_numeric` (deeper nets): the same
  sums carried out on numbers, integers over a common denominator for the
  box prior and certified python-flint balls for the Gaussian prior.

The module is longer than most (about 450 lines, half of them docstrings)
because it holds one algorithm, the polynomial route, with the helpers both
routes share; split, the pieces would only make sense together.

References
----------
N. J. Higham, *Accuracy and Stability of Numerical Algorithms*, 2002, sec. 3.1 (the gamma_k bound).
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from pfmap.progress import progress_bar
from pfmap.priors import Prior, UniformPrior

from pfmap.geometry.step_networks.units import UnitPerceptron, code_maps, multinomials, multisets, orbit_measures, push_forward

_CHUNK = 1 << 21            # (multiset, output function) pairs handled at once


# ---------------------------------------------------------------------------
# variables: one per (perceptron kind, orbit)


class _Variables:
    """Global variable ids for the orbits of the perceptron kinds a network uses."""

    def __init__(self):
        self.kinds: list[UnitPerceptron] = []
        self.offsets: list[int] = []
        self.size = 0

    def kind(self, unit: UnitPerceptron) -> int:
        for i, k in enumerate(self.kinds):
            if k is unit:
                return i
        self.kinds.append(unit)
        self.offsets.append(self.size)
        self.size += unit.n_orbits
        return len(self.kinds) - 1

    def ids(self, unit: UnitPerceptron) -> np.ndarray:
        """Variable id of each region of ``unit``."""
        return self.offsets[self.kind(unit)] + unit.orbit

    def owner(self) -> list[tuple[UnitPerceptron, int]]:
        return [(k, o) for k in self.kinds for o in range(k.n_orbits)]


# ---------------------------------------------------------------------------
# the composition


@dataclass
class _LastHiddenLayer:
    """States of the last hidden layer: multisets of unit functions (of x) and their weights as polynomials."""

    functions: np.ndarray      # (K, h) int64 functions of the input, sorted per row
    term_state: np.ndarray     # (T,) state of each weight term (sorted)
    term_monomial: np.ndarray  # (T,) row of `monomials`
    term_coeff: np.ndarray     # (T,) int64
    monomials: np.ndarray      # (M, degree) variable ids


def _first_layer(unit: UnitPerceptron, width: int, var: _Variables) -> _LastHiddenLayer:
    rows = multisets(len(unit.functions), width)
    ids = np.sort(var.ids(unit)[rows], axis=1)
    monomials, inverse = np.unique(ids, axis=0, return_inverse=True)
    return _LastHiddenLayer(unit.functions[rows], np.arange(len(rows)), inverse.ravel().astype(np.int64),
                            multinomials(rows), monomials)


def _hidden_transition(layer: _LastHiddenLayer, unit: UnitPerceptron, width: int, n_inputs: int,
                       var: _Variables) -> _LastHiddenLayer:
    """Push every state through the next hidden layer (Python-level polynomials; small nets only)."""
    ids = var.ids(unit)
    image = push_forward(unit, code_maps(layer.functions, n_inputs))     # (K, R)
    mono = [tuple(r) for r in layer.monomials.tolist()]
    state_poly: list[dict] = [defaultdict(int) for _ in range(len(layer.functions))]
    for s, m, c in zip(layer.term_state.tolist(), layer.term_monomial.tolist(), layer.term_coeff.tolist()):
        state_poly[s][mono[m]] += c
    new_states: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    for k, poly in enumerate(state_poly):
        linear: dict[int, dict] = defaultdict(lambda: defaultdict(int))     # f -> {var: count}
        for f, v in zip(image[k].tolist(), ids.tolist()):
            linear[f][v] += 1
        support = sorted(linear)
        for combo in itertools.combinations_with_replacement(range(len(support)), width):
            product = {(): math.factorial(width) // math.prod(math.factorial(combo.count(i)) for i in set(combo))}
            for i in combo:
                product = _multiply(product, {(v,): c for v, c in linear[support[i]].items()})
            target = new_states[tuple(support[i] for i in combo)]
            for mono_p, c_p in _multiply(poly, product).items():
                target[mono_p] += c_p
    keys = sorted(new_states)
    all_monos = sorted({m for key in keys for m in new_states[key]})
    index = {m: i for i, m in enumerate(all_monos)}
    t_state, t_mono, t_coeff = [], [], []
    for s, key in enumerate(keys):
        for m, c in new_states[key].items():
            t_state.append(s)
            t_mono.append(index[m])
            t_coeff.append(c)
    return _LastHiddenLayer(np.array(keys, dtype=np.int64).reshape(len(keys), width),
                            np.array(t_state, dtype=np.int64), np.array(t_mono, dtype=np.int64),
                            np.array(t_coeff, dtype=np.int64), np.array(all_monos, dtype=np.int64))


def _multiply(a: dict, b: dict) -> dict:
    out: dict = defaultdict(int)
    for ma, ca in a.items():
        for mb, cb in b.items():
            out[tuple(sorted(ma + mb))] += ca * cb
    return out


def _group_sum(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique keys and the exact (int64) or float sum of ``values`` per key."""
    if len(keys) == 0:
        return keys, values
    order = np.argsort(keys, kind="stable")
    keys, values = keys[order], values[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return keys[starts], np.add.reduceat(values, starts)


def _expand_terms(layer: _LastHiddenLayer, states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices (into the term arrays) of every weight term of ``states``, and the position of its state."""
    start = np.searchsorted(layer.term_state, states)
    count = np.searchsorted(layer.term_state, states, side="right") - start
    first = np.cumsum(count) - count
    owner = np.repeat(np.arange(len(states)), count)
    return np.repeat(start, count) + (np.arange(int(count.sum())) - np.repeat(first, count)), owner


@dataclass
class _TopCombinations:
    """Running top-``top`` last-hidden-layer states per function, by float contribution."""

    top: int
    n_functions: int
    count: np.ndarray = None
    f: list = field(default_factory=list)
    k: list = field(default_factory=list)
    value: list = field(default_factory=list)

    def __post_init__(self):
        self.count = np.zeros(self.n_functions, dtype=np.int64)

    def add(self, k, f, value):
        np.add.at(self.count, f, 1)
        kf, kk, kv = top_per_group(f, k, value, top=self.top)
        self.f.append(kf)
        self.k.append(kk)
        self.value.append(kv)

    def result(self):
        if not self.f:
            return {}
        f, k, v = top_per_group(np.concatenate(self.f), np.concatenate(self.k), np.concatenate(self.value),
                                top=self.top)
        out = defaultdict(list)
        for a, b in zip(f.tolist(), k.tolist()):
            out[a].append(b)
        return out


def top_per_group(group: np.ndarray, item: np.ndarray, value: np.ndarray, *,
                  top: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``top`` largest values of each group (ties by item), as three parallel arrays.

    Parameters
    ----------
    group, item, value : numpy.ndarray
        Parallel arrays: a group label, an item and its value per entry.
    top : int
        How many entries to keep per group.

    Returns
    -------
    tuple of numpy.ndarray
        ``(group, item, value)`` of the kept entries, by group, then by value (largest first).

    Examples
    --------
    >>> g, i, v = top_per_group(np.array([0, 0, 0, 1]), np.array([5, 6, 7, 8]), np.array([1.0, 3.0, 2.0, 4.0]), top=2)
    >>> g.tolist(), i.tolist(), v.tolist()
    ([0, 0, 1], [6, 7, 8], [3.0, 2.0, 4.0])
    """
    order = np.lexsort((item, -value, group))
    group, item, value = group[order], item[order], value[order]
    start = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    rank = np.arange(len(group)) - np.repeat(start, np.diff(np.r_[start, len(group)]))
    keep = rank < top
    return group[keep], item[keep], value[keep]


def _output_transition(layer: _LastHiddenLayer, unit: UnitPerceptron, n_inputs: int, var: _Variables,
                       state_weight: np.ndarray, var_value: np.ndarray, top: int, bar):
    """P(f) as polynomial terms ``(function, hidden monomial, output variable) -> coefficient``, plus top states."""
    out_ids = var.ids(unit)
    n_states = len(layer.functions)
    n_functions = 1 << n_inputs
    n_var = var.size
    tops = _TopCombinations(top, n_functions)
    chunk = max(1, _CHUNK // len(unit.functions))
    keys, coeffs = [], []
    for start in range(0, n_states, chunk):
        states = np.arange(start, min(n_states, start + chunk))
        image = push_forward(unit, code_maps(layer.functions[states], n_inputs))       # (Kc, R)
        local = np.arange(len(states))[:, None]
        triple, count = np.unique(((local * n_functions + image) * n_var + out_ids[None, :]).ravel(),
                                  return_counts=True)
        k_local, f, out_var = triple // (n_functions * n_var), (triple // n_var) % n_functions, triple % n_var
        # float contributions per (state, function) for the combinations column
        pair, share = _group_sum(k_local * n_functions + f,
                                 state_weight[states[k_local]] * count * var_value[out_var])
        tops.add(states[pair // n_functions], pair % n_functions, share)
        # exact polynomial terms
        idx, owner = _expand_terms(layer, states[k_local])
        key = (f[owner] * len(layer.monomials) + layer.term_monomial[idx]) * n_var + out_var[owner]
        key, coeff = _group_sum(key, layer.term_coeff[idx] * count[owner])
        keys.append(key)
        coeffs.append(coeff)
        bar.update(len(states))
    key, coeff = _group_sum(np.concatenate(keys), np.concatenate(coeffs))
    function = key // (len(layer.monomials) * n_var)
    monomial = (key // n_var) % len(layer.monomials)
    term_vars = np.hstack([layer.monomials[monomial], (key % n_var)[:, None]])
    return function, term_vars, coeff, tops


# ---------------------------------------------------------------------------
# evaluating the polynomials


def _state_weights(layer: _LastHiddenLayer, var_value: np.ndarray) -> np.ndarray:
    term = layer.term_coeff * np.prod(var_value[layer.monomials[layer.term_monomial]], axis=1)
    return np.bincount(layer.term_state, weights=term, minlength=len(layer.functions))


def _kind_denominators(var: _Variables, measures: list) -> np.ndarray:
    """Least common denominator of each variable's perceptron kind (box values are integers over it)."""
    dens = np.zeros(var.size, dtype=object)
    for kind, offset in zip(var.kinds, var.offsets):
        block = measures[offset:offset + kind.n_orbits]
        dens[offset:offset + kind.n_orbits] = math.lcm(*[m.exact.denominator for m in block])
    return dens


def integer_array(values: list[int], bound: int) -> np.ndarray:
    """The integers as an int64 array when every partial product stays below ``bound < 2**62``, else as objects.

    Parameters
    ----------
    values : list of int
        The integers.
    bound : int
        An upper bound on every product the caller will form.

    Returns
    -------
    numpy.ndarray
        int64, or object (Python integers: exact, no overflow).

    Examples
    --------
    >>> integer_array([3, 4], 100).dtype, integer_array([3, 4], 2**70).dtype
    (dtype('int64'), dtype('O'))
    """
    return np.array(values, dtype=np.int64 if bound < 2**62 else object)


def _exact_sums(function, term_vars, coeff, measures, var) -> dict[int, Fraction]:
    """Exact P(f) for rational variables: integer sums over the one denominator all terms share.

    Every term has one factor per unit, of fixed kinds, so its denominator is the same product.
    """
    dens = _kind_denominators(var, measures)
    total = math.prod(int(dens[v]) for v in term_vars[0])
    num = integer_array([int(m.exact * d) for m, d in zip(measures, dens)], total)
    terms = coeff.astype(num.dtype) * np.prod(num[term_vars], axis=1)
    keys, sums = _group_sum(function, terms)
    return {int(f): Fraction(int(s), total) for f, s in zip(keys, sums)}


def _float_sums(function, term_vars, coeff, measures) -> dict[int, tuple[float, float]]:
    """P(f) in floats with a rigorous bound: factor errors propagated (monotone polynomial) plus rounding.

    With non-negative coefficients, ``|P(p) - P(p_hat)| <= P(p_hat + e) - P(p_hat)``; each evaluation of
    ``T`` terms of degree ``m`` is within ``gamma_(T+m+1)`` (relative) of its exact value (Higham, 3.1).
    """
    value = np.array([m.probability for m in measures])
    error = np.array([max(m.error, math.ulp(m.probability)) for m in measures])
    upper = np.nextafter(value + error, np.inf)
    keys, p_hat = _group_sum(function, coeff * np.prod(value[term_vars], axis=1))
    _, u_hat = _group_sum(function, coeff * np.prod(upper[term_vars], axis=1))
    _, n_terms = _group_sum(function, np.ones(len(function), dtype=np.int64))
    k = n_terms + term_vars.shape[1] + 1
    gamma = k * 2.0**-53 / (1 - k * 2.0**-53)
    bound = np.nextafter((u_hat - p_hat) + 3 * gamma * (u_hat + p_hat), np.inf)
    return {int(f): (float(p), float(b)) for f, p, b in zip(keys, p_hat, bound)}


def _sympy_sums(function, term_vars, coeff, measures) -> dict[int, object]:
    import sympy

    symbols = sympy.symbols(f"v0:{len(measures)}")
    grouped: dict = defaultdict(list)
    for f, vars_, c in zip(function.tolist(), term_vars.tolist(), coeff.tolist()):
        grouped[f].append(c * sympy.Mul(*[symbols[v] for v in vars_]))
    substitution = {symbols[v]: measures[v].exact for v in set(term_vars.ravel().tolist())}
    return {f: sympy.expand(sympy.Add(*terms).subs(substitution)) for f, terms in grouped.items()}


# ---------------------------------------------------------------------------
# the result both routes build


@dataclass
class Composition:
    """P(f) of every realised function, and what the output unit sees (built by the two compose routes).

    Parameters
    ----------
    values : dict
        Function (integer truth table) to ``(probability, exact, error)``.
    method : str
        How the values were computed.
    last_functions : numpy.ndarray
        The last hidden layer's states: multisets of unit functions, one sorted row each.
    state_weight : numpy.ndarray
        Each state's weight, over ``state_den`` (box: integers; Gaussian: floats with ``state_den = 1``).
    state_den : int
        The common denominator of ``state_weight``.
    out_unit : UnitPerceptron
        The output perceptron.
    out_value : numpy.ndarray
        Measure of each region of ``out_unit``, over ``out_den``.
    out_den : int
        The common denominator of ``out_value``.
    top : dict
        Per function, the states contributing most.
    n_combinations : dict
        Per function, how many states contribute.
    first_layer_is_last : bool
        Whether the net has one hidden layer (states are then multisets of first-layer units).

    Examples
    --------
    >>> from pfmap import UniformPrior
    >>> from pfmap.geometry.step_networks.units import unit_perceptron
    >>> c = compose_polynomial(unit_perceptron(2), [unit_perceptron(2)], (2,), n=2, prior=UniformPrior())
    >>> c.values[0b0110][1]                     # xor on {0,1}^2, exact
    Fraction(7, 9216)
    """

    values: dict
    method: str
    last_functions: np.ndarray
    state_weight: np.ndarray
    state_den: int
    out_unit: UnitPerceptron
    out_value: np.ndarray
    out_den: int
    top: dict
    n_combinations: dict
    first_layer_is_last: bool


def _box_out_values(unit: UnitPerceptron, measures: list) -> tuple[np.ndarray, int]:
    den = math.lcm(*[m.exact.denominator for m in measures])
    return integer_array([int(measures[o].exact * den) for o in unit.orbit.tolist()], den), den


def compose_polynomial(unit1: UnitPerceptron, later: list[UnitPerceptron], widths: tuple[int, ...], *, n: int,
                       prior: Prior, top: int = 3, progress: bool | str = False) -> Composition:
    """One hidden layer (or small closed-form nets): P(f) as integer polynomials in orbit measures.

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
        The prior.
    top : int
        States listed per function.
    progress : bool or "auto"
        A progress bar over the last hidden layer's states (the long part), on stderr.

    Returns
    -------
    Composition

    Examples
    --------
    >>> from pfmap import UniformPrior
    >>> from pfmap.geometry.step_networks.units import unit_perceptron
    >>> c = compose_polynomial(unit_perceptron(2), [unit_perceptron(2)], (2,), n=2, prior=UniformPrior())
    >>> sum(v[1] for v in c.values.values())     # the exact probabilities sum to 1
    Fraction(1, 1)
    """
    var = _Variables()
    var.kind(unit1)
    layer = _first_layer(unit1, widths[0], var)
    n_inputs = 1 << n
    for unit, width in zip(later[:-1], widths[1:]):
        layer = _hidden_transition(layer, unit, width, n_inputs, var)
    out_unit = later[-1]
    var.kind(out_unit)
    measures = [m for kind in var.kinds for m in orbit_measures(kind, prior)]
    floats = np.array([m.probability for m in measures])
    weights = _state_weights(layer, floats)
    with progress_bar(len(layer.functions), progress=progress, desc="hidden states", unit="state") as bar:
        function, term_vars, coeff, tops = _output_transition(layer, out_unit, n_inputs, var, weights, floats, top,
                                                              bar)
    out_measures = measures[var.offsets[var.kind(out_unit)]:][:out_unit.n_orbits]
    if isinstance(prior, UniformPrior):
        exact = _exact_sums(function, term_vars, coeff, measures, var)
        values = {f: (float(v), v, 0.0) for f, v in exact.items()}
        method = "step composition, box volume (exact)"
        dens = _kind_denominators(var, measures)
        state_den = math.prod(int(dens[v]) for v in layer.monomials[0])
        num = integer_array([int(m.exact * d) for m, d in zip(measures, dens)], state_den)
        term = layer.term_coeff.astype(num.dtype) * np.prod(num[layer.monomials[layer.term_monomial]], axis=1)
        state_weight = _group_sum(layer.term_state, term)[1]
        out_value, out_den = _box_out_values(out_unit, out_measures)
    else:
        bounded = _float_sums(function, term_vars, coeff, measures)
        closed = all(measures[v].exact is not None for v in set(term_vars.ravel().tolist()))
        if closed:
            exprs = _sympy_sums(function, term_vars, coeff, measures)
            values = {f: (float(e.evalf(30)), e, 0.0) for f, e in exprs.items()}
        else:
            values = {f: (p, None, b) for f, (p, b) in bounded.items()}
        method = "step composition, gaussian " + ("closed form" if closed else "certified")
        state_weight, state_den = weights, 1
        out_value, out_den = np.array([out_measures[o].probability for o in out_unit.orbit.tolist()]), 1
    return Composition(values, method, layer.functions, state_weight, state_den, out_unit, out_value, out_den,
                       tops.result(), {f: int(c) for f, c in enumerate(tops.count.tolist()) if c},
                       len(widths) == 1)
