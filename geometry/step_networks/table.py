"""Exact P(f) for step-activation networks on the Boolean cube, composed from perceptron measures.

A hidden step unit outputs ``[w.x + b > 0]`` in ``{0,1}``, so each unit of
the first hidden layer computes a threshold function ``g`` of the input,
with probability the perceptron measure of ``g``'s region; the units are
independent.  A unit of the next layer sees only the hidden *codes* that
occur, ``c(x) = (g_1(x), ..., g_h(x))``: it computes ``o(c(x))`` for a
threshold function ``o`` on ``{0,1}^h``, so the probability that it
computes ``f`` is the sum of the measures of the ``o`` that agree with ``f``
on the occurring codes (a push-forward of the perceptron measure on
``{0,1}^h``).  Units of a layer are exchangeable, so the sum runs over
*multisets* of unit functions with multinomial weights.

Every probability is therefore a polynomial with non-negative integer
coefficients in the perceptron measures of the layers' orbits (one
variable per symmetry orbit of each perceptron kind).  That one identity
gives every prior its kind of answer:

* uniform box: exact :class:`~fractions.Fraction` (integers over the common
  denominator, no long Fraction sums);
* Gaussian, every factor in closed form: a sympy expression;
* Gaussian otherwise: a float with a rigorous bound propagated from the
  factors' bounds (the polynomial is monotone in each variable) plus the
  floating-point rounding of the evaluation.

The module is longer than most (about 470 lines, half of them docstrings):
the route's reach (:func:`step_network_cases`, :func:`check_step_network`),
the result (:class:`StepNetworkMeasure`, its combinations, conditions and
table) and the entry points are one public surface.

References
----------
S. Muroga, *Threshold Logic and its Applications*, 1971 (threshold networks).
C. Mingard et al., "Neural networks are a priori biased towards Boolean functions with low
entropy", arXiv:1909.11522, 2019.
N. J. Higham, *Accuracy and Stability of Numerical Algorithms*, 2002, sec. 3.1 (the gamma_k bound).
"""

from __future__ import annotations

import math
from collections import defaultdict
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from pfmap.architectures import MLP
from pfmap.errors import PfmapError
from pfmap.inputs import validate_encoding
from pfmap.priors import UniformPrior

from pfmap.geometry.perceptron.regions import region_count
from pfmap.geometry.step_networks.composition import Composition, compose_polynomial
from pfmap.geometry.step_networks.numeric import compose_numeric
from pfmap.geometry.step_networks.units import code_maps, multinomials, orbit_measures, push_forward, unit_perceptron

if TYPE_CHECKING:
    import pandas as pd

MAX_CASES = 60_000_000      # hidden-code cases (multisets x next-layer functions) the exact route enumerates
MAX_DEEP_CASES = 3_000_000  # the same through more than one hidden layer (Python-level arithmetic)
POLYNOMIAL_DEEP_CASES = 200_000  # deeper closed-form nets stay symbolic up to this size
MAX_FAN_IN = 4              # perceptron measures (box and Gaussian) exist up to fan-in 4


# ---------------------------------------------------------------------------
# size of the exact route


def _multiset_count(items: int, size: int) -> int:
    return math.comb(items + size - 1, size)


def step_network_cases(arch: MLP, encoding: str = "01") -> tuple[int, str]:
    """Upper bound on the hidden-code cases the exact composition enumerates, and how it arises.

    A case is one multiset of a layer's unit functions paired with one
    threshold function of the next unit (the push-forward), or with one
    multiset of the next layer's functions.  Beyond the first hidden layer a
    unit computes a function of the input, so at most ``2**(2**n)`` distinct
    ones occur.

    Parameters
    ----------
    arch : MLP
        A step net.
    encoding : {"01", "pm1"}
        The input set.

    Returns
    -------
    tuple
        ``(cases, how)``: the bound (``math.inf`` beyond the known threshold-function counts) and a line
        saying how it arises.

    Examples
    --------
    >>> from pfmap import MLP
    >>> step_network_cases(MLP(3, (3,), "step"))[0]
    20063680
    >>> step_network_cases(MLP(2, (2,), "step"))
    (1470, '105 multisets of 2 among 14 functions x 14 output threshold functions')
    """
    encoding = validate_encoding(encoding)
    bias = arch.prior.bias
    n_functions_of_x = 2 ** (2 ** arch.n)
    first = region_count(arch.n, encoding, bias)
    if first is None:
        return math.inf, f"the first hidden layer has fan-in {arch.n}, beyond the known threshold-function counts"
    states = _multiset_count(first, arch.widths[0])
    parts = [f"{states:,} multisets of {arch.widths[0]} among {first:,} functions"]
    total = 0
    for fan_in, width in zip(arch.widths[:-1], arch.widths[1:]):
        r = region_count(fan_in, "01", bias)
        if r is None:
            return math.inf, f"a hidden unit has fan-in {fan_in}"
        support = min(r, n_functions_of_x)
        products = _multiset_count(support, width)
        total += states * (r + products)
        parts.append(f"({r:,} threshold functions + {products:,} multisets of {width}) per multiset")
        states = min(states * products, _multiset_count(n_functions_of_x, width))
    r_out = region_count(arch.widths[-1], "01", bias)
    if r_out is None:
        return math.inf, f"the output unit has fan-in {arch.widths[-1]}"
    total += states * r_out
    parts.append(f"{r_out:,} output threshold functions")
    return total, " x ".join(parts)


def check_step_network(arch: MLP, encoding: str = "01", max_cases: int | None = None) -> None:
    """Raise one actionable line when ``arch`` is beyond the exact route.

    Parameters
    ----------
    arch : MLP
        The network.
    encoding : {"01", "pm1"}
        The input set.
    max_cases : int, optional
        The largest number of hidden-code cases accepted (default :data:`MAX_CASES`, or
        :data:`MAX_DEEP_CASES` with more than one hidden layer).

    Returns
    -------
    None

    Raises
    ------
    PfmapError
        For a non-step activation, no hidden layer, too many cases or a unit of fan-in above 4.

    Examples
    --------
    >>> from pfmap import MLP
    >>> check_step_network(MLP(3, (4,), "step"))
    Traceback (most recent call last):
    ...
    pfmap.errors.PfmapError: the 3-4-1 step net needs 9,712,268,020 hidden-code combinations (5,160,610 multisets of 4 among 104 functions x 1,882 output threshold functions); the exact route stops at 60,000,000: estimate it by sampling with pfmap.montecarlo.sample
    """
    if arch.activation != "step":
        raise PfmapError(f"exact composition needs step activations; got {arch.activation}")
    if not arch.widths:
        raise PfmapError("a network without hidden layers is a perceptron: use perceptron_table")
    if max_cases is None:
        max_cases = MAX_CASES if len(arch.widths) == 1 else MAX_DEEP_CASES
    hint = "estimate it by sampling with pfmap.montecarlo.sample"
    cases, how = step_network_cases(arch, encoding)
    if cases > max_cases:
        count = f"{cases:,}" if cases != math.inf else "more"
        raise PfmapError(f"the {arch.name()} step net needs {count} hidden-code combinations ({how}); "
                         f"the exact route stops at {max_cases:,}: {hint}")
    fan_ins = [arch.n, *arch.widths]
    if max(fan_ins) > MAX_FAN_IN:
        raise PfmapError(f"the {arch.name()} step net has a unit with fan-in {max(fan_ins)}; exact perceptron "
                         f"measures stop at fan-in {MAX_FAN_IN}: {hint}")


# ---------------------------------------------------------------------------
# public


class StepNetworkMeasure:
    """P(f) of every function of a step network, and the hidden-function combinations behind each.

    Build it with :func:`step_network_measure`.  ``probability``, ``exact``
    and ``error`` map each realised function (truth-table string) to its
    value; :meth:`combinations` lists every multiset of last-hidden-layer
    functions that realises a function, with its share; :meth:`table` is the
    volume table.

    Parameters
    ----------
    arch : MLP
        The step net.
    encoding : {"01", "pm1"}
        The input set.
    composition : Composition
        The composed measures (:mod:`pfmap.geometry.step_networks.composition`).

    Examples
    --------
    >>> from pfmap import MLP, UniformPrior
    >>> m = step_network_measure(MLP(2, (2,), "step", UniformPrior()))
    >>> isinstance(m, StepNetworkMeasure), m.functions[:2]
    (True, ['0000', '1111'])
    """

    def __init__(self, arch: MLP, encoding: str, composition: Composition):
        self.arch, self.encoding, self._c = arch, encoding, composition
        self.n_inputs = 1 << arch.n
        self.method = composition.method
        self.probability: dict[str, float] = {}
        self.exact: dict[str, object] = {}
        self.error: dict[str, float] = {}
        for f, (p, exact, error) in composition.values.items():
            name = self._name(f)
            self.probability[name], self.exact[name], self.error[name] = p, exact, error

    def _name(self, f: int) -> str:
        return format(int(f), "b").zfill(self.n_inputs)[::-1]

    @property
    def functions(self) -> list[str]:
        """Realised functions, most probable first."""
        return sorted(self.probability, key=lambda f: (-self.probability[f], f))

    def _pair_values(self, states: np.ndarray, fs: np.ndarray) -> list:
        """Contribution of last-hidden-layer state ``states[i]`` to ``P(fs[i])``: Fraction (box) or float."""
        c = self._c
        image = push_forward(c.out_unit, code_maps(c.last_functions[states], self.n_inputs))
        match = image == fs[:, None]
        if isinstance(self.arch.prior, UniformPrior):
            den = c.state_den * c.out_den
            weight, out = c.state_weight[states], c.out_value
            if den >= 2**62:
                weight, out = weight.astype(object), out.astype(object)
            q = (match * out[None, :]).sum(axis=1)
            return [Fraction(int(v), den) for v in weight * q]
        return (c.state_weight[states] * (match * c.out_value[None, :]).sum(axis=1)).tolist()

    def _hidden_names(self, state: int) -> tuple[str, ...]:
        return tuple(sorted(self._name(g) for g in self._c.last_functions[state].tolist()))

    def _share(self, value, function: str):
        total = self.exact[function] if isinstance(self.exact.get(function), Fraction) else self.probability[function]
        return value / total if isinstance(value, Fraction) else value / float(total)

    def combinations(self, function: str):
        """Every multiset of last-hidden-layer functions that realises ``function``, with its share of P(f).

        Columns: ``hidden`` (the unit functions as truth-table strings),
        ``orderings`` (how many hidden-unit tuples the multiset stands for;
        one hidden layer only), ``probability``, ``exact`` (box prior) and
        ``share`` (of P(f)); largest first.

        Parameters
        ----------
        function : str
            A realised function's truth table (output bits on the inputs in order).

        Returns
        -------
        pandas.DataFrame

        Raises
        ------
        PfmapError
            If the net does not realise ``function``.

        Examples
        --------
        >>> from pfmap import MLP, UniformPrior
        >>> c = step_network_measure(MLP(2, (2,), "step", UniformPrior())).combinations("0110")
        >>> c.loc[0, "hidden"], int(c.loc[0, "orderings"]), c.loc[0, "share"], c["share"].sum()
        (('0010', '0100'), 2, Fraction(4, 21), Fraction(1, 1))
        """
        import pandas as pd

        if function not in self.probability:
            raise PfmapError(f"{function!r} is not realised by the {self.arch.name()} step net")
        f = int(function[::-1], 2)
        last = self._c.last_functions
        found = []
        for start in range(0, len(last), 1 << 16):
            states = np.arange(start, min(len(last), start + (1 << 16)))
            image = push_forward(self._c.out_unit, code_maps(last[states], self.n_inputs))
            found.append(states[(image == f).any(axis=1)])
        states = np.concatenate(found)
        values = self._pair_values(states, np.full(len(states), f, dtype=np.int64))
        df = pd.DataFrame([{"hidden": self._hidden_names(k), "probability": float(v),
                            "exact": v if isinstance(v, Fraction) else None, "share": self._share(v, function)}
                           for k, v in zip(states.tolist(), values)])
        if self._c.first_layer_is_last:
            df.insert(1, "orderings", [int(v) for v in multinomials(np.sort(last[states], axis=1))])
        return df.sort_values(["probability", "hidden"], ascending=[False, True]).reset_index(drop=True)

    def _pieces(self, fs: np.ndarray, states: np.ndarray) -> list[tuple[str, str, int]]:
        """For ``fs[i]`` through state ``states[i]`` (one hidden layer only), the largest output cell's piece:
        ``(witness, conditions, n_conditions)``.  The witness is integer parameters, each hidden unit's
        ``w.. b`` then ``->`` and the output unit's; the conditions are the piece's irredundant half-spaces,
        hidden unit ``j`` with weights ``w<j><i>`` and bias ``b<j>``, the output unit with ``v<j>`` and ``c``."""
        if not self._c.first_layer_is_last or len(fs) == 0:
            return [("", "", None)] * len(fs)
        n, bias = self.arch.n, self.arch.prior.bias
        unit1 = unit_perceptron(n, self.encoding, bias)
        out_unit = self._c.out_unit
        where = {int(g): i for i, g in enumerate(unit1.functions.tolist())}
        funcs = self._c.last_functions[states]
        h = funcs.shape[1]
        image = push_forward(out_unit, code_maps(funcs, self.n_inputs))
        out = np.asarray(self._c.out_value, dtype=float)
        best = np.argmax(np.where(image == fs[:, None], out[None, :], -1.0), axis=1)
        text = [" ".join(map(str, w)) for w in unit1.witnesses.tolist()]
        out_text = [" ".join(map(str, w)) for w in out_unit.witnesses.tolist()]
        unit_names = [[f"w{j}{i}" for i in range(1, n + 1)] + ([f"b{j}"] if bias else []) for j in range(1, h + 1)]
        out_names = [f"v{j}" for j in range(1, h + 1)] + (["c"] if bias else [])
        pieces = []
        for row, o in zip(funcs.tolist(), best.tolist()):
            regions = [where[g] for g in row]
            witness = " / ".join(text[r] for r in regions) + " -> " + out_text[o]
            parts = [unit1.regions.conditions_text(r, unit_names[j]) for j, r in enumerate(regions)]
            parts.append(out_unit.regions.conditions_text(o, out_names))
            count = int(sum(unit1.regions.n_conditions[r] for r in regions) + out_unit.regions.n_conditions[o])
            pieces.append((witness, ", ".join(p for p in parts if p), count))
        return pieces

    def table(self):
        """The volume table, most probable first.

        Columns: ``function, probability, exact, error, n_conditions,
        conditions, n_ones`` as for the perceptron, where the conditions are
        those of the largest polyhedral piece of f's region through its top
        hidden combination (hidden units' cones times the output unit's
        largest cell; f's whole region is a union of such pieces; one hidden
        layer; missing and empty beyond), ``combinations`` (the top multisets of last-hidden-layer
        functions and their shares of P(f)), ``n_combinations`` (how many
        multisets realise f), ``witness`` (integer parameters, one hidden
        layer) and ``method``.

        Returns
        -------
        pandas.DataFrame

        Examples
        --------
        >>> from pfmap import MLP, UniformPrior
        >>> t = step_network_measure(MLP(2, (2,), "step", UniformPrior())).table()
        >>> int(t.set_index("function").loc["0110", "n_combinations"])    # xor: 8 hidden pairs realise it
        8
        """
        import pandas as pd

        from pfmap.tables import sort_table

        names = self.functions
        ints = [int(name[::-1], 2) for name in names]
        top = self._c.top
        pair_f = np.array([f for f in ints for _ in top.get(f, [])], dtype=np.int64)
        pair_k = np.array([k for f in ints for k in top.get(f, [])], dtype=np.int64)
        values = self._pair_values(pair_k, pair_f) if len(pair_k) else []
        first: dict = {}
        for i, f in enumerate(pair_f.tolist()):
            first.setdefault(f, i)
        picked = np.array(list(first.values()), dtype=np.int64)
        piece = dict(zip(first, self._pieces(pair_f[picked], pair_k[picked]))) if len(picked) else {}
        text: dict = defaultdict(list)
        for f, k, v in zip(pair_f.tolist(), pair_k.tolist(), values):
            share = float(self._share(v, self._name(f)))
            text[f].append("{" + ",".join(self._hidden_names(k)) + "}" + f" {100 * share:.3g}%")
        rows = []
        for name, f in zip(names, ints):
            witness, conditions, n_conditions = piece.get(f, ("", "", None))
            rows.append({"function": name, "probability": self.probability[name], "exact": self.exact[name],
                         "error": self.error[name], "n_conditions": n_conditions, "conditions": conditions,
                         "n_ones": name.count("1"), "combinations": "; ".join(text[f]),
                         "n_combinations": self._c.n_combinations.get(f, 0), "witness": witness,
                         "method": self.method})
        df = sort_table(pd.DataFrame(rows))
        df["n_conditions"] = df["n_conditions"].astype("Int64")
        inputs = "{0,1}" if self.encoding == "01" else "{-1,1}"
        df.attrs["pfmap"] = {"engine": "geometry", "architecture": self.arch.to_dict(), "inputs": self.encoding,
                             "description": f"{self.arch.describe()}, inputs {inputs}^{self.arch.n}",
                             "method": self.method, "functions": len(df)}
        return df


def step_network_measure(arch: MLP, encoding: str = "01", *, top: int = 3,
                         progress: bool | str = False) -> StepNetworkMeasure:
    """Exact P(f) of every function of a step-activation MLP on ``{0,1}^n`` or ``{-1,1}^n``.

    The hidden units' functions are independent perceptron draws; the
    output (and any later layer) sees only the hidden codes that occur.
    ``top`` is how many hidden-function combinations the table lists per
    function.  Box prior: exact Fractions.  Gaussian prior: sympy closed
    forms when every factor has one (fan-in <= 2 with bias, <= 3 without);
    otherwise floats with rigorous error bounds.

    Parameters
    ----------
    arch : MLP
        A step-activation net (see :func:`check_step_network` for the reach).
    encoding : {"01", "pm1"}
        The input set.
    top : int
        Hidden-function combinations listed per function.
    progress : bool or "auto"
        A progress bar over the hidden states (the long part of 3-3-1 and larger nets), on stderr.

    Returns
    -------
    StepNetworkMeasure

    Raises
    ------
    PfmapError
        For anything :func:`check_step_network` refuses.

    Examples
    --------
    >>> from pfmap import MLP, UniformPrior
    >>> m = step_network_measure(MLP(2, (2,), "step", UniformPrior()))
    >>> m.exact["0110"], m.exact["1001"]             # xor and xnor: impossible for a perceptron
    (Fraction(7, 9216), Fraction(7, 9216))
    >>> sum(m.exact.values())
    Fraction(1, 1)

    References
    ----------
    S. Muroga, *Threshold Logic and its Applications*, 1971;
    C. Mingard et al., arXiv:1909.11522, 2019.
    """
    encoding = validate_encoding(encoding)
    if not isinstance(arch, MLP):
        raise PfmapError(f"expected an MLP; got {arch!r}")
    check_step_network(arch, encoding)
    bias = arch.prior.bias
    unit1 = unit_perceptron(arch.n, encoding, bias)
    later = [unit_perceptron(w, "01", bias) for w in arch.widths]
    closed = not isinstance(arch.prior, UniformPrior) and all(
        m.exact is not None for u in [unit1, *later] for m in orbit_measures(u, arch.prior))
    cases, _ = step_network_cases(arch, encoding)
    if len(arch.widths) == 1 or (closed and cases <= POLYNOMIAL_DEEP_CASES):
        composition = compose_polynomial(unit1, later, arch.widths, n=arch.n, prior=arch.prior, top=top,
                                         progress=progress)
    else:
        composition = compose_numeric(unit1, later, arch.widths, n=arch.n, prior=arch.prior, top=top,
                                      progress=progress)
    return StepNetworkMeasure(arch, encoding, composition)


def step_network_table(arch: MLP, encoding: str = "01", *, top: int = 3,
                       progress: bool | str = False) -> pd.DataFrame:
    """The exact volume table of a step-activation MLP (see :func:`step_network_measure`).

    Parameters
    ----------
    arch : MLP
        A step-activation net.
    encoding : {"01", "pm1"}
        The input set.
    top : int
        Hidden-function combinations listed per function.
    progress : bool or "auto"
        A progress bar over the hidden states (the long part of 3-3-1 and larger nets), on stderr.

    Returns
    -------
    pandas.DataFrame
        See :meth:`StepNetworkMeasure.table`.

    Raises
    ------
    PfmapError
        For anything :func:`check_step_network` refuses.

    Examples
    --------
    >>> from pfmap import MLP, UniformPrior
    >>> t = step_network_table(MLP(2, (2,), "step", UniformPrior()))
    >>> len(t), t.exact.sum()
    (16, Fraction(1, 1))

    References
    ----------
    C. Mingard et al., arXiv:1909.11522, 2019.
    """
    return step_network_measure(arch, encoding, top=top, progress=progress).table()
