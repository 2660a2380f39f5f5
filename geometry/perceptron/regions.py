"""Regions of the perceptron's hyperplane arrangement: one region per realisable function.

A perceptron on inputs ``x`` with parameters ``u = (w, b)`` outputs
``[w.x + b > 0]``.  Its function on the input set is fixed by which side of
each hyperplane ``{u : a_x . u = 0}`` (``a_x = (x, 1)``, or ``x`` without
bias) the parameters lie on; each realisable function is an open polyhedral
cone, a region of the arrangement.

Enumeration walks the region adjacency graph modulo the arrangement's
symmetry group (signed permutations of the parameters), so only one linear
program per *orbit* of candidate functions is solved:

* two regions are adjacent across hyperplane ``k`` exactly when their sign
  vectors differ in ``k`` alone, so flipping one sign of a region gives a
  region iff that hyperplane is a facet (an irredundant condition);
* a sign vector ``s`` is realisable iff the strict system ``s_k a_k . u > 0``
  is feasible; a feasible one gets an integer witness ``u`` checked in exact
  integer arithmetic, an infeasible one a Gordan certificate
  ``sum_k l_k s_k a_k = 0, l >= 0, l != 0`` checked in exact rationals;
* by the generalised Chow theorem, the vector ``m(s) = sum_k s_k a_k``
  determines a realisable ``s`` among all sign vectors, and the symmetry
  group acts on ``m`` by signed permutations, so a sorted ``|m|`` (or a
  similar invariant) names each orbit.

All regions are then the images of the orbit representatives' witnesses
under the group, and each region's irredundant conditions are the
hyperplanes whose flip stays inside the set of regions: exact, no LP.

References
----------
C. K. Chow, "On the characterization of threshold functions", 1961.
S. Muroga, *Threshold Logic and its Applications*, 1971 (threshold functions, Chow parameters).
T. Zaslavsky, "Facing up to arrangements", Mem. AMS 154, 1975 (region counts).
OEIS A000609 (threshold functions of n or fewer variables).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from pfmap.errors import PfmapError
from pfmap.inputs import boolean_inputs, validate_encoding
from pfmap.truthtable import int_to_string

# Published region counts (OEIS A000609 with bias; resonance arrangement without bias, {0,1}^n).
THRESHOLD_COUNTS_BIAS = {0: 2, 1: 4, 2: 14, 3: 104, 4: 1882, 5: 94572, 6: 15028134, 7: 8378070864,
                         8: 17561539552946, 9: 144130531453121108}
THRESHOLD_COUNTS_NO_BIAS_01 = {1: 2, 2: 6, 3: 32, 4: 370, 5: 11292, 6: 1066044, 7: 347326352,
                               8: 419172756930, 9: 1955230985997140}
MAX_ENUMERATION_N = 5


def region_count(n: int, encoding: str = "01", bias: bool = True) -> int | None:
    """Published number of realisable functions (regions), when known.

    With a bias the two encodings are affinely equivalent (A000609); without
    one, ``{-1,1}^n`` gives the self-dual threshold functions, as many as the
    threshold functions of ``n - 1`` variables.

    Examples
    --------
    >>> region_count(5), region_count(4, "01", bias=False), region_count(3, "pm1", bias=False)
    (94572, 370, 14)
    """
    encoding = validate_encoding(encoding)
    if bias:
        return THRESHOLD_COUNTS_BIAS.get(n)
    if encoding == "pm1":
        return THRESHOLD_COUNTS_BIAS.get(n - 1)
    return THRESHOLD_COUNTS_NO_BIAS_01.get(n)


def check_enumerable(n: int, encoding: str = "01", bias: bool = True, maximum: int = MAX_ENUMERATION_N) -> None:
    """Raise a one-line PfmapError when ``n`` is beyond exact enumeration.

    Examples
    --------
    >>> check_enumerable(6)
    Traceback (most recent call last):
    ...
    pfmap.errors.PfmapError: n = 6 has 15,028,134 threshold functions (OEIS A000609); exact enumeration here stops at n = 5: estimate them by sampling with pfmap.montecarlo.sample
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise PfmapError(f"n must be a whole number >= 1; got {n!r}")
    if n > maximum:
        count = region_count(n, encoding, bias)
        source = "OEIS A000609" if bias or encoding == "pm1" else "resonance arrangement"
        how_many = f"{count:,} threshold functions ({source})" if count else "more threshold functions than fit a table"
        raise PfmapError(f"n = {n} has {how_many}; exact enumeration here stops at n = {maximum}: estimate them "
                         f"by sampling with pfmap.montecarlo.sample")


# ---------------------------------------------------------------------------
# the arrangement of one input set


@dataclass
class _Arrangement:
    """Hyperplane normals (rows) in parameter space and the symmetry group used to enumerate."""

    normals: np.ndarray            # (h, d) int64
    group_perms: np.ndarray        # (G, d) coordinate permutation of each group element
    group_signs: np.ndarray        # (G, d) sign flips applied after permuting
    orbit_key: callable            # canonical invariant of a Chow vector under the group


def _signed_permutations(d: int, permute: range | None = None, signs: str = "all") -> tuple[np.ndarray, np.ndarray]:
    """All elements ``u -> signs * u[perm]`` of a signed-permutation group on ``d`` coordinates.

    ``permute`` are the coordinates allowed to move (others stay); ``signs`` is
    ``"all"`` (every sign pattern) or ``"global"`` (only +u and -u).
    """
    movable = list(permute if permute is not None else range(d))
    perms = []
    for p in itertools.permutations(movable):
        full = list(range(d))
        for src, dst in zip(movable, p):
            full[src] = dst
        perms.append(full)
    perms = np.array(perms, dtype=np.int64)
    if signs == "all":
        sign_rows = np.array(list(itertools.product((1, -1), repeat=d)), dtype=np.int64)
    else:
        sign_rows = np.array([[1] * d, [-1] * d], dtype=np.int64)
    g_perms = np.repeat(perms, len(sign_rows), axis=0)
    g_signs = np.tile(sign_rows, (len(perms), 1))
    return g_perms, g_signs


def _key_sorted_abs(m: np.ndarray) -> tuple:
    return tuple(sorted(abs(int(v)) for v in m))


def _key_sorted_up_to_sign(m: np.ndarray) -> tuple:
    a = tuple(sorted(int(v) for v in m))
    b = tuple(sorted(-int(v) for v in m))
    return min(a, b)


def _pm1_bias_arrangement(n: int) -> _Arrangement:
    """{-1,1}^n with bias: normals (x, 1); the whole signed-permutation group on n+1 coordinates."""
    x = boolean_inputs(n, "pm1").astype(np.int64) if n else np.zeros((1, 0), dtype=np.int64)
    normals = np.hstack([x, np.ones((len(x), 1), dtype=np.int64)])
    perms, signs = _signed_permutations(n + 1)
    return _Arrangement(normals, perms, signs, _key_sorted_abs)


def _01_no_bias_arrangement(n: int) -> _Arrangement:
    """{0,1}^n without bias: normals x != 0; permutations of the weights and u -> -u."""
    normals = boolean_inputs(n, "01").astype(np.int64)[1:]
    perms, signs = _signed_permutations(n, signs="global")
    return _Arrangement(normals, perms, signs, _key_sorted_up_to_sign)


# ---------------------------------------------------------------------------
# exact feasibility: integer witness or Gordan certificate


def _strict_witness(rows: np.ndarray) -> np.ndarray | None:
    """Integer ``u`` with ``rows @ u > 0`` (verified exactly), or None with an exact infeasibility proof."""
    from scipy.optimize import linprog

    h, d = rows.shape
    res = linprog(np.zeros(d), A_ub=-rows.astype(float), b_ub=-np.ones(h), bounds=[(None, None)] * d,
                  method="highs")
    if res.status == 0:
        u = np.asarray(res.x, dtype=float)
        # rows @ u >= 1 up to the solver tolerance; scaling by K and rounding moves each
        # product by at most ||row||_1 / 2, so K > max ||row||_1 keeps every sign.
        base = int(np.abs(rows).sum(axis=1).max()) + 1
        for scale in (base, 10 * base, 1000 * base):
            w = np.rint(u * scale).astype(np.int64)
            if np.all(rows @ w > 0):
                g = math.gcd(*(int(v) for v in w)) or 1
                return w // g
        raise RuntimeError("LP reported a feasible region but no integer witness verified")  # pragma: no cover
    if res.status == 2:
        _verify_gordan(rows)
        return None
    raise RuntimeError(f"LP failed: {res.message}")  # pragma: no cover


def _verify_gordan(rows: np.ndarray) -> None:
    """Exact proof that ``rows @ u > 0`` has no solution: ``l >= 0, sum l = 1, l @ rows = 0``."""
    from scipy.optimize import linprog

    h, d = rows.shape
    a_eq = np.vstack([rows.T.astype(float), np.ones((1, h))])
    b_eq = np.zeros(d + 1)
    b_eq[-1] = 1.0
    res = linprog(np.zeros(h), A_eq=a_eq, b_eq=b_eq, bounds=[(0, None)] * h, method="highs")
    if res.status != 0:
        raise RuntimeError("strict system infeasible but no Gordan certificate found")  # pragma: no cover
    support = [k for k in range(h) if res.x[k] > 1e-9]
    lam = _exact_nullvector(rows[support])
    if lam is None or any(v < 0 for v in lam) or not any(v > 0 for v in lam):
        raise RuntimeError("Gordan certificate did not verify in exact arithmetic")  # pragma: no cover


def _exact_nullvector(sub: np.ndarray) -> list[Fraction] | None:
    """A rational ``l`` with ``l @ sub = 0`` and ``sum l = 1`` (unique on a basic support), exactly."""
    k, d = sub.shape
    # unknowns l_1..l_k; equations: sub^T l = 0 (d rows) and sum l = 1
    mat = [[Fraction(int(sub[i, j])) for i in range(k)] + [Fraction(0)] for j in range(d)]
    mat.append([Fraction(1)] * k + [Fraction(1)])
    rows_n, cols = len(mat), k
    pivots, r = [], 0
    for c in range(cols):
        p = next((i for i in range(r, rows_n) if mat[i][c] != 0), None)
        if p is None:
            continue
        mat[r], mat[p] = mat[p], mat[r]
        inv = 1 / mat[r][c]
        mat[r] = [v * inv for v in mat[r]]
        for i in range(rows_n):
            if i != r and mat[i][c] != 0:
                f = mat[i][c]
                mat[i] = [a - f * b for a, b in zip(mat[i], mat[r])]
        pivots.append(c)
        r += 1
    if any(all(v == 0 for v in row[:-1]) and row[-1] != 0 for row in mat):
        return None
    lam = [Fraction(0)] * k  # free variables at 0
    for i, c in enumerate(pivots):
        lam[c] = mat[i][-1]
    total = [sum(lam[i] * int(sub[i, j]) for i in range(k)) for j in range(d)]
    return lam if all(t == 0 for t in total) and sum(lam) == 1 else None


# ---------------------------------------------------------------------------
# enumeration modulo symmetry


def _enumerate(arr: _Arrangement) -> tuple[np.ndarray, np.ndarray]:
    """All regions of ``arr``: (sign matrix (R, h) int8, integer witnesses (R, d))."""
    normals = arr.normals
    h, d = normals.shape
    rng = np.random.default_rng(12345)
    while True:  # a generic starting point: no hyperplane through it
        u0 = rng.integers(-1000, 1000, size=d)
        if np.all(normals @ u0 != 0):
            break
    s0 = np.sign(normals @ u0)
    u0 = _strict_witness(s0[:, None] * normals)  # a small witness of the same region
    reps = {}
    settled = {}  # orbit key -> True (realisable) / False (certified empty)
    queue = [u0]
    settled[arr.orbit_key(s0 @ normals)] = True
    reps[arr.orbit_key(s0 @ normals)] = u0
    while queue:
        u = queue.pop()
        s = np.sign(normals @ u)
        m = s @ normals
        for k in range(h):
            m_flip = m - 2 * s[k] * normals[k]
            key = arr.orbit_key(m_flip)
            if key in settled:
                continue
            t = s.copy()
            t[k] = -t[k]
            witness = _strict_witness(t[:, None] * normals)
            settled[key] = witness is not None
            if witness is not None:
                reps[key] = witness
                queue.append(witness)
    # every region is an image of a representative under the group
    all_signs, all_witnesses, seen = [], [], set()
    for u in reps.values():
        images = arr.group_signs * u[arr.group_perms]           # (G, d)
        signs = np.sign(images @ normals.T).astype(np.int8)     # (G, h)
        if np.any(signs == 0):
            raise RuntimeError("a symmetry image left a witness on a hyperplane")  # pragma: no cover
        for i, code in enumerate(_sign_codes(signs)):
            if code not in seen:
                seen.add(code)
                all_signs.append(signs[i])
                all_witnesses.append(images[i])
    return np.array(all_signs, dtype=np.int8), np.array(all_witnesses, dtype=np.int64)


# ---------------------------------------------------------------------------
# public: regions of a perceptron


@dataclass
class PerceptronRegions:
    """Every function a perceptron realises on the Boolean cube, with witnesses and irredundant conditions.

    Attributes
    ----------
    n, encoding, bias : the set-up.
    points : (2**n, n) inputs in MSB-first order.
    normals : (h, d) hyperplane normals in parameter coordinates ``(w_1..w_n[, b])``.
    input_hyperplane, input_orientation : the pre-activation at input ``j`` is
        ``input_orientation[j] * normals[input_hyperplane[j]] . u`` (-1: no hyperplane, always 0).
    signs : (R, h) int8, the sign of each hyperplane's form in each region.
    witnesses : (R, d) int64 integer parameters realising each region (verified exactly).
    facets : (R, h) bool, the irredundant conditions of each region.

    Examples
    --------
    >>> reg = perceptron_regions(2)
    >>> len(reg), sorted(set(reg.n_conditions.tolist()))
    (14, [3, 4])
    >>> reg.conditions_text(reg.index("0001"))
    'x+y+z>0, x+z<0, y+z<0'
    """

    n: int
    encoding: str
    bias: bool
    points: np.ndarray
    normals: np.ndarray
    input_hyperplane: np.ndarray
    input_orientation: np.ndarray
    signs: np.ndarray
    witnesses: np.ndarray
    facets: np.ndarray = field(repr=False)
    _index: dict = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.signs)

    @property
    def dimension(self) -> int:
        return self.normals.shape[1]

    @property
    def outputs(self) -> np.ndarray:
        """(R, 2**n) uint8 truth tables."""
        pre = self.signs[:, np.maximum(self.input_hyperplane, 0)] * self.input_orientation[None, :]
        pre[:, self.input_hyperplane < 0] = 0
        return (pre > 0).astype(np.uint8)

    @property
    def functions(self) -> list[str]:
        """Truth-table strings, in region order."""
        table = np.frombuffer(b"01", dtype=np.uint8)[self.outputs]
        return [row.tobytes().decode("ascii") for row in table]

    @property
    def n_conditions(self) -> np.ndarray:
        return self.facets.sum(axis=1)

    def index(self, function: str) -> int:
        if "_functions" not in self._index:
            self._index["_functions"] = {f: i for i, f in enumerate(self.functions)}
        try:
            return self._index["_functions"][function]
        except KeyError:
            raise PfmapError(f"{function!r} is not realised by this perceptron "
                             f"(n = {self.n}, encoding {self.encoding}, bias {'on' if self.bias else 'off'})") from None

    def cone(self, i: int) -> np.ndarray:
        """Rows ``g`` (int64) with region ``i`` = ``{u : g . u > 0 for every row}``, irredundant."""
        k = np.flatnonzero(self.facets[i])
        return self.signs[i, k, None].astype(np.int64) * self.normals[k]

    def _hyperplane_names(self) -> tuple[np.ndarray, list[str]]:
        """For each hyperplane: the input that names it (the last one with orientation +1) and its form."""
        if "_names" not in self._index:
            names = self.variable_names()
            first = np.full(len(self.normals), -1, dtype=np.int64)
            for j in range(len(self.input_hyperplane)):
                if self.input_hyperplane[j] >= 0 and self.input_orientation[j] > 0:
                    first[self.input_hyperplane[j]] = j
            forms = [_linear_form(row, names) for row in self.normals]
            self._index["_names"] = (first, forms)
        return self._index["_names"]

    def condition_inputs(self, i: int) -> list[int]:
        """Input index that names each irredundant condition of region ``i`` (one per hyperplane)."""
        first, _ = self._hyperplane_names()
        return [int(first[k]) for k in np.flatnonzero(self.facets[i])]

    def variable_names(self) -> list[str]:
        d = self.dimension
        if d <= 3:
            return ["x", "y", "z"][:d]
        return [f"w{i + 1}" for i in range(self.n)] + (["b"] if self.bias else [])

    def conditions_text(self, i: int, names: list[str] | None = None) -> str:
        """Readable conditions, ``>0`` ones first, each in decreasing input order: ``x+y+z>0, x+z<0, y+z<0``;
        ``names`` (one per parameter, weights then bias) replaces :meth:`variable_names`."""
        first, forms = self._hyperplane_names()
        if names is not None:
            if len(names) != self.dimension:
                raise PfmapError(f"expected {self.dimension} parameter names; got {len(names)}")
            forms = [_linear_form(row, names) for row in self.normals]
        ks = np.flatnonzero(self.facets[i])
        ks = ks[np.argsort(-first[ks], kind="stable")]
        pos = [forms[k] + ">0" for k in ks if self.signs[i, k] > 0]
        neg = [forms[k] + "<0" for k in ks if self.signs[i, k] < 0]
        return ", ".join(pos + neg)


def _linear_form(coeffs, names) -> str:
    parts = []
    for c, name in zip(coeffs, names):
        c = int(c)
        if c == 0:
            continue
        mag = "" if abs(c) == 1 else str(abs(c))
        parts.append(("-" if c < 0 else ("+" if parts else "")) + mag + name)
    return "".join(parts) or "0"


def perceptron_regions(n: int, encoding: str = "01", bias: bool = True) -> PerceptronRegions:
    """Enumerate every function of a perceptron on ``{0,1}^n`` or ``{-1,1}^n``, with or without bias.

    Parameters are ``u = (w_1, ..., w_n, b)`` (no ``b`` without bias).  Each
    region carries an integer witness checked exactly and its irredundant
    half-space conditions.  ``n <= 5`` (94,572 regions at n = 5 with bias).

    Examples
    --------
    >>> [len(perceptron_regions(n)) for n in (1, 2, 3)]
    [4, 14, 104]
    >>> len(perceptron_regions(3, bias=False)), len(perceptron_regions(3, "pm1", bias=False))
    (32, 14)

    References
    ----------
    OEIS A000609; S. Muroga, *Threshold Logic and its Applications*, 1971;
    C. K. Chow, "On the characterization of threshold functions", 1961.
    """
    encoding = validate_encoding(encoding)
    check_enumerable(n, encoding, bias)
    points = boolean_inputs(n, encoding)
    size = 2**n
    if bias:
        arr = _pm1_bias_arrangement(n)
        signs, wit_pm1 = _enumerate(arr)
        if encoding == "pm1":
            normals, witnesses = arr.normals, wit_pm1
        else:
            # w'.(2x-1) + b' = 2 w'.x + (b' - sum w'): the same regions in {0,1} coordinates
            normals = np.hstack([points.astype(np.int64), np.ones((size, 1), dtype=np.int64)])
            witnesses = np.hstack([2 * wit_pm1[:, :n], wit_pm1[:, n:] - wit_pm1[:, :n].sum(axis=1, keepdims=True)])
        hyper = np.arange(size)
        orient = np.ones(size, dtype=np.int64)
    elif encoding == "01":
        arr = _01_no_bias_arrangement(n)
        signs, witnesses = _enumerate(arr)
        normals = arr.normals
        hyper = np.arange(-1, size - 1)
        orient = np.ones(size, dtype=np.int64)
    else:
        # {-1,1}^n without bias: x and -x share a hyperplane; x = (1, y) gives b + y.w of n-1 inputs
        arr = _pm1_bias_arrangement(n - 1)
        signs, wit = _enumerate(arr)
        witnesses = np.hstack([wit[:, -1:], wit[:, :-1]])
        half = size // 2
        normals = points[half:].astype(np.int64)
        hyper = np.concatenate([np.arange(half)[::-1], np.arange(half)])
        orient = np.concatenate([-np.ones(half, dtype=np.int64), np.ones(half, dtype=np.int64)])
    regions = PerceptronRegions(n, encoding, bias, points, normals, hyper, orient, signs, witnesses,
                                facets=_facets(signs))
    _verify_witnesses(regions)
    return regions


def _facets(signs: np.ndarray) -> np.ndarray:
    """Hyperplane ``k`` is a facet of a region iff flipping its sign gives another region."""
    r, h = signs.shape
    bits = (signs > 0)
    if h <= 62:
        weights = np.int64(1) << np.arange(h, dtype=np.int64)
        codes = (bits.astype(np.int64) * weights).sum(axis=1)
        order = np.sort(codes)
        flipped = codes[:, None] ^ weights[None, :]
        pos = np.clip(np.searchsorted(order, flipped), 0, r - 1)
        return order[pos] == flipped
    keys = {row.tobytes() for row in bits}
    out = np.zeros((r, h), dtype=bool)
    for i, row in enumerate(bits):
        for k in range(h):
            row[k] = ~row[k]
            out[i, k] = row.tobytes() in keys
            row[k] = ~row[k]
    return out


def _verify_witnesses(reg: PerceptronRegions) -> None:
    """Exact integer check: every witness realises its sign vector strictly."""
    forms = reg.witnesses @ reg.normals.T
    if not np.array_equal(np.sign(forms).astype(np.int8), reg.signs):
        raise RuntimeError("a region witness failed exact verification")  # pragma: no cover
    if len({row.tobytes() for row in reg.signs}) != len(reg.signs):
        raise RuntimeError("duplicate regions")  # pragma: no cover


def measure_orbits(reg: PerceptronRegions) -> np.ndarray:
    """Orbit id of each region under the symmetries that preserve every prior of pfmap.

    These are the permutations of the weights and ``u -> -u`` (output
    complement); on ``{-1,1}^n`` also every sign flip of a weight, and of
    the bias.  Gaussian measure and box volume are constant on an orbit.

    Examples
    --------
    >>> reg = perceptron_regions(2)
    >>> len(set(measure_orbits(reg).tolist()))
    5
    """
    n, d = reg.n, reg.dimension
    if reg.encoding == "pm1":
        perms, signs = _signed_permutations(d, permute=range(n), signs="all")
    else:
        perms, signs = _signed_permutations(d, permute=range(n), signs="global")
    codes = _sign_codes(reg.signs)
    lookup = {c: i for i, c in enumerate(codes)}
    orbit = np.full(len(reg), -1, dtype=np.int64)
    next_id = 0
    for i in range(len(reg)):
        if orbit[i] >= 0:
            continue
        images = signs * reg.witnesses[i][perms]
        img_signs = np.sign(images @ reg.normals.T).astype(np.int8)
        for c in _sign_codes(img_signs):
            orbit[lookup[c]] = next_id
        next_id += 1
    return orbit


def _sign_codes(signs: np.ndarray) -> list:
    return [row.tobytes() for row in np.ascontiguousarray(signs > 0)]


def function_string(value: int, n: int) -> str:
    """Truth-table string of an integer function on ``2**n`` inputs (helper for callers)."""
    return int_to_string(value, 2**n)
