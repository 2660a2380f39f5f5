"""The house rules of the layout: one installed package, engines that do not import each other, no CLI below."""

import ast
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
ENGINES = {"geometry": "pfmap.geometry", "montecarlo": "pfmap.montecarlo", "learning": "pfmap.learning"}


def _loaded_after(statement):
    code = (f"import sys; {statement}; "
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('pfmap'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/", timeout=300)
    assert out.returncode == 0, out.stderr
    return set(out.stdout.split())


@pytest.mark.parametrize("engine", sorted(ENGINES.values()))
def test_an_engine_loads_no_other_engine_and_no_cli(engine):
    loaded = _loaded_after(f"import {engine}")
    others = [e for e in ENGINES.values() if e != engine] + ["pfmap.cli"]
    for other in others:
        assert not any(m == other or m.startswith(other + ".") for m in loaded), (engine, other)


def test_the_vocabulary_loads_no_engine():
    loaded = _loaded_after("import pfmap, pfmap.tables, pfmap.runfolder, pfmap.executors, pfmap.complexity")
    assert not any(m.startswith(tuple(list(ENGINES.values()) + ["pfmap.cli"])) for m in loaded)


def _imports(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, []


def _package_files():
    for folder in ["pfmap", *ENGINES]:
        yield from sorted((ROOT / folder).rglob("*.py"))


def test_source_imports_respect_the_rooms():
    """Statically too (lazy imports inside functions count): engines import the vocabulary only."""
    for path in _package_files():
        top = path.relative_to(ROOT).parts[0]
        for module, _ in _imports(path):
            if top in ENGINES:
                own = ENGINES[top]
                assert not module.startswith("pfmap.cli"), (path, module)
                for other in ENGINES.values():
                    if other != own:
                        assert not module.startswith(other), (path, module)
            elif top == "pfmap" and path.parts[-2] != "cli" and path.name not in ("crossval.py",):
                assert not module.startswith(tuple(ENGINES.values())), (path, module)


def test_no_private_name_is_imported_across_modules():
    for path in _package_files():
        for module, names in _imports(path):
            if module.startswith("pfmap"):
                private = [n for n in names if n.startswith("_") and not n.startswith("__")]
                assert not private, (path, module, private)


def test_only_one_top_level_package_is_installed():
    """After installation, ``geometry`` and ``montecarlo`` are not importable names: no clash with PyPI's."""
    code = ("import importlib.util as u, pfmap.geometry, pfmap.montecarlo, pfmap.learning; "
            "print(u.find_spec('geometry') is None, u.find_spec('montecarlo') is None, u.find_spec('learning') is None)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/", timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "True", "True"]


def _mentioned(doc: str, folder: str, relative: pathlib.Path) -> bool:
    """Whether the map names a module: by its path, or by its file name in its own room's row."""
    path = relative.as_posix()
    if f"`{folder}/{path}`" in doc or f"`{path}`" in doc:
        return True
    # a table row naming the room first (`rao_blackwell/run.py`, `estimate.py`) lists its siblings by file name
    room = relative.parent.as_posix()
    return any(f"`{room}/" in line and f"`{relative.name}`" in line or f"`{room}/`" in line
               and f"`{relative.stem}`" in line for line in doc.splitlines())


def test_the_architecture_map_names_every_module():
    """docs/architecture.md is the newcomer's map: every module of the package appears in it."""
    doc = (ROOT / "docs" / "architecture.md").read_text()
    missing = []
    for folder in ["pfmap", *ENGINES]:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT / folder)
            if path.name in ("__init__.py", "__main__.py") or relative.parts[0] == "cli":
                continue
            if not _mentioned(doc, folder, relative):
                missing.append(f"{folder}/{relative.as_posix()}")
    assert not missing, "docs/architecture.md does not mention: " + ", ".join(missing)


def _code_lines(path: pathlib.Path) -> int:
    """Lines of a module that are code: not blank, not comments, not docstrings."""
    source = path.read_text()
    docstrings = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                docstrings.update(range(first.lineno, first.end_lineno + 1))
    return sum(1 for number, line in enumerate(source.splitlines(), 1)
               if number not in docstrings and line.strip() and not line.strip().startswith("#"))


def test_no_module_is_over_400_lines_of_code():
    """Rooms stay small: at most 400 lines of code per module (the numpydoc docstrings come on top)."""
    sizes = {str(path.relative_to(ROOT)): _code_lines(path) for path in _package_files()}
    assert _code_lines(pathlib.Path(__file__)) > 50      # the counter counts
    assert not {path: size for path, size in sizes.items() if size > 400}
