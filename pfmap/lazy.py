"""Lazy package namespaces: a package names its public API at the top, and imports each piece on first use.

``pfmap.geometry`` re-exports entry points from rooms that need sympy, numba,
python-flint or pandas; importing all of them whenever any piece of the
engine is used made ``pfmap table perceptron --n 2`` pay for imports it never
uses.  A package that calls :func:`lazy_exports` in its ``__init__`` keeps
``from pfmap.geometry import perceptron_table`` and ``pfmap.geometry.cones``
working (PEP 562 module ``__getattr__``) while importing nothing until then.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping

__all__ = ["lazy_exports"]


def lazy_exports(package: str, homes: Mapping[str, str]) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of a package whose public names are imported on first use.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    homes : mapping of str to str
        Each public name and the module it is defined in (absolute name).

    Returns
    -------
    (callable, callable)
        ``__getattr__(name)``: the public name imported from its home (and kept in the package's namespace), or the
        package's submodule of that name; ``__dir__()``: the package's names, the lazy ones included.

    Raises
    ------
    AttributeError
        From ``__getattr__``, for a name that is neither public nor a submodule (as a module would).

    Examples
    --------
    >>> getattr_, dir_ = lazy_exports("pfmap", {"fraction_of": "fractions"})
    >>> "fraction_of" in dir_()
    True
    >>> getattr_("nosuchthing")
    Traceback (most recent call last):
    ...
    AttributeError: module 'pfmap' has no attribute 'nosuchthing'
    """
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> object:
        home = homes.get(name)
        if home is not None:
            value = getattr(importlib.import_module(home), name)
        elif not name.startswith("_") and importlib.util.find_spec(f"{package}.{name}") is not None:
            value = importlib.import_module(f"{package}.{name}")
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(homes))

    return __getattr__, __dir__
