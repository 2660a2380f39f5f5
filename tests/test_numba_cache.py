"""numba's on-disk cache never runs stale code: the engine's cache key includes the source of what kernels inline.

The hazard, shown on a two-module package: a cached kernel inlines a helper from another module; the helper
is edited; plain ``cache=True`` loads the old machine code (the kernel's own file did not change), while
:func:`pfmap.montecarlo.jit.cached_njit` keyed on both files' source compiles afresh.
"""

import ast
import pathlib
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

HELPER = """
import numba
from pfmap.montecarlo.jit import cached_njit, source_digest

njit = cached_njit(source_digest([__file__, __file__.replace("helper.py", "kernel.py")]))

@numba.njit(inline="always", cache=True)
def plain_step(x):
    return x + {step}

@njit(inline="always")
def keyed_step(x):
    return x + {step}
"""
KERNEL = """
import numba
from kpkg.helper import keyed_step, njit, plain_step

@numba.njit(cache=True)
def plain(x):
    return 2 * plain_step(x)

@njit()
def keyed(x):
    return 2 * keyed_step(x)
"""
RUN = ("import sys; sys.path.insert(0, sys.argv[1]); from kpkg.kernel import keyed, plain; "
       "print(plain(1), keyed(1), keyed.stats.cache_hits.get(keyed.signatures[0], 0) if keyed.signatures else 0)")


def _run(folder):
    out = subprocess.run([sys.executable, "-c", RUN, str(folder)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    plain, keyed, hits = out.stdout.split()
    return int(plain), int(keyed), int(hits)


def test_an_edit_of_an_inlined_helper_in_another_module_recompiles(tmp_path):
    package = tmp_path / "kpkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "kernel.py").write_text(KERNEL)
    (package / "helper.py").write_text(textwrap.dedent(HELPER.format(step=1)))
    assert _run(tmp_path) == (4, 4, 0)             # compiled, and cached
    assert _run(tmp_path)[1:] == (4, 1)            # the cache is used when nothing changed
    (package / "helper.py").write_text(textwrap.dedent(HELPER.format(step=2)))   # same size, new step
    plain, keyed, hits = _run(tmp_path)
    assert keyed == 6 and hits == 0                # the keyed kernel compiled the new helper
    if plain != 4:  # pragma: no cover - a numba that keys its cache on callees would make the hazard go away
        pytest.skip("this numba already invalidates a cached caller when an inlined callee changes")
    assert plain == 4                              # plain cache=True ran the stale helper (the hazard itself)


def _njit_decorators(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("njit", "jit"):
            yield node


def test_every_engine_kernel_uses_the_keyed_cache():
    """No ``numba.njit(cache=True)`` in the engine: every kernel goes through pfmap.montecarlo.jit.njit."""
    for path in sorted((ROOT / "montecarlo").rglob("*.py")):
        for call in _njit_decorators(path):
            assert not any(k.arg == "cache" for k in call.keywords), f"{path}:{call.lineno} uses numba's own cache"


def test_the_engine_digest_covers_every_module_a_kernel_comes_from():
    import numba.core.registry

    import pfmap.montecarlo  # noqa: F401  (loads every kernel module)
    from pfmap.montecarlo.jit import engine_sources

    covered = {p.resolve() for p in engine_sources()}
    kernels = [obj for name, module in list(sys.modules.items()) if name.startswith("pfmap.montecarlo")
               for obj in vars(module).values() if isinstance(obj, numba.core.registry.CPUDispatcher)]
    assert len(kernels) > 20
    for kernel in kernels:
        source = pathlib.Path(kernel.py_func.__code__.co_filename).resolve()
        assert source in covered, source
        assert type(kernel._cache).__name__ == "SourceKeyedCache", kernel
