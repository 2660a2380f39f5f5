"""Simplicity-bias analysis: correlations against brute force, the bound fit against constructed envelopes."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from pfmap import PfmapError
from pfmap.bias import bias_analysis, measure_columns, plot_bias, upper_bound_fit
from pfmap.complexity import average_sensitivity, k_lz

ALL3 = [format(v, "08b") for v in range(256)]


def average_ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def brute_spearman(x, y):
    rx, ry = np.array(average_ranks(list(x))), np.array(average_ranks(list(y)))
    return float(np.corrcoef(rx, ry)[0, 1])


def brute_kendall_tau_b(x, y):
    concordant = discordant = ties_x = ties_y = 0
    for i, j in itertools.combinations(range(len(x)), 2):
        dx, dy = np.sign(x[i] - x[j]), np.sign(y[i] - y[j])
        if dx == 0 and dy == 0:
            continue
        if dx == 0:
            ties_x += 1
        elif dy == 0:
            ties_y += 1
        elif dx == dy:
            concordant += 1
        else:
            discordant += 1
    return (concordant - discordant) / math.sqrt((concordant + discordant + ties_x) * (concordant + discordant + ties_y))


def test_exact_power_law_recovers_the_bound_and_a_perfect_rank_correlation():
    # P(f) = 2^(-K(f)) / Z: every point on the line log2 P = -K - log2 Z, so a = 1 and b = -log2 Z
    k = k_lz(ALL3)
    z = np.sum(2.0 ** -k)
    df = pd.DataFrame({"function": ALL3, "probability": 2.0 ** -k / z})
    report = bias_analysis(df)
    top = report.ranking.iloc[0]
    assert top["measure"] == "k_lz"
    assert top["spearman"] == pytest.approx(-1.0, abs=1e-12)
    assert top["kendall"] == pytest.approx(-1.0, abs=1e-12)
    assert top["bound_a"] == pytest.approx(1.0, abs=1e-9)
    assert top["bound_b"] == pytest.approx(-math.log2(z), abs=1e-9)
    assert top["bound_violations"] == 0.0
    assert top["bound_b_strict"] == pytest.approx(top["bound_b"], abs=1e-9)   # the envelope is the bound
    assert (report.ranking["spearman"].abs().iloc[1:] < 1 - 1e-9).all()
    assert list(report.ranking["rank"]) == list(range(1, len(report.ranking) + 1))


def test_correlations_match_brute_force_with_ties():
    rng = np.random.default_rng(7)
    funcs = rng.choice(ALL3, size=60, replace=False).tolist()
    sens = average_sensitivity(funcs)
    p = np.exp(-sens + rng.normal(0, 0.7, len(funcs)))
    df = pd.DataFrame({"function": funcs, "probability": p / p.sum()})
    ranking = bias_analysis(df, ["average_sensitivity", "entropy", "fourier_l1"]).ranking.set_index("measure")
    from pfmap.complexity import binary_entropy, fourier_l1

    for name, x in (("average_sensitivity", sens), ("entropy", binary_entropy(funcs)), ("fourier_l1", fourier_l1(funcs))):
        y = np.log2(df["probability"].to_numpy())
        assert ranking.loc[name, "spearman"] == pytest.approx(brute_spearman(x, y), abs=1e-12)
        assert ranking.loc[name, "kendall"] == pytest.approx(brute_kendall_tau_b(x, y), abs=1e-12)
    strengths = ranking.sort_values("rank")["spearman"].abs().to_numpy()
    assert (np.diff(strengths) <= 0).all()  # ranked by |rho|


def test_upper_bound_fit_on_binned_envelope():
    # a point on log2 P = -0.5 K + 3 at the left edge of every bin [0, 10), ..., [90, 100], all others
    # below the line: the line decreases, so each bin's maximum is its point on the line
    rng = np.random.default_rng(1)
    on_line = np.arange(0, 101, 10.0)
    below = rng.uniform(0, 100, 500)
    x = np.concatenate([on_line, below])
    y = np.concatenate([-0.5 * on_line + 3, -0.5 * below + 3 - rng.uniform(0.1, 20, below.size)])
    a, b, env_x, env_y = upper_bound_fit(x, y, bins=10)
    assert a == pytest.approx(0.5, abs=1e-12) and b == pytest.approx(3.0, abs=1e-12)
    assert len(env_x) == 10 and env_y == pytest.approx(-0.5 * env_x + 3, abs=1e-12)
    a, b, _, _ = upper_bound_fit([1, 1, 1], [0, -1, -2])
    assert math.isnan(a) and math.isnan(b)


def test_min_count_drops_rare_functions_and_zero_probabilities():
    funcs = ALL3[:10]
    counts = np.array([50, 20, 10, 5, 3, 2, 1, 1, 1, 0])
    df = pd.DataFrame({"function": funcs, "probability": counts / counts.sum(), "count": counts})
    report = bias_analysis(df, ["k_lz"], min_count=2)
    assert len(report.data) == 6 and report.dropped == 4
    assert set(report.data["function"]) == set(funcs[:6])
    assert len(bias_analysis(df, ["k_lz"]).data) == 9  # P = 0 has no logarithm
    with pytest.raises(PfmapError, match="min_count"):
        bias_analysis(df, ["k_lz"], min_count=0)
    with pytest.raises(PfmapError, match="at least 3"):
        bias_analysis(df, ["k_lz"], min_count=30)


def test_errors_and_extra_columns():
    df = pd.DataFrame({"function": ALL3[:5], "probability": [0.4, 0.3, 0.2, 0.05, 0.05],
                       "n_conditions": [4, 5, 5, 6, 6]})
    assert measure_columns(df) == ["n_conditions"]
    ranking = bias_analysis(df, ["n_conditions", "k_lz"]).ranking
    assert set(ranking["measure"]) == {"n_conditions", "k_lz"}
    x, y = df["n_conditions"].to_numpy(), np.log2(df["probability"].to_numpy())
    assert ranking.set_index("measure").loc["n_conditions", "spearman"] == pytest.approx(brute_spearman(x, y))
    with pytest.raises(PfmapError, match="unknown measure"):
        bias_analysis(df, ["kolmogorov"])
    with pytest.raises(PfmapError, match="probability"):
        bias_analysis(df.drop(columns="probability"))


def test_plots_are_png_files(tmp_path):
    import matplotlib.image

    k = k_lz(ALL3[:40])
    df = pd.DataFrame({"function": ALL3[:40], "probability": 2.0 ** -k / np.sum(2.0 ** -k)})
    paths = plot_bias(bias_analysis(df, ["k_lz", "entropy"]), tmp_path / "plots")
    assert sorted(p.name for p in paths) == ["logp_vs_entropy.png", "logp_vs_k_lz.png", "p_vs_rank.png"]
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert matplotlib.image.imread(p).shape[:2] == (400, 500)  # 5 x 4 inches at 100 dpi


def test_strict_intercept_bounds_every_point_and_touches_one():
    rng = np.random.default_rng(5)
    funcs = sorted({"".join(rng.choice(["0", "1"], 16)) for _ in range(300)})
    p = rng.dirichlet(np.ones(len(funcs)))
    report = bias_analysis(pd.DataFrame({"function": funcs, "probability": p}), measures=["k_lz", "entropy"])
    data = report.data
    for _, row in report.ranking.iterrows():
        gap = row["bound_b_strict"] - row["bound_a"] * data[row["measure"]] - data["log2_p"]
        assert gap.min() == pytest.approx(0.0, abs=1e-9)
