"""Exact tables at scale (n = 5, 6) against independent computations: brute-force rays, Qhull volumes, LPs, counts.

Every check recomputes the answer another way: extreme rays by exhausting subsets in exact rationals, volumes by
scipy's Qhull half-space intersection, irredundant conditions by linear programs, witnesses in Python
integers, functions by an integer grid search, region counts from OEIS A000609 and the resonance-arrangement
counts, orbit counts from A001532.  The n = 6 tables are checked on a seeded sample of orbits and rows only.
"""

import itertools
import math
from fractions import Fraction

import numpy as np
import pyarrow.parquet as pq
import pytest
from scipy.optimize import linprog
from scipy.spatial import ConvexHull, HalfspaceIntersection

from pfmap import GaussianPrior, PfmapError, UniformPrior, boolean_inputs
from pfmap.geometry.cones import orthant
from pfmap.geometry.cones.box import cone_box_fraction
from pfmap.geometry.cones.double_description import extreme_rays
from pfmap.geometry.cones.polyhedra import cone_facets, cone_rays
from pfmap.geometry.perceptron import table as table_module
from pfmap.geometry.perceptron.enumeration import count_regions, walk_orbits
from pfmap.geometry.perceptron.orbit_rows import orbit_rows, table_case
from pfmap.geometry.perceptron.table_file import parts_folder, perceptron_table_file

RNG_SEED = 20240514


# ---------------------------------------------------------------------------
# independent computations


def _det(m):
    """Determinant by fraction-free (Bareiss) elimination in Python integers, independent of pfmap's FLINT path."""
    a = [list(row) for row in m]
    n, sign, prev = len(a), 1, 1
    for k in range(n - 1):
        if a[k][k] == 0:
            p = next((i for i in range(k + 1, n) if a[i][k] != 0), None)
            if p is None:
                return 0
            a[k], a[p], sign = a[p], a[k], -sign
        for i in range(k + 1, n):
            for j in range(k + 1, n):
                a[i][j] = (a[i][j] * a[k][k] - a[i][k] * a[k][j]) // prev
        prev = a[k][k]
    return sign * a[-1][-1] if n else 1


def brute_force_rays(rows):
    """Extreme rays by exhausting (d-1)-subsets: signed maximal minors (exact), independent of pfmap."""
    rows = [list(map(int, r)) for r in rows]
    d = len(rows[0])
    out = set()
    for sub in itertools.combinations(range(len(rows)), d - 1):
        mat = [rows[i] for i in sub]
        v = [(-1) ** j * _det([r[:j] + r[j + 1:] for r in mat]) for j in range(d)]
        if not any(v):
            continue
        for sign in (1, -1):
            w = [sign * x for x in v]
            if all(sum(a * b for a, b in zip(r, w)) >= 0 for r in rows):
                g = math.gcd(*w)
                out.add(tuple(x // g for x in w))
    return out


def qhull_box_fraction(rows, half_widths, interior):
    """Fraction of the box |u_i| <= s_i inside {rows @ u >= 0}, by Qhull (floats), from an interior point."""
    rows = np.asarray(rows, dtype=float)
    d = rows.shape[1]
    s = np.array([float(x) for x in half_widths])
    box = np.vstack([np.eye(d), -np.eye(d)])
    halfspaces = np.vstack([np.hstack([-rows, np.zeros((len(rows), 1))]), np.hstack([box, -np.tile(s, 2)[:, None]])])
    interior = np.asarray(interior, dtype=float)
    point = interior * 0.5 * np.min(s / np.maximum(np.abs(interior), 1e-300))
    hull = ConvexHull(HalfspaceIntersection(halfspaces, point).intersections)
    return hull.volume / np.prod(2 * s)


def irredundant_by_lp(rows):
    """Row k is irredundant iff min row_k . u over {other rows . u >= 0, |u| <= 1} is negative."""
    out = []
    for k in range(len(rows)):
        others = np.delete(rows, k, axis=0)
        res = linprog(rows[k].astype(float), A_ub=-others.astype(float), b_ub=np.zeros(len(others)),
                      bounds=[(-1, 1)] * rows.shape[1], method="highs")
        out.append(res.fun < -1e-9)
    return np.array(out)


def grid_functions(n, bias, wmax):
    """Every function of integer weights |w_i| <= wmax and odd half-biases on {0,1}^n, as uint64 truth tables."""
    x = boolean_inputs(n).astype(np.int64)
    ws = np.array(list(itertools.product(range(-wmax, wmax + 1), repeat=n)), dtype=np.int64)
    pre = 2 * ws @ x.T
    found = set()
    for b in (range(-(2 * n * wmax + 1), 2 * n * wmax + 2, 2) if bias else [0]):
        z = pre + b
        ok = np.all((z != 0) | ~np.any(x != 0, axis=1)[None, :], axis=1)
        bits = (z[ok] > 0).astype(np.uint64) << np.arange(2**n, dtype=np.uint64)
        found.update(np.bitwise_or.reduce(bits, axis=1).tolist())
    return found


def row_cone(n, bias, function, mask):
    """The cone rows of a table row: sign of the output times (x_j, 1), for the inputs in the mask."""
    pts = boolean_inputs(n).astype(np.int64)
    pts = np.hstack([pts, np.ones((len(pts), 1), dtype=np.int64)]) if bias else pts
    bits = [j for j in range(2**n) if int(mask) >> j & 1]
    return np.array([(1 if int(function) >> j & 1 else -1) for j in bits])[:, None] * pts[bits]


def all_rows(n, bias, function):
    pts = boolean_inputs(n).astype(np.int64)
    pts = np.hstack([pts, np.ones((len(pts), 1), dtype=np.int64)]) if bias else pts
    keep = np.any(pts != 0, axis=1)
    signs = np.array([1 if int(function) >> j & 1 else -1 for j in range(2**n)])
    return signs[keep, None] * pts[keep], np.flatnonzero(keep)


# ---------------------------------------------------------------------------
# double description


@pytest.mark.parametrize("d,rows_count,trials", [(3, 6, 4), (4, 6, 3), (5, 5, 2), (6, 4, 2)])
def test_double_description_matches_exhaustive_subsets(d, rows_count, trials):
    rng = np.random.default_rng(RNG_SEED + d)
    tried = 0
    while tried < trials:
        rows = rng.integers(-2, 3, size=(rows_count, d))
        rows = np.vstack([rows, np.eye(d, dtype=np.int64)])     # keep the cone pointed
        got = {tuple(int(v) for v in r) for r in extreme_rays(rows).tolist()}
        assert got == brute_force_rays(rows)
        tried += 1


def test_double_description_switches_to_python_integers_without_overflow():
    # entries near 2**40: products overflow int64, the answer must still be exact
    big = 2**40 + 7
    rows = np.array([[big, -1, 0], [0, big, -1], [0, 0, 1], [1, 0, 0], [-1, big, big]], dtype=object)
    got = {tuple(int(v) for v in r) for r in extreme_rays(rows).tolist()}
    assert got == brute_force_rays(rows)


def test_not_pointed_cone_is_refused():
    with pytest.raises(ValueError, match="not pointed"):
        cone_rays([[1, 0, 0], [0, 1, 0]])


def test_cone_facets_agree_with_lp():
    rng = np.random.default_rng(RNG_SEED)
    for _ in range(5):
        rows = np.vstack([rng.integers(-2, 3, size=(7, 4)), np.eye(4, dtype=np.int64)])
        if len(extreme_rays(rows)) < 4:
            continue
        assert np.array_equal(cone_facets(rows), irredundant_by_lp(rows))


# ---------------------------------------------------------------------------
# n = 5: the large cones (the whole table's exact sum of 1 is printed by benchmarks/exact_tables.py)


def test_n5_regions_with_many_conditions_match_qhull():
    # the large cones the old subset enumeration could not reach in a test (C(44, 6) subsets each)
    from pfmap.geometry.perceptron.regions import perceptron_regions

    reg = perceptron_regions(5)
    rng = np.random.default_rng(RNG_SEED)
    many = np.flatnonzero(reg.n_conditions >= 16)
    s = [1] * 5 + [Fraction(1, 3)]
    for i in rng.choice(many, 5, replace=False):
        exact = cone_box_fraction(reg.cone(i), s)
        assert float(exact) == pytest.approx(qhull_box_fraction(reg.cone(i), s, reg.witnesses[i]), rel=1e-9)


# ---------------------------------------------------------------------------
# limits decided before any enumeration


def _no_enumeration(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("enumerated before refusing")
    monkeypatch.setattr(table_module, "perceptron_regions", boom)


def test_gaussian_limit_follows_the_orthant_dimension(monkeypatch):
    _no_enumeration(monkeypatch)
    monkeypatch.setattr(orthant, "MAX_ORTHANT_DIMENSION", 4)
    with pytest.raises(PfmapError, match=r"n <= 3 with bias"):
        table_module.perceptron_table(4, GaussianPrior())
    monkeypatch.setattr(orthant, "MAX_ORTHANT_DIMENSION", 6)
    table_module.check_table_request(5, GaussianPrior(), "01")     # dimension 6 allowed: no error


def test_refusals_come_before_enumeration(monkeypatch):
    _no_enumeration(monkeypatch)
    with pytest.raises(PfmapError, match="perceptron_table_file"):
        table_module.perceptron_table(6, UniformPrior())
    with pytest.raises(PfmapError, match=r"8,378,070,864 .* n = 6 \(15,028,134 regions.*pfmap.montecarlo.sample"):
        table_module.check_table_request(7, GaussianPrior(), "01", maximum=6)
    # conditions only still works where measures are refused
    monkeypatch.setattr(orthant, "MAX_ORTHANT_DIMENSION", 2)
    table_module.check_table_request(5, GaussianPrior(), "01", volumes=False)


def test_cli_n7_says_count_time_and_sampling(capsys):
    from pfmap.cli import main

    assert main(["table", "perceptron", "--n", "7", "--prior", "uniform"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "8,378,070,864" in err and "n = 6" in err and "`pfmap sample`" in err and "minutes" in err


def test_cli_n6_needs_a_parquet_file(capsys):
    from pfmap.cli import main

    assert main(["table", "perceptron", "--n", "6"]) == 2
    assert "--out FILE.parquet" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# the file table: small n completely, against independent computations


@pytest.mark.parametrize("bias", [True, False])
def test_file_table_n4_against_grid_search_lp_and_qhull(tmp_path, bias):
    out = tmp_path / "t.parquet"
    info = perceptron_table_file(4, out, prior=UniformPrior(a_w=1, a_b=Fraction(1, 2), bias=bias), workers=1)
    t = pq.read_table(out).to_pandas()
    assert info["rows"] == len(t) == (1882 if bias else 370)
    assert set(t["function"].tolist()) == grid_functions(4, bias, 5)
    assert not parts_folder(out).exists()
    rng = np.random.default_rng(RNG_SEED)
    s = [1] * 4 + ([Fraction(1, 2)] if bias else [])
    names = [f"w{i}" for i in range(1, 5)] + (["b"] if bias else [])
    for i in rng.choice(len(t), 12, replace=False):
        f, mask = int(t["function"].iloc[i]), int(t["conditions"].iloc[i])
        w = [int(t[c].iloc[i]) for c in names]
        rows, inputs = all_rows(4, bias, f)
        assert all(int(sum(a * b for a, b in zip(r, w))) > 0 for r in rows.tolist())      # Python integers
        lp = irredundant_by_lp(rows)
        assert {int(j) for j in inputs[lp]} == {j for j in range(16) if mask >> j & 1}
        assert int(t["n_conditions"].iloc[i]) == lp.sum()
        cone = row_cone(4, bias, f, mask)
        assert float(Fraction(t["exact"].iloc[i])) == pytest.approx(qhull_box_fraction(cone, s, w), rel=1e-9)
    assert sum(Fraction(x) for x in t["exact"].astype(str)) == 1


def test_file_table_resumes_after_a_kill(tmp_path, monkeypatch):
    from pfmap.geometry.perceptron import table_file

    out = tmp_path / "t.parquet"
    real = table_file._chunk_task
    calls = []

    def dying(*args):
        if len(calls) == 2:
            raise KeyboardInterrupt("killed")
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(table_file, "_chunk_task", dying)
    with pytest.raises(KeyboardInterrupt):       # n = 4 with bias: 7 orbits, one chunk each
        perceptron_table_file(4, out, prior=UniformPrior(), volumes=False, workers=1)
    assert not out.exists() and len(list((parts_folder(out) / "chunks").iterdir())) == 2
    monkeypatch.setattr(table_file, "_chunk_task", real)
    info = perceptron_table_file(4, out, prior=UniformPrior(), volumes=False, workers=1)
    assert info["resumed"] == 2
    t = pq.read_table(out).to_pandas()
    assert len(t) == 1882 and set(t["function"].tolist()) == grid_functions(4, True, 5)


def test_file_table_refuses_before_enumeration(tmp_path, monkeypatch):
    from pfmap.geometry.perceptron import table_file

    def boom(*args, **kwargs):
        raise AssertionError("enumerated before refusing")
    monkeypatch.setattr(table_file, "walk_orbits", boom)
    with pytest.raises(PfmapError, match="n = 7 has 8,378,070,864"):
        perceptron_table_file(7, tmp_path / "t.parquet")
    with pytest.raises(PfmapError, match=r"path must end in \.parquet"):
        perceptron_table_file(3, tmp_path / "t.csv")
    monkeypatch.setattr(orthant, "MAX_ORTHANT_DIMENSION", 3)
    with pytest.raises(PfmapError, match="certified Gaussian measures run up to 3 parameters"):
        perceptron_table_file(3, tmp_path / "t.parquet", prior=GaussianPrior(), volumes=True)


# ---------------------------------------------------------------------------
# n = 6: a seeded sample of orbits and rows


@pytest.fixture(scope="module")
def walk6():
    case = table_case(6, "01", True)
    return case, walk_orbits(case.arrangement())


def test_n6_orbit_count_is_a001532(walk6):
    _, walk = walk6
    assert len(walk.witnesses) == 135          # A001532(7): self-dual threshold functions of 7 variables up to NP


def test_n6_sampled_orbits_witnesses_conditions_and_volumes(walk6):
    case, walk = walk6
    rng = np.random.default_rng(RNG_SEED)
    # representatives' facets (the walk's exact facets) against LPs
    for r in rng.choice(len(walk.witnesses), 2, replace=False):
        s = np.sign(case.arrangement().normals @ walk.witnesses[r])
        assert np.array_equal(irredundant_by_lp(s[:, None] * case.arrangement().normals), walk.facets[r])
    half = [1] * 6 + [Fraction(1, 2)]

    def box(rows):
        v = cone_box_fraction(rows, half)
        return float(v), 0.0, v

    # one seeded orbit with few conditions (cheap volumes), one seeded orbit of any size without volumes
    few = np.flatnonzero(walk.facets.sum(axis=1) <= 8)
    for r, measure in ((rng.choice(few), box), (rng.choice(len(walk.witnesses)), None)):
        rows = orbit_rows(case, walk.witnesses[r:r + 1], walk.facets[r:r + 1], measure=measure)
        funcs = rows["function"]
        assert len(np.unique(funcs)) == len(funcs)
        for i in rng.choice(len(funcs), 4, replace=False):
            f, mask = int(funcs[i]), int(rows["conditions"][i])
            w = [int(rows[c][i]) for c in case.parameter_names]
            allr, inputs = all_rows(6, True, f)
            assert all(int(sum(a * b for a, b in zip(row, w))) > 0 for row in allr.tolist())
            lp = irredundant_by_lp(allr)
            assert {int(j) for j in inputs[lp]} == {j for j in range(64) if mask >> j & 1}
            if measure is not None:
                exact = Fraction(int(rows["exact_numerator"][i]), int(rows["exact_denominator"][i]))
                assert float(exact) == pytest.approx(qhull_box_fraction(row_cone(6, True, f, mask), half, w), rel=1e-9)


def test_n6_without_bias_pm1_counts_match_a000609():
    # {-1,1}^6 without bias: the self-dual functions, A000609(5) = 94,572, held in memory
    from pfmap.geometry.perceptron.regions import perceptron_regions

    assert len(perceptron_regions(6, "pm1", bias=False)) == 94572


def test_n5_without_bias_count_by_orbit_expansion():
    # the resonance-arrangement count; at least 11,292 / 240 orbits (240 = the group's order)
    regions, orbits = count_regions(table_case(5, "01", False).arrangement())
    assert regions == 11292 and orbits >= 11292 / 240
