"""Backends: numba equals the float64 numpy reference; both match brute force, published values and theorems."""

import math

import numpy as np
import pytest
from scipy import stats

from pfmap import MLP, GaussianPrior, Perceptron, UniformPrior, boolean_inputs
from pfmap.truthtable import words_to_strings
from pfmap.montecarlo import chunk_key, draw_parameters, sample_tables
from pfmap.montecarlo.backends import NetworkLayout, tables_from_parameters

ARCHS = [
    (Perceptron(3), None),
    (Perceptron(4, UniformPrior(a_w=2)), "pm1"),
    (MLP(3, (5,), "relu"), None),
    (MLP(4, (6, 3), "tanh", GaussianPrior(sigma_b=0.5)), "pm1"),
    (MLP(4, (6, 3), "step", UniformPrior()), None),
    (MLP(3, (4,), "linear", GaussianPrior(bias=False)), None),
    (MLP(5, (41, 9), "relu", GaussianPrior(sigma_w=2, fan_in_scaling=True)), None),
    (MLP(6, (45,), "step", GaussianPrior()), "pm1"),
    (MLP(4, (7, 5), "linear", GaussianPrior(sigma_b=0.3)), None),
]


@pytest.mark.parametrize("arch,inputs", ARCHS, ids=lambda a: a.describe() if hasattr(a, "describe") else str(a))
def test_numba_equals_numpy_reference(arch, inputs):
    a = sample_tables(arch, 1500, seed=3, backend="numpy", inputs=inputs)
    b = sample_tables(arch, 1500, seed=3, backend="numba", inputs=inputs)
    assert np.array_equal(a, b)


def test_explicit_points_and_sparse_inputs():
    rng = np.random.default_rng(0)
    points = rng.integers(-2, 3, size=(13, 70)) * 0.37  # odd count, many zeros, > 64 features
    for arch in (MLP(70, (90, 7), "relu"), MLP(70, (50,), "relu"), MLP(70, (9,), "tanh"), Perceptron(70)):
        assert np.array_equal(sample_tables(arch, 800, seed=1, backend="numpy", inputs=points),
                              sample_tables(arch, 800, seed=1, backend="numba", inputs=points))


def _brute_force_outputs(layout, params, X, activation):
    """Network by network, unit by unit, in Python floats: an independent evaluation of the reference."""
    outputs = []
    for row in params.astype(np.float64):
        at, values = 0, []
        for x in X:
            h = [float(v) for v in x]
            at = 0
            for layer in range(layout.depth):
                fan_in, fan_out = layout.sizes[layer], layout.sizes[layer + 1]
                W = row[at:at + fan_in * fan_out].reshape(fan_in, fan_out)
                at += fan_in * fan_out
                b = row[at:at + fan_out] if layout.bias else np.zeros(fan_out)
                at += fan_out if layout.bias else 0
                z = [math.fsum([h[k] * W[k, i] for k in range(fan_in)] + [b[i]]) for i in range(fan_out)]
                if layer < layout.depth - 1:
                    h = [activation(v) for v in z]
                else:
                    values.append(1 if z[0] > 0 else 0)
        outputs.append("".join(map(str, values)))
    return outputs


@pytest.mark.parametrize("act,fn", [("relu", lambda v: max(v, 0.0)), ("tanh", math.tanh),
                                    ("step", lambda v: 1.0 if v > 0 else 0.0)])
def test_reference_matches_brute_force(act, fn):
    arch = MLP(3, (4, 3), act, GaussianPrior(sigma_w=1.5))
    layout = NetworkLayout.of(arch)
    key = chunk_key(9, 0)
    params = draw_parameters(key, 0, 60, scales=layout.scales, gaussian=layout.gaussian)
    tables = sample_tables(arch, 60, seed=key, backend="numba")
    assert words_to_strings(tables, 8) == _brute_force_outputs(layout, params, boolean_inputs(3), fn)


def test_certified_sign_falls_back_on_near_ties():
    # float32 cannot tell these points apart; the float64 reference can
    points = np.array([[0.1, 0.1], [0.1, 0.1 + 1e-9], [0.1, 0.1 - 1e-9], [0.3, 0.2]])
    params = np.array([[-1.0, 1.0, 0.0], [1.0, -1.0, 0.0]])
    stats_out = {}
    fast = tables_from_parameters(Perceptron(2), params, points, backend="numba", stats=stats_out)
    reference = tables_from_parameters(Perceptron(2), params, points, backend="numpy")
    assert words_to_strings(reference, 4) == ["0100", "0011"]
    assert np.array_equal(fast, reference)
    assert stats_out["fallback_inputs"] == 6  # three near-zero outputs per network


def test_certified_sign_falls_back_in_a_relu_network():
    # identity hidden layers and output weights (1, -1): z = relu(x1) - relu(x2), which float32 rounds to 0
    # on the first two points; the float64 reference gives -1e-9 and +1e-9 there
    points = np.array([[0.1, 0.1 + 1e-9], [0.1 + 1e-9, 0.1], [0.3, 0.2], [0.2, 0.3], [0.0, 0.0]])
    eye = [1.0, 0.0, 0.0, 1.0]
    params = np.array([eye + [0.0, 0.0] + eye + [0.0, 0.0] + [1.0, -1.0, 0.0]])
    arch = MLP(2, (2, 2), "relu")
    stats_out = {}
    fast = tables_from_parameters(arch, params, points, backend="numba", stats=stats_out)
    reference = tables_from_parameters(arch, params, points, backend="numpy")
    assert words_to_strings(reference, 5) == ["01100"]
    assert np.array_equal(fast, reference)
    assert stats_out["fallback_inputs"] == 3  # the two near-ties and the exact zero at the origin


@pytest.mark.parametrize("arch,inputs", [
    (MLP(7, (40, 40), "relu", GaussianPrior(sigma_w=1, fan_in_scaling=True)), None),  # always-active units folded
    (MLP(5, (41, 9), "relu", GaussianPrior(sigma_w=2, fan_in_scaling=True)), None),
    (MLP(4, (6, 5, 3), "relu"), None),
    (MLP(4, (6, 3), "tanh", GaussianPrior(sigma_b=0.5)), "pm1"),
    (MLP(4, (7, 5), "linear"), None),
    (MLP(6, (30,), "relu"), np.random.default_rng(1).normal(size=(21, 6))),
], ids=lambda a: a.describe() if hasattr(a, "describe") else "")
def test_float32_outputs_are_within_their_certified_bound(arch, inputs):
    # the bound that decides when to recompute in float64, against a float64 forward pass written out here
    from pfmap.inputs import as_input_set
    from pfmap.montecarlo.backends import float32_outputs

    layout = NetworkLayout.of(arch)
    params = draw_parameters(chunk_key(6, 0), 0, 300, scales=layout.scales, gaussian=layout.gaussian)
    z32, bound = float32_outputs(arch, params, inputs)
    h = np.broadcast_to(as_input_set(inputs, arch.n).points.astype(np.float64), (300,) + z32.shape[1:] + (arch.n,))
    act = {"relu": lambda v: np.maximum(v, 0.0), "tanh": np.tanh, "linear": lambda v: v}[arch.activation]
    for index, (W, b) in enumerate(layout.split(params.astype(np.float64))):
        z = h @ W + b
        h = act(z) if index < layout.depth - 1 else z[..., 0]
    assert np.all(np.abs(z32 - h) <= bound[:, None])
    assert np.mean(np.abs(z32) <= bound[:, None]) < 0.005  # and tight enough that few inputs fall back


def test_batching_and_threads_do_not_change_tables():
    arch = MLP(4, (8, 8), "relu")
    whole = sample_tables(arch, 900, seed=5, backend="numba", threads=1)
    parts = np.concatenate([sample_tables(arch, 300, seed=5, backend="numba", first=s, threads=2)
                            for s in (0, 300, 600)])
    assert np.array_equal(whole, parts)


def test_two_input_perceptron_matches_published_values():
    # REFERENCES.md: {0,1}, all N(0,1): constants 0.277043, dictators 0.047877, OR/NOR 1/24,
    # a-and-not-b types 0.035457, AND/NAND 0.014623
    n = 200_000
    strings = words_to_strings(sample_tables(Perceptron(2), n, seed=42, backend="numba"), 4)
    freq = {s: strings.count(s) / n for s in set(strings)}
    expected = {"0000": 0.277043, "1111": 0.277043, "0011": 0.047877, "0101": 0.047877, "1100": 0.047877,
                "1010": 0.047877, "0111": 1 / 24, "1000": 1 / 24, "0001": 0.014623, "1110": 0.014623,
                "0100": 0.035457, "0010": 0.035457, "1011": 0.035457, "1101": 0.035457}
    assert set(freq) == set(expected)  # the 14 threshold functions, and no XOR/XNOR
    for f, p in expected.items():
        assert abs(freq[f] - p) < 5 * math.sqrt(p * (1 - p) / n), f


def test_mingard_theorem_no_bias_uniform_ones_count():
    # Mingard et al. 2019, Thm 4.1: no bias, symmetric weights: P(T = t) = 2^-n for 0 <= t < 2^n
    n, samples = 3, 40_000
    tables = sample_tables(Perceptron(n, GaussianPrior(bias=False)), samples, seed=8, backend="numba")
    ones = np.array([bin(int(t)).count("1") for t in tables[:, 0]])
    observed = np.bincount(ones, minlength=2**n + 1)
    assert observed[2**n] == 0
    assert stats.chisquare(observed[:2**n]).pvalue > 1e-3


def test_threshold_functions_only():
    # every sampled perceptron table on {0,1}^3 is linearly separable (an LP finds (w, b)); there are 104
    from scipy.optimize import linprog

    tables = sample_tables(Perceptron(3), 50_000, seed=2, backend="numba")
    seen = sorted(set(tables[:, 0].tolist()))
    assert 100 <= len(seen) <= 104
    X = np.hstack([boolean_inputs(3).astype(float), np.ones((8, 1))])
    for t in seen:
        signs = np.array([1.0 if (t >> j) & 1 else -1.0 for j in range(8)])
        lp = linprog(np.zeros(4), A_ub=-(signs[:, None] * X), b_ub=-np.ones(8), bounds=[(None, None)] * 4)
        assert lp.status == 0, t
    xor_like = [t for t in range(256) if t not in seen]
    assert 0b01101001 in xor_like  # 3-bit parity is not threshold


def test_torch_agrees_statistically():
    pytest.importorskip("torch")
    arch = Perceptron(2)
    n = 20_000
    a = words_to_strings(sample_tables(arch, n, seed=1, backend="numba"), 4)
    b = words_to_strings(sample_tables(arch, n, seed=1, backend="torch"), 4)
    funcs = sorted(set(a) | set(b))
    table = np.array([[a.count(f) for f in funcs], [b.count(f) for f in funcs]])
    assert stats.chi2_contingency(table).pvalue > 1e-3
    assert not np.array_equal(a, b)  # its own generator: same distribution, different networks


def test_torch_packing_and_reproducibility():
    torch = pytest.importorskip("torch")
    from pfmap.truthtable import pack_bits
    from pfmap.montecarlo.backends.torch_backend import pack_on_device

    bits = torch.as_tensor(np.random.default_rng(0).integers(0, 2, size=(5, 130)).astype(bool))
    assert np.array_equal(pack_on_device(torch, bits), pack_bits(bits.numpy()))
    arch = MLP(3, (4,), "relu")
    whole = sample_tables(arch, 40000, seed=2, backend="torch")
    assert np.array_equal(whole[20000:], sample_tables(arch, 20000, seed=2, backend="torch", first=20000))
