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


# ---------------------------------------------------------------------------
# weighted rank correlations, bootstrap intervals, the best-against-second test

from scipy import stats  # noqa: E402

from pfmap.bias import (bootstrap_correlations, compare_correlations, correlation_matrix,  # noqa: E402
                        rank_correlations, steiger_test)


def test_weighted_rank_correlations_equal_those_of_the_repeated_data():
    rng = np.random.default_rng(3)
    for _ in range(20):
        x = rng.integers(0, 6, 40).astype(float)               # many ties in both coordinates
        y = x + rng.integers(-3, 4, 40)
        w = rng.integers(0, 4, 40)
        rho, tau = rank_correlations(x, y, w)
        xr, yr = np.repeat(x, w), np.repeat(y, w)
        assert rho == pytest.approx(stats.spearmanr(xr, yr)[0], abs=1e-12)
        assert tau == pytest.approx(brute_kendall_tau_b(xr, yr), abs=1e-12)
    assert all(math.isnan(v) for v in rank_correlations([1, 1, 1], [1, 2, 3]))
    with pytest.raises(PfmapError, match="weights >= 0"):
        rank_correlations([1, 2], [1, 2], [1, -1])


def test_bootstrap_interval_holds_the_estimate_and_covers_the_true_rho():
    # bivariate normal, rho = 0.5: Spearman's population value is (6/pi) asin(rho/2) (Pearson 1907)
    rng = np.random.default_rng(11)
    true = 6 / math.pi * math.asin(0.25)
    covered = 0
    trials = 40
    for t in range(trials):
        z = rng.multivariate_normal([0, 0], [[1, 0.5], [0.5, 1]], size=100)
        data = pd.DataFrame({"log2_p": z[:, 0], "m": z[:, 1]})
        row = bootstrap_correlations(data, ["m"], resamples=200, seed=t).iloc[0]
        rho, tau = stats.spearmanr(z[:, 1], z[:, 0])[0], stats.kendalltau(z[:, 1], z[:, 0])[0]
        assert row["spearman_low"] < rho < row["spearman_high"]
        assert row["kendall_low"] < tau < row["kendall_high"]
        covered += row["spearman_low"] <= true <= row["spearman_high"]
    # nominal 95% (percentile intervals undercover a little): fail when P(X <= covered | 0.95) < 1e-3,
    # i.e. 33 or fewer of 40
    assert stats.binom.cdf(covered, trials, 0.95) > 1e-3


def test_bootstrap_is_reproducible_by_seed():
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"log2_p": rng.normal(size=60), "a": rng.normal(size=60)})
    one = bootstrap_correlations(data, ["a"], resamples=130, seed=5)
    assert one.equals(bootstrap_correlations(data, ["a"], resamples=130, seed=5))
    assert not one.equals(bootstrap_correlations(data, ["a"], resamples=130, seed=6))
    with pytest.raises(PfmapError, match="resamples"):
        bootstrap_correlations(data, ["a"], resamples=1)
    with pytest.raises(PfmapError, match="no column 'b'"):
        bootstrap_correlations(data, ["b"])


def test_paired_comparison_known_cases():
    rng = np.random.default_rng(4)
    y = rng.normal(size=80)
    noisy = y + rng.normal(scale=1.5, size=80)
    data = pd.DataFrame({"log2_p": y, "perfect": -y, "copy": noisy, "noisy": noisy})
    same = compare_correlations(data, "copy", "noisy", resamples=200)
    assert same["difference"] == 0 and same["low"] == 0 and same["high"] == 0 and same["p_value"] == 1.0
    assert same["steiger_z"] == pytest.approx(0.0, abs=1e-9)
    better = compare_correlations(data, "perfect", "noisy", resamples=200)
    # |rho(perfect)| = 1 in every resample and |rho(noisy)| < 1: no resample has d <= 0
    assert better["difference"] > 0 and better["low"] > 0 and better["p_value"] == pytest.approx(2 / 201)


def test_steiger_test_has_its_nominal_size_under_the_null():
    # corr(y, x1) = corr(y, x2) = 0.5, corr(x1, x2) = 0.3: the test should reject 5% of the time
    rng = np.random.default_rng(8)
    cov = [[1, 0.5, 0.5], [0.5, 1, 0.3], [0.5, 0.3, 1]]
    trials, rejections, rank_rejections = 800, 0, 0
    for _ in range(trials):
        d = rng.multivariate_normal([0, 0, 0], cov, size=120)
        r = np.corrcoef(d.T)
        rejections += steiger_test(r[0, 1], r[0, 2], r[1, 2], n=120, rank=False)[1] < 0.05
        s = stats.spearmanr(d).statistic
        rank_rejections += steiger_test(s[0, 1], s[0, 2], s[1, 2], n=120)[1] < 0.05
    for count in (rejections, rank_rejections):   # a 99.9% binomial band around 5%
        assert stats.binom.cdf(count, trials, 0.05) > 5e-4 and stats.binom.sf(count - 1, trials, 0.05) > 5e-4
    # and it detects a real difference: 0.7 against 0.3
    cov = [[1, 0.7, 0.3], [0.7, 1, 0.2], [0.3, 0.2, 1]]
    d = rng.multivariate_normal([0, 0, 0], cov, size=200)
    r = np.corrcoef(d.T)
    assert steiger_test(r[0, 1], r[0, 2], r[1, 2], n=200, rank=False)[1] < 1e-3
    with pytest.raises(PfmapError, match="n must be > 3"):
        steiger_test(0.1, 0.2, 0.3, n=3)


def test_bias_analysis_with_bootstrap_and_default_measures():
    k = k_lz(ALL3)
    rng = np.random.default_rng(2)
    p = 2.0 ** (-k + rng.normal(0, 1, len(k)))
    df = pd.DataFrame({"function": ALL3, "probability": p / p.sum()})
    report = bias_analysis(df, ["k_lz", "entropy", "formula_andor"], bootstrap=200, seed=1)
    r = report.ranking
    assert ((r["spearman_low"] <= r["spearman"]) & (r["spearman"] <= r["spearman_high"])).all()
    assert ((r["kendall_low"] <= r["kendall"]) & (r["kendall"] <= r["kendall_high"])).all()
    c = report.comparison
    assert (c["best"], c["second"]) == tuple(r["measure"].iloc[:2])
    assert c["difference"] == pytest.approx(abs(r["spearman"].iloc[0]) - abs(r["spearman"].iloc[1]))
    assert "best against second" in report.summary()
    # the default set leaves out the exact formula sizes where no function has n <= 4 inputs
    funcs7 = ["".join(rng.choice(["0", "1"], 128)) for _ in range(20)]
    q = rng.dirichlet(np.ones(20))
    measures = set(bias_analysis(pd.DataFrame({"function": funcs7, "probability": q})).ranking["measure"])
    assert "formula_andor" not in measures and "k_lz" in measures


def test_correlation_matrix_is_spearman_pairwise():
    rng = np.random.default_rng(9)
    data = pd.DataFrame({"log2_p": rng.normal(size=30), "k_lz": rng.normal(size=30), "entropy": rng.normal(size=30)})
    data.loc[3, "entropy"] = np.nan
    m = correlation_matrix(data)
    ok = data["entropy"].notna()
    assert m.loc["log2_p", "entropy"] == pytest.approx(brute_spearman(data["log2_p"][ok].tolist(),
                                                                       data["entropy"][ok].tolist()))
    assert m.loc["k_lz", "log2_p"] == pytest.approx(brute_spearman(data["k_lz"], data["log2_p"]))


def test_ranking_script_quick_run_answers_in_numbers(tmp_path, capsys):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "paper_tables" / "simplicity_bias_ranking.py"
    spec = importlib.util.spec_from_file_location("simplicity_bias_ranking", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.main(["--quick", "--samples", "0", "--figures", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "## perceptron n=3 gaussian: 104 functions" in out and "## step 2-2-1: 16 functions" in out
    import re

    answer = out[out.index("Answer."):]
    # per table: the best and second measure with rho [interval], and the paired test's p
    for label in ("perceptron n=3 gaussian (104 functions)", "perceptron n=3 box (104 functions)",
                  "step 2-2-1 (16 functions)"):
        assert re.search(re.escape(label) + r": best \w+ rho = -?\d\.\d{3} \[-?\d\.\d{3}, -?\d\.\d{3}\], "
                         r"second \w+ -?\d\.\d{3} \[", answer), label
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    assert "ranking.png" in pngs and len(pngs) == 4     # the rank plot and three correlation matrices
