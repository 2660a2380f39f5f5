"""The two-input perceptron table of the seed discussion, checked.

All 16 functions of two inputs on {0,1}^2 (weights x, y, bias z): which are
realisable (xor and xnor are not), their irredundant half-space conditions
(8 need three, 6 need four), their exact volume in the box [-1,1]^3
(13/48 for each constant, 1/48 for AND, 2/48 for OR) and their Gaussian
measure with all parameters N(0,1) (constants 0.277043, dictators 0.047877,
OR and NOR exactly 1/24, a AND NOT b 0.035457, AND and NAND 0.014623;
REFERENCES.md).

Run: python paper_tables/two_input_perceptron.py   (exit status 1 on any mismatch)
"""

from __future__ import annotations

import itertools
import sys
from fractions import Fraction

import pandas as pd

from pfmap.geometry.perceptron.table import perceptron_table
from pfmap import GaussianPrior, UniformPrior

NAMES = {"0000": "FALSE", "0001": "AND", "0010": "x AND NOT y", "0011": "x", "0100": "NOT x AND y", "0101": "y",
         "0110": "XOR", "0111": "OR", "1000": "NOR", "1001": "XNOR", "1010": "NOT y", "1011": "x OR NOT y",
         "1100": "NOT x", "1101": "NOT x OR y", "1110": "NAND", "1111": "TRUE"}
PUBLISHED_BOX = {"0000": Fraction(13, 48), "1111": Fraction(13, 48), "0001": Fraction(1, 48), "0111": Fraction(2, 48)}
PUBLISHED_GAUSSIAN = {  # REFERENCES.md, 6 decimals
    "0000": 0.277043, "1111": 0.277043, "0011": 0.047877, "0101": 0.047877, "1100": 0.047877, "1010": 0.047877,
    "0111": 1 / 24, "1000": 1 / 24, "0010": 0.035457, "0100": 0.035457, "1011": 0.035457, "1101": 0.035457,
    "0001": 0.014623, "1110": 0.014623,
}


def build() -> pd.DataFrame:
    box = perceptron_table(2, UniformPrior()).set_index("function")
    gauss = perceptron_table(2, GaussianPrior()).set_index("function")
    rows = []
    for bits in itertools.product("01", repeat=4):
        f = "".join(bits)
        realisable = f in box.index
        rows.append({
            "function": f, "name": NAMES[f],
            "n_conditions": int(box.loc[f, "n_conditions"]) if realisable else 0,
            "conditions": box.loc[f, "conditions"] if realisable else "impossible",
            "box": box.loc[f, "exact"] if realisable else Fraction(0),
            "gaussian": float(gauss.loc[f, "probability"]) if realisable else 0.0,
            "gaussian_exact": gauss.loc[f, "exact"] if realisable else 0,
        })
    return pd.DataFrame(rows)


def check(df: pd.DataFrame) -> list[str]:
    problems = []
    impossible = set(df.loc[df.conditions == "impossible", "function"])
    if impossible != {"0110", "1001"}:
        problems.append(f"impossible functions {sorted(impossible)} (expected xor 0110 and xnor 1001)")
    counts = df.loc[df.n_conditions > 0, "n_conditions"].value_counts().to_dict()
    if counts != {3: 8, 4: 6}:
        problems.append(f"condition counts {counts} (expected 8 with 3, 6 with 4)")
    box = dict(zip(df.function, df.box))
    for f, v in PUBLISHED_BOX.items():
        if box[f] != v:
            problems.append(f"box volume of {f} = {box[f]} (published {v})")
    if sum(box.values()) != 1:
        problems.append("box volumes do not sum to 1")
    gauss = dict(zip(df.function, df.gaussian))
    for f, v in PUBLISHED_GAUSSIAN.items():
        if abs(gauss[f] - v) > 5e-7:
            problems.append(f"Gaussian measure of {f} = {gauss[f]:.7f} (published {v:.6f})")
    if abs(sum(gauss.values()) - 1) > 1e-12:
        problems.append("Gaussian measures do not sum to 1")
    return problems


def main() -> int:
    df = build()
    shown = df.copy()
    shown["box"] = shown["box"].map(str)
    shown["gaussian"] = shown["gaussian"].map(lambda v: f"{v:.6f}")
    shown["gaussian_exact"] = shown["gaussian_exact"].map(str)
    print(shown.to_markdown(index=False))
    print()
    print("published: xor, xnor impossible; 8 functions with 3 conditions, 6 with 4; box 13/48 (constants), "
          "1/48 (AND), 2/48 (OR); Gaussian 0.277043, 0.047877, 1/24, 0.035457, 0.014623")
    problems = check(df)
    for p in problems:
        print("MISMATCH:", p)
    print("MATCH: every published figure reproduced" if not problems else f"{len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
