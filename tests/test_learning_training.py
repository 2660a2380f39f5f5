"""P_SGD training: an independent autograd reference, the backends, the streams, freezing, the table, bad input."""

import functools
import pickle
from collections import Counter

import numpy as np
import pytest
from scipy import stats

from pfmap import MLP, GaussianPrior, Perceptron, PfmapError, UniformPrior, boolean_inputs
from pfmap.learning.training import epoch_orders, initial_state, train_chunk, train_table

torch = pytest.importorskip("torch")
F = torch.nn.functional


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Tiny tensors: torch's thread pool only costs time (much of it on a shared machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _split(arch, flat):
    """Per-layer (W fan_in x fan_out, b) views of a flat parameter vector, by the documented layout."""
    sizes, out, pos = arch.layer_sizes, [], 0
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        w = flat[pos:pos + fan_in * fan_out].reshape(fan_in, fan_out)
        pos += fan_in * fan_out
        b = flat[pos:pos + fan_out] if arch.bias else None
        pos += fan_out if arch.bias else 0
        out.append((w, b))
    assert pos == len(flat) == arch.n_parameters
    return out


def _numpy_output(arch, flat, x):
    h = np.asarray(x, dtype=float)
    layers = _split(arch, flat)
    for i, (w, b) in enumerate(layers):
        h = h @ w + (0 if b is None else b)
        if i < len(layers) - 1:
            h = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh, "linear": lambda z: z}[arch.activation](h)
    return h[:, 0]


def _reference_run(arch, flat, key, x, y, xt, *, optimizer="sgd", lr=0.01, batch_size=8, loss="ce", momentum=0.0,
                   betas=(0.9, 0.999), eps=1e-8, max_epochs=100, epochs_after_fit=0):
    """One network the way a user writes it: autograd, torch.optim, a fitting check per epoch (float64)."""
    params = [torch.tensor(a.copy(), dtype=torch.float64, requires_grad=True)
              for layer in _split(arch, flat) for a in layer if a is not None]
    act = {"relu": torch.relu, "tanh": torch.tanh, "linear": lambda z: z}.get(arch.activation, None)

    def net(inputs):
        h, it = torch.as_tensor(inputs, dtype=torch.float64), iter(params)
        for i in range(arch.depth):
            h = h @ next(it)
            if arch.bias:
                h = h + next(it)
            if i < arch.depth - 1:
                h = act(h)
        return h[:, 0]

    opt = (torch.optim.SGD(params, lr=lr, momentum=momentum) if optimizer == "sgd"
           else torch.optim.Adam(params, lr=lr, betas=betas, eps=eps))
    yt = torch.as_tensor(y, dtype=torch.float64)
    fit, m = -1, len(y)
    for e in range(max_epochs):
        order = torch.as_tensor(epoch_orders(np.array([key], dtype=np.uint64), e, m)[0])
        for s in range(0, m, batch_size):
            idx = order[s:s + batch_size]
            z = net(x[idx.numpy()])
            value = F.binary_cross_entropy_with_logits(z, yt[idx]) if loss == "ce" else F.mse_loss(z, 2 * yt[idx] - 1)
            opt.zero_grad()
            value.backward()
            opt.step()
        with torch.no_grad():
            if fit < 0 and bool(((net(x) > 0).double() == yt).all()):
                fit = e + 1
        if fit > 0 and e + 1 >= fit + epochs_after_fit:
            break
    with torch.no_grad():
        labels = (net(xt) > 0).numpy().astype(np.uint8)
    return fit, e + 1, labels, torch.cat([p.detach().reshape(-1) for p in params]).numpy()


def _cube_data(n, train_size, seed):
    x = boolean_inputs(n).astype(float)
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=len(x))
    train = np.sort(rng.choice(len(x), train_size, replace=False))
    test = np.setdiff1d(np.arange(len(x)), train)
    return x[train], labels[train], x[test], labels[test]


REFERENCE_CASES = [
    (MLP(3, (4,), "relu", GaussianPrior(fan_in_scaling=True)), dict(lr=0.1, batch_size=2)),
    (MLP(3, (5, 3), "tanh", GaussianPrior(sigma_b=0.5)),
     dict(lr=0.05, batch_size=3, loss="mse", momentum=0.9, epochs_after_fit=2)),
    (MLP(3, (4, 4), "relu", GaussianPrior(bias=False)), dict(optimizer="adam", lr=0.01, batch_size=2)),
    (MLP(3, (3,), "linear", UniformPrior(a_w=2)), dict(optimizer="adam", lr=0.05, batch_size=5, loss="mse",
                                                     betas=(0.8, 0.99), eps=1e-6, epochs_after_fit=1)),
    (Perceptron(3), dict(lr=0.2, batch_size=1, momentum=0.5)),
]


@functools.lru_cache(maxsize=None)
def _reference_case(case):
    """The autograd reference for REFERENCE_CASES[case]: the data, and 3 runs' (fit, epochs, labels, params)."""
    arch, opts = REFERENCE_CASES[case]
    x, y, xt, yt = _cube_data(3, 5, seed=1)  # |S| = 5: batch sizes 2 and 3 leave a short last minibatch
    params, keys = initial_state(arch, runs=3, first_run=3, seed=11)
    runs = [_reference_run(arch, params[i], keys[i], x, y, xt, max_epochs=40, **opts) for i in range(3)]
    return (x, y, xt, yt), runs


@pytest.mark.parametrize("case", range(len(REFERENCE_CASES)), ids=[a.describe() for a, _ in REFERENCE_CASES])
@pytest.mark.parametrize("backend", ["numba", "torch"])
def test_equals_autograd_reference_run_by_run(case, backend):
    arch, opts = REFERENCE_CASES[case]
    (x, y, xt, yt), reference = _reference_case(case)
    res = train_chunk(arch, x, y, xt, yt, runs=3, first_run=3, seed=11, max_epochs=40, backend=backend,
                      return_parameters=True, **opts)
    for i, (fit, epochs, labels, final) in enumerate(reference):
        assert (res.fit_epoch[i], res.epochs[i]) == (fit, epochs)
        assert np.array_equal(res.test_bits()[i], labels)
        np.testing.assert_allclose(res.parameters[i], final, rtol=1e-9, atol=1e-11)
    assert res.fitted.any()


def test_backends_agree_with_long_training_sets():
    x = boolean_inputs(7).astype(float)
    y = (x.sum(axis=1) >= 4).astype(int)
    idx = np.random.default_rng(2).permutation(128)
    s, e = idx[:80], idx[80:]  # |S| = 80 > 64: the kernel's argsort path for the orders
    arch = MLP(7, (6,), "tanh", GaussianPrior(fan_in_scaling=True))
    kw = dict(runs=12, seed=5, optimizer="adam", lr=0.02, batch_size=16, max_epochs=40, return_parameters=True)
    a = train_chunk(arch, x[s], y[s], x[e], y[e], backend="numba", **kw)
    b = train_chunk(arch, x[s], y[s], x[e], y[e], backend="torch", **kw)
    assert np.array_equal(a.fit_epoch, b.fit_epoch) and np.array_equal(a.test_words, b.test_words)
    np.testing.assert_allclose(a.parameters, b.parameters, rtol=1e-9, atol=1e-11)
    assert a.fitted.sum() >= 3


@pytest.mark.parametrize("backend", ["numba", "torch"])
def test_batched_runs_equal_separate_runs(backend):
    x, y, xt, yt = _cube_data(4, 8, seed=3)
    arch = MLP(4, (8, 8), "relu", GaussianPrior(fan_in_scaling=True))
    kw = dict(seed=4, lr=0.05, batch_size=3, momentum=0.9, max_epochs=200, backend=backend, return_parameters=True)
    together = train_chunk(arch, x, y, xt, yt, runs=3, first_run=5, **kw)
    for i in range(3):
        alone = train_chunk(arch, x, y, xt, yt, runs=1, first_run=5 + i, networks_at_once=1, **kw)
        assert alone.fit_epoch[0] == together.fit_epoch[i]
        assert np.array_equal(alone.test_words[0], together.test_words[i])
        if backend == "numba":
            assert np.array_equal(alone.parameters[0], together.parameters[i])
        else:
            np.testing.assert_allclose(alone.parameters[0], together.parameters[i], rtol=1e-12, atol=1e-14)


def test_streams_follow_the_seed_convention():
    arch = MLP(3, (4,), "relu", GaussianPrior(sigma_w=2, sigma_b=0.5, fan_in_scaling=True))
    params, keys = initial_state(arch, runs=4, first_run=5, seed=9, chunk_size=3)
    scale = np.concatenate([np.full(12, 2 / np.sqrt(3)), np.full(4, 0.5), np.full(4, 1.0), [0.5]])
    for i, r in enumerate(range(5, 9)):
        chunk = np.random.SeedSequence(9).spawn(r // 3 + 1)[r // 3]
        run = chunk.spawn(r % 3 + 1)[r % 3]
        init, shuffle = run.spawn(2)
        np.testing.assert_allclose(params[i], np.random.default_rng(init).standard_normal(21) * scale, rtol=1e-15)
        assert keys[i] == shuffle.generate_state(1, np.uint64)[0]
    uniform = MLP(2, (3,), "relu", UniformPrior(a_w=2, a_b=3))
    p, _ = initial_state(uniform, runs=2000, seed=0)
    w = p[:, :6].ravel() / 2
    assert abs(w).max() < 1 and stats.kstest(w, "uniform", args=(-1, 2)).pvalue > 1e-3
    g, _ = initial_state(MLP(7, (40,), "relu", GaussianPrior(fan_in_scaling=True)), runs=200, seed=0)
    sum_sq = float((g[:, :280] ** 2).sum() * 7)  # chi-square with 56,000 degrees of freedom if the variance is 1/7
    assert abs(sum_sq - 56_000) < 5 * np.sqrt(2 * 56_000)


def test_minibatch_orders_are_uniform_permutations():
    orders = epoch_orders(np.arange(4000, dtype=np.uint64) * np.uint64(7919), 3, 5)
    assert all(sorted(row) == list(range(5)) for row in orders[:50])
    counts = Counter(map(tuple, orders))
    assert len(counts) == 120
    assert stats.chisquare([counts[k] for k in sorted(counts)]).pvalue > 1e-3
    assert not np.array_equal(epoch_orders([1], 0, 32), epoch_orders([1], 1, 32))
    # key 0, epoch 0: the sort keys are splitmix64's first outputs from seed 0 (Steele, Lea, Flood 2014),
    # 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f, 0xf88bb8a8724c81ec
    assert epoch_orders([0], 0, 4)[0].tolist() == [2, 1, 0, 3]


def test_fitted_runs_label_S_correctly_and_their_recorded_function():
    x, y, xt, yt = _cube_data(4, 9, seed=7)
    arch = MLP(4, (8, 8), "relu", GaussianPrior(fan_in_scaling=True))
    res = train_chunk(arch, x, y, xt, yt, runs=60, seed=1, lr=0.05, batch_size=4, max_epochs=300,
                      return_parameters=True)
    assert res.fitted.sum() >= 40 and np.array_equal(res.fitted, res.fits_at_end)
    for i in range(60):
        on_s = (_numpy_output(arch, res.parameters[i], x) > 0).astype(int)
        assert np.array_equal(on_s, y) == bool(res.fitted[i])
        on_e = (_numpy_output(arch, res.parameters[i], xt) > 0).astype(int)
        assert res.functions()[i] == "".join(map(str, on_e))
        assert res.test_error[i] == pytest.approx(np.mean(on_e != yt))


@pytest.mark.parametrize("backend", ["numba", "torch"])
def test_frozen_networks_do_not_change(backend):
    x, y, xt, yt = _cube_data(4, 8, seed=3)
    arch = MLP(4, (8,), "relu", GaussianPrior(fan_in_scaling=True))
    kw = dict(seed=2, lr=0.05, batch_size=2, momentum=0.9, backend=backend, return_parameters=True)
    free = train_chunk(arch, x, y, xt, runs=6, max_epochs=400, **kw)
    later = train_chunk(arch, x, y, xt, runs=6, max_epochs=800, **kw)
    after = train_chunk(arch, x, y, xt, runs=6, max_epochs=400, epochs_after_fit=5, **kw)
    assert free.fitted.sum() >= 4
    for r in np.flatnonzero(free.fitted):
        f = int(free.fit_epoch[r])
        capped = train_chunk(arch, x, y, xt, runs=1, first_run=int(r), max_epochs=f, **kw)
        # the network at the end of its fitting epoch is the final one: nothing moved after the freeze
        assert np.array_equal(capped.parameters[0], free.parameters[r])
        assert np.array_equal(later.parameters[r], free.parameters[r])
        # with epochs_after_fit = 5 it trains exactly five more epochs (momentum included), then stops
        five_more = train_chunk(arch, x, y, xt, runs=1, first_run=int(r), max_epochs=min(f + 5, 400),
                                epochs_after_fit=10**6, **kw)
        assert after.fit_epoch[r] == f and after.epochs[r] == min(f + 5, 400)
        assert np.array_equal(after.parameters[r], five_more.parameters[0])
        assert not np.array_equal(after.parameters[r], free.parameters[r])


def test_unfitted_runs_are_counted_at_a_small_cap():
    x, y, xt, yt = _cube_data(4, 10, seed=5)
    arch = MLP(4, (8,), "relu", GaussianPrior(fan_in_scaling=True))
    kw = dict(seed=3, lr=0.5, batch_size=2)
    full = train_chunk(arch, x, y, xt, yt, runs=80, max_epochs=500, **kw)
    df = train_table(arch, x, y, xt, yt, runs=80, max_epochs=25, chunk_size=1000, **kw)
    # a run is deterministic up to the cap, so the runs unfitted at 25 epochs are those fitted later or never
    expected = int(np.sum((full.fit_epoch > 25) | (full.fit_epoch < 0)))
    assert 10 < expected < 70
    assert df.attrs["not_fitted"] == expected == df.attrs["pfmap"]["not_fitted"]
    assert int(df["count"].sum()) + df.attrs["not_fitted"] == 80
    capped = train_chunk(arch, x, y, xt, yt, runs=80, max_epochs=25, **kw)
    assert np.all(capped.epochs[~capped.fitted] == 25) and np.all(capped.fit_epoch[~capped.fitted] == -1)
    assert np.array_equal(capped.fit_epoch[capped.fitted], full.fit_epoch[capped.fitted])
    tiny = train_table(arch, x, y, xt, yt, runs=80, max_epochs=1, **kw)
    assert tiny.attrs["not_fitted"] == 80 - int(np.sum(full.fit_epoch == 1)) and len(tiny) <= 80


def test_table_aggregates_the_chunks():
    x, y, xt, yt = _cube_data(4, 8, seed=11)
    arch = MLP(4, (6,), "tanh", GaussianPrior(fan_in_scaling=True))
    kw = dict(seed=8, lr=0.1, batch_size=4, max_epochs=300, chunk_size=7)
    df = train_table(arch, x, y, xt, yt, runs=50, **kw)
    parts = [train_chunk(arch, x, y, xt, yt, runs=min(7, 50 - f), first_run=f, **kw) for f in range(0, 50, 7)]
    found = Counter(fn for p in parts for fn, ok in zip(p.functions(), p.fitted) if ok)
    epochs = {fn: np.mean([e for p in parts for g, e, ok in zip(p.functions(), p.fit_epoch, p.fitted)
                           if ok and g == fn]) for fn in found}
    assert dict(zip(df["function"], df["count"])) == dict(found)
    assert list(df["function"]) == sorted(found, key=lambda f: (-found[f], f))
    np.testing.assert_allclose(df["mean_epochs"], [epochs[f] for f in df["function"]])
    assert df["probability"].sum() == pytest.approx(1.0)
    assert ((df["ci_low"] <= df["probability"]) & (df["probability"] <= df["ci_high"])).all()
    errors = [np.mean(np.array(list(f), dtype=int) != yt) for f in df["function"]]
    np.testing.assert_allclose(df["test_error"], errors)
    back = pickle.loads(pickle.dumps(parts[0]))  # chunks travel to Dask workers and back
    assert np.array_equal(back.test_words, parts[0].test_words) and back.config == parts[0].config
    errs = np.concatenate([p.test_error[p.fitted] for p in parts])
    meta = df.attrs["pfmap"]
    assert meta["mean_test_error"] == pytest.approx(errs.mean())
    assert meta["mean_test_error_stderr"] == pytest.approx(errs.std(ddof=1) / np.sqrt(errs.size))


def _plain_sgd_population(runs, x, y, xt, lr, batch_size, max_epochs, seed):
    """An independent SGD population for 2-2-1 relu nets, its own RNG (torch): (fit epoch or -1, label on E).

    The loss is the sum over networks of each network's own minibatch mean, so
    autograd gives every network its own gradient; torch.optim.SGD updates them,
    each network reads its own order (argsort of uniforms), and a network's label on
    E is read at the end of its first fitting epoch.
    """
    gen = torch.Generator().manual_seed(seed)
    w1 = (torch.randn(runs, 2, 2, generator=gen, dtype=torch.float64) / np.sqrt(2)).requires_grad_()
    b1 = torch.randn(runs, 1, 2, generator=gen, dtype=torch.float64).requires_grad_()
    w2 = (torch.randn(runs, 2, 1, generator=gen, dtype=torch.float64) / np.sqrt(2)).requires_grad_()
    b2 = torch.randn(runs, 1, 1, generator=gen, dtype=torch.float64).requires_grad_()
    opt = torch.optim.SGD([w1, b1, w2, b2], lr=lr)
    X, Y, XT = (torch.as_tensor(a, dtype=torch.float64) for a in (x, y, xt))

    def out(points):  # (runs, rows, 2) -> (runs, rows), elementwise (tiny batched matmuls are slow in torch)
        points = points.expand(runs, -1, -1)
        h = torch.relu((points.unsqueeze(-1) * w1.unsqueeze(1)).sum(dim=-2) + b1)
        return (h * w2[:, None, :, 0]).sum(dim=-1) + b2[..., 0]

    fit = np.full(runs, -1)
    label = np.zeros(runs, dtype=int)
    m = len(y)
    for e in range(max_epochs):
        orders = torch.argsort(torch.rand(runs, m, generator=gen), dim=1)  # a uniform permutation per network
        for s in range(0, m, batch_size):
            idx = orders[:, s:s + batch_size]
            z = out(X[idx])
            loss = F.binary_cross_entropy_with_logits(z, Y[idx], reduction="none").mean(dim=1).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            ok = ((out(X) > 0).double() == Y).all(dim=1).numpy()
            new = ok & (fit < 0)
            fit[new] = e + 1
            label[new] = (out(XT)[new, 0] > 0).numpy()
    return fit, label


def test_distribution_matches_an_independent_sgd_population():
    x = boolean_inputs(2).astype(float)
    s_x, s_y, e_x = x[:3], np.array([0, 1, 1]), x[3:]
    arch = MLP(2, (2,), "relu", GaussianPrior(fan_in_scaling=True))
    runs, kw = 3000, dict(lr=0.2, batch_size=1, max_epochs=40)
    ours = train_chunk(arch, s_x, s_y, e_x, [1], runs=runs, seed=21, **kw)
    fit, label = _plain_sgd_population(runs, s_x, s_y, e_x, seed=21, **kw)
    bins = np.array([1, 3, 6, 10, 16, 25, 41])

    def cells(fit_epoch, lab):
        b = np.searchsorted(bins, fit_epoch, side="right") - 1
        return np.where(fit_epoch < 0, 0, 1 + 2 * b + lab)

    ours_cells = cells(ours.fit_epoch, ours.test_bits()[:, 0])
    table = np.array([np.bincount(ours_cells, minlength=15), np.bincount(cells(fit, label), minlength=15)])
    table = table[:, table.sum(axis=0) > 0]
    assert table.shape[1] >= 8 and table[0, 0] > 50  # several epochs and functions, and unfitted runs
    assert stats.chi2_contingency(table).pvalue > 1e-3
    # the mean test error of the fitted runs and its standard error
    mine, theirs = ours.test_error[ours.fitted], (label[fit > 0] != 1).astype(float)
    se = np.hypot(mine.std() / np.sqrt(mine.size), theirs.std() / np.sqrt(theirs.size))
    assert abs(mine.mean() - theirs.mean()) < 4 * se + 1e-12


X2 = boolean_inputs(2)
GOOD = dict(runs=2, max_epochs=5, batch_size=1)


@pytest.mark.parametrize("kwargs,name", [
    (dict(lr=0), "lr"), (dict(lr=-0.1), "lr"), (dict(batch_size=0), "batch_size"), (dict(batch_size=4), "batch_size"),
    (dict(optimizer="rmsprop"), "optimizer"), (dict(loss="hinge"), "loss"), (dict(momentum=1.0), "momentum"),
    (dict(momentum=-0.1), "momentum"), (dict(max_epochs=0), "max_epochs"),
    (dict(epochs_after_fit=-1), "epochs_after_fit"),
    (dict(backend="jax"), "backend"), (dict(optimizer="adam", momentum=0.5), "momentum"),
    (dict(betas=(0.9, 1.0)), "betas"), (dict(eps=0), "eps"), (dict(backend="numba", device="cuda"), "backend"),
    (dict(runs=-1), "runs"), (dict(seed=-1), "seed"), (dict(chunk_size=0), "chunk_size"),
])
def test_bad_input_names_the_parameter(kwargs, name):
    with pytest.raises(PfmapError, match=name) as info:
        train_chunk(MLP(2, (2,)), X2[:3], [0, 1, 1], X2[3:], **{**GOOD, **kwargs})
    assert "\n" not in str(info.value)


def test_bad_data_and_architectures():
    with pytest.raises(PfmapError, match="step"):
        train_chunk(MLP(2, (2,), "step"), X2[:3], [0, 1, 1], X2[3:], **GOOD)
    with pytest.raises(PfmapError, match="y_train"):
        train_chunk(MLP(2, (2,)), X2[:3], [0, 2, 1], X2[3:], **GOOD)
    with pytest.raises(PfmapError, match="X_test"):
        train_chunk(MLP(2, (2,)), X2[:3], [0, 1, 1], np.zeros((2, 3)), **GOOD)
    with pytest.raises(PfmapError, match="runs"):
        train_table(MLP(2, (2,)), X2[:3], [0, 1, 1], X2[3:], runs=0)
    perceptron = train_chunk(Perceptron(2), X2[:3], [0, 1, 1], X2[3:], runs=3, lr=0.5, batch_size=1, max_epochs=200)
    assert perceptron.fitted.all()  # OR-like data are linearly separable: a logit unit fits them


def test_missing_torch_and_missing_gpu(monkeypatch):
    import sys

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(PfmapError, match="device='cuda'.*no CUDA GPU"):
        train_chunk(MLP(2, (2,)), X2[:3], [0, 1, 1], X2[3:], device="cuda", **GOOD)
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(PfmapError, match=r"pip install 'pfmap\[torch\]'"):
        train_chunk(MLP(2, (2,)), X2[:3], [0, 1, 1], X2[3:], backend="torch", **GOOD)
    # without torch "auto" still trains (with numba), even a large net
    res = train_chunk(MLP(2, (200, 100)), X2[:3], [0, 1, 1], X2[3:], runs=1, max_epochs=2, batch_size=1)
    assert res.config["backend"] == "numba"
