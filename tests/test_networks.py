"""Exact step networks: brute force, hand computations, identities, Monte Carlo, combinations, bad input."""

import itertools
import math
import re
from fractions import Fraction

import numpy as np
import pytest

from pfmap.geometry.perceptron.regions import perceptron_regions
from pfmap.geometry.perceptron.measures import perceptron_box_volumes
from pfmap.geometry.perceptron.table import perceptron_table
from pfmap.geometry.step_networks.composition import compose_polynomial
from pfmap.geometry.step_networks.numeric import compose_numeric
from pfmap.geometry.step_networks.units import unit_perceptron
from pfmap.geometry.step_networks.table import (check_step_network, step_network_cases, step_network_measure,
                                                step_network_table)
from pfmap import MLP, GaussianPrior, PfmapError, UniformPrior, boolean_inputs


def brute_force(n, widths, prior, encoding="01"):
    """P(f) by enumerating every ordered tuple of unit functions, layer by layer, with Fractions."""
    cache = {}

    def perceptron(k, enc):
        if (k, enc) not in cache:
            reg = perceptron_regions(k, enc, prior.bias)
            cache[(k, enc)] = (reg.outputs, perceptron_box_volumes(reg, prior))
        return cache[(k, enc)]

    outputs, vols = perceptron(n, encoding)
    states = {(): Fraction(1)}
    for _ in range(widths[0]):
        states = _extend(states, outputs, vols)
    for width in list(widths[1:]) + [1]:
        h = len(next(iter(states)))
        out_h, vol_h = perceptron(h, "01")
        new = {}
        for s, p in states.items():
            code = [sum(s[i][x] << (h - 1 - i) for i in range(h)) for x in range(2 ** n)]
            layer = {(): p}
            for _ in range(width):
                layer = _extend(layer, out_h[:, code], vol_h)
            for t, q in layer.items():
                new[t] = new.get(t, 0) + q
        states = new
    return {"".join(map(str, k[0])): v for k, v in states.items() if v}


def _extend(states, outputs, vols):
    new = {}
    for s, p in states.items():
        for r in range(len(vols)):
            key = s + (tuple(int(v) for v in outputs[r]),)
            new[key] = new.get(key, 0) + p * vols[r]
    return new


@pytest.mark.parametrize("n,widths,prior,encoding", [
    (2, (2,), UniformPrior(), "01"),
    (2, (1,), UniformPrior(), "01"),
    (1, (3,), UniformPrior(), "01"),
    (2, (2,), UniformPrior(2, "1/3"), "01"),
    (2, (2,), UniformPrior(bias=False), "01"),
    (2, (2,), UniformPrior(), "pm1"),
    (2, (2, 2), UniformPrior(), "01"),          # deeper: the numeric route
    (2, (1, 2), UniformPrior("1/2", 3), "pm1"),
])
def test_box_prior_equals_brute_force_enumeration(n, widths, prior, encoding):
    measure = step_network_measure(MLP(n, widths, "step", prior), encoding)
    assert measure.exact == brute_force(n, widths, prior, encoding)
    assert all(isinstance(v, Fraction) for v in measure.exact.values())
    assert sum(measure.exact.values()) == 1


def test_one_one_one_by_hand():
    # hidden unit on {0,1}: constants 3/8 each, 01 and 10 1/8 each (box [-1,1]^2); the output unit the same
    # on the code.  f = 01 needs g = 01, o = 01 or g = 10, o = 10: 2/64.  f = 00: g constant and o(g) = 0
    # (o in {00, 01}: 1/2), or g non-constant and o = 00 (3/8): 3/4 * 1/2 + 1/4 * 3/8 = 15/32.
    exact = step_network_measure(MLP(1, (1,), "step", UniformPrior())).exact
    assert exact == {"00": Fraction(15, 32), "11": Fraction(15, 32), "01": Fraction(1, 32), "10": Fraction(1, 32)}


def test_xor_and_xnor_become_possible():
    perceptron = set(perceptron_table(2, UniformPrior())["function"])
    net = step_network_measure(MLP(2, (2,), "step", UniformPrior()))
    assert "0110" not in perceptron and "1001" not in perceptron
    assert net.exact["0110"] == net.exact["1001"] > 0
    assert len(net.exact) == 16
    # one hidden unit adds nothing: a 2-1-1 step net realises exactly the 14 threshold functions
    assert set(step_network_measure(MLP(2, (1,), "step", UniformPrior())).exact) == perceptron


@pytest.mark.parametrize("prior", [UniformPrior(), GaussianPrior(sigma_w=2)])
def test_symmetries(prior):
    m = step_network_measure(MLP(3, (2,), "step", prior))
    p = m.probability
    for f, v in p.items():   # output complement: (v, c) -> (-v, -c)
        flipped = "".join("1" if c == "0" else "0" for c in f)
        assert p[flipped] == pytest.approx(v, rel=1e-12, abs=1e-15)
    x = boolean_inputs(3)
    for perm in itertools.permutations(range(3)):   # permuting inputs permutes iid weights
        index = [int("".join(map(str, x[j][list(perm)])), 2) for j in range(8)]
        for f, v in p.items():
            g = "".join(f[index[j]] for j in range(8))
            assert p[g] == pytest.approx(v, rel=1e-12, abs=1e-15)


def test_gaussian_closed_form_is_exact():
    m = step_network_measure(MLP(2, (2,), "step", GaussianPrior()))
    assert m.method.endswith("closed form")
    total = sum(m.exact.values())
    assert abs(float(total.evalf(60)) - 1) < 1e-40
    assert all(e == 0 for e in m.error.values())
    # the same sums carried out on certified balls (an independent route) agree
    numeric = compose_numeric(unit_perceptron(2), [unit_perceptron(2), unit_perceptron(2)], (2,), n=2, prior=GaussianPrior())
    for f, (p, _, bound) in numeric.values.items():
        name = format(f, "b").zfill(4)[::-1]
        assert abs(p - float(m.exact[name].evalf(30))) <= bound + 1e-16


def test_gaussian_certified_bounds_hold():
    prior = GaussianPrior(sigma_b="1/2")
    later = [unit_perceptron(3), unit_perceptron(2)]
    poly = compose_polynomial(unit_perceptron(2), later, (3, 2), n=2, prior=prior)     # polynomial route
    balls = compose_numeric(unit_perceptron(2), later, (3, 2), n=2, prior=prior)       # ball arithmetic route
    assert set(poly.values) == set(balls.values)
    for f in poly.values:
        (p, _, e), (q, _, d) = poly.values[f], balls.values[f]
        assert 0 < e < 1e-10 and 0 < d < 1e-10
        assert abs(p - q) <= e + d
    assert abs(sum(v[0] for v in poly.values.values()) - 1) <= sum(v[2] for v in poly.values.values()) + 1e-15


def test_matches_plain_monte_carlo_with_numpy():
    # independent sampler: 2-2-1 step net, all parameters N(0,1), seed fixed, 200,000 nets
    rng = np.random.default_rng(2024)
    n_nets = 200_000
    x = boolean_inputs(2).astype(float)
    w1, b1 = rng.standard_normal((n_nets, 2, 2)), rng.standard_normal((n_nets, 2))
    v, c = rng.standard_normal((n_nets, 2)), rng.standard_normal(n_nets)
    hidden = (np.einsum("xi,kji->kxj", x, w1) + b1[:, None, :] > 0).astype(float)
    out = (np.einsum("kxj,kj->kx", hidden, v) + c[:, None] > 0)
    codes = out @ (1 << np.arange(4))
    counts = np.bincount(codes, minlength=16)
    m = step_network_measure(MLP(2, (2,), "step", GaussianPrior()))
    chi2 = 0.0
    for f in range(16):
        p = m.probability[format(f, "b").zfill(4)[::-1]]
        chi2 += (counts[f] - n_nets * p) ** 2 / (n_nets * p)
    assert chi2 < 37.7   # chi-square, 15 degrees of freedom: P(> 37.7) = 0.001


def test_combinations_and_witnesses():
    m = step_network_measure(MLP(2, (2,), "step", UniformPrior()))
    table = m.table().set_index("function")
    weights = boolean_inputs(2)
    for f in m.exact:
        c = m.combinations(f)
        assert c["share"].sum() == 1
        assert sum(c["exact"]) == m.exact[f]
        assert len(c) == table.loc[f, "n_combinations"]
        # the witness is a net that computes f: hidden units (w1 w2 b), then the output unit
        hidden, out = table.loc[f, "witness"].split(" -> ")
        units = [np.array(list(map(int, u.split()))) for u in hidden.split(" / ")]
        codes = np.array([[int(u[:2] @ x + u[2] > 0) for u in units] for x in weights])
        o = np.array(list(map(int, out.split())))
        assert "".join(str(int(o[:2] @ code + o[2] > 0)) for code in codes) == f
    xor = m.combinations("0110")
    assert xor.loc[0, "share"] == Fraction(4, 21) and set(xor.loc[0, "hidden"]) == {"0010", "0100"}
    assert "{0010,0100}" in table.loc["0110", "combinations"]


def _parse_conditions(text):
    """``w11+2w12-b1>0, ...`` -> list of ({name: coefficient}, sign)."""
    import re

    out = []
    for cond in text.split(", "):
        form, sign = (cond[:-2], 1) if cond.endswith(">0") else (cond[:-2], -1)
        coeffs = {}
        for s, mag, name in re.findall(r"([+-]?)(\d*)([a-z]\w*)", form):
            coeffs[name] = (-1 if s == "-" else 1) * (int(mag) if mag else 1)
        out.append((coeffs, sign))
    return out


@pytest.mark.parametrize("n, encoding", [(2, "01"), (2, "pm1"), (3, "01")])
def test_piece_conditions_are_irredundant_and_give_the_function(n, encoding):
    """The conditions column: the witness satisfies them, every point satisfying them (near the witness and
    at random) computes the function, and each is irredundant (linear programs, scipy)."""
    from scipy.optimize import linprog

    h = 2
    table = step_network_measure(MLP(n, (h,), "step", GaussianPrior()), encoding).table()
    x = boolean_inputs(n, encoding)
    names = [f"w{j}{i}" for j in range(1, h + 1) for i in range(1, n + 1)] + [f"b{j}" for j in range(1, h + 1)]
    names += [f"v{j}" for j in range(1, h + 1)] + ["c"]
    index = {name: k for k, name in enumerate(names)}
    rng = np.random.default_rng(3)

    def network(params):      # params (S, len(names)) -> truth tables as strings
        w = params[:, :h * n].reshape(-1, h, n)
        b = params[:, h * n:h * n + h]
        v, c = params[:, h * n + h:h * n + 2 * h], params[:, -1]
        hid = (np.einsum("shn,mn->smh", w, x) + b[:, None, :] > 0).astype(float)
        out = (np.einsum("smh,sh->sm", hid, v) + c[:, None]) > 0
        return ["".join("1" if o else "0" for o in row) for row in out]

    rows = table.sample(min(len(table), 12), random_state=1) if n == 3 else table
    for _, row in rows.iterrows():
        conds = _parse_conditions(row["conditions"])
        assert len(conds) == row["n_conditions"]
        g = np.zeros((len(conds), len(names)))
        for k, (coeffs, sign) in enumerate(conds):
            for name, a in coeffs.items():
                g[k, index[name]] = sign * a
        hidden, out = row["witness"].split(" -> ")
        units = [list(map(int, u.split())) for u in hidden.split(" / ")]
        witness = np.array([u[i] for u in units for i in range(n)] + [u[n] for u in units]
                           + list(map(int, out.split())), dtype=float)
        assert (g @ witness > 0).all()
        points = np.concatenate([witness + 0.3 * rng.standard_normal((4000, len(names))),
                                 rng.standard_normal((20000, len(names)))])
        inside = points[(points @ g.T > 0).all(axis=1)]
        assert len(inside) > 0
        assert set(network(inside)) == {row["function"]}
        for k in range(len(conds)):       # flip condition k alone: still feasible iff it is irredundant
            a_ub = np.vstack([np.delete(-g, k, axis=0), g[k:k + 1]])
            res = linprog(np.zeros(len(names)), A_ub=a_ub, b_ub=-np.ones(len(conds)),
                          bounds=[(None, None)] * len(names), method="highs")
            assert res.status == 0, (row["function"], k)


def test_too_large_names_the_count_and_points_to_sampling():
    with pytest.raises(PfmapError) as exc:
        check_step_network(MLP(3, (4,), "step"))
    message = str(exc.value)
    assert f"{math.comb(107, 4) * 1882:,}" in message and "pfmap.montecarlo.sample" in message
    assert "\n" not in message
    assert step_network_cases(MLP(2, (2,), "step"))[0] == math.comb(15, 2) * 14


@pytest.mark.parametrize("widths, units", [((2,), 14), ((2, 2), 14)])
def test_step_table_progress_bar_counts_the_hidden_states(widths, units, capsys):
    """The bar of the exact step table runs over the last hidden layer's states: multisets of its units' functions.

    One hidden layer of 2 units on {0,1}^2: C(14 + 1, 2) = 105 states of 14 threshold functions (polynomial route);
    2-2-2-1 (the numeric route): the second layer's 2 units see the first layer's codes.
    """
    arch = MLP(2, widths, "step", UniformPrior())
    quiet = step_network_table(arch)
    shown = step_network_table(arch, progress=True)
    assert shown.equals(quiet)                                  # the bar changes nothing
    err = capsys.readouterr().err.replace("\r", "\n")
    assert "hidden states" in err
    totals = {int(total) for _, total in re.findall(r"(\d+)/(\d+) ", err)}
    if len(widths) == 1:
        assert totals == {math.comb(units + widths[0] - 1, widths[0])}
    else:
        assert totals and all(t > 0 for t in totals)
    assert step_network_table(arch, progress=False) is not None and capsys.readouterr().err == ""
