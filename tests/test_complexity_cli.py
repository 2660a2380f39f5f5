"""``pfmap complexity`` and ``pfmap bias`` on the command line."""

import io
import math

import numpy as np
import pandas as pd
import pytest

from pfmap import read_table, write_table
from pfmap.cli import main
from pfmap.complexity import MEASURES


def brute_k_lz(s):
    def phrases(t):
        count, start = 0, 0
        while start < len(t):
            length = 1
            while start + length <= len(t) and t[start:start + length] in t[:start + length - 1]:
                length += 1
            count, start = count + 1, start + length
        return count
    return math.log2(len(s)) if len(set(s)) == 1 else math.log2(len(s)) * (phrases(s) + phrases(s[::-1])) / 2


def run(argv, capsys):
    status = main(argv)
    out = capsys.readouterr()
    return status, out.out, out.err


def test_complexity_csv_in_csv_out(tmp_path, capsys):
    funcs = [format(v, "016b") for v in (0, 1, 0x6996, 0x00FF, 0x1234)]
    src = tmp_path / "t.csv"
    write_table(pd.DataFrame({"function": funcs, "count": [5, 4, 3, 2, 1]}), src)
    status, out, err = run(["complexity", str(src), "--conditions", "never"], capsys)
    assert status == 0
    df = pd.read_csv(io.StringIO(out), dtype={"function": str})
    assert list(df.columns[:2]) == ["function", "count"] and set(MEASURES) <= set(df.columns)
    assert df["k_lz"].tolist() == pytest.approx([brute_k_lz(f) for f in funcs])
    parity = df.set_index("function").loc[format(0x6996, "016b")]
    assert (parity["average_sensitivity"], parity["sop_terms"], parity["sop_literals"]) == (4, 8, 32)


def test_complexity_parquet_keeps_metadata_and_fills_n_conditions(tmp_path, capsys):
    funcs = [format(v, "04b") for v in range(16)]
    src, dst = tmp_path / "t.parquet", tmp_path / "out.parquet"
    table = pd.DataFrame({"function": funcs, "probability": np.full(16, 1 / 16)})
    table.attrs["pfmap"] = {"engine": "test", "architecture": {"prior": {"bias": True}}}
    write_table(table, src)
    status, _, err = run(["complexity", str(src), "--out", str(dst), "--measures", "k_lz,entropy"], capsys)
    assert status == 0 and "wrote 16 rows" in err
    out = read_table(dst)
    assert out.attrs["pfmap"]["engine"] == "test" and "complexity" in out.attrs["pfmap"]
    assert set(out.columns) == {"function", "probability", "k_lz", "entropy", "n_conditions"}
    # the two-input perceptron: xor and xnor are not threshold functions; of the other 14,
    # 8 regions have three irredundant conditions and 6 have four
    by_function = out.set_index("function")["n_conditions"]
    assert by_function[["0110", "1001"]].isna().all()
    assert by_function.dropna().astype(int).value_counts().to_dict() == {3: 8, 4: 6}


def test_complexity_keeps_an_existing_n_conditions(tmp_path, capsys):
    src = tmp_path / "t.csv"
    write_table(pd.DataFrame({"function": ["0001", "0111"], "n_conditions": [7, 9]}), src)
    status, out, _ = run(["complexity", str(src), "--measures", "fourier_l1"], capsys)
    df = pd.read_csv(io.StringIO(out), dtype={"function": str})
    assert status == 0 and df["n_conditions"].tolist() == [7, 9] and df["fourier_l1"].tolist() == [2.0, 2.0]


@pytest.mark.parametrize("argv,message", [
    (["complexity", "missing.csv"], "no such table file"),
    (["complexity", "{t}", "--measures", "kolmogorov"], "unknown measure"),
    (["complexity", "{t}", "--measures", ","], "at least one measure"),
    (["complexity", "{t}", "--compression", "gzip"], "invalid choice"),
    (["complexity", "{t}", "--conditions", "always"], "n <= 5"),
    (["bias", "{t}"], "'probability' column"),
    (["bias", "{p}", "--min-count", "0"], "--min-count must be a positive whole number"),
    (["bias", "{p}", "--measures", "n_conditions"], "no n_conditions column"),
])
def test_bad_input_is_one_line(tmp_path, capsys, argv, message):
    t, p = tmp_path / "t.csv", tmp_path / "p.csv"
    write_table(pd.DataFrame({"function": ["011", "101"]}), t)
    write_table(pd.DataFrame({"function": ["00", "01", "11"], "probability": [0.5, 0.3, 0.2]}), p)
    with pytest.raises(SystemExit) as exc:
        raise SystemExit(main([a.format(t=t, p=p) for a in argv]))
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_bias_command_summary_ranking_and_plots(tmp_path, capsys):
    funcs = [format(v, "08b") for v in range(256)]
    rng = np.random.default_rng(2)
    counts = rng.poisson(2000 * 2.0 ** -np.array([bin(v).count("1") for v in range(256)], dtype=float))
    keep = counts > 0
    df = pd.DataFrame({"function": np.array(funcs)[keep], "count": counts[keep]})
    df["probability"] = df["count"] / df["count"].sum()
    src = tmp_path / "s.csv"
    write_table(df, src)
    status, out, err = run(["bias", str(src), "--plots", str(tmp_path / "plots"), "--out", str(tmp_path / "r.csv"),
                            "--min-count", "2", "--measures", "entropy,k_lz,average_sensitivity"], capsys)
    assert status == 0
    assert f"functions analysed: {int((counts >= 2).sum())}" in out
    ranking = pd.read_csv(tmp_path / "r.csv")
    assert sorted(ranking["measure"]) == ["average_sensitivity", "entropy", "k_lz"]
    assert (ranking["spearman"] < 0).all()  # P = 2^-popcount favours low entropy, sensitivity and K_LZ
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == [
        "logp_vs_average_sensitivity.png", "logp_vs_entropy.png", "logp_vs_k_lz.png", "p_vs_rank.png"]


def test_complexity_exact_formula_sizes_on_the_command_line(tmp_path, capsys):
    parity4, and4 = "0110100110010110", "0000000000000001"
    src = tmp_path / "t.csv"
    write_table(pd.DataFrame({"function": [parity4, and4]}), src)
    status, out, _ = run(["complexity", str(src), "--measures", "formula_andor,formula_andorxor",
                          "--conditions", "never"], capsys)
    df = pd.read_csv(io.StringIO(out), dtype={"function": str}).set_index("function")
    # parity: n^2 - 1 = 15 AND/OR gates (Khrapchenko), n - 1 = 3 with XOR; AND of four inputs: 3 gates
    assert status == 0 and df.loc[parity4].tolist() == [15, 3] and df.loc[and4].tolist() == [3, 3]
    big = tmp_path / "big.csv"
    write_table(pd.DataFrame({"function": ["01" * 16]}), big)
    with pytest.raises(SystemExit) as exc:
        raise SystemExit(main(["complexity", str(big), "--measures", "formula_andor"]))
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "n <= 4" in err and len(err.strip().splitlines()) == 1
