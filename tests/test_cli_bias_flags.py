"""``pfmap bias --bootstrap --confidence --seed``: the CLI's intervals against the library and a plain bootstrap."""

import io
import json
from contextlib import redirect_stderr, redirect_stdout

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pfmap.bias import bias_analysis
from pfmap.cli import main


def _table(path, size=40, seed=5):
    """A volume table whose log P falls with a made-up measure (in the n_conditions column) plus noise."""
    rng = np.random.default_rng(seed)
    functions = [format(int(v), "08b") for v in rng.choice(256, size, replace=False)]
    measure = rng.integers(1, 9, size).astype(float)
    weight = np.exp(-0.6 * measure + rng.normal(0, 1.0, size))
    df = pd.DataFrame({"function": functions, "probability": weight / weight.sum(), "n_conditions": measure})
    df.to_csv(path, index=False)
    return df


def _run(*argv):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_cli_intervals_equal_the_library_and_a_plain_numpy_bootstrap(tmp_path):
    path = tmp_path / "t.csv"
    df = _table(path)
    code, out, err = _run("bias", str(path), "--measures", "n_conditions,entropy", "--bootstrap", "300",
                          "--confidence", "0.9", "--seed", "7", "--format", "json")
    assert code == 0 and "best against second" in err
    cli = pd.DataFrame(json.loads(out)["rows"])
    report = bias_analysis(df, ["n_conditions", "entropy"], bootstrap=300, confidence=0.9, seed=7)
    lib = report.ranking
    shown = json.loads(out)["metadata"]["best_vs_second"]
    assert shown["best"] == report.comparison["best"] and shown["second"] == report.comparison["second"]
    for key in ("difference", "low", "high", "p_value"):
        assert shown[key] == pytest.approx(report.comparison[key], rel=1e-12)
    for col in ("spearman", "spearman_low", "spearman_high", "kendall_low", "kendall_high"):
        np.testing.assert_allclose(cli.set_index("measure")[col].loc[lib["measure"]].to_numpy(float),
                                   lib[col].to_numpy(float), rtol=1e-12)
    row = cli.set_index("measure").loc["n_conditions"]
    assert row["spearman_low"] <= row["spearman"] <= row["spearman_high"]
    assert row["kendall_low"] <= row["kendall"] <= row["kendall_high"]
    # an independent percentile bootstrap: the same resampling indices (chunks of 64, child k of
    # SeedSequence(7)), the correlations of the repeated rows by scipy
    x, y = df["n_conditions"].to_numpy(), np.log2(df["probability"].to_numpy())
    rho, tau = [], []
    for k, child in enumerate(np.random.SeedSequence(7).spawn(5)):
        draws = np.random.default_rng(child).integers(0, len(df), size=(min(64, 300 - 64 * k), len(df)))
        for idx in draws:
            rho.append(stats.spearmanr(x[idx], y[idx])[0])
            tau.append(stats.kendalltau(x[idx], y[idx])[0])
    assert len(rho) == 300
    np.testing.assert_allclose([row["spearman_low"], row["spearman_high"]], np.nanquantile(rho, [0.05, 0.95]),
                               rtol=1e-9)
    np.testing.assert_allclose([row["kendall_low"], row["kendall_high"]], np.nanquantile(tau, [0.05, 0.95]),
                               rtol=1e-9)


@pytest.mark.parametrize("fmt", ["md", "csv", "json", "latex"])
def test_interval_columns_in_every_format_on_stdout(tmp_path, fmt):
    path = tmp_path / "t.csv"
    _table(path, size=20)
    code, out, _ = _run("bias", str(path), "--measures", "n_conditions", "--bootstrap", "20", "--format", fmt)
    assert code == 0
    for col in ("spearman_low", "spearman_high", "kendall_low", "kendall_high"):
        assert col.replace("_", "\\_") in out or col in out


def test_parquet_ranking_has_the_intervals(tmp_path):
    path = tmp_path / "t.csv"
    _table(path, size=20)
    target = tmp_path / "r.parquet"
    assert _run("bias", str(path), "--measures", "n_conditions", "--bootstrap", "20", "--out", str(target))[0] == 0
    ranking = pd.read_parquet(target)
    assert {"spearman_low", "kendall_high"} <= set(ranking.columns)


@pytest.mark.parametrize("flags, word", [(["--bootstrap", "1"], "--bootstrap"), (["--bootstrap", "x"], "--bootstrap"),
                                         (["--confidence", "1"], "--confidence"), (["--seed", "-1"], "--seed")])
def test_bad_bootstrap_flags_one_line(tmp_path, flags, word):
    path = tmp_path / "t.csv"
    _table(path, size=10)
    code, out, err = _run("bias", str(path), "--measures", "n_conditions", *flags)
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("pfmap: error:") and word in err
