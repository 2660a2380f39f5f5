"""Dimension-4 output layers (2-3-1, 3-3-1, 4-3-1): the directions kernel and the half-space slices, the symmetry
orbits, honest intervals for rare functions, and what a run compiles -- each against an independent computation."""

import itertools
import math
import subprocess
import sys

import numpy as np
import pytest
from scipy.special import ndtri

from pfmap import MLP, PfmapError, UniformPrior, boolean_inputs
from pfmap.geometry.rao_blackwell.cells import conditional_function_law
from pfmap.geometry.rao_blackwell.directions_4d import DESIGNS, direction_cells, random_rotation
from pfmap.geometry.rao_blackwell.hidden import hidden_workspace, output_normals
from pfmap.geometry.rao_blackwell.run import output_kernel, rao_blackwell, rao_blackwell_table
from pfmap.geometry.rao_blackwell.symmetry import function_orbits
from pfmap.montecarlo import sample


def relu_normals(n, count, seed, width=3):
    """Output-layer normals (phi(x), 1) of n-width-1 ReLU nets, drawn with numpy (all parameters N(0, 1))."""
    rng = np.random.default_rng(seed)
    x = boolean_inputs(n).astype(float)
    w, b = rng.standard_normal((count, width, n)), rng.standard_normal((count, width))
    h = np.maximum(np.einsum("xi,kji->kxj", x, w) + b[:, None, :], 0)
    return np.concatenate([h, np.ones((count, len(x), 1))], axis=2)


def test_slices_converge_to_the_simplex_cutting_with_many_planes():
    """3-3-1 samples with five to eight distinct planes: many slices give the cubature's law (good to ~1e-5),
    and every single slice's law sums to 1."""
    g = relu_normals(3, 400, seed=2)
    distinct = np.array([len({tuple(row) for row in s}) for s in g])
    rank = np.array([np.linalg.matrix_rank(s) for s in g])
    g = g[(distinct >= 5) & (rank == 4)][:12]
    assert len(g) == 12
    cut = conditional_function_law(g, True, dense=True, method="simplices")[3]
    many = conditional_function_law(g, True, dense=True, method="slices", slices=2001, offsets=np.full(12, 0.3))[3]
    assert np.abs(many - cut).max() < 3e-5
    one = conditional_function_law(g, True, dense=True, method="slices", slices=1, offsets=np.full(12, 0.7))[3]
    assert np.abs(one.sum(axis=1) - 1).max() < 1e-12 and one.min() > -1e-12


def test_slices_match_the_exact_four_plane_closed_form():
    """2-3-1 samples with four independent planes: against Sheppard + Plackett (exact to 1e-11)."""
    g = relu_normals(2, 200, seed=4)
    g = g[[np.linalg.matrix_rank(s) == 4 for s in g]][:10]
    exact = conditional_function_law(g, True, dense=True)[3]
    many = conditional_function_law(g, True, dense=True, method="slices", slices=4001, offsets=np.full(10, 0.1))[3]
    assert np.abs(many - exact).max() < 2e-7


def test_one_slice_is_unbiased():
    """The law of a single slice at a uniform angle averages to the exact law (z-test over 4000 angles)."""
    g = relu_normals(2, 50, seed=6)
    g = np.repeat(g[[np.linalg.matrix_rank(s) == 4 for s in g]][:1], 4000, axis=0)
    offsets = np.random.default_rng(8).random(4000)
    exact = conditional_function_law(g[:1], True, dense=True)[3][0]
    law = conditional_function_law(g, True, dense=True, method="slices", slices=1, offsets=offsets)[3]
    z = (law.mean(axis=0) - exact) / (law.std(axis=0, ddof=1) / math.sqrt(len(law)) + 1e-300)
    assert np.abs(z[exact > 0]).max() < 4.5


def _direction_laws(g, rotations, design):
    """The directions kernel's law for one normal set, under each of ``rotations`` (3 uniforms each)."""
    m = g.shape[0]
    out = np.zeros((len(rotations), 1 << m))
    rot = np.empty((3, 3))
    for i, u in enumerate(rotations):
        random_rotation(*u, rot)
        seen, touched = np.zeros(1 << m, np.bool_), np.empty((1 << m) + 1, np.int64)
        direction_cells(g, design, rot, 1 / len(design), out[i], seen, touched, 0, np.empty(m + 1),
                        np.empty(m + 1, np.int64))
    return out


@pytest.mark.parametrize("n,exact_method", [(2, "auto"), (3, "slices")])
def test_directions_average_to_the_exact_law(n, exact_method):
    """The law given a randomly turned design (and both ends of each axis) is unbiased: its mean over 3000
    rotations matches the exact law (Sheppard-Plackett for 2-3-1, 4001 slices for 3-3-1, good to ~1e-8) within
    4.5 standard errors, and every single law sums to 1."""
    g = relu_normals(n, 60, seed=9)
    g = g[[np.linalg.matrix_rank(s) == 4 and len({tuple(r) for r in s}) >= 4 for s in g]][:2]
    rotations = np.random.default_rng(10).random((3000, 3))
    design = np.vstack([DESIGNS[6], -DESIGNS[6]])
    for sample_g in g:
        if exact_method == "auto":
            exact = conditional_function_law(sample_g[None], True, dense=True)[3][0]
        else:
            exact = conditional_function_law(sample_g[None], True, dense=True, method="slices", slices=4001)[3][0]
        laws = _direction_laws(np.ascontiguousarray(sample_g), rotations, design)
        assert np.abs(laws.sum(axis=1) - 1).max() < 1e-12 and laws.min() > -1e-15
        se = laws.std(axis=0, ddof=1) / math.sqrt(len(laws))
        seen = exact > 1e-9
        assert np.all(np.abs(laws.mean(axis=0) - exact)[seen] <= 4.5 * se[seen] + 1e-7)
        assert np.all(laws[:, exact == 0] == 0)                          # no cell the arrangement lacks


def test_hidden_layer_matches_a_numpy_forward_pass():
    rows = np.random.default_rng(1).random((50, 3 * 4))
    x = boolean_inputs(3).astype(float)
    w, b = ndtri(rows[:, :9]).reshape(50, 3, 3) * 0.5, ndtri(rows[:, 9:12]) * 2.0
    expected = np.tanh(np.einsum("xi,kji->kxj", x, w) + b[:, None, :]) * 1.5
    ws = hidden_workspace(8, 3, np.array([3]), 4)
    for s in range(50):
        used = output_normals(rows[s], x, np.array([3]), np.array([0.5]), np.array([2.0]), True, 1,
                              np.array([1.5, 1.5, 1.5, 3.0]), True, *ws)
        assert used == 12
        assert np.allclose(ws[-1][:, :3], expected[s], atol=1e-13) and np.all(ws[-1][:, 3] == 3.0)


def _brute_orbits(n, encoding, complement):
    """Orbit labels by enumerating the whole group (independent of the generator-based closure)."""
    x = boolean_inputs(n, encoding)
    index = {tuple(row): r for r, row in enumerate(x.tolist())}
    maps = []
    flips = list(itertools.product([1, -1], repeat=n)) if encoding == "pm1" else [(1,) * n]
    for perm in itertools.permutations(range(n)):
        for flip in flips:
            maps.append([index[tuple(row[perm[j]] * flip[j] for j in range(n))] for row in x.tolist()])
    m = 1 << n
    label = np.arange(1 << m)
    for f in range(1 << m):
        images = [sum(((f >> r) & 1) << j for j, r in enumerate(mp)) for mp in maps]
        if complement:
            images += [g ^ ((1 << m) - 1) for g in images]
        label[f] = min(images)
    return label


@pytest.mark.parametrize("n,encoding,complement", [(2, "01", True), (3, "01", True), (3, "pm1", True),
                                                   (3, "01", False), (2, "pm1", False)])
def test_orbits_match_the_whole_group(n, encoding, complement):
    assert np.array_equal(function_orbits(n, encoding, complement=complement), _brute_orbits(n, encoding, complement))


def test_orbit_counts_are_the_published_npn_classes():
    # OEIS A000370: 2, 4, 14, 222 classes of Boolean functions under input negation, permutation, output negation
    assert [len(set(function_orbits(n, "pm1").tolist())) for n in (1, 2, 3, 4)] == [2, 4, 14, 222]


def _z_scores(table, reference, n_ref):
    """Per function, (RB - reference) over the combined standard error; the reference's binomial error uses the
    larger of the two estimates (conservative when the reference saw the function rarely)."""
    ref = dict(zip(reference.function, reference.probability))
    rb = table.set_index("function")
    names = sorted(set(ref) | set(rb.index))
    p_rb = np.array([rb.probability.get(f, 0.0) for f in names])
    se_rb = np.array([rb.std_error.get(f, 0.0) for f in names])
    p_ref = np.array([ref.get(f, 0.0) for f in names])
    q = np.maximum(p_ref, p_rb)
    z = (p_rb - p_ref) / np.sqrt(se_rb**2 + q * (1 - q) / n_ref + 1e-300)
    return names, z, p_ref


def test_rare_3_3_1_functions_are_honest_against_plain_sampling():
    """3-3-1 relu at 2^14 hidden samples: many rare functions (P ~ 1e-6 .. 1e-4) have few contributing samples,
    where the replicates' spread alone would mislead; the reported errors (widened where unresolved) must still
    cover an independent plain-sampling reference of 3e6 nets."""
    arch = MLP(3, (3,), "relu")
    table = rao_blackwell_table(arch, 1 << 14, seed=5)
    n_ref = 3_000_000
    reference = sample(arch, n_ref, seed=17, workers=2)
    names, z, p_ref = _z_scores(table, reference, n_ref)
    rare = p_ref < 1e-4
    assert rare.sum() >= 100 and (~table.resolved).sum() >= 20
    assert np.abs(z).max() < 5.0
    assert (np.abs(z[rare]) > 2.576).mean() < 0.05          # 99% intervals: about 1% expected
    # every function the reference saw 20+ times (P >~ 5e-6) is in the table
    seen = set(table.function)
    assert all(f in seen for f, c in zip(reference.function, reference["count"]) if c >= 20)


def test_resolved_means_enough_contributing_samples():
    est = rao_blackwell(MLP(3, (3,), "relu"), 1 << 14, seed=1)
    ess, support = est.ess, est.support
    assert np.all(ess[support > 0] <= est.samples + 1e-9)
    assert np.array_equal(est.resolved, ess >= 400)
    p = est.probability
    assert est.resolved[0] and est.resolved[255]                       # the constants
    low, high = est.interval(0.95)
    wide = ~est.resolved & (support > 0)
    assert wide.any() and np.all(high[wide] - low[wide] >= 1.9 * np.sqrt(p[wide] / est.samples))


@pytest.mark.parametrize("activation,encoding", [("tanh", "01"), ("relu", "pm1")])
def test_3_3_1_common_functions_against_plain_sampling(activation, encoding):
    arch = MLP(3, (3,), activation)
    table = rao_blackwell_table(arch, 1 << 15, seed=2, encoding=encoding)
    reference = sample(arch, 1_000_000, seed=3, workers=2, inputs=encoding)
    names, z, p_ref = _z_scores(table, reference, 1_000_000)
    assert np.abs(z).max() < 5.0 and (np.abs(z) > 2.576).mean() < 0.05


def test_symmetrised_estimate_is_constant_on_orbits_and_unbiased_without():
    arch = MLP(3, (3,), "relu")
    sym = rao_blackwell(arch, 1 << 13, seed=4)
    orbit = function_orbits(3)
    for o in np.unique(orbit):
        assert np.ptp(sym.probability[orbit == o]) < 1e-15
    plain = rao_blackwell(arch, 1 << 13, seed=4, symmetrize=False)
    # without the orbit average both halves of the circle are sliced; the two estimates agree statistically
    se = np.sqrt(sym.std_error**2 + plain.std_error**2)
    common = (sym.support > 0) & (plain.support > 0) & sym.resolved & plain.resolved
    assert np.abs((sym.probability - plain.probability)[common] / se[common]).max() < 5.0


def test_kernel_choice_and_bad_input():
    assert output_kernel(MLP(3, (3,), "relu")) == "gaussian-4d"
    assert output_kernel(MLP(2, (2,), "tanh")) == "girard"
    assert output_kernel(MLP(2, (3,), "relu", UniformPrior())) == "cutting"
    with pytest.raises(PfmapError, match="directions must be one of 3, 4, 6, 10"):
        rao_blackwell(MLP(2, (3,), "relu"), 100, directions=5)
    with pytest.raises(PfmapError, match="progress must be True, False or 'auto'"):
        rao_blackwell(MLP(2, (2,), "relu"), 100, progress="yes")
    with pytest.raises(PfmapError, match="method='slices' is for the Gaussian prior in dimension 4"):
        conditional_function_law(relu_normals(2, 1, 0, width=2), True, method="slices")


def test_a_dimension_3_run_compiles_no_dimension_4_kernel():
    code = ("from pfmap import MLP\n"
            "from pfmap.geometry.rao_blackwell.run import rao_blackwell\n"
            "from pfmap.geometry.rao_blackwell import batch, slices_4d, cells_4d\n"
            "rao_blackwell(MLP(2, (2,), 'relu'), 64)\n"
            "from pfmap.geometry.rao_blackwell import directions_4d, simplices\n"
            "print(len(batch._girard_loop.signatures), len(batch._gaussian_4d_loop.signatures),\n"
            "      len(directions_4d.direction_cells.signatures), len(slices_4d.one_slice.signatures),\n"
            "      len(cells_4d.gaussian_cells_4d.signatures), len(simplices.sample_cells.signatures))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["1", "0", "0", "0", "0", "0"]


def test_progress_bar_counts_the_hidden_samples(capsys):
    rao_blackwell(MLP(2, (3,), "relu"), 4096, progress=True)
    err = capsys.readouterr().err
    assert "rao-blackwell 2-3-1" in err and "4.10k/4.10k" in err
