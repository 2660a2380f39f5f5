"""Every docstring example of the installed package runs and prints what it shows.

The engines live at the repository root but install as ``pfmap.geometry``,
``pfmap.montecarlo`` and ``pfmap.learning``; collecting their files by path
would import them a second time under their folder names, so the examples
are collected here by module name instead.
"""

import doctest
import importlib
import pkgutil
import re

import pytest

import pfmap


ROOTS = ("pfmap", "pfmap.geometry", "pfmap.montecarlo", "pfmap.learning")


def _module_names():
    names = set(ROOTS)
    for root in ROOTS:
        package = importlib.import_module(root)
        for info in pkgutil.walk_packages(package.__path__, root + "."):
            if not info.name.endswith("__main__"):
                names.add(info.name)
    return sorted(names)


MODULES = _module_names()
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
_FLOAT = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?")


class NumberChecker(doctest.OutputChecker):
    """Like pytest's NUMBER option: a float shown in an example matches to the digits it shows."""

    def check_output(self, want, got, optionflags):
        if super().check_output(want, got, optionflags):
            return True
        wants, gots = _FLOAT.findall(want), _FLOAT.findall(got)
        if not wants or len(wants) != len(gots):
            return False
        for w, g in zip(wants, gots):
            digits = len(w.split("e")[0].split("E")[0].partition(".")[2])
            if abs(float(w) - float(g)) > 0.5 * 10.0 ** -digits * (1 + 1e-9) * (10.0 ** _exponent(w)):
                return False
        return super().check_output(_FLOAT.sub("#", want), _FLOAT.sub("#", got), optionflags)


def _exponent(text):
    mantissa, _, exp = text.lower().partition("e")
    return int(exp) if exp else 0


def test_every_engine_is_collected():
    for engine in ("pfmap.geometry", "pfmap.montecarlo", "pfmap.learning", "pfmap.cli"):
        assert engine in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    try:
        module = importlib.import_module(name)
    except ImportError as exc:  # an optional extra (torch) that this environment lacks
        pytest.skip(f"{name} needs an optional dependency: {exc}")
    finder = doctest.DocTestFinder(exclude_empty=True)
    tests = [t for t in finder.find(module, name) if t.examples and _defined_here(t, name)]
    failures = []
    for test in sorted(tests, key=lambda t: t.name):
        report = []
        runner = doctest.DocTestRunner(checker=NumberChecker(), optionflags=FLAGS)
        runner.run(test, out=report.append)
        if runner.failures:
            failures.append("".join(report))
    if failures:
        pytest.fail("\n".join(failures)[:20000])


def _defined_here(test, name):
    """Skip examples re-exported from another module (they run where they are defined)."""
    obj_module = getattr(test, "filename", None)
    module = importlib.import_module(name)
    return obj_module is None or obj_module == getattr(module, "__file__", None)
