"""The public API is documented in numpydoc style, typed, and keyword-only past the first three parameters.

Public means: a function, class or compiled kernel defined in a module of
``pfmap``, ``pfmap.geometry``, ``pfmap.montecarlo`` or ``pfmap.learning``
(not the command line, which documents itself through ``--help``) and named
in the module's ``__all__``, or, where a module has no ``__all__``, named
without a leading underscore.  Each must have

- a docstring whose first line is a one-line summary;
- a ``Parameters`` section if it takes parameters (a class may document its
  constructor's parameters under ``Attributes`` instead, as dataclasses do);
- a ``Returns`` (or ``Yields``) section unless its return annotation is
  ``None`` (a function without a return annotation needs one);
- an ``Examples`` section (``tests/test_doctests.py`` runs them).

Python functions (not compiled kernels, whose signatures numba decides) also
carry type hints on every parameter and on the return, and take their
parameters past the first three by keyword only.  Each test prints every gap
it finds, one per line, as ``module.name: what is missing``.
"""

from __future__ import annotations

import importlib
import inspect
import pathlib
import pkgutil
import re

import pytest
from numba.core.dispatcher import Dispatcher
from numba.core.extending import _Intrinsic

ROOTS = ("pfmap", "pfmap.geometry", "pfmap.montecarlo", "pfmap.learning")
SECTION = re.compile(r"^([A-Z][A-Za-z ]*)\n-{3,}[ \t]*$", re.MULTILINE)

# Public functions that take more than three parameters by position, and why.
POSITIONAL_ALLOWED = {
    # the executor protocol: pfmap.executors.run_chunks calls every chunk task as task(*args, chunk)
    "pfmap.montecarlo.runs.chunks.chunk_task",
    "pfmap.montecarlo.posterior.posterior_chunk",
    "pfmap.learning.training_runs.training_chunk",
    # the data: (X_train, y_train, X_test, y_test) after the architecture, in the order every ML library uses,
    # and the paper scripts call them that way
    "pfmap.learning.training.train_chunk",
    "pfmap.learning.training.train_table",
    # the formula's own arguments: E[phi(u) phi(v)] of the activation at the covariance (k11, k12, k22)
    "pfmap.learning.nngp.dual_activation",
}


def _module_names() -> list[str]:
    names = set(ROOTS)
    for root in ROOTS:
        package = importlib.import_module(root)
        for info in pkgutil.walk_packages(package.__path__, root + "."):
            names.add(info.name)
    return sorted(n for n in names if ".cli" not in n and not n.endswith("__main__"))


def _public(module) -> list[tuple[str, object, str]]:
    """``(qualified name, object, kind)`` of the module's public callables, kind in function, class, kernel."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    found = []
    for name in names:
        obj = getattr(module, name, None)
        if isinstance(obj, Dispatcher):
            kind, home = "kernel", obj.py_func.__module__
        elif isinstance(obj, _Intrinsic):
            kind, home = "kernel", obj.__module__
        elif inspect.isfunction(obj):
            kind, home = "function", obj.__module__
        elif inspect.isclass(obj):
            kind, home = "class", obj.__module__
        else:
            continue
        if home == module.__name__:
            found.append((f"{module.__name__}.{name}", obj, kind))
    return found


PUBLIC = [item for name in _module_names() for item in _public(importlib.import_module(name))]


def _docstring(obj, kind: str) -> str:
    if kind == "kernel":
        return inspect.cleandoc(getattr(obj, "py_func", None).__doc__ or "") if isinstance(obj, Dispatcher) \
            else inspect.cleandoc(obj.__doc__ or "")
    return inspect.getdoc(obj) or "" if kind == "function" else inspect.cleandoc(obj.__doc__ or "")


def _parameters(obj, kind: str) -> list[inspect.Parameter]:
    if kind == "kernel":
        func = obj.py_func if isinstance(obj, Dispatcher) else obj._defn
        params = list(inspect.signature(func).parameters.values())
        return params if isinstance(obj, Dispatcher) else params[1:]   # an intrinsic's first is numba's typingctx
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return []
    return [p for p in signature.parameters.values() if p.name not in ("self", "cls")]


def _returns_none(obj, kind: str) -> bool:
    if kind != "function":
        return False
    annotation = inspect.signature(obj).return_annotation
    return annotation is None or annotation is type(None) or annotation == "None"


def docstring_gaps(name: str, obj, kind: str) -> list[str]:
    """What the docstring of one public callable lacks (empty when it is complete)."""
    doc = _docstring(obj, kind)
    if not doc.strip():
        return ["no docstring"]
    gaps = []
    first = doc.splitlines()[0].strip()
    if not first or SECTION.match(doc):
        gaps.append("no one-line summary")
    sections = set(SECTION.findall(doc))
    if _parameters(obj, kind):
        wanted = ("Parameters", "Attributes") if kind == "class" else ("Parameters",)
        if not sections.intersection(wanted):
            gaps.append(f"no {' or '.join(wanted)} section")
    if kind != "class" and not _returns_none(obj, kind) and not sections.intersection(("Returns", "Yields")):
        gaps.append("no Returns section (nor a return annotation of None)")
    if "Examples" not in sections:
        gaps.append("no Examples section")
    return gaps


def signature_gaps(name: str, obj, kind: str) -> list[str]:
    """Missing type hints and too many positional parameters of one public Python function."""
    if kind != "function":
        return []
    signature = inspect.signature(obj)
    params = [p for p in signature.parameters.values() if p.name not in ("self", "cls")]
    gaps = []
    unhinted = [p.name for p in params if p.annotation is inspect.Parameter.empty]
    if unhinted:
        gaps.append(f"no type hint on {', '.join(unhinted)}")
    if signature.return_annotation is inspect.Signature.empty:
        gaps.append("no return type hint")
    positional = [p.name for p in params
                  if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    if len(positional) > 3 and name not in POSITIONAL_ALLOWED:
        gaps.append(f"{len(positional)} positional parameters; make those after {positional[2]!r} keyword-only")
    return gaps


def _report(check) -> list[str]:
    return [f"{name}: {gap}" for name, obj, kind in PUBLIC for gap in check(name, obj, kind)]


def test_the_public_api_is_found():
    names = {name for name, _, _ in PUBLIC}
    assert {"pfmap.montecarlo.sampling.sample", "pfmap.geometry.perceptron.table.perceptron_table",
            "pfmap.learning.nngp.nngp_kernel", "pfmap.truthtable.string_to_int"} <= names
    assert not any(".cli." in name or name.split(".")[-1].startswith("_") for name in names)
    assert len(PUBLIC) > 300


def test_the_checks_find_what_is_missing():
    def bare(a, b, c, d):
        return a

    def documented(x: int) -> int:
        """Twice ``x``.

        Parameters
        ----------
        x : int

        Returns
        -------
        int

        Examples
        --------
        >>> documented(2)
        4
        """
        return 2 * x

    assert docstring_gaps("bare", bare, "function") == ["no docstring"]
    assert docstring_gaps("documented", documented, "function") == []
    assert signature_gaps("documented", documented, "function") == []
    assert signature_gaps("bare", bare, "function") == [
        "no type hint on a, b, c, d", "no return type hint",
        "4 positional parameters; make those after 'c' keyword-only"]


# The gaps found when this test was written (tests/fixtures/docstring_gaps.txt): the list may only
# shrink.  A new gap fails the test; a gap that was filled must be deleted from the list.
KNOWN = pathlib.Path(__file__).with_name("fixtures") / "docstring_gaps.txt"


def _known() -> set[str]:
    return {line for line in KNOWN.read_text().splitlines() if line and not line.startswith("#")}


def _ratchet(gaps: list[str], what: str) -> None:
    known = _known()
    new = [g for g in gaps if g not in known]
    assert not new, f"{len(new)} new {what} gaps (fill them):\n" + "\n".join(new)


def test_every_public_callable_has_a_numpydoc_docstring():
    _ratchet(_report(docstring_gaps), "docstring")


def test_public_functions_are_typed_and_keyword_only_past_three():
    _ratchet(_report(signature_gaps), "signature")


def test_the_list_of_known_gaps_only_shrinks():
    now = set(_report(docstring_gaps)) | set(_report(signature_gaps))
    filled = sorted(_known() - now)
    assert not filled, "delete these filled gaps from tests/fixtures/docstring_gaps.txt:\n" + "\n".join(filled)


def test_the_positional_allow_list_is_current():
    """Every allowed name still exists and still needs the exception."""
    public = {name: obj for name, obj, kind in PUBLIC if kind == "function"}
    for name in POSITIONAL_ALLOWED:
        assert name in public, name
        params = [p for p in inspect.signature(public[name]).parameters.values()
                  if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        assert len(params) > 3, name
