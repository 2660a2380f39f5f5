"""The counter-based parameter stream: exact layout, exact ziggurat, statistical checks with fixed seeds."""

import math

import numpy as np
import pytest
from scipy import stats

from pfmap.montecarlo import rng, ziggurat
from pfmap.montecarlo.draws import draw_parameters
from pfmap.montecarlo.rng import chunk_key
from pfmap.montecarlo.ziggurat import LAYERS, ZIG_F, ZIG_R, ZIG_V, ZIG_X


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
    limit = np.ceil(ZIG_X[1:] / ZIG_X[:-1] * 2.0**23)
    assert np.array_equal(ziggurat.ZIG_LIMIT, limit) and np.all((limit - 1) * ZIG_X[:-1] < ZIG_X[1:] * 2.0**23)


@pytest.fixture(scope="module")
def normals():
    # 400 networks x 2500 standard normals, two chunks
    a = draw_parameters(chunk_key(11, 0), 0, 400, scales=np.ones(2500), gaussian=True).astype(np.float64)
    b = draw_parameters(chunk_key(11, 1), 0, 400, scales=np.ones(2500), gaussian=True).astype(np.float64)
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
    u = draw_parameters(chunk_key(3, 0), 0, 200, scales=np.full(1001, 2.5), gaussian=False).astype(np.float64).ravel()
    assert u.min() >= -2.5 and u.max() < 2.5
    assert stats.kstest(u, "uniform", args=(-2.5, 5.0)).pvalue > 1e-3


def test_rows_depend_only_on_key_and_index():
    key = chunk_key(7, 2)
    scales = np.linspace(0.5, 2.0, 301)
    whole = draw_parameters(key, 0, 64, scales=scales, gaussian=True)
    parts = np.concatenate([draw_parameters(key, s, 16, scales=scales, gaussian=True) for s in (0, 16, 32, 48)])
    assert np.array_equal(whole, parts)
    assert np.array_equal(whole[37], draw_parameters(key, 37, 1, scales=scales, gaussian=True)[0])
    # scales multiply a standard draw, then round to float32 (once for whole, once for unit)
    unit = draw_parameters(key, 0, 64, scales=np.ones(301), gaussian=True).astype(np.float64)
    np.testing.assert_allclose(whole, unit * scales, rtol=2.0**-22)


def test_parameters_are_exact_float32_values():
    p = draw_parameters(chunk_key(0, 0), 0, 10, scales=np.full(50, 1 / 3), gaussian=True)
    assert p.dtype == np.float32
    assert rng.SLOW_STREAM_START == 2**31


# --- an independent, plain-Python reading of the stream documented in montecarlo/rng.py and ziggurat.py (version /2) ---

_MASK64 = (1 << 64) - 1
_GAMMA = 0x9E3779B97F4A7C15
# fast accept: u * x[i] < x[i+1] on the 23-bit grid of u (the point lies in the layer's core)
ZIG_LIMIT = np.ceil(ZIG_X[1:] / ZIG_X[:-1] * 2.0**23).astype(np.int64)


def _mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def _reference_network(key, i, scales, paths):
    """Parameters of network ``i``, exp-only wedge test (no squeeze), counting which slow paths ran."""
    word = lambda t: _mix64((int(key) + _GAMMA * ((i << 32) + t)) & _MASK64)  # noqa: E731
    unit53 = lambda w: (w >> 11) * 2.0**-53  # noqa: E731

    def proposal(half):
        index, u = half & 511, half >> 9
        layer, sign = index & 255, (-1.0 if index >= 256 else 1.0)
        return layer, sign, u, u < ZIG_LIMIT[layer]

    out = np.empty(len(scales), dtype=np.float32)
    rejected = []
    for p, scale in enumerate(scales):
        layer, sign, u, fast = proposal((word(p // 2) >> (32 * (p % 2))) & 0xFFFFFFFF)
        if fast:
            z32 = np.float32(u) * np.float32(sign * ZIG_X[layer] * 2.0**-23)  # float32 product
            out[p] = np.float32(z32 * np.float32(scale))
        else:
            rejected.append((p, layer, sign * u * (ZIG_X[layer] * 2.0**-23)))
    t = rng.SLOW_STREAM_START
    for p, layer, x in rejected:
        attempts = 0
        while True:
            attempts += 1
            if layer == 0:
                paths["tail"] += 1
                while True:
                    a, b = unit53(word(t)) + 2.0**-53, unit53(word(t + 1)) + 2.0**-53
                    t += 2
                    xx = -math.log(a) * (1.0 / ZIG_R)
                    if -2.0 * math.log(b) > xx * xx:
                        z = (ZIG_R + xx) if x > 0 else -(ZIG_R + xx)
                        break
                break
            v, replacement = unit53(word(t)), word(t + 1) & 0xFFFFFFFF
            t += 2
            if ZIG_F[layer] + v * (ZIG_F[layer + 1] - ZIG_F[layer]) < math.exp(-0.5 * x * x):
                z = x
                break
            layer, sign, u, fast = proposal(replacement)
            x = sign * u * (ZIG_X[layer] * 2.0**-23)
            if fast:
                z = x
                break
        paths["retried"] += attempts > 1
        out[p] = np.float32(np.float32(z) * np.float32(scales[p]))
    return out, [p for p, _, _ in rejected]


def test_stream_matches_an_independent_reading_of_its_definition():
    # bit for bit, including the rare paths (tail, second wedge attempt) that the vector code hands to scalar code
    key = chunk_key(21, 3)
    scales = np.concatenate([np.full(280, 7**-0.5), np.ones(40), np.full(1600, 40**-0.5), np.ones(40),
                             np.full(40, 40**-0.5), [1.0]])  # the 7-40-40-1 layout, 2001 parameters
    drawn = draw_parameters(key, 100, 30, scales=scales, gaussian=True)
    paths = {"tail": 0, "retried": 0}
    rejections = 0
    for row in range(30):
        want, rejected = _reference_network(key, 100 + row, scales, paths)
        assert np.array_equal(drawn[row], want), row
        rejections += len(rejected)
    # a proposal misses the layer's core with probability mean(1 - limit / 2**23) over the layers (~1.5%)
    expected = np.mean(1 - ZIG_LIMIT / 2.0**23)
    assert abs(rejections / drawn.size - expected) < 5 * math.sqrt(expected / drawn.size)
    assert paths["tail"] > 0 and paths["retried"] > 0
    # odd sizes: blocks of eight that straddle the end of the parameter vector
    for count in (1, 7, 13):
        s = np.linspace(0.5, 2.0, count)
        assert np.array_equal(draw_parameters(key, 5, 1, scales=s, gaussian=True)[0], _reference_network(key, 5, s, paths)[0])


def test_parameters_are_within_four_float32_roundings_of_the_exact_ziggurat_sample():
    key = chunk_key(4, 0)
    scales = np.full(4000, 1 / 3)
    drawn = draw_parameters(key, 0, 20, scales=scales, gaussian=True).astype(np.float64)
    words = np.zeros(2000, dtype=np.uint64)
    for row in range(20):
        rng.stream_words(np.uint64(rng.stream_base(key, row)), 2000, words)
        halves = words.view(np.uint32).astype(np.int64)
        index, u = halves & 511, halves >> 9
        fast = u < ZIG_LIMIT[index & 255]
        exact = np.where(index < 256, 1.0, -1.0) * u * ZIG_X[index & 255] * 2.0**-23 / 3
        rel = np.abs(drawn[row][fast] - exact[fast]) / np.abs(exact[fast])
        assert rel.max() <= 4 * 2.0**-24


def test_squeeze_never_decides_against_the_density():
    # u < s + accept must put the wedge point under exp(-x^2/2), u >= s + reject above it, on a fine grid per layer
    accept, reject = ziggurat.squeeze_offsets()
    for layer in range(1, LAYERS):
        lo, hi = ZIG_X[layer + 1], ZIG_X[layer]
        x = np.linspace(lo, hi, 2001)
        s = (hi - x) / (hi - lo)
        g = (np.exp(-0.5 * x * x) - ZIG_F[layer]) / (ZIG_F[layer + 1] - ZIG_F[layer])  # density, in units of u
        assert np.all(s + accept[layer] <= g + 1e-12), layer
        assert np.all(s + reject[layer] >= g - 1e-12), layer
    # the squeeze decides most wedge points: only the layer straddling x = 1 and thin slivers need exp
    assert np.mean(reject[1:] - accept[1:] < 0.01) > 0.7
