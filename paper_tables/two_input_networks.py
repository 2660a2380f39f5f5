"""Every two-input function under a 2-2-1 network (step and ReLU) next to the perceptron's.

The seed discussion's question: a perceptron on {0,1}^2 cannot compute xor
or xnor; one hidden layer of two units can, but how often does a random
network do so?  Columns, all parameters N(0,1) (gaussian) or uniform on
[-1,1] (box), bias on:

* ``perceptron``: exact (Fractions for the box, closed forms for the
  Gaussian; REFERENCES.md gives the published values, checked here);
* ``step 2-2-1``: exact, composed from perceptron measures (Fractions;
  sympy closed forms);
* ``relu 2-2-1``: Rao–Blackwellised estimate (hidden layer sampled, output
  layer integrated exactly) with a 95% interval, cross-checked against
  plain Monte Carlo sampling with ``montecarlo``.

Checks (exit status 1 and MISMATCH on any failure): the published
perceptron values; xor and xnor impossible for the perceptron and possible
for both nets, with equal probabilities (output complement symmetry); the
exact step columns sum to 1; the ReLU estimate agrees with plain sampling
(|z| < 4 for every function).

Run: python paper_tables/two_input_networks.py [--samples 2e5] [--check-samples 2e6] [--format md|csv|latex]
"""

from __future__ import annotations

import argparse
import itertools
import sys
from fractions import Fraction

import numpy as np
import pandas as pd

from pfmap.geometry.networks import rao_blackwell_table, step_network_measure
from pfmap.geometry.perceptron.table import perceptron_table
from pfmap import MLP, GaussianPrior, UniformPrior
from pfmap.tables import format_table

NAMES = {"0000": "FALSE", "0001": "AND", "0010": "x AND NOT y", "0011": "x", "0100": "NOT x AND y", "0101": "y",
         "0110": "XOR", "0111": "OR", "1000": "NOR", "1001": "XNOR", "1010": "NOT y", "1011": "x OR NOT y",
         "1100": "NOT x", "1101": "NOT x OR y", "1110": "NAND", "1111": "TRUE"}
PUBLISHED_BOX = {"0000": Fraction(13, 48), "0001": Fraction(1, 48), "0111": Fraction(2, 48)}
PUBLISHED_GAUSSIAN = {"0000": 0.277043, "0011": 0.047877, "0111": 1 / 24, "0010": 0.035457, "0001": 0.014623}


def build(samples: int, seed: int) -> tuple[pd.DataFrame, dict]:
    columns = {}
    for kind, prior in (("box", UniformPrior()), ("gaussian", GaussianPrior())):
        perceptron = perceptron_table(2, prior).set_index("function")
        step = step_network_measure(MLP(2, (2,), "step", prior))
        relu = rao_blackwell_table(MLP(2, (2,), "relu", prior), samples, seed).set_index("function")
        columns[kind] = (perceptron, step, relu)
    rows = []
    for bits in itertools.product("01", repeat=4):
        f = "".join(bits)
        row = {"function": f, "name": NAMES[f]}
        for kind, (perceptron, step, relu) in columns.items():
            exact = perceptron["exact"].get(f, 0)
            row[f"perceptron {kind}"] = exact if kind == "box" else float(perceptron["probability"].get(f, 0.0))
            row[f"step 2-2-1 {kind}"] = step.exact[f] if kind == "box" else step.probability[f]
            p, lo, hi = relu.loc[f, ["probability", "ci_low", "ci_high"]]
            row[f"relu 2-2-1 {kind}"] = float(p)
            row[f"relu {kind} 95% interval"] = f"[{lo:.3g}, {hi:.3g}]"
        rows.append(row)
    return pd.DataFrame(rows), columns


def check(df: pd.DataFrame, columns: dict, check_samples: int, seed: int) -> list[str]:
    problems = []
    table = df.set_index("function")
    for f, v in PUBLISHED_BOX.items():
        if table.loc[f, "perceptron box"] != v:
            problems.append(f"perceptron box volume of {f} is {table.loc[f, 'perceptron box']} (published {v})")
    for f, v in PUBLISHED_GAUSSIAN.items():
        if abs(table.loc[f, "perceptron gaussian"] - v) > 5e-7:
            problems.append(f"perceptron Gaussian measure of {f} is {table.loc[f, 'perceptron gaussian']:.7f} "
                            f"(published {v:.6f})")
    for kind in ("box", "gaussian"):
        for f in ("0110", "1001"):
            if table.loc[f, f"perceptron {kind}"] != 0:
                problems.append(f"the perceptron realises {NAMES[f]} ({kind})")
            for net in ("step", "relu"):
                if not table.loc[f, f"{net} 2-2-1 {kind}"] > 0:
                    problems.append(f"the {net} 2-2-1 net never realises {NAMES[f]} ({kind})")
        for net in ("step", "relu"):
            a, b = table.loc["0110", f"{net} 2-2-1 {kind}"], table.loc["1001", f"{net} 2-2-1 {kind}"]
            if abs(float(a) - float(b)) > 1e-12 * max(float(a), 1e-300):
                problems.append(f"{net} {kind}: P(xor) = {a} but P(xnor) = {b}")
    if sum(table["step 2-2-1 box"]) != 1:
        problems.append("the exact step 2-2-1 box volumes do not sum to 1")
    if abs(sum(table["step 2-2-1 gaussian"]) - 1) > 1e-12:
        problems.append("the step 2-2-1 Gaussian measures do not sum to 1")
    try:
        from pfmap.montecarlo import sample
    except ImportError:  # pragma: no cover - the engine ships with pfmap
        return problems + ["montecarlo is not importable: cannot cross-check the ReLU column"]
    for kind, prior in (("box", UniformPrior()), ("gaussian", GaussianPrior())):
        relu = columns[kind][2]
        counts = sample(MLP(2, (2,), "relu", prior), check_samples, seed=seed + 1).set_index("function")["count"]
        c = counts.reindex(relu.index, fill_value=0).to_numpy(dtype=float)
        p, se = relu["probability"].to_numpy(), relu["std_error"].to_numpy()
        z = (c - check_samples * p) / np.sqrt(check_samples * p * (1 - p) + (check_samples * se) ** 2)
        if np.abs(z).max() >= 4:
            worst = relu.index[int(np.argmax(np.abs(z)))]
            problems.append(f"relu {kind}: the estimate of {worst} disagrees with plain sampling (z = {z.max():.2f})")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", default="2e5", help="hidden-layer draws of the ReLU estimate (default 2e5)")
    parser.add_argument("--check-samples", default="2e6", help="plain Monte Carlo nets for the check (default 2e6)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--format", default="md", choices=["md", "csv", "latex"])
    args = parser.parse_args()
    df, columns = build(int(float(args.samples)), args.seed)
    shown = df.copy()
    for col in shown.columns:
        if shown[col].dtype == float:
            shown[col] = shown[col].map(lambda v: f"{v:.6g}")
    print(format_table(shown, args.format))
    for kind in ("box", "gaussian"):
        step, relu = df.set_index("function")[f"step 2-2-1 {kind}"], df.set_index("function")[f"relu 2-2-1 {kind}"]
        print(f"{kind}: P(xor) = {float(step['0110']):.4g} with step units (rank "
              f"{int((step > step['0110']).sum()) + 1} of 16, 1/{1 / (16 * float(step['0110'])):.0f} of the uniform "
              f"1/16), {relu['0110']:.4g} with ReLU units (1/{1 / (16 * relu['0110']):.0f} of 1/16); "
              f"the perceptron: 0")
    problems = check(df, columns, int(float(args.check_samples)), args.seed)
    for p in problems:
        print("MISMATCH:", p)
    print("MATCH" if not problems else f"{len(problems)} MISMATCH(ES)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
