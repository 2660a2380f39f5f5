"""Time the exact n = 5 box table, and its pieces, against the straightforward methods measured in the same run.

Run by hand (not part of the tests):

    python benchmarks/exact_tables.py                 # n = 5 with bias, uniform box [-1, 1]^6
    python benchmarks/exact_tables.py --walk6         # also the n = 6 orbit walk, exact facets vs LP certificates

It prints, each measured here and now:

* the whole table ``perceptron_table(5, UniformPrior())`` (regions, conditions, witnesses, 860 exact box
  volumes), wall time and the process's peak resident memory;
* the extreme rays of the homogenised box polytopes by double description (what the table uses) against
  the subset enumeration it replaced (every (d-1)-subset of the rows, the code of pfmap before), on a seeded
  sample of orbits; the baseline's total for all 860 orbits is extrapolated from its time per subset times
  each orbit's number of subsets, and printed beside the measured new total;
* the box volumes once per orbit against the plain per-region computation without orbits, the latter timed
  on a seeded sample of regions and scaled to all 94,572;
* with ``--walk6``: the n = 6 orbit walk (135 orbits) with exact facets from the cones' extreme rays, against
  the same walk deciding every new orbit key with a linear program and an exact Gordan certificate.
"""

from __future__ import annotations

import argparse
import itertools
import math
import resource
import time
from fractions import Fraction

import numpy as np

from pfmap import UniformPrior
from pfmap.geometry.cones.box import cone_box_fraction
from pfmap.geometry.cones.double_description import extreme_rays
from pfmap.geometry.perceptron.feasibility import strict_witness
from pfmap.geometry.perceptron.regions import measure_orbits, perceptron_regions
from pfmap.geometry.perceptron.symmetry import pm1_bias_arrangement
from pfmap.geometry.perceptron.table import perceptron_table


def subset_rays(rows: list[list[int]]) -> set[tuple[int, ...]]:
    """The baseline: every (d-1)-subset of rows proposes the null vector of its minors (floats), then exact checks."""
    k, d = len(rows), len(rows[0])
    gf = np.array(rows, dtype=float)
    subsets = np.array(list(itertools.combinations(range(k), d - 1)), dtype=np.int64)
    found = set()
    for start in range(0, len(subsets), 1 << 16):
        block = subsets[start:start + (1 << 16)]
        mats = gf[block]
        minors = np.empty((len(block), d))
        for j in range(d):
            minors[:, j] = (-1) ** j * np.linalg.det(np.delete(mats, j, axis=2))
        scale = np.abs(minors).max(axis=1)
        ok = scale > 1e-9
        unit = minors[ok] / scale[ok, None]
        vals = gf @ unit.T
        tol = 1e-7 * (np.abs(gf).sum(axis=1)[:, None] + 1)
        pos, neg = np.all(vals >= -tol, axis=0), np.all(vals <= tol, axis=0)
        unit = unit * np.where(neg & ~pos, -1.0, 1.0)[:, None]
        keep = pos | neg
        _, first = np.unique(np.round(unit[keep], 9), axis=0, return_index=True)
        for idx in np.flatnonzero(ok)[np.flatnonzero(keep)[first]]:
            sub = [rows[i] for i in block[idx]]
            exact = [(-1) ** j * _det([r[:j] + r[j + 1:] for r in sub]) for j in range(d)]
            for sign in (1, -1):
                v = [sign * x for x in exact]
                if any(v) and all(sum(a * b for a, b in zip(r, v)) >= 0 for r in rows):
                    g = math.gcd(*v)
                    found.add(tuple(x // g for x in v))
    return found


def _det(mat: list[list[int]]) -> int:
    from flint import fmpz_mat

    return int(fmpz_mat(mat).det()) if mat else 1


def homogenised(cone: np.ndarray, half_widths: list[Fraction]) -> list[list[int]]:
    """The rows of the cone over the polytope cone ∩ box (what cone_box_fraction triangulates)."""
    d = cone.shape[1]
    rows = [[int(v) for v in row] + [0] for row in cone]
    for i, s in enumerate(half_widths):
        for sign in (1, -1):
            row = [0] * (d + 1)
            row[i], row[d] = -sign * s.denominator, s.numerator
            rows.append(row)
    return rows


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=12, help="orbits timed with the subset baseline")
    parser.add_argument("--regions", type=int, default=300, help="regions timed for the no-orbit baseline")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--walk6", action="store_true", help="also time the n = 6 orbit walk both ways")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    start = time.perf_counter()
    table = perceptron_table(5, UniformPrior())
    table_s = time.perf_counter() - start
    total = sum(table["exact"])
    assert total == 1, total
    print(f"perceptron_table(5, UniformPrior()): {len(table):,} rows, sum of exact volumes {total}, "
          f"{table_s:.1f} s, peak RSS {peak_mb():.0f} MB", flush=True)

    regions = perceptron_regions(5)
    orbit = measure_orbits(regions)
    _, first = np.unique(orbit, return_index=True)
    s = [Fraction(1)] * 6
    all_rows = [homogenised(regions.cone(int(i)), s) for i in first]
    start = time.perf_counter()
    for rows in all_rows:
        extreme_rays(rows)
    dd_s = time.perf_counter() - start
    subsets = np.array([math.comb(len(r), len(r[0]) - 1) for r in all_rows], dtype=float)
    # the sample: orbits with at most 12 conditions (the baseline needs seconds each beyond)
    small = np.flatnonzero(regions.n_conditions[first] <= 12)
    pick = rng.choice(small, min(args.sample, len(small)), replace=False)
    start = time.perf_counter()
    for i in pick:
        got = subset_rays(all_rows[i])
        assert got == {tuple(int(v) for v in r) for r in extreme_rays(all_rows[i]).tolist()}
    base_s = time.perf_counter() - start
    per_subset = base_s / subsets[pick].sum()
    print(f"extreme rays of the 860 box polytopes: double description {dd_s:.2f} s measured; subset "
          f"enumeration {base_s:.2f} s on {len(pick)} sampled orbits ({int(subsets[pick].sum()):,} subsets), "
          f"{per_subset * subsets.sum():.0f} s extrapolated to all {int(subsets.sum()):,} subsets: "
          f"{per_subset * subsets.sum() / dd_s:.0f}x")

    start = time.perf_counter()
    for i in first:
        cone_box_fraction(regions.cone(int(i)), s)
    orbit_s = time.perf_counter() - start
    sample = rng.choice(len(regions), args.regions, replace=False)
    start = time.perf_counter()
    for i in sample:
        cone_box_fraction(regions.cone(int(i)), s)
    plain_s = (time.perf_counter() - start) / len(sample) * len(regions)
    print(f"box volumes: once per orbit (860) {orbit_s:.1f} s; per region without orbits {plain_s:.0f} s "
          f"extrapolated from {len(sample)} regions: {plain_s / orbit_s:.0f}x")

    if args.walk6:
        from pfmap.geometry.perceptron.enumeration import walk_orbits

        arr = pm1_bias_arrangement(6)
        start = time.perf_counter()
        walk = walk_orbits(arr)
        exact_s = time.perf_counter() - start
        start = time.perf_counter()
        programs = lp_walk(arr)
        lp_s = time.perf_counter() - start
        print(f"n = 6 orbit walk: exact facets {exact_s:.1f} s ({len(walk.witnesses)} orbits, "
              f"{walk.linear_programs} LPs); LP and Gordan certificate per new key {lp_s:.1f} s ({programs} LPs): "
              f"{lp_s / exact_s:.1f}x")


def lp_walk(arr) -> int:
    """The baseline walk: every orbit key not seen before is decided by a linear program (and Gordan)."""
    normals = arr.normals
    h, d = normals.shape
    start = np.array([3 ** k for k in range(d)])         # no normal of {-1,1}^n x {1} is orthogonal to it
    u0 = strict_witness(np.sign(normals @ start)[:, None] * normals)
    settled, queue, programs = {arr.orbit_key(np.sign(normals @ u0) @ normals): True}, [u0], 1
    while queue:
        u = queue.pop()
        s = np.sign(normals @ u)
        m = s @ normals
        for k in range(h):
            key = arr.orbit_key(m - 2 * s[k] * normals[k])
            if key in settled:
                continue
            t = s.copy()
            t[k] = -t[k]
            w = strict_witness(t[:, None] * normals)
            programs += 1
            settled[key] = w is not None
            if w is not None:
                queue.append(w)
    return programs


if __name__ == "__main__":
    main()
