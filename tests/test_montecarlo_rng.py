"""The counter-based parameter stream: exact layout, exact ziggurat, statistical checks with fixed seeds."""

import math

import numpy as np
import pytest
from scipy import stats

from montecarlo import rng
from montecarlo.rng import LAYERS, ZIG_F, ZIG_R, ZIG_V, ZIG_X, chunk_key, draw_parameters


def test_chunk_key_is_the_seed_sequence_child():
    for seed, chunk in [(0, 0), (5, 3), (123456789, 17)]:
        child = np.random.SeedSequence(seed).spawn(chunk + 1)[chunk]
        assert int(chunk_key(seed, chunk)) == int(child.generate_state(1, np.uint64)[0])
    assert chunk_key(1, 0) != chunk_key(1, 1) != chunk_key(2, 1)


def test_ziggurat_tables_close_and_have_equal_layers():
    # Marsaglia & Tsang (2000): 256 layers of equal area v; the tail starts at r = 3.6541528853610088
    assert ZIG_R == pytest.approx(3.6541528853610088, rel=1e-13)
    tail = math.sqrt(math.pi / 2) * math.erfc(ZIG_R / math.sqrt(2))
    assert ZIG_V == pytest.approx(ZIG_R * math.exp(-ZIG_R**2 / 2) + tail, rel=1e-15)
    assert ZIG_X[0] * ZIG_F[1] == pytest.approx(ZIG_V, rel=1e-12)  # base strip stands for rectangle + tail
    areas = ZIG_X[1:LAYERS] * (ZIG_F[2:LAYERS + 1] - ZIG_F[1:LAYERS])
    np.testing.assert_allclose(areas, ZIG_V, rtol=1e-9)
    assert ZIG_X[LAYERS] == 0.0 and np.all(np.diff(ZIG_X) < 0)


@pytest.fixture(scope="module")
def normals():
    # 400 networks x 2500 standard normals, two chunks
    a = draw_parameters(chunk_key(11, 0), 0, 400, np.ones(2500), True).astype(np.float64)
    b = draw_parameters(chunk_key(11, 1), 0, 400, np.ones(2500), True).astype(np.float64)
    return a, b


def test_normals_moments_and_ks(normals):
    a, _ = normals
    z = a.ravel()  # 1e6 draws
    n = z.size
    assert abs(z.mean()) < 5 / math.sqrt(n)
    assert abs(z.var() - 1) < 5 * math.sqrt(2 / n)
    assert abs(stats.skew(z)) < 5 * math.sqrt(6 / n)
    assert abs(stats.kurtosis(z)) < 5 * math.sqrt(24 / n)
    assert stats.kstest(z, "norm").pvalue > 1e-3


def test_tail_and_wedge_paths_have_the_right_mass(normals):
    # beyond r only the exact tail sampler produces values; near the layer edges only the wedge test
    z = np.concatenate([normals[0].ravel(), normals[1].ravel()])
    n = z.size
    for threshold in (ZIG_R, 3.0, 2.0):
        expected = 2 * stats.norm.sf(threshold)
        seen = np.mean(np.abs(z) > threshold)
        assert abs(seen - expected) < 5 * math.sqrt(expected / n), threshold
    # a chi-square test over 40 equiprobable bins of the normal
    edges = stats.norm.ppf(np.linspace(0, 1, 41))
    counts = np.histogram(z, edges)[0]
    assert stats.chisquare(counts).pvalue > 1e-3


def test_independence_across_parameters_networks_and_chunks(normals):
    a, b = normals
    n = a.shape[0] * a.shape[1]
    limit = 5 / math.sqrt(n)
    within = np.corrcoef(a[:, :-1].ravel(), a[:, 1:].ravel())[0, 1]      # neighbouring parameters (one word)
    across = np.corrcoef(a[:-1].ravel(), a[1:].ravel()[: a[:-1].size])[0, 1]  # neighbouring networks
    chunks = np.corrcoef(a.ravel(), b.ravel())[0, 1]                        # same slot, next chunk
    squares = np.corrcoef(a[:, ::2].ravel() ** 2, a[:, 1::2].ravel() ** 2)[0, 1]  # the two halves of a word
    for value in (within, across, chunks, squares):
        assert abs(value) < limit


def test_uniform_draws():
    u = draw_parameters(chunk_key(3, 0), 0, 200, np.full(1001, 2.5), False).astype(np.float64).ravel()
    assert u.min() >= -2.5 and u.max() < 2.5
    assert stats.kstest(u, "uniform", args=(-2.5, 5.0)).pvalue > 1e-3


def test_rows_depend_only_on_key_and_index():
    key = chunk_key(7, 2)
    scales = np.linspace(0.5, 2.0, 301)
    whole = draw_parameters(key, 0, 64, scales, True)
    parts = np.concatenate([draw_parameters(key, s, 16, scales, True) for s in (0, 16, 32, 48)])
    assert np.array_equal(whole, parts)
    assert np.array_equal(whole[37], draw_parameters(key, 37, 1, scales, True)[0])
    # scales multiply a standard draw, then round to float32 (once for whole, once for unit)
    unit = draw_parameters(key, 0, 64, np.ones(301), True).astype(np.float64)
    np.testing.assert_allclose(whole, unit * scales, rtol=2.0**-22)


def test_parameters_are_exact_float32_values():
    p = draw_parameters(chunk_key(0, 0), 0, 10, np.full(50, 1 / 3), True)
    assert p.dtype == np.float32
    assert rng.SLOW_STREAM_START == 2**31
